"""The closed-form algebra of ``matrix``: linear combinations of products of matrix atoms.

Atoms (symbols, transposes, inverses, traces, Hadamard products, …) multiply into terms;
a :class:`LC` is a sum of terms with exact coefficients. This is the representation the
reverse-mode matrix differentials of :mod:`gradsym.layers.matrix` build the closed forms
in, with its printer (:func:`lc_text`) and its expansion into element symbols.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Union

from gradsym.errors import ExpressionError

Shape = tuple[int, ...]


# ---------------------------------------------------------------------------
# 3. The closed-form algebra: linear combinations of products of matrix atoms


@dataclass(frozen=True)
class Sym:
    """A declared name: a matrix, or a scalar (``shape == ()``)."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Tr:
    """Transpose of a name or a parenthesised sum."""

    arg: Atom

    @property
    def shape(self) -> Shape:
        return self.arg.shape[::-1]


@dataclass(frozen=True)
class Ident:
    n: int

    @property
    def shape(self) -> Shape:
        return (self.n, self.n)


@dataclass(frozen=True)
class Ones:
    rows: int
    cols: int

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)


@dataclass(frozen=True)
class Inv:
    arg: Atom

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class Adj:
    """The adjugate adj(A) = det(A)·A⁻¹, defined (and continuous) also where A is singular."""

    arg: Atom

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class MatPow:
    arg: Atom
    k: int

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class Had:
    left: LC
    right: LC

    @property
    def shape(self) -> Shape:
        return self.left.shape


@dataclass(frozen=True)
class ScalarOf:
    """A scalar function of a matrix or scalar: trace, det, norm (Frobenius), sum; or a
    scalar function (exp, log, …, sign) of a scalar."""

    func: str
    arg: LC

    @property
    def shape(self) -> Shape:
        return ()


@dataclass(frozen=True)
class Elem:
    """An element-wise function of a matrix: ``exp(A*x)`` applies exp to every entry
    (also ``sign`` and ``recip``, 1/u entry by entry, for derivatives)."""

    func: str
    arg: LC

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class Diag:
    """diag(v): the square matrix with the column v on its diagonal (Hessians)."""

    arg: LC

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[0], self.arg.shape[0])


@dataclass(frozen=True)
class Group:
    """A linear combination used as one factor: printed in parentheses."""

    lc: LC

    @property
    def shape(self) -> Shape:
        return self.lc.shape


Atom = Union[Sym, Tr, Ident, Ones, Inv, Adj, MatPow, Had, Elem, ScalarOf, Group, Diag]  # noqa: UP007


@dataclass(frozen=True)
class Term:
    """coef · Π scalarᵉ · (matrix product of ``mats``, left to right)."""

    coef: Fraction
    scalars: tuple[tuple[Atom, Fraction], ...]
    mats: tuple[Atom, ...]


@dataclass(frozen=True)
class LC:
    """A sum of terms of one shape; terms are kept sorted so equal sums compare equal."""

    terms: tuple[Term, ...]
    shape: Shape


def lc_const(value: Fraction | int, shape: Shape = ()) -> LC:
    return LC((Term(Fraction(value), (), ()),) if value else (), shape)


def lc_atom(atom: Atom) -> LC:
    if atom.shape == ():
        return LC((Term(Fraction(1), ((atom, Fraction(1)),), ()),), ())
    return LC((Term(Fraction(1), (), (atom,)),), atom.shape)


def atomize(lc: LC) -> Atom:
    """One atom for ``lc``: itself when it is a bare atom, else a :class:`Group`."""
    if len(lc.terms) == 1:
        t = lc.terms[0]
        if t.coef == 1 and not t.scalars and len(t.mats) == 1:
            return t.mats[0]
        if t.coef == 1 and not t.mats and len(t.scalars) == 1 and t.scalars[0][1] == 1:
            return t.scalars[0][0]
    return Group(lc)


def _sorted_terms(terms: Sequence[Term]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=_term_key))


def _term_key(t: Term) -> str:
    return _factors_text(Term(Fraction(1), t.scalars, t.mats))


