"""Exact numeric evaluation, and the one independent numeric differentiation for checks.

The check ``jacobian_matches_autodiff_numeric`` runs a layer's own *numeric* forward pass
(plain NumPy/Python on exact numbers, never the symbolic code path) on :class:`Dual` numbers:
forward-mode differentiation whose tangent is a sparse dict ``{variable: ∂value/∂variable}``.
One pass seeded with every variable at once gives every Jacobian entry, at a cost linear in
the number of non-zero entries; on Fractions and ints the arithmetic is exact, and functions
with irrational values (exp, tanh, …) follow :data:`gradsym.rules.RULES`.

>>> from fractions import Fraction
>>> x, y = Dual.variable(Fraction(1, 3), "x"), Dual.variable(2, "y")
>>> z = x * x * y + y
>>> z.value, z.tangent
(Fraction(20, 9), {'x': Fraction(4, 3), 'y': Fraction(10, 9)})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import numpy as np

from gradsym.proofs import Check
from gradsym.rules import RULES, DomainError, Rule, exact_root, extremum_weights

Number = int | Fraction
Tangent = dict[Hashable, Any]


def object_array(elems: Iterable[Any], shape: Sequence[int]) -> np.ndarray:
    """Elements (exact numbers, polynomials, SymPy expressions) as an object array of ``shape``."""
    items = list(elems)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr.reshape(tuple(shape))


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a, b)
    return a / b


def _scaled(tangent: Tangent, factor: Any) -> Tangent:
    if factor == 1:
        return tangent  # tangents are never mutated, so they may be shared
    return {k: v * factor for k, v in tangent.items()}


def _combined(a: Tangent, fa: Any, b: Tangent, fb: Any) -> Tangent:
    """fa·a + fb·b, merged key by key (the larger dict is copied, the smaller walked)."""
    if len(a) < len(b):
        a, fa, b, fb = b, fb, a, fa
    out = dict(a) if fa == 1 else {k: v * fa for k, v in a.items()}
    for k, v in b.items():
        term = v if fb == 1 else v * fb
        out[k] = out[k] + term if k in out else term
    return out


class Dual:
    """``value + Σₖ tangent[k]·εₖ`` with εᵢεⱼ = 0: exact forward-mode differentiation
    with respect to many variables at once; the tangent holds only the variables the value
    depends on. Comparisons compare values (for max, min and pivoting).

    >>> (Dual(Fraction(9, 4), {0: 1}) ** Fraction(1, 2)).tangent
    {0: Fraction(1, 3)}
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value: Any, tangent: Tangent | None = None) -> None:
        self.value = value
        self.tangent: Tangent = {} if tangent is None else tangent

    @classmethod
    def variable(cls, value: Any, key: Hashable) -> Dual:
        """An independent variable: its own tangent is 1."""
        return cls(value, {key: 1})

    @staticmethod
    def lift(x: Any) -> Dual:
        return x if isinstance(x, Dual) else Dual(x)

    def partial(self, key: Hashable) -> Any:
        """∂value/∂variable ``key`` (0 when the value does not depend on it)."""
        return self.tangent.get(key, 0)

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"

    def __add__(self, other: Any) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented  # element by element, by NumPy
        if isinstance(other, Dual):
            if not other.tangent:
                return Dual(self.value + other.value, self.tangent)
            if not self.tangent:
                return Dual(self.value + other.value, other.tangent)
            return Dual(self.value + other.value, _combined(self.tangent, 1, other.tangent, 1))
        return Dual(self.value + other, self.tangent)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.value, _scaled(self.tangent, -1))

    def __sub__(self, other: Any) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented  # element by element, by NumPy
        if isinstance(other, Dual):
            return Dual(self.value - other.value, _combined(self.tangent, 1, other.tangent, -1))
        return Dual(self.value - other, self.tangent)

    def __rsub__(self, other: Any) -> Dual:
        return Dual(other - self.value, _scaled(self.tangent, -1))

    def __mul__(self, other: Any) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented  # element by element, by NumPy
        if isinstance(other, Dual):
            a, b = self.value, other.value
            if not other.tangent:
                return Dual(a * b, _scaled(self.tangent, b))
            if not self.tangent:
                return Dual(a * b, _scaled(other.tangent, a))
            return Dual(a * b, _combined(self.tangent, b, other.tangent, a))
        return Dual(self.value * other, _scaled(self.tangent, other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented  # element by element, by NumPy
        o = Dual.lift(other)
        if o.value == 0:
            raise DomainError("domain.division")
        value = _div(self.value, o.value)
        inverse = _div(1, o.value)
        return Dual(value, _combined(self.tangent, inverse, o.tangent, -value * inverse))

    def __rtruediv__(self, other: Any) -> Dual:
        return Dual.lift(other) / self

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            if not other.tangent:
                return self ** other.value
            return (other * self.apply(RULES["log"])).apply(RULES["exp"])
        exponent = Fraction(other) if isinstance(other, int) else other
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            k = int(exponent)
            if k == 0:
                return Dual(1)
            if self.value == 0 and k < 0:
                raise DomainError("domain.negative_exponent")
            return Dual(_pow(self.value, k), _scaled(self.tangent, k * _pow(self.value, k - 1)))
        if self.value < 0:
            raise DomainError("domain.negative_power")
        if self.value == 0:
            if exponent > 1:
                return Dual(0, _scaled(self.tangent, 0))
            raise DomainError("domain.zero_power")
        value = exact_root(self.value, exponent)
        if value is None:
            value = float(self.value) ** float(exponent)
        return Dual(value, _scaled(self.tangent, exponent * _div(value, self.value)))

    def __rpow__(self, base: Any) -> Dual:
        return Dual.lift(base) ** self

    def __lt__(self, other: Any) -> bool:
        return bool(self.value < Dual.lift(other).value)

    def __gt__(self, other: Any) -> bool:
        return bool(self.value > Dual.lift(other).value)

    def __le__(self, other: Any) -> bool:
        return bool(self.value <= Dual.lift(other).value)

    def __ge__(self, other: Any) -> bool:
        return bool(self.value >= Dual.lift(other).value)

    def apply(self, rule: Rule) -> Dual:
        """f(self) for an element-wise rule: value f(v), tangent f′(v)·tangent."""
        value = rule.value(self.value)
        return Dual(value, _scaled(self.tangent, rule.slope(self.value, value)))


def _pow(v: Any, k: int) -> Any:
    if isinstance(v, int) and k < 0:
        return Fraction(v) ** k
    return v**k


def apply_rule(name: str, x: Any) -> Any:
    """The element-wise function ``name`` of a number or a :class:`Dual`."""
    rule = RULES[name]
    return x.apply(rule) if isinstance(x, Dual) else rule.value(x)


def extremum(items: Sequence[Any], sign: int) -> Any:
    """max (``sign`` = 1) or min (−1) of numbers or duals, with SymPy's tie rule (½ each)."""
    duals = [Dual.lift(x) for x in items]
    if len(duals) == 1:
        return duals[0]
    weights = extremum_weights([d.value for d in duals], sign)
    best = max(sign * d.value for d in duals)
    tangent: Tangent = {}
    for w, d in zip(weights, duals):
        if w:
            tangent = _combined(tangent, 1, d.tangent, w)
    return Dual(sign * best, tangent)


def seed(point: Mapping[str, np.ndarray], wrt: Sequence[str]) -> dict[str, np.ndarray]:
    """The point with every element of the ``wrt`` tensors a variable keyed ``(name, flat index)``;
    the other tensors stay numbers."""
    out: dict[str, np.ndarray] = {}
    for name, arr in point.items():
        if name not in wrt:
            out[name] = arr
            continue
        flat = np.empty(arr.size, dtype=object)
        flat[:] = [Dual(v, {(name, i): 1}) for i, v in enumerate(arr.reshape(-1).tolist())]
        out[name] = flat.reshape(arr.shape)
    return out


def sparse_jacobians(
    forward: Callable[[dict[str, np.ndarray]], Any],
    point: Mapping[str, np.ndarray],
    wrt: Sequence[str],
) -> tuple[list[Any], dict[str, dict[tuple[int, int], Any]]]:
    """Forward values (flat) and the sparse Jacobians ``{name: {(output, flat wrt index): value}}``
    of ``forward`` at ``point``, by one forward-mode pass seeded with every ``wrt`` element.

    Entries the forward pass touches are kept even where their value is 0 (structure).

    >>> f = lambda p: p["a"] * p["a"]
    >>> values, jac = sparse_jacobians(f, {"a": object_array([2, 3], (2,))}, ["a"])
    >>> values, jac["a"]
    ([4, 9], {(0, 0): 4, (1, 1): 6})
    """
    out = forward(seed(point, wrt))
    flat = out.reshape(-1).tolist() if isinstance(out, np.ndarray) else [out]
    values = [elem.value if isinstance(elem, Dual) else elem for elem in flat]
    return values, tangent_jacobians(flat, wrt)


def tangent_jacobians(outputs: Iterable[Any], roles: Iterable[str]) -> dict[str, dict[tuple[int, int], Any]]:
    """The sparse Jacobians that dual outputs carry, ``{role: {(output, flat index): ∂}}``,
    for tangents keyed ``(role, flat index)`` (as :func:`seed` keys them); other keys and
    plain numbers (constant outputs) add nothing.

    >>> x = Dual.variable(3, ("x", 1))
    >>> tangent_jacobians([x * x, 5, x], ["x"])
    {'x': {(0, 1): 6, (2, 1): 1}}
    """
    jac: dict[str, dict[tuple[int, int], Any]] = {role: {} for role in roles}
    for o, elem in enumerate(outputs):
        if isinstance(elem, Dual):
            for key, v in elem.tangent.items():
                role, w = cast(tuple[str, int], key)
                if role in jac:
                    jac[role][(o, w)] = v
    return jac


def within(tolerance: Any, floor: Any = 0) -> Callable[[Any, Any], bool]:
    """Closeness for values that are not exact: |a − b| ≤ tolerance·max(|a|, |b|) + floor.

    >>> within(Fraction(1, 10))(Fraction(100), Fraction(95)), within(Fraction(1, 100))(100, 95)
    (True, False)
    """
    return lambda a, b: bool(abs(a - b) <= tolerance * max(abs(a), abs(b)) + floor)


AUTODIFF_CHECK = "jacobian_matches_autodiff_numeric"


def autodiff_check(
    statement: str,
    symbolic: Mapping[str, Mapping[tuple[int, int], Any]],
    numeric: Mapping[str, Mapping[tuple[int, int], Any]],
    equal: Callable[[Any, Any], bool] | Mapping[str, Callable[[Any, Any], bool]] | None = None,
    *,
    known_mismatch: str | None = None,
) -> Check:
    """The one numeric check: the symbolic Jacobians evaluated at the values (``symbolic``,
    sparse, per role) against an independent numeric differentiation (``numeric``, e.g.
    :func:`tangent_jacobians` of the layer's own numeric pass on dual numbers), entry by
    entry over both index sets (:func:`first_mismatch`; ``equal`` compares, default exactly;
    a mapping gives each role its own, e.g. a tolerance scaled to that Jacobian).
    ``known_mismatch`` is a difference the caller found already (forward values, stray entries).

    >>> autodiff_check("…", {"x": {(0, 0): 2}}, {"x": {(0, 0): 2, (0, 1): 3}}).mismatch
    '∂output/∂x entry (0, 1) is 0 symbolically but 3 numerically'
    """
    mismatch = known_mismatch
    for role, entries in symbolic.items():
        if mismatch is not None:
            break
        bad = first_mismatch(entries, numeric.get(role, {}), equal.get(role) if isinstance(equal, Mapping) else equal)
        if bad is not None:
            key, a, b = bad
            mismatch = f"∂output/∂{role} entry {key} is {a} symbolically but {b} numerically"
    return Check(AUTODIFF_CHECK, statement, mismatch is None, mismatch)


def difference_derivative(f: Callable[[int], Any], *, degree: int) -> Any:
    """Exact f′(0) for a polynomial f of degree ≤ ``degree`` from f(0), f(1), …, f(degree):
    f′(0) = Σₖ₌₁..ₘ (−1)ᵏ⁺¹/k · Δᵏf(0) with unit steps (works on object arrays too).

    >>> difference_derivative(lambda t: (3 + t) ** 2, degree=2)
    Fraction(6, 1)
    """
    samples = [f(j) for j in range(degree + 1)]
    if degree == 1:
        return samples[1] - samples[0]
    total: Any = 0
    for k in range(1, degree + 1):
        delta: Any = 0
        for j in range(k + 1):
            delta = delta + (-1) ** (k - j) * math.comb(k, j) * samples[j]
        total = total + Fraction((-1) ** (k + 1), k) * delta
    return total


def colouring(pattern: Iterable[tuple[int, int]], n_columns: int) -> tuple[np.ndarray, int]:
    """Colours for the columns of a sparse pattern such that no output reads two columns of
    one colour: then one directional derivative per colour recovers every entry.

    Tries ``column mod m`` for growing m (a stencil's columns are distinct mod a small m: a
    3x3 kernel on a 128-wide image needs 11 colours), checked in NumPy; else greedy.

    >>> colouring([(0, 0), (0, 1), (1, 1), (1, 2)], 3)[1]
    2
    """
    keys = np.array(list(pattern), dtype=np.int64).reshape(-1, 2)
    if n_columns == 0:
        return np.zeros(0, dtype=np.int64), 0
    if keys.size == 0:
        return np.zeros(n_columns, dtype=np.int64), 1
    outs, cols = keys[:, 0], keys[:, 1]
    widest = int(np.bincount(outs).max())
    for m in range(widest, min(n_columns, 4 * widest + 64) + 1):
        slots = outs * m + cols % m
        if np.unique(slots).size == slots.size:
            return np.arange(n_columns, dtype=np.int64) % m, m
    rows_of: dict[int, list[int]] = {}
    cols_of: dict[int, list[int]] = {}
    for o, w in keys.tolist():
        rows_of.setdefault(w, []).append(o)
        cols_of.setdefault(o, []).append(w)
    colour = np.full(n_columns, -1, dtype=np.int64)
    for w in range(n_columns):
        taken = {int(colour[v]) for o in rows_of.get(w, []) for v in cols_of[o]}
        c = 0
        while c in taken:
            c += 1
        colour[w] = c
    return colour, int(colour.max()) + 1


@dataclass
class Compressed:
    """A Jacobian recovered from one directional derivative per colour.

    ``entries`` holds the value of every entry of the pattern; ``stray`` the (output, colour)
    sums that no pattern entry explains but are not 0 — an entry the pattern lacks.
    """

    entries: dict[tuple[int, int], Any]
    stray: dict[tuple[int, int], Any]


def difference_jacobian(
    forward: Callable[[dict[str, np.ndarray]], np.ndarray],
    point: Mapping[str, np.ndarray],
    wrt: str,
    pattern: Iterable[tuple[int, int]],
    *,
    degree: int = 1,
    report: Callable[[int, int], None] | None = None,
) -> Compressed:
    """∂forward/∂point[wrt] by exact difference quotients along one direction per colour of
    ``pattern`` (see :func:`colouring`): for a map of degree ≤ ``degree`` in the tensor
    ``wrt``, exact; cost (colours × degree) forward passes on plain numbers.

    >>> f = lambda p: p["a"] * p["a"][::-1]
    >>> a = object_array([1, 2, 3], (3,))
    >>> jac = difference_jacobian(f, {"a": a}, "a", [(0, 0), (0, 2), (1, 1), (2, 0), (2, 2)],
    ...                           degree=2)
    >>> sorted((k, int(v)) for k, v in jac.entries.items()), jac.stray
    ([((0, 0), 3), ((0, 2), 1), ((1, 1), 4), ((2, 0), 3), ((2, 2), 1)], {})
    """
    keys = list(pattern)
    base = point[wrt]
    n_columns = base.size
    colour, n_colours = colouring(keys, n_columns)
    flat_base = base.reshape(-1)

    def at(t: int, direction: np.ndarray) -> np.ndarray:
        shifted = dict(point)
        shifted[wrt] = (flat_base + t * direction).reshape(base.shape)
        return np.asarray(forward(shifted), dtype=object).reshape(-1)

    first = np.asarray(forward(dict(point)), dtype=object).reshape(-1)
    sums: list[np.ndarray] = []
    for c in range(n_colours):
        if report is not None:
            report(c, n_colours)
        direction = (colour == c).astype(object)

        def along(t: int, d: np.ndarray = direction) -> np.ndarray:
            return first if t == 0 else at(t, d)

        sums.append(np.asarray(difference_derivative(along, degree=degree), dtype=object))
    n_out = sums[0].size if sums else 0
    table = np.empty((n_colours, n_out), dtype=object)
    for c, column in enumerate(sums):
        table[c] = column
    entries: dict[tuple[int, int], Any] = {}
    covered = np.zeros((n_colours, n_out), dtype=bool)
    if keys:
        outs = np.fromiter((k[0] for k in keys), dtype=np.int64, count=len(keys))
        ws = np.fromiter((k[1] for k in keys), dtype=np.int64, count=len(keys))
        entries = dict(zip(keys, table[colour[ws], outs].tolist()))
        covered[colour[ws], outs] = True
    stray = {
        (int(o), int(c)): table[c, o]
        for c, o in zip(*np.nonzero(~covered & (table != 0)))
    }
    return Compressed(entries, stray)


def first_mismatch(
    symbolic: Mapping[tuple[int, int], Any],
    numeric: Mapping[tuple[int, int], Any],
    equal: Callable[[Any, Any], bool] | None = None,
) -> tuple[tuple[int, int], Any, Any] | None:
    """The first entry where two sparse Jacobians differ (absent = 0), or None.

    Walks the union of both index sets once, so an entry one side drops or adds is found.
    ``equal`` compares a symbolic with a numeric value (default: exactly).

    >>> first_mismatch({(0, 0): 1}, {(0, 0): 1, (0, 1): 0}) is None
    True
    >>> first_mismatch({(0, 0): 1}, {(0, 0): 1, (1, 0): 2})
    ((1, 0), 0, 2)
    """
    same = equal if equal is not None else lambda a, b: bool(a == b)
    get = numeric.get
    for key, value in symbolic.items():
        other = get(key, 0)
        if not same(value, other):  # (no `!=` first: SymPy against mpmath is slow to compare)
            return key, value, other
    for key, value in numeric.items():
        if key not in symbolic and not same(0, value):
            return key, 0, value
    return None


def substitute(expr: Any, point: Mapping[Any, Any], cache: dict[Any, Any]) -> Any:
    """``expr.xreplace(point)`` for a SymPy expression, with every rebuilt sub-expression
    kept in ``cache``: entries that share sub-expressions (a group's mean and σ in every
    Jacobian entry of a normalisation) substitute them once, not once per entry.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> cache = {}
    >>> substitute(sympy.sqrt(x + y) * x, {x: 1, y: 3}, cache), len(cache) > 0
    (2, True)
    """
    found = cache.get(expr)
    if found is not None:
        return found
    if expr in point:
        out = point[expr]
    elif not expr.args:
        out = expr
    else:
        args = [substitute(a, point, cache) for a in expr.args]
        out = expr if all(a is b for a, b in zip(args, expr.args)) else expr.func(*args)
    cache[expr] = out
    return out


def simplify_number(value: Any) -> Any:
    """Ints stay ints; integral Fractions and SymPy rationals become int / Fraction."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    if getattr(value, "is_Rational", False):
        return int(value.p) if value.q == 1 else Fraction(int(value.p), int(value.q))
    return value


def json_number(value: Any, decimal: bool) -> Any:
    """A value for JSON: an int, a decimal number if the user wrote decimals, else a string.

    >>> json_number(Fraction(1, 9), True), json_number(Fraction(1, 4), True)
    ('1/9', 0.25)
    """
    if type(value) is int:  # the common case, first: JSON of large evaluations is hot
        return value
    value = simplify_number(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        if decimal and _finite_decimal(value):
            text = decimal_text(value)
            number = float(text)
            return number if Decimal(repr(number)) == Decimal(text) else text
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, float):
        return value
    from gradsym.sympy_text import plain_text

    return plain_text(value)


def _finite_decimal(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def decimal_text(value: Fraction) -> str:
    """Exact decimal text of a rational with a finite decimal expansion (``21/16`` → ``1.3125``)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    digits = max(twos, fives)
    scaled = value.numerator * 10**digits // value.denominator
    return format(Decimal(scaled).scaleb(-digits), "f")


def number_text(value: Any, decimal: bool) -> str:
    """Human text of an exact number (``1/9``; ``0.25`` when the user wrote decimals)."""
    value = simplify_number(value)
    if isinstance(value, Fraction):
        if decimal and _finite_decimal(value):
            return decimal_text(value)
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def number_parts(value: Any, decimal: bool) -> tuple[bool, str, str | None]:
    """:func:`number_text` taken apart for typesetting: (negative, the digits of the numerator
    or of the whole number, the denominator's or None)."""
    text = number_text(value, decimal)
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if "/" in text:
        num, den = text.split("/", 1)
        return negative, num, den
    return negative, text, None
