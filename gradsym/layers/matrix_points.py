"""``matrix`` for large determinants and inverses: closed forms checked at exact random points.

Expanding det(X) of an 8x8 X into element symbols gives 8! = 40,320 terms per entry, so
from :data:`POINT_SIZE` on the element-wise check is not symbolic. Instead, at
:data:`POINTS` random rational points:

- the closed form is evaluated exactly (determinants by fraction-free Bareiss elimination,
  inverses by exact LU, both over the rationals);
- the derivative of the objective is computed independently by forward-mode dual numbers
  through Gaussian elimination (:class:`gradsym.layers.expr.DualScalars`): the chain rule on
  every elimination step, exact on rationals — not Jacobi's formula, which is what the closed
  form states;
- the two are compared entry by entry (exactly where both are rational, else within 1e-12
  relative).

Agreement at random points is strong evidence, not a proof for all values (the output says
so); the symbolic path stays the default below :data:`POINT_SIZE`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from sympy.matrices.expressions.matexpr import MatrixElement

from gradsym import progress
from gradsym.calculus import SparseJacobian
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose
from gradsym.layers.expr import Declared, SympyScalars, exact_value, values_equal
from gradsym.layers.matrix_algebra import (
    LC,
    Adj,
    Elem,
    Group,
    Had,
    Ident,
    Inv,
    MatPow,
    Ones,
    ScalarOf,
    Sym,
    Tr,
)
from gradsym.layers.matrix_values import (
    arithmetic,
    lc_elements,
)
from gradsym.numeric import object_array, sparse_jacobians
from gradsym.rules import RULES, DomainError

POINT_SIZE = 5
"""From this size on, a det / inverse is checked at exact random points, not symbolically."""
POINTS = 3
"""How many random rational points the check uses."""

Shape = tuple[int, ...]


class NoCompactForm(Exception):
    """The expression has a part the compact (matrix-symbol) form cannot write."""


def needs_points(root: Node, shapes: Mapping[Node, Shape]) -> bool:
    """True when a determinant, inverse or negative power acts on a matrix of size ≥
    :data:`POINT_SIZE` (too large to expand into element symbols)."""
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            if n.func in ("det", "inv") and shapes[n.args[0]][:1] >= (POINT_SIZE,):
                return True
            stack.extend(n.args)
        elif isinstance(n, BinOp):
            if (n.op == "**" and shapes[n] != () and shapes[n][0] >= POINT_SIZE
                    and isinstance(n.right, Num) and n.right.value < 0):
                return True
            stack.extend((n.left, n.right))
        elif isinstance(n, Neg | Transpose):
            stack.append(n.operand)
    return False


def point_work(root: Node, shapes: Mapping[Node, Shape], differentiated: int) -> float:
    """Terms of work of the point check, at every point: each entry of every sub-expression,
    and for each det / inverse of a k×k matrix an elimination of k³ steps whose dual numbers
    carry up to ``differentiated`` tangents (measured: about k⁴ terms when all k² entries are
    differentiated; benchmarks/bench_values.py times 8x8)."""
    total = 0.0
    stack = [root]
    while stack:
        n = stack.pop()
        size = math.prod(shapes[n]) if shapes.get(n) else 1
        total += size
        if isinstance(n, Call):
            if n.func in ("det", "inv") and shapes[n.args[0]]:
                k = shapes[n.args[0]][0]
                total += k**3 * max(k, differentiated / k)
            stack.extend(n.args)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
        elif isinstance(n, Neg | Transpose):
            stack.append(n.operand)
    # exact Fraction steps in plain Python are cheaper than the SymPy terms the budget's
    # rate is fitted to: about one budget term per point for every POINTS elimination steps
    return total


# -- compact SymPy forms (matrix symbols, nothing expanded) -----------------------------------


def _matrix_symbols(declared: Mapping[str, Declared]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, x in declared.items():
        key = algebra_name(name, x)
        if x.shape == ():
            out[key] = sympy.Symbol(key, real=True)
        else:
            rows, cols = x.shape if len(x.shape) == 2 else (x.shape[0], 1)
            out[key] = sympy.MatrixSymbol(key, rows, cols)
    return out


def compact_forward(root: Node, declared: Mapping[str, Declared]) -> Any:
    """The objective as a SymPy matrix expression: ``log(Determinant(X))``."""
    symbols = _matrix_symbols(declared)
    bare = {n: algebra_name(n, x) for n, x in declared.items()}

    def scalar(e: Any) -> Any:
        return e[0, 0] if getattr(e, "is_Matrix", False) and e.shape == (1, 1) else e

    def walk(n: Node) -> Any:
        if isinstance(n, Num):
            return sympy.Rational(n.value.numerator, n.value.denominator)
        if isinstance(n, Name):
            return symbols[bare[n.id]]
        if isinstance(n, Neg):
            return -walk(n.operand)
        if isinstance(n, Transpose):
            return walk(n.operand).T
        if isinstance(n, BinOp):
            return arithmetic(n.op, walk(n.left), walk(n.right))
        assert isinstance(n, Call)
        a = walk(n.args[0])
        matrix = getattr(a, "is_Matrix", False)
        if n.func == "trace":
            return scalar(sympy.Trace(a)) if matrix else a
        if n.func == "det":
            return sympy.Determinant(a)
        if n.func == "inv":
            return sympy.Inverse(a)
        if n.func == "hadamard":
            return sympy.HadamardProduct(a, walk(n.args[1]))
        if n.func == "sum" and matrix:
            return sympy.Trace(sympy.OneMatrix(a.shape[1], a.shape[0]) * a)
        if n.func == "norm" and matrix:
            return sympy.sqrt(sympy.Trace(a.T * a))
        if matrix or n.func not in RULES:
            raise NoCompactForm(n.func)
        return RULES[n.func].sympy_value(a)

    return walk(root)


def lc_sympy(lc: LC, declared: Mapping[str, Declared]) -> Any:
    """A closed form as a SymPy matrix expression (``Determinant(X)*X.T**(-1)``)."""
    symbols = _matrix_symbols(declared)

    def atom(a: Any) -> Any:
        if isinstance(a, Sym):
            return symbols[a.name]
        if isinstance(a, Tr):
            return atom(a.arg).T
        if isinstance(a, Ident):
            return sympy.Identity(a.n)
        if isinstance(a, Ones):
            return sympy.OneMatrix(a.rows, a.cols)
        if isinstance(a, Inv):
            return sympy.Inverse(atom(a.arg))
        if isinstance(a, Adj):  # adj(A) = det(A)·A⁻¹ as a matrix expression
            inside = atom(a.arg)
            return sympy.Determinant(inside) * sympy.Inverse(inside)
        if isinstance(a, MatPow):
            return sympy.MatPow(atom(a.arg), a.k)
        if isinstance(a, Had):
            return sympy.HadamardProduct(total(a.left), total(a.right))
        if isinstance(a, Group):
            return total(a.lc)
        if isinstance(a, Elem):
            raise NoCompactForm(a.func)
        assert isinstance(a, ScalarOf)
        v = total(a.arg)
        matrix = getattr(v, "is_Matrix", False)
        if a.func == "trace":
            return sympy.Trace(v) if matrix else v
        if a.func == "det":
            return sympy.Determinant(v)
        if a.func == "sum":
            return sympy.Trace(sympy.OneMatrix(v.shape[1], v.shape[0]) * v) if matrix else v
        if a.func == "norm":
            return sympy.sqrt(sympy.Trace(v.T * v)) if matrix else sympy.Abs(v)
        if a.func == "sign":
            return sympy.sign(v)
        return RULES[a.func].sympy_value(v)

    def total(x: LC) -> Any:
        if not x.terms:
            return sympy.ZeroMatrix(*x.shape) if x.shape else sympy.Integer(0)
        out: Any = None
        for t in x.terms:
            value: Any = sympy.Rational(t.coef.numerator, t.coef.denominator)
            for s, e in t.scalars:
                value = value * atom(s) ** sympy.Rational(e.numerator, e.denominator)
            for m in t.mats:
                value = value * atom(m)
            out = value if out is None else out + value
        return out

    return total(lc)


def closed_form_entries(
    forms: Mapping[str, Any], declared: Mapping[str, Declared], arrays: Mapping[str, np.ndarray]
) -> dict[str, SparseJacobian]:
    """The 'element-wise' table of the point path: entry (i, j) of each closed form, kept as
    an element of the matrix expression (nothing expanded)."""
    out: dict[str, SparseJacobian] = {}
    for name, form in forms.items():
        g = lc_sympy(form.lc, declared)
        shape = arrays[name].shape
        entries: dict[tuple[int, int], Any] = {}
        for w, index in enumerate(np.ndindex(*shape)):
            if not getattr(g, "is_Matrix", False):
                entries[(0, w)] = g
            else:
                i, j = (index + (0,))[:2]
                entries[(0, w)] = MatrixElement(g, i, j)
        out[name] = SparseJacobian((), shape, entries)
    return out


# -- exact values -----------------------------------------------------------------------------


class ExactScalars(SympyScalars):
    """Exact numbers: determinants by Bareiss elimination, inverses by exact LU (no expansion)."""

    def det(self, m: np.ndarray) -> Any:
        return sympy.Matrix(m.tolist()).det(method="bareiss")

    def inv(self, m: np.ndarray) -> np.ndarray:
        matrix = sympy.Matrix(m.tolist())
        if matrix.det(method="bareiss") == 0:
            raise DomainError("domain.singular")
        inverse = matrix.inv(method="LU")
        out = np.empty(inverse.shape, dtype=object)
        for i in range(inverse.rows):
            for j in range(inverse.cols):
                out[i, j] = inverse[i, j]
        return out


def algebra_name(name: str, x: Declared) -> str:
    """The name a declared tensor has in closed forms: the user's own for a matrix or vector
    (``C``, ``E``, ``beta`` stay themselves: the JSON lists them under ``shapes``, so they are
    read back as matrices); a scalar keeps its element symbol (``E_``, not Euler's ``E``)."""
    return name if x.shape else x.bare


def numeric_env(values: Mapping[str, np.ndarray], declared: Mapping[str, Declared]) -> dict[str, Any]:
    """Exact values by algebra name, as the closed forms read them (matrices, or numbers)."""
    env: dict[str, Any] = {}
    for name, arr in values.items():
        x = declared[name]
        flat = [sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction)
                else sympy.Integer(v) for v in arr.reshape(-1)]
        if x.shape == ():
            env[algebra_name(name, x)] = flat[0]
        else:
            rows = x.shape[0]
            env[algebra_name(name, x)] = sympy.Matrix(rows, len(flat) // rows, flat)
    return env


def closed_value(lc: LC, env: Mapping[str, Any], size: int) -> list[Any]:
    """The closed form at exact values, flat row-major (int / Fraction where rational)."""
    got = lc_elements(lc, env)
    flat = list(got) if isinstance(got, sympy.MatrixBase) else [got]
    if len(flat) != size:  # pragma: no cover - shapes agree by construction
        raise ValueError("shape mismatch")
    return [exact_value(v, {}) for v in flat]


def random_point(declared: Mapping[str, Declared], names: Sequence[str],
                 rng: random.Random) -> dict[str, np.ndarray]:
    """Small random rationals (p/q with |p| ≤ 9, 1 ≤ q ≤ 4) for every name."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        shape = declared[name].shape
        flat = [Fraction(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(math.prod(shape))]
        out[name] = object_array((int(v) if v.denominator == 1 else v for v in flat), shape)
    return out


def check_at_points(
    forms: Mapping[str, Any],
    declared: Mapping[str, Declared],
    names: Sequence[str],
    dual_forward: Callable[[dict[str, np.ndarray]], Any],
    seed: int | None,
) -> tuple[dict[str, str | None], int]:
    """Compare each closed form with dual-number derivatives at :data:`POINTS` random
    rational points where the objective is defined; ({name: mismatch or None}, points used)."""
    rng = random.Random(0 if seed is None else seed)
    checked = [n for n, f in forms.items() if f.lc is not None]
    verdict: dict[str, str | None] = {n: None for n in checked}
    used = 0
    for _attempt in range(40 * POINTS):
        if used == POINTS:
            break
        progress.report("proof: at random exact points", used, POINTS)
        point = random_point(declared, names, rng)
        try:
            _, jac = sparse_jacobians(dual_forward, point, checked)
            env = numeric_env(point, declared)
            closed = {n: closed_value(forms[n].lc, env, point[n].size) for n in checked}
        except (DomainError, ZeroDivisionError, ArithmeticError):
            continue  # undefined there (log of a negative det, a singular matrix): another point
        used += 1
        for n in checked:
            if verdict[n] is not None:
                continue
            numeric = [jac[n].get((0, w), 0) for w in range(point[n].size)]
            scale = max([abs(float(v)) for v in numeric] + [1.0])
            for w, (got, want) in enumerate(zip(closed[n], numeric)):
                if not values_equal(got, want, scale):
                    where = ", ".join(f"{k}={v.tolist()}" for k, v in point.items())
                    verdict[n] = (f"at {where}: entry {w} of the closed form is {got}, "
                                  f"the dual-number derivative {want}")
                    break
    if used == 0:
        for n in checked:
            verdict[n] = "no random point where the objective is defined was found"
    return verdict, used