def lc_add(*lcs: LC) -> LC:
    shape = lcs[0].shape
    coefs: dict[tuple[Any, Any], Fraction] = {}
    for lc in lcs:
        if lc.shape != shape:  # pragma: no cover - the elaboration guarantees equal shapes
            raise ValueError(f"adding {shape} and {lc.shape}")
        for t in lc.terms:
            key = (t.scalars, t.mats)
            coefs[key] = coefs.get(key, Fraction(0)) + t.coef
    terms = [Term(c, s, m) for (s, m), c in coefs.items() if c != 0]
    return LC(_sorted_terms(terms), shape)


def lc_scale(lc: LC, c: Fraction | int) -> LC:
    if c == 0:
        return LC((), lc.shape)
    return LC(tuple(Term(t.coef * c, t.scalars, t.mats) for t in lc.terms), lc.shape)


def _as_term(lc: LC) -> Term | None:
    if not lc.terms:
        return None
    if len(lc.terms) == 1:
        return lc.terms[0]
    group = Group(lc)
    if lc.shape == ():
        return Term(Fraction(1), ((group, Fraction(1)),), ())
    return Term(Fraction(1), (), (group,))


def _merge_scalars(
    a: Sequence[tuple[Atom, Fraction]], b: Sequence[tuple[Atom, Fraction]]
) -> tuple[tuple[Atom, Fraction], ...]:
    powers: dict[Atom, Fraction] = {}
    for atom, e in [*a, *b]:
        powers[atom] = powers.get(atom, Fraction(0)) + e
    _cancel_signs(powers)
    return tuple(sorted(((x, e) for x, e in powers.items() if e != 0),
                        key=lambda p: _atom_text(p[0])))


def _cancel_signs(powers: dict[Atom, Fraction]) -> None:
    """sign(u)/|u| = 1/u (|u| in a denominator means u ≠ 0): so d log|det X| = X⁻ᵀ, not
    sign(det X)·det X·X⁻ᵀ/|det X|."""
    for atom in list(powers):
        if not (isinstance(atom, ScalarOf) and atom.func == "sign" and powers.get(atom) == 1):
            continue
        size = ScalarOf("abs", atom.arg)
        if powers.get(size, 0) < 0:
            u = atomize(atom.arg)
            powers[atom] = Fraction(0)
            powers[size] += 1
            powers[u] = powers.get(u, Fraction(0)) - 1


def inv_atom(atom: Atom) -> Atom:
    """A⁻¹, simplified: (A⁻¹)⁻¹ = A, (A⁻ᵏ)⁻¹ = Aᵏ, I⁻¹ = I."""
    if isinstance(atom, Inv):
        return atom.arg
    if isinstance(atom, Ident):
        return atom
    if isinstance(atom, MatPow) and isinstance(atom.arg, Inv):
        return MatPow(atom.arg.arg, atom.k)
    return Inv(atom)


def lc_det(lc: LC) -> LC:
    """det(·), simplified: det(A⁻¹) = 1/det(A), det(Aᵀ) = det(A), det(I) = 1."""
    atom = atomize(lc)
    if isinstance(atom, Ident):
        return lc_const(1)
    if isinstance(atom, Inv):
        return lc_pow(lc_det(lc_atom(atom.arg)), Fraction(-1))
    if isinstance(atom, Tr):
        return lc_det(lc_atom(atom.arg))
    return lc_atom(ScalarOf("det", lc))


def _adjugates_to_inverses(t: Term) -> Term:
    """adj(A)/det(A) = A⁻¹ (the division says det A ≠ 0): the adjugate form of d det, kept
    only where it is needed (A possibly singular)."""
    powers = dict(t.scalars)
    mats = list(t.mats)
    for i, m in enumerate(mats):
        transposed = isinstance(m, Tr) and isinstance(m.arg, Adj)
        adj = m.arg if isinstance(m, Tr) else m
        if not isinstance(adj, Adj):
            continue
        inside = adj.arg.lc if isinstance(adj.arg, Group) else lc_atom(adj.arg)
        det = ScalarOf("det", inside)
        if powers.get(det, 0) < 0:
            powers[det] += 1
            mats[i] = tp(Inv(adj.arg)) if transposed else Inv(adj.arg)
    if mats == list(t.mats):
        return t
    scalars = tuple(sorted(((x, e) for x, e in powers.items() if e != 0),
                           key=lambda p: _atom_text(p[0])))
    return Term(t.coef, scalars, _clean(mats))


