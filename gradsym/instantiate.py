"""Index-calculus expressions at concrete sizes: :class:`Instantiator` expands a series
(:mod:`gradsym.indexcalc`) into an engine :class:`~gradsym.poly.Poly` once the size
symbols have numbers, fast enough to compare every step of a general derivation with
the concrete engine on a grid of sizes.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from gradsym.indexcalc import Bound, IndexCalcError, IsInteger, Series, Term
from gradsym.poly import Poly

# -- concrete sizes ------------------------------------------------------------------------------


class InstantiationError(ValueError):
    """A series read a tensor outside its extent, or at a non-integer index."""


Number = int | Fraction


class _Rational:
    """A rational function of size symbols, evaluated exactly with Python integers."""

    def __init__(self, expr: Any) -> None:
        num, den = sympy.fraction(sympy.together(sympy.sympify(expr)))
        self.symbols = sorted(num.free_symbols | den.free_symbols, key=str)
        self.num = _int_terms(num, self.symbols)
        self.den = _int_terms(den, self.symbols)
        self._last: tuple[dict[Any, int], Number] | None = None


    def __call__(self, sizes: dict[Any, int]) -> Number:
        # The last sizes seen, by identity (a reference is kept, so the id is not reused):
        # one cross-check configuration evaluates the same coefficient many times.
        if self._last is not None and self._last[0] is sizes:
            return self._last[1]
        value = self._evaluate(sizes)
        self._last = (sizes, value)
        return value

    def _evaluate(self, sizes: dict[Any, int]) -> Number:
        try:
            values = [sizes[s] for s in self.symbols]
        except KeyError as exc:
            raise InstantiationError(f"no value for the size {exc.args[0]}") from None
        num = _eval_terms(self.num, values)
        den = _eval_terms(self.den, values)
        if num % den == 0:
            return num // den
        return Fraction(num, den)


@functools.lru_cache(maxsize=4096)
def _rational(expr: Any) -> _Rational:
    """One shared evaluator per expression (so that its memo serves every form)."""
    return _Rational(expr)


def _int_terms(expr: Any, symbols: list[Any]) -> list[tuple[tuple[int, ...], int]]:
    if not symbols:
        return [((), int(expr))]
    poly = sympy.Poly(expr, *symbols)
    return [(monom, int(coef)) for monom, coef in poly.terms()]


def _eval_terms(terms: list[tuple[tuple[int, ...], int]], values: list[int]) -> int:
    total = 0
    for monom, coef in terms:
        prod = coef
        for v, e in zip(values, monom):
            if e:
                prod *= v**e
        total += prod
    return total


class _Affine:
    """An index expression as Σ c_v·v + c₀, the c's rational functions of the sizes."""

    def __init__(self, expr: Any, slots: dict[Any, int]) -> None:
        e = sympy.expand(sympy.sympify(expr))
        index_vars = set(slots)
        used = sorted(e.free_symbols & index_vars, key=str)
        coeffs = {v: e.coeff(v) for v in used}
        const = e.xreplace({v: 0 for v in used})
        if any(c.free_symbols & index_vars for c in coeffs.values()) or sympy.expand(
            e - sum(c * v for v, c in coeffs.items()) - const
        ) != 0:
            raise IndexCalcError(f"{expr} is not affine in the indices")
        self.coeffs = [(slots[v], _rational(c)) for v, c in coeffs.items()]
        self.const = _rational(const)

    def at(self, sizes: dict[Any, int]) -> Form:
        """``(((slot, a), …), b, q)``: the expression is (Σ a·v + b)/q, all integers, q > 0."""
        values = [(slot, c(sizes)) for slot, c in self.coeffs]
        const = self.const(sizes)
        if isinstance(const, int) and all(isinstance(v, int) for _, v in values):
            return tuple((slot, int(v)) for slot, v in values if v), const, 1
        den = math.lcm(*(Fraction(v).denominator for _, v in values), Fraction(const).denominator)
        coeffs = tuple((slot, int(v * den)) for slot, v in values if v != 0)
        return coeffs, int(const * den), den


