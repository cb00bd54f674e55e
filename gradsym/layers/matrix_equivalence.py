"""Exact equivalence of element expressions, and the work estimate of a matrix expression.

:func:`equivalent` decides whether two SymPy expressions agree (exactly, over
:class:`RationalField` where both are rational in the element symbols); :func:`estimate`
and :func:`matrix_degree` bound the work and the polynomial degree before anything is built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy

from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose
from gradsym.layers.arrays import axis_literal
from gradsym.layers.matrix_algebra import Shape

# ---------------------------------------------------------------------------
# 5. Equivalence, estimates


class RationalField:
    """Exact rational functions over the element symbols: a sparse numerator polynomial over a
    factored denominator {polynomial: power}. Decides equality of rational functions fast.

    Conversion walks the expression once (equal sub-expressions once). No gcds are taken:
    denominators stay factored as they were written (1/det(X)², …), so a common denominator
    is the largest power of each factor; two values are equal when their numerators over a
    common denominator are.
    """

    def __init__(self, symbols: Sequence[Any]) -> None:
        from sympy.polys.rings import ring

        self.ring, *gens = ring(list(symbols), sympy.QQ)
        self.gens = dict(zip(symbols, gens))

    def value(self, expr: Any) -> tuple[Any, dict[Any, int]] | None:
        """(numerator, {denominator factor: power}), or None if not a rational function."""
        memo: dict[Any, tuple[Any, dict[Any, int]]] = {}
        try:
            return self._value(_basic(expr), memo)
        except (ValueError, ZeroDivisionError, RecursionError):
            return None

    def equal(self, a: tuple[Any, dict[Any, int]], b: tuple[Any, dict[Any, int]]) -> bool:
        (na, nb), _ = self._common([a, b])
        return bool(na == nb)

    def _common(
        self, parts: Sequence[tuple[Any, dict[Any, int]]]
    ) -> tuple[list[Any], dict[Any, int]]:
        """Numerators over the common denominator (largest power of every factor)."""
        den: dict[Any, int] = {}
        for _, d in parts:
            for f, e in d.items():
                den[f] = max(den.get(f, 0), e)
        nums = []
        for n, d in parts:
            for f, e in den.items():
                missing = e - d.get(f, 0)
                if missing:
                    n = n * f**missing
            nums.append(n)
        return nums, den

    def _value(self, e: Any, memo: dict[Any, tuple[Any, dict[Any, int]]]
               ) -> tuple[Any, dict[Any, int]]:
        if e in memo:
            return memo[e]
        out: tuple[Any, dict[Any, int]]
        if e in self.gens:
            out = (self.gens[e], {})
        elif e.is_Rational:
            out = (self.ring.ground_new(sympy.QQ(int(e.p), int(e.q))), {})
        elif e.is_Add:
            nums, den = self._common([self._value(a, memo) for a in e.args])
            total = nums[0]
            for n in nums[1:]:
                total = total + n
            out = (total, den)
        elif e.is_Mul:
            num, den = self.ring.one, {}
            for a in e.args:
                n, d = self._value(a, memo)
                num = num * n
                for f, k in d.items():
                    den[f] = den.get(f, 0) + k
            out = (num, den)
        elif e.is_Pow and e.exp.is_Integer:
            n, d = self._value(e.base, memo)
            k = int(e.exp)
            if k < 0:
                if not n:
                    raise ZeroDivisionError
                inverted = self.ring.one
                for f, j in d.items():
                    inverted = inverted * f**j
                if n.is_ground:
                    n, d = inverted * (1 / n.LC), {}
                else:
                    n, d = inverted, {n: 1}
                k = -k
            out = (n**k, {f: j * k for f, j in d.items()})
        else:
            raise ValueError("not a rational function")
        memo[e] = out
        return out


def _basic(x: Any) -> Any:
    """A SymPy object for an element (numbers from our own arithmetic; never text)."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, int | Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    raise TypeError(f"not a SymPy expression: {type(x).__name__}")


def equivalent(a: Any, b: Any, field: RationalField | None = None) -> bool:
    """True when two SymPy scalars are identical as functions (tries cheap ways first)."""
    a, b = _basic(a), _basic(b)
    diff = a - b
    if diff == 0:
        return True
    if field is not None:
        fa, fb = field.value(a), field.value(b)
        if fa is not None and fb is not None:
            return field.equal(fa, fb)
        # Not rational: every other sub-expression (exp(…), Abs(…), sqrt(…)) becomes a fresh
        # variable. Equal rational functions of those are equal functions (sound, not complete).
        a, b = (e.replace(sympy.sign, lambda z: z / sympy.Abs(z)) for e in (a, b))
        opaque: dict[Any, Any] = {}
        for e in (a, b):
            _collect_opaque(e, opaque)
        wider = RationalField([*field.gens, *opaque.values()])
        fa, fb = wider.value(a.xreplace(opaque)), wider.value(b.xreplace(opaque))
        if fa is not None and fb is not None and wider.equal(fa, fb):
            return True
        if _equal_modulo_abs_squares(a - b, opaque):
            return True
        diff = a - b
    if sympy.expand(diff) == 0:
        return True
    return bool(sympy.simplify(diff) == 0)