def _merge_ones(mats: tuple[Atom, ...]) -> tuple[int, tuple[Atom, ...]]:
    """1ₘₖ·1ₖₙ = k·1ₘₙ: a product of neighbouring matrices of ones is one, scaled."""
    factor, out = 1, list(mats)
    i = 0
    while i + 1 < len(out):
        a, b = out[i], out[i + 1]
        if isinstance(a, Ones) and isinstance(b, Ones):
            factor *= a.cols
            out[i:i + 2] = [Ones(a.rows, b.cols)]
            continue
        i += 1
    return factor, tuple(out)


def _base_power(atom: Atom) -> tuple[Atom, int]:
    """``A`` → (A, 1); ``A**k`` → (A, k); ``A**(-1)`` → (A, -1); ``A**(-k)`` → (A, -k)."""
    if isinstance(atom, MatPow):
        base, k = _base_power(atom.arg)
        return base, k * atom.k
    if isinstance(atom, Inv):
        return atom.arg, -1
    return atom, 1


def _from_base_power(base: Atom, k: int) -> Atom:
    if k == 1:
        return base
    if k == -1:
        return Inv(base)
    return MatPow(base, k) if k > 0 else MatPow(Inv(base), -k)


def _clean(mats: Sequence[Atom]) -> tuple[Atom, ...]:
    """Simplify a product: drop identities, merge equal neighbours into powers
    (A·A = A², A⁻¹·A = I)."""
    merged: list[tuple[Atom, int]] = []
    for m in mats:
        if isinstance(m, Ident):
            continue
        base, k = _base_power(m)
        if merged and merged[-1][0] == base:
            k += merged.pop()[1]
            if k == 0:
                continue
        merged.append((base, k))
    if not merged:
        n = mats[0].shape[0] if mats else 1
        return (Ident(n),) if mats else ()
    return tuple(_from_base_power(b, k) for b, k in merged)


def lc_mul(a: LC, b: LC) -> LC:
    if a.shape == ():
        shape = b.shape
    elif b.shape == ():
        shape = a.shape
    else:
        assert a.shape[1] == b.shape[0], (a.shape, b.shape)
        shape = (a.shape[0], b.shape[1])
    ta, tb = _as_term(a), _as_term(b)
    if ta is None or tb is None:
        return LC((), shape)
    factor, mats = _merge_ones(_clean(ta.mats + tb.mats))
    term = Term(ta.coef * tb.coef * factor, _merge_scalars(ta.scalars, tb.scalars), mats)
    return LC((_adjugates_to_inverses(term),), shape)


def lc_pow(lc: LC, e: Fraction) -> LC:
    """A scalar to a numeric power."""
    if e == 1:
        return lc
    t = _as_term(lc)
    if t is None:
        if e < 0:
            raise ExpressionError("expr.divides_by_zero")
        return lc_const(0) if e > 0 else lc_const(1)
    if not t.mats and e.denominator == 1:
        if t.coef == 0 and e < 0:  # pragma: no cover - zero terms are never stored
            raise ExpressionError("expr.divides_by_zero")
        return LC((Term(t.coef ** int(e), tuple((x, p * e) for x, p in t.scalars), ()),), ())
    atom = atomize(lc)
    return LC((Term(Fraction(1), ((atom, e),), ()),), ())


def tp(atom: Atom) -> Atom:
    """The transpose of one atom, pushed inwards where that keeps the form simple."""
    if atom.shape == ():
        return atom
    if isinstance(atom, Tr):
        return atom.arg
    if isinstance(atom, Ident | Diag):
        return atom
    if isinstance(atom, Ones):
        return Ones(atom.cols, atom.rows)
    if isinstance(atom, Inv):
        return Inv(tp(atom.arg))
    if isinstance(atom, Adj) and isinstance(atom.arg, Tr):
        return Adj(atom.arg.arg)
    if isinstance(atom, MatPow):
        return MatPow(tp(atom.arg), atom.k)
    if isinstance(atom, Had):
        return Had(lc_transpose(atom.left), lc_transpose(atom.right))
    if isinstance(atom, Elem):
        return Elem(atom.func, lc_transpose(atom.arg))
    if isinstance(atom, Group) and len(atom.lc.terms) == 1:
        return atomize(lc_transpose(atom.lc))
    return Tr(atom)