# An affine form at concrete sizes: ((slot, integer coefficient), …), integer constant,
# positive integer denominator. Slots number the index variables (fast, unlike symbols).
Form = tuple[tuple[tuple[int, int], ...], int, int]


def _numerator(form: Form, assign: list[Any]) -> int:
    coeffs, total, _ = form
    for slot, c in coeffs:
        total += c * assign[slot]
    return int(total)


@dataclass
class _CompiledTerm:
    coef: int
    limits: list[tuple[int, Any, _Rational, _Rational]]
    reads: list[tuple[str, bool, list[_Affine]]]
    deltas: list[_Affine]
    integers: list[_Affine]
    bounds: list[tuple[_Affine, _Affine | None, _Affine | None]]


class Instantiator:
    """Expand a series at concrete sizes and free-index values into an engine polynomial.

    ``bind(tensor, index)`` gives the variable id of a concrete tensor element, or None
    outside its extent. Deltas are solved, not enumerated, so nested sums stay cheap.
    A read outside the extent of a tensor that is not zero-padded, or at a fractional
    index, raises :class:`InstantiationError`: it means a bracket is missing.
    """

    def __init__(self, series: Series, index_vars: Iterable[Any]) -> None:
        names = set(index_vars)
        for term in series:
            names |= term.bound()
        self.slots = {v: i for i, v in enumerate(sorted(names, key=str))}
        self.terms = [self._compile(t) for t in series]
        self._sized: tuple[Any, list[_SizedTerm]] | None = None

    def _compile(self, term: Term) -> _CompiledTerm:
        def aff(e: Any) -> _Affine:
            return _Affine(e, self.slots)

        return _CompiledTerm(
            term.coef,
            [(self.slots[lim.var], lim.var, _rational(lim.lo), _rational(lim.hi)) for lim in term.limits],
            [(r.tensor, r.padded, [aff(e) for e in r.index]) for r in term.reads],
            [aff(dl.lhs - dl.rhs) for dl in term.deltas],
            [aff(c.value) for c in term.conds if isinstance(c, IsInteger)],
            [
                (aff(c.value), None if c.lo is None else aff(c.lo), None if c.hi is None else aff(c.hi))
                for c in term.conds
                if isinstance(c, Bound)
            ],
        )

    def at(self, sizes: dict[Any, int]) -> list[_SizedTerm]:
        """The terms with every coefficient evaluated at these sizes.

        Cached for the last ``sizes`` object: do not mutate it between calls.
        """
        if self._sized is None or self._sized[0] is not sizes:
            self._sized = (sizes, [_SizedTerm.make(t, sizes) for t in self.terms])
        return self._sized[1]

    def poly(
        self,
        sizes: dict[Any, int],
        free: dict[Any, int],
        bind: Callable[[str, tuple[int, ...]], int | None],
    ) -> Poly:
        """The polynomial at these sizes and free-index values."""
        out = Poly()
        start: list[Any] = [None] * len(self.slots)
        for var, value in free.items():
            if var in self.slots:
                start[self.slots[var]] = value
        for term in self.at(sizes):
            term.expand(list(start), bind, out)
        return out