def _equal_modulo_abs_squares(diff: Any, opaque: dict[Any, Any]) -> bool:
    """True when ``diff`` vanishes once each opaque t = |z| obeys t² = z² (sound for real z):
    ``A²·x/(|A|·|x|) − |A|·x/|x|`` is zero, though not as a rational function of |A|, |x|."""
    squares = [(t, e.args[0]) for e, t in opaque.items() if isinstance(e, sympy.Abs)]
    if not squares:
        return False
    numerator = sympy.numer(sympy.together(diff.xreplace(opaque)))
    for t, z in squares:
        numerator = sympy.rem(sympy.expand(numerator), t**2 - z**2, t)
    return bool(sympy.expand(numerator) == 0)


def _collect_opaque(e: Any, found: dict[Any, Any]) -> None:
    """Map each maximal non-rational sub-expression of ``e`` to a fresh symbol."""
    if e.is_Symbol or e.is_Number:
        return
    if e.is_Add or e.is_Mul:
        for arg in e.args:
            _collect_opaque(arg, found)
        return
    if e.is_Pow and e.exp.is_Integer:
        _collect_opaque(e.base, found)
        return
    if e not in found:
        found[e] = sympy.Dummy("opaque", real=True)


def estimate(n: Node, shapes: Mapping[Node, Shape]) -> float:
    """Rough number of terms of one element of ``n`` once expanded (for the work budget)."""
    cap = 1e30

    def est(x: Node) -> float:
        if isinstance(x, Num | Name):
            return 1.0
        if isinstance(x, Neg | Transpose):
            return est(x.operand)
        if isinstance(x, BinOp):
            a, b = est(x.left), est(x.right)
            if x.op in ("+", "-"):
                return min(a + b, cap)
            if x.op == "*":
                sa = shapes[x.left]
                k = sa[1] if sa and shapes[x.right] else 1
                return min(k * a * b, cap)
            if x.op == "/":
                return min(a * b, cap)
            if shapes[x] == ():
                e = x.right.value if isinstance(x.right, Num) else 1
                power = abs(int(e)) if isinstance(e, Fraction) and e.denominator == 1 else 1
                return min(a * max(power, 1), cap)
            signed = int(x.right.value) if isinstance(x.right, Num) else 1
            k, size = abs(signed), shapes[x][0]
            inverse = math.factorial(size) if signed < 0 else 1
            return min((size * a) ** max(k - 1, 0) * a * inverse, cap)
        assert isinstance(x, Call)
        a = est(x.args[0])
        shape = shapes[x.args[0]]
        elems = math.prod(shape) if shape else 1
        size = shape[0] if shape else 1
        if x.func == "trace":
            return min(size * a, cap)
        if x.func == "det":
            return min(math.factorial(size) * a**size, cap)
        if x.func == "inv":
            return min(math.factorial(size) * a**size * size, cap)
        if x.func in ("sum",):
            return min(elems * a, cap)
        if x.func == "norm":
            return min(elems * a * a, cap)
        if x.func == "hadamard":
            return min(a * est(x.args[1]), cap)
        return a + 1

    return est(n)


def matrix_degree(n: Node, shapes: Mapping[Node, Shape]) -> int | None:
    """An upper bound on the polynomial degree of an explicit tree, or None when it is not a
    polynomial (inverses, norms, scalar functions, division by a variable)."""
    if isinstance(n, Num):
        return 0
    if isinstance(n, Name):
        return 1
    if isinstance(n, Neg | Transpose):
        return matrix_degree(n.operand, shapes)
    if isinstance(n, BinOp):
        a, b = matrix_degree(n.left, shapes), matrix_degree(n.right, shapes)
        if a is None or b is None:
            return None
        if n.op in ("+", "-"):
            return max(a, b)
        if n.op == "*":
            return a + b
        if n.op == "/":
            return a if b == 0 else None
        k = axis_literal(n.right)
        if a == 0 and b == 0:
            return 0
        return a * k if k is not None and 0 <= k <= 64 else None
    assert isinstance(n, Call)
    degrees = [matrix_degree(x, shapes) for x in n.args]
    if any(d is None for d in degrees):
        return None
    first = degrees[0]
    assert first is not None
    if n.func in ("trace", "sum"):
        return first
    if n.func == "hadamard":
        return sum(d for d in degrees if d is not None)
    if n.func == "det":
        return shapes[n.args[0]][0] * first
    if n.func in ("Identity", "OneMatrix"):
        return 0
    return None