def lc_transpose(lc: LC) -> LC:
    """Transpose: term by term for a single product; a sum stays ``(…).T``."""
    if lc.shape == ():
        return lc
    shape = (lc.shape[1], lc.shape[0])
    if len(lc.terms) > 1:
        return LC((Term(Fraction(1), (), (Tr(Group(lc)),)),), shape)
    return LC(tuple(Term(t.coef, t.scalars, tuple(tp(m) for m in reversed(t.mats)))
                    for t in lc.terms), shape)


def lc_trace(lc: LC) -> LC:
    """tr(·) of a square matrix (of a scalar: itself)."""
    if lc.shape == ():
        return lc
    parts: list[LC] = []
    for t in lc.terms:
        outside = LC((Term(t.coef, t.scalars, ()),), ())
        mats = t.mats
        if len(mats) == 1 and isinstance(mats[0], Ident):
            parts.append(lc_scale(outside, mats[0].n))
            continue
        if len(mats) == 1 and isinstance(mats[0], Tr):  # tr(Aᵀ) = tr(A)
            mats = (mats[0].arg,)
        inner = LC((Term(Fraction(1), (), mats),), lc.shape)
        parts.append(lc_mul(outside, lc_atom(ScalarOf("trace", inner))))
    return lc_add(*parts) if parts else lc_const(0)


def _is_ones(lc: LC) -> bool:
    return (len(lc.terms) == 1 and lc.terms[0].coef == 1 and not lc.terms[0].scalars
            and len(lc.terms[0].mats) == 1 and isinstance(lc.terms[0].mats[0], Ones))


def lc_hadamard(a: LC, b: LC) -> LC:
    """a ⊙ b, simplified: a ⊙ 1 = a (a matrix of ones is the unit of ⊙), 0 ⊙ b = 0."""
    if not a.terms or not b.terms:
        return LC((), a.shape)
    if _is_ones(a):
        return b
    if _is_ones(b):
        return a
    return lc_atom(Had(a, b))


def inner(g: LC, r: LC) -> LC:
    """Σᵢⱼ Gᵢⱼ·Rᵢⱼ = tr(Gᵀ·R)."""
    return lc_trace(lc_mul(lc_transpose(g), r))


def lc_factor_left(lc: LC) -> LC:
    """Take a matrix factor common to the left of every term outside: Aᵀu − Aᵀt → Aᵀ(u − t)."""
    terms = lc.terms
    if len(terms) < 2 or any(len(t.mats) < 2 for t in terms):
        return lc
    first = terms[0].mats[0]
    if any(t.mats[0] != first for t in terms):
        return lc
    rest_shape = (first.shape[1], lc.shape[1])
    rest = LC(_sorted_terms([Term(t.coef, t.scalars, t.mats[1:]) for t in terms]), rest_shape)
    return LC((Term(Fraction(1), (), (first, Group(lc_factor_left(rest)))),), lc.shape)


def lc_identity(shape: Shape) -> LC:
    return lc_const(1) if shape == () else lc_atom(Ident(shape[0]))


# -- printing (SymPy syntax) --------------------------------------------------


