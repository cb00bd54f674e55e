"""The engine's own fast representation: sparse polynomials over named variables.

A :class:`Poly` maps monomials to exact coefficients. A monomial is a sorted tuple
of variable ids (repeated for powers: ``(3, 3)`` is v₃²); ``()`` is the constant
term. Convolution, transposed convolution, linear layers and average pooling are
polynomial maps, so their forward pass, Jacobians, VJPs and proofs all live here
without building a single SymPy object. SymPy objects are made on request only
(:func:`to_sympy`).

>>> table = VarTable()
>>> x, k = table.new("x", (1,)), table.new("k", (1,))
>>> p = Poly({(x, k): 2})
>>> table.format(differentiate(p, x))
'2*k_1'
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

Number = int | Fraction
Monomial = tuple[int, ...]


class Poly(dict[Monomial, Number]):
    """A sparse polynomial: ``{monomial: coefficient}``, zero coefficients never stored."""

    __slots__ = ()

    def add_term(self, mono: Monomial, coef: Number) -> None:
        """Add ``coef·mono`` in place, dropping the term if it cancels."""
        value = self.get(mono, 0) + coef
        if value:
            self[mono] = value
        else:
            self.pop(mono, None)

    def add(self, other: Poly, scale: Number = 1) -> None:
        """Add ``scale·other`` in place."""
        for mono, coef in other.items():
            self.add_term(mono, coef * scale)

    def times_var(self, var: int) -> Poly:
        """This polynomial multiplied by one variable."""
        out = Poly()
        for mono, coef in self.items():
            if not mono or mono[-1] <= var:
                out[mono + (var,)] = coef
            else:
                out[tuple(sorted(mono + (var,)))] = coef
        return out


def product(a: int, b: int) -> Monomial:
    """The monomial a·b of two variable ids."""
    return (a, b) if a <= b else (b, a)


def differentiate(poly: Poly, var: int) -> Poly:
    """∂poly/∂var, term by term: d(c·v^n·m)/dv = c·n·v^(n−1)·m."""
    out = Poly()
    for mono, coef in poly.items():
        if var in mono:
            i = mono.index(var)
            out.add_term(mono[:i] + mono[i + 1 :], coef * mono.count(var))
    return out


def evaluate(poly: Poly, values: dict[int, Any] | list[Any]) -> Any:
    """The exact value of ``poly`` at ``values[var]`` for every variable."""
    total: Any = 0
    for mono, coef in poly.items():
        term: Any = coef
        for v in mono:
            term = term * values[v]
        total = total + term
    return total


def substitute(poly: Poly, replace: dict[int, Poly]) -> Poly:
    """Replace variables by polynomials (the rest stay), expanding the products."""
    out = Poly()
    for mono, coef in poly.items():
        acc = Poly({(): coef})
        for v in mono:
            if v in replace:
                acc = multiply(acc, replace[v])
            else:
                acc = acc.times_var(v)
        out.add(acc)
    return out


def multiply(a: Poly, b: Poly) -> Poly:
    """The expanded product of two polynomials."""
    out = Poly()
    for ma, ca in a.items():
        for mb, cb in b.items():
            out.add_term(tuple(sorted(ma + mb)), ca * cb)
    return out


class VarTable:
    """Every variable of one derivation: its name, tensor letter and 1-based index.

    Ids are dense integers. ``sort_key`` gives natural index order
    (``x_2_1`` before ``x_10_1``) for printing.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.keys: list[tuple[str, tuple[int, ...]]] = []

    def __len__(self) -> int:
        return len(self.names)

    def new(self, letter: str, index: tuple[int, ...]) -> int:
        """Register ``letter_i_j…`` (1-based index) and return its id."""
        name = "_".join([letter, *map(str, index)]) if index else letter
        self.names.append(name)
        self.keys.append((letter, index))
        return len(self.names) - 1

    def block(self, letter: str, indices: Iterable[tuple[int, ...]]) -> list[int]:
        """Register many variables of one tensor; ids are consecutive."""
        return [self.new(letter, index) for index in indices]

    def ranks(self) -> list[int]:
        """Position of every variable in natural printing order (cached)."""
        cache = getattr(self, "_ranks", None)
        if cache is None or len(cache) != len(self.keys):
            order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
            cache = [0] * len(order)
            for position, v in enumerate(order):
                cache[v] = position
            self._ranks = cache
        return cache

    def format(
        self,
        poly: Poly | Number,
        *,
        names: list[str] | None = None,
        times: str = "*",
        power: str = "{base}**{exp}",
        number: Any = None,
    ) -> str:
        """Text of a polynomial, terms and factors in natural index order.

        The defaults give SymPy syntax; renderers pass their own ``names``
        (``x₁,₁``, ``x_{1,1}``), multiplication sign, power and number format.
        """
        if type(poly) is Poly and len(poly) == 1:  # fast path: most Jacobian entries
            ((mono, coef),) = poly.items()
            if coef == 1 and len(mono) == 1:
                return (names or self.names)[mono[0]]
        number = number or format_number
        if not isinstance(poly, Poly):
            return number(poly)
        if not poly:
            return "0"
        names = names or self.names
        rank = self.ranks()
        terms: list[tuple[tuple[int, ...], str]] = []
        for mono, coef in poly.items():
            if len(mono) == 2 and mono[0] != mono[1]:  # fast path: x·w products
                a, b = mono
                ra, rb = rank[a], rank[b]
                if ra > rb:
                    a, b, ra, rb = b, a, rb, ra
                key: tuple[int, ...] = (ra, rb)
                body = names[a] + times + names[b]
            else:
                factors = sorted(mono, key=rank.__getitem__)
                key = tuple(rank[v] for v in factors)
                if len(set(factors)) == len(factors):
                    body = times.join([names[v] for v in factors])
                else:
                    body = _power_product([names[v] for v in factors], times, power)
            if coef == 1 and body:
                terms.append((key, "+ " + body))
                continue
            sign = "-" if coef < 0 else "+"
            mag = -coef if coef < 0 else coef
            if not body:
                text = number(mag)
            elif mag == 1:
                text = body
            else:
                text = f"{number(mag)}{times}{body}"
            terms.append((key, f"{sign} {text}"))
        # Constants last, as SymPy prints ``x + 1``.
        terms.sort(key=lambda t: (not t[0], t[0]))
        out = [text for _, text in terms]
        first = out[0]
        head = "-" + first[2:] if first.startswith("-") else first[2:]
        return " ".join([head, *out[1:]])

    def symbols(self) -> list[Any]:
        """SymPy symbols for every variable (made once, on request)."""
        import sympy

        cache = getattr(self, "_symbols", None)
        if cache is None or len(cache) != len(self.names):
            cache = [sympy.Symbol(name) for name in self.names]
            self._symbols = cache
        return cache


def _power_product(names: list[str], times: str = "*", power: str = "{base}**{exp}") -> str:
    parts: list[str] = []
    i = 0
    while i < len(names):
        j = i
        while j < len(names) and names[j] == names[i]:
            j += 1
        parts.append(names[i] if j - i == 1 else power.format(base=names[i], exp=j - i))
        i = j
    return times.join(parts)


def format_number(value: Any) -> str:
    """Exact text of a number: ``3``, ``-1/2``; SymPy numbers via ``str``."""
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def to_sympy(poly: Poly | Number, symbols: list[Any]) -> Any:
    """The SymPy expression of a polynomial, with ``symbols[id]`` for each variable."""
    import sympy

    if not isinstance(poly, Poly):
        return sympy.sympify(poly) if not isinstance(poly, Fraction) else sympy.Rational(
            poly.numerator, poly.denominator
        )
    terms = []
    for mono, coef in poly.items():
        c = sympy.Rational(coef.numerator, coef.denominator) if isinstance(coef, Fraction) else sympy.Integer(coef)
        terms.append(sympy.Mul(c, *[symbols[v] for v in mono]))
    return sympy.Add(*terms)