@dataclass
class _SizedTerm:
    """A compiled term at concrete sizes: integer affine forms over index slots."""

    coef: int
    order: list[int]
    ranges: dict[int, tuple[int, int]]
    deltas: list[Form]
    integers: list[Form]
    bounds: list[tuple[Form, Form | None, Form | None]]
    reads: list[tuple[str, bool, list[Form]]]

    @classmethod
    def make(cls, term: _CompiledTerm, sizes: dict[Any, int]) -> _SizedTerm:
        ranges = {}
        for slot, var, lo, hi in term.limits:
            lo_v, hi_v = lo(sizes), hi(sizes)
            if isinstance(lo_v, Fraction) or isinstance(hi_v, Fraction):
                raise InstantiationError(f"the sum over {var} has fractional limits")
            ranges[slot] = (lo_v, hi_v)
        return cls(
            term.coef,
            [slot for slot, _, _, _ in term.limits],
            ranges,
            [d.at(sizes) for d in term.deltas],
            [c.at(sizes) for c in term.integers],
            [
                (v.at(sizes), None if lo is None else lo.at(sizes), None if hi is None else hi.at(sizes))
                for v, lo, hi in term.bounds
            ],
            [(name, padded, [a.at(sizes) for a in idx]) for name, padded, idx in term.reads],
        )

    def expand(
        self,
        assign: list[Any],
        bind: Callable[[str, tuple[int, ...]], int | None],
        out: Poly,
    ) -> None:
        """Add this term's monomials for every assignment of the summation indices."""
        if all(hi >= lo for lo, hi in self.ranges.values()):
            self._search(assign, bind, out)

    def _search(self, assign: list[Any], bind: Callable[[str, tuple[int, ...]], int | None],
                out: Poly) -> None:
        # Solve any delta with one unknown left: a single value, or none.
        for coeffs, const, _ in self.deltas:
            unknown = [slot for slot, _ in coeffs if assign[slot] is None]
            if len(unknown) == 1:
                u = unknown[0]
                rest, coef = const, 0
                for slot, c in coeffs:
                    if slot == u:
                        coef = c
                    else:
                        rest += c * assign[slot]
                val, remainder = divmod(-rest, coef)
                lo, hi = self.ranges[u]
                if not remainder and lo <= val <= hi:
                    assign[u] = val
                    self._search(assign, bind, out)
                    assign[u] = None
                return
            if not unknown and _numerator((coeffs, const, 1), assign) != 0:
                return
        for slot in self.order:
            if assign[slot] is None:
                lo, hi = self.ranges[slot]
                for val in range(lo, hi + 1):
                    assign[slot] = val
                    self._search(assign, bind, out)
                assign[slot] = None
                return
        self._emit(assign, bind, out)

    def _emit(self, assign: list[Any], bind: Callable[[str, tuple[int, ...]], int | None],
              out: Poly) -> None:
        for form in self.integers:
            if _numerator(form, assign) % form[2]:
                return
        for value, lo, hi in self.bounds:
            # compare fractions a/q ≥ b/r by cross-multiplying (denominators are positive)
            v, q = _numerator(value, assign), value[2]
            if lo is not None and v * lo[2] < _numerator(lo, assign) * q:
                return
            if hi is not None and v * hi[2] > _numerator(hi, assign) * q:
                return
        ids = []
        for name, padded, index in self.reads:
            point = []
            for form in index:
                num = _numerator(form, assign)
                if num % form[2]:
                    raise InstantiationError(f"{name} read at the fractional index {Fraction(num, form[2])}")
                point.append(num // form[2])
            var_id = bind(name, tuple(point))
            if var_id is None:
                if padded:
                    return
                raise InstantiationError(f"{name}{point} read outside its extent")
            ids.append(var_id)
        out.add_term(tuple(sorted(ids)), self.coef)


def binder(tensors: dict[str, tuple[int, tuple[int, ...]]]) -> Callable[[str, tuple[int, ...]], int | None]:
    """``bind`` for :meth:`Instantiator.poly` from ``{name: (first id, shape)}`` (row-major)."""

    def bind(name: str, index: tuple[int, ...]) -> int | None:
        first, shape = tensors[name]
        if len(index) != len(shape):
            raise InstantiationError(f"{name} has {len(shape)} axes, read with {len(index)}")
        flat = 0
        for i, n in zip(index, shape):
            if not 0 <= i < n:
                return None
            flat = flat * n + i
        return first + flat

    return bind


def free_points(ranges: Sequence[tuple[Any, int]]) -> Iterable[dict[Any, int]]:
    """Every assignment of free indices ``[(symbol, length), …]`` to 0…length−1, row-major."""
    symbols = [s for s, _ in ranges]
    for values in itertools.product(*(range(n) for _, n in ranges)):
        yield dict(zip(symbols, values))