@lru_cache(maxsize=100_000)
def _atom_text(atom: Atom) -> str:
    if isinstance(atom, Sym):
        return atom.name
    if isinstance(atom, Tr):
        return f"{_base_text(atom.arg)}.T"
    if isinstance(atom, Ident):
        return f"Identity({atom.n})"
    if isinstance(atom, Ones):
        return f"OneMatrix({atom.rows}, {atom.cols})"
    if isinstance(atom, Inv):
        return f"{_base_text(atom.arg)}**(-1)"
    if isinstance(atom, Adj):
        inside = atom.arg.lc if isinstance(atom.arg, Group) else lc_atom(atom.arg)
        return f"adjugate({lc_text(inside)})"
    if isinstance(atom, MatPow):
        if isinstance(atom.arg, Inv):
            return f"{_base_text(atom.arg.arg)}**(-{atom.k})"
        return f"{_base_text(atom.arg)}**{atom.k}"
    if isinstance(atom, Had):
        return f"HadamardProduct({lc_text(atom.left)}, {lc_text(atom.right)})"
    if isinstance(atom, Group):
        return f"({lc_text(atom.lc)})"
    if isinstance(atom, Diag):
        return f"diag({lc_text(atom.arg)})"
    if isinstance(atom, Elem):
        if atom.func == "recip":
            return f"HadamardPower({lc_text(atom.arg)}, -1)"
        return f"{atom.func}({lc_text(atom.arg)})"
    assert isinstance(atom, ScalarOf)
    return _scalar_text(atom)


def _base_text(atom: Atom) -> str:
    """An atom as the base of ``.T`` or ``**``: parenthesised unless it is a name."""
    text = _atom_text(atom)
    if isinstance(atom, Sym | Group | Adj) or (isinstance(atom, Tr) and isinstance(atom.arg, Sym)):
        return text
    return f"({text})"


def _scalar_text(atom: ScalarOf) -> str:
    arg = lc_text(atom.arg)
    if atom.func == "trace":
        return f"Trace({arg})"
    if atom.func == "det":
        return f"Determinant({arg})"
    if atom.func == "sum":
        rows, cols = atom.arg.shape
        return f"Trace(OneMatrix({cols}, {rows})*{_factor_text(atomize(atom.arg))})"
    if atom.func == "norm":
        a = atomize(atom.arg)
        return f"sqrt(Trace({_factor_text(tp(a))}*{_factor_text(a)}))"
    if atom.func == "abs":
        return f"Abs({arg})"
    if atom.func == "sigmoid":
        inside = _factor_text(atomize(atom.arg))
        return f"1/(1 + exp(-{inside}))"
    return f"{atom.func}({arg})"


def _factor_text(atom: Atom) -> str:
    text = _atom_text(atom)
    if isinstance(atom, ScalarOf) and atom.func == "sigmoid":
        return f"({text})"
    return text


def _power_text(atom: Atom, e: Fraction) -> str:
    base = _factor_text(atom)
    if e == 1:
        return base
    if not isinstance(atom, Sym | Group) and not (
        isinstance(atom, ScalarOf) and atom.func != "sigmoid"
    ):
        base = f"({base})"
    exponent = str(e.numerator) if e.denominator == 1 and e > 0 else f"({e})"
    return f"{base}**{exponent}"


def _factors_text(t: Term) -> str:
    """The product of a term (coefficient included), unsigned."""
    c = abs(t.coef)
    numer = [_power_text(a, e) for a, e in t.scalars if e > 0]
    numer += [_factor_text(m) for m in t.mats]
    denom = [_power_text(a, -e) for a, e in t.scalars if e < 0]
    if c.numerator != 1 or not numer:
        numer.insert(0, str(c.numerator))
    if c.denominator != 1:
        denom.insert(0, str(c.denominator))
    text = "*".join(numer)
    if denom:
        text += "/" + (denom[0] if len(denom) == 1 else "(" + "*".join(denom) + ")")
    return text


def signed_sum(lc: LC, body: Callable[[Term], str]) -> str:
    """The terms of ``lc`` joined with + and −, a positive term first; ``body`` prints a term
    without its sign (shared by the code form and the typeset form)."""
    terms = list(lc.terms)
    first = next((i for i, t in enumerate(terms) if t.coef > 0), 0)
    terms = terms[first:] + terms[:first]
    out = ""
    for i, t in enumerate(terms):
        text = body(t)
        if i == 0:
            out = text if t.coef > 0 else f"-{text}"
        else:
            out += f" + {text}" if t.coef > 0 else f" - {text}"
    return out


def lc_text(lc: LC) -> str:
    """SymPy syntax: ``2*(X*w - y)*w.T``."""
    if not lc.terms:
        return "0" if lc.shape == () else f"ZeroMatrix({lc.shape[0]}, {lc.shape[1]})"
    return signed_sum(lc, _factors_text)
