"""Index calculus: sums, Kronecker deltas and brackets over symbolic index expressions.

Differentiating ``y[i] = Σ_a x̂[s·i + d·a − p]·w[a]`` with respect to ``x[j]`` gives
``Σ_a w[a]·δ(s·i + d·a − p, j)``. Summing the delta away needs the one ``a`` that
solves ``s·i + d·a − p = j`` — *if it is a whole number in range*. SymPy's own
delta summation drops the integrality condition (it returns ``w[(j + p − s·i)/d]``
for every ``i``), so the rules live here, each small and tested on its own:

- :func:`differentiate`: ``∂t[e]/∂t[j] = Π_m δ(e_m, j_m)`` (product rule over reads);
- :func:`eliminate`: ``Σ_v δ(c·v + r, 0)·F(v) = [−r/c ∈ ℤ]·[lo ≤ −r/c ≤ hi]·F(−r/c)``;
  brackets the index ranges already guarantee are dropped;
- :func:`reverse`: ``Σ_{v=lo}^{hi} F(v) = Σ_{v=lo}^{hi} F(lo + hi − v)``;
- :func:`absorb_padding`: ``t[e]·[0 ≤ e ≤ len−1] = t̂[e]`` (t zero-padded);
- :func:`canonical` / :func:`same`: a normal form that decides two expressions agree;
- :class:`~gradsym.instantiate.Instantiator` (in its own module): expand at concrete sizes
  into an engine :class:`~gradsym.poly.Poly`.

An expression is a *series*: a tuple of :class:`Term`, each ``coef · Σ_limits Π reads ·
Π deltas · Π brackets``. Index expressions are SymPy expressions, affine in the index
variables, with coefficients built from integer size symbols (``n, k, s, d, p``).

>>> import sympy
>>> i, a, j = sympy.symbols("i a j", integer=True)
>>> s, d, k, o, p = sympy.symbols("s d k o p", integer=True, positive=True)
>>> ctx = Context(extents={"w": (k,), "g": (o,)}, ranges={j: (0, 5)})
>>> t = Term(limits=(Limit(i, 0, o - 1), Limit(a, 0, k - 1)),
...          reads=(Read("g", (i,)), Read("w", (a,))), deltas=(Delta(s*i + d*a - p, j),))
>>> closed, _ = eliminate((t,), [a], ctx)
>>> closed[0].reads[1].index[0]
(-i*s + j + p)/d
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy

# -- the term language -----------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One tensor element ``tensor[index]``; ``padded``: zero outside the tensor's extent."""

    tensor: str
    index: tuple[Any, ...]
    padded: bool = False


@dataclass(frozen=True)
class Delta:
    """Kronecker delta δ(lhs, rhs): 1 when the two index expressions are equal, else 0."""

    lhs: Any
    rhs: Any


@dataclass(frozen=True)
class IsInteger:
    """Bracket [value ∈ ℤ]."""

    value: Any


@dataclass(frozen=True)
class Bound:
    """Bracket [lo ≤ value ≤ hi]; a missing side is not constrained."""

    value: Any
    lo: Any = None
    hi: Any = None


Cond = IsInteger | Bound


@dataclass(frozen=True)
class Limit:
    """A summation index running over lo, lo+1, …, hi."""

    var: Any
    lo: Any
    hi: Any


@dataclass(frozen=True)
class Term:
    """``coef · Σ_{limits} Π reads · Π deltas · Π conds`` (sums outermost first)."""

    coef: int = 1
    limits: tuple[Limit, ...] = ()
    reads: tuple[Read, ...] = ()
    deltas: tuple[Delta, ...] = ()
    conds: tuple[Cond, ...] = ()

    def bound(self) -> set[Any]:
        return {lim.var for lim in self.limits}


Series = tuple[Term, ...]


@dataclass
class Context:
    """What the rules may assume: tensor extents and the ranges of the free indices.

    Size symbols carry SymPy assumptions (``positive=True`` for n, k, s, d; p ≥ 0);
    index symbols are plain integers whose ranges come from ``ranges`` and the sums.
    ``hats`` names zero-padded tensors for display (``x`` → ``xhat`` prints as x̂).
    """

    extents: dict[str, tuple[Any, ...]]
    ranges: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    hats: dict[str, str] = field(default_factory=dict)

    def hat(self, tensor: str) -> str:
        return self.hats.get(tensor, tensor + "hat")


class IndexCalcError(ValueError):
    """A rule cannot be applied (e.g. the delta is not affine in the index to eliminate)."""


# -- small helpers on index expressions ------------------------------------------------


def tidy(expr: Any) -> Any:
    """A readable normal form of an index expression: expanded, over one denominator."""
    return sympy.together(sympy.expand(expr))


def _subst(expr: Any, mapping: dict[Any, Any]) -> Any:
    if expr is None:
        return None
    out = sympy.sympify(expr).xreplace(mapping)
    return tidy(out) if out != expr else out


def _positive(expr: Any) -> bool:
    """True when ``expr`` is provably > 0 (a positive number or a product of positive symbols)."""
    expr = sympy.sympify(expr)
    if expr.is_number:
        return bool(expr > 0)
    return bool(expr.is_positive)


@functools.lru_cache(maxsize=4096)
def _nonneg_key(expr: Any) -> Any:
    """Canonical form of the inequality ``expr ≥ 0``, or None when it cannot be normalised.

    Clears a positive denominator, then divides out the positive integer content and
    positive symbolic factors common to every term: ``d·k − d − d·a ≥ 0`` → ``k − 1 − a``.
    """
    num, den = sympy.fraction(sympy.together(sympy.expand(expr)))
    if not _positive(den):
        return None
    num = sympy.expand(num)
    if num.is_number:
        return num
    gens = sorted(num.free_symbols, key=str)
    poly = sympy.Poly(num, *gens)
    _, prim = poly.primitive()
    monom, _ = prim.terms_gcd()
    divisor = sympy.Mul(*[g**e for g, e in zip(gens, monom) if e and g.is_positive])
    return sympy.expand(prim.as_expr() / divisor)


@functools.lru_cache(maxsize=4096)
def _integer_key(value: Any) -> Any:
    """Canonical form of ``[value ∈ ℤ]``: None when always true, else the non-integer part.

    Whole-number terms (k, d·k, −1) do not change integrality and are dropped; the sign
    is normalised (v ∈ ℤ ⇔ −v ∈ ℤ).
    """
    e = sympy.expand(value)
    rest = sympy.Add(*[t for t in sympy.Add.make_args(e) if not t.is_integer])
    if rest == 0:
        return None
    return min(rest, sympy.expand(-rest), key=sympy.default_sort_key)


def _delta_key(delta: Delta) -> Any:
    diff = sympy.expand(delta.lhs - delta.rhs)
    return min(diff, sympy.expand(-diff), key=sympy.default_sort_key)


def range_facts(ranges: Iterable[tuple[Any, Any, Any]]) -> set[Any]:
    """Canonical ``≥ 0`` facts ``v − lo`` and ``hi − v`` for every (v, lo, hi)."""
    facts: set[Any] = set()
    for var, lo, hi in ranges:
        for side in (var - lo, hi - var):
            key = _nonneg_key(side)
            if key is not None:
                facts.add(key)
    return facts


def _term_facts(term: Term, ctx: Context) -> set[Any]:
    ranges = [(v, lo, hi) for v, (lo, hi) in ctx.ranges.items()]
    ranges += [(lim.var, lim.lo, lim.hi) for lim in term.limits]
    return range_facts(ranges)


def implied_nonneg(expr: Any, facts: set[Any]) -> bool | None:
    """True when ``expr ≥ 0`` follows from ``facts``; False when it is a negative number.

    The rules: a known fact; a number ≥ 0; or a sum of terms with positive coefficients
    whose symbols are all nonnegative (sizes, or indices with a ``v ≥ 0`` fact).
    None: undecided (the bracket stays).
    """
    key = _nonneg_key(expr)
    if key is None:
        return None
    if key.is_number:
        return bool(key >= 0)
    if key in facts:
        return True
    for term in sympy.Add.make_args(key):
        coef, rest = term.as_coeff_Mul()
        if coef < 0:
            return None
        for sym in rest.free_symbols:
            if not (sym.is_nonnegative or sym in facts):
                return None
    return True


def simplify_conds(term: Term, ctx: Context) -> tuple[Term | None, list[Cond]]:
    """Drop brackets that always hold here; None when one can never hold (the term is 0).

    Returns the new term and the dropped brackets (for the printed justification).
    """
    facts = _term_facts(term, ctx)
    kept: list[Cond] = []
    dropped: list[Cond] = []
    for cond in term.conds:
        if isinstance(cond, IsInteger):
            key = _integer_key(cond.value)
            if key is None:
                dropped.append(cond)
            elif key.is_number:
                return None, dropped
            else:
                kept.append(cond)
            continue
        lo, hi = cond.lo, cond.hi
        lo_ok = None if lo is None else implied_nonneg(cond.value - lo, facts)
        hi_ok = None if hi is None else implied_nonneg(hi - cond.value, facts)
        if lo_ok is False or hi_ok is False:
            return None, dropped
        new_lo = None if lo_ok else lo
        new_hi = None if hi_ok else hi
        if new_lo is None and new_hi is None:
            dropped.append(cond)
        else:
            if (new_lo, new_hi) != (lo, hi):
                dropped.append(Bound(cond.value, lo if lo_ok else None, hi if hi_ok else None))
            kept.append(Bound(cond.value, new_lo, new_hi))
    return replace(term, conds=tuple(kept)), dropped


# -- the rules -----------------------------------------------------------------------------


def substitute(series: Series, mapping: dict[Any, Any]) -> Series:
    """Replace free symbols (sizes or free indices) everywhere; bound indices are untouched."""
    out = []
    for term in series:
        local = {k: v for k, v in mapping.items() if k not in term.bound()}
        out.append(_subst_term(term, local))
    return tuple(out)


def _subst_term(term: Term, mapping: dict[Any, Any], *, limits: bool = True) -> Term:
    def sub(e: Any) -> Any:
        return _subst(e, mapping)

    return Term(
        term.coef,
        tuple(Limit(lim.var, sub(lim.lo), sub(lim.hi)) for lim in term.limits) if limits else term.limits,
        tuple(Read(r.tensor, tuple(sub(e) for e in r.index), r.padded) for r in term.reads),
        tuple(Delta(sub(dl.lhs), sub(dl.rhs)) for dl in term.deltas),
        tuple(
            IsInteger(sub(c.value)) if isinstance(c, IsInteger) else Bound(sub(c.value), sub(c.lo), sub(c.hi))
            for c in term.conds
        ),
    )


def rename_tensor(series: Series, old: str, new: str) -> Series:
    """Read ``new`` wherever ``old`` was read (e.g. a convolution's formula applied to x)."""
    return tuple(
        replace(t, reads=tuple(replace(r, tensor=new) if r.tensor == old else r for r in t.reads))
        for t in series
    )


def rename_bound(series: Series, old: Any, new: Any) -> Series:
    """Rename a summation index (α-conversion), e.g. so that a free index is not captured."""
    out = []
    for term in series:
        if old not in term.bound():
            out.append(term)
            continue
        moved = _subst_term(term, {old: new}, limits=False)
        limits = tuple(Limit(new, lim.lo, lim.hi) if lim.var == old else lim for lim in term.limits)
        out.append(replace(moved, limits=limits))
    return tuple(out)


def multiply(left: Term, series: Series) -> Series:
    """``left · series``, term by term (the sums of ``left`` go outermost)."""
    return tuple(
        Term(
            left.coef * t.coef,
            left.limits + t.limits,
            left.reads + t.reads,
            left.deltas + t.deltas,
            left.conds + t.conds,
        )
        for t in series
    )


def differentiate(series: Series, tensor: str, index: Sequence[Any], ctx: Context) -> Series:
    """∂series/∂tensor[index] by the product rule, one Kronecker delta per axis.

    ``∂t[e]/∂t[j] = Π_m δ(e_m, j_m)``. A zero-padded read t̂[e] equals t[e] inside the
    extent and 0 outside; it differentiates the same way *because* the free index j lies
    inside the extent — checked here against the context's ranges.
    """
    index = tuple(index)
    out: list[Term] = []
    for term in series:
        for pos, read in enumerate(term.reads):
            if read.tensor != tensor:
                continue
            if read.padded:
                _require_inside(tensor, index, ctx)
            rest = term.reads[:pos] + term.reads[pos + 1 :]
            deltas = tuple(Delta(e, j) for e, j in zip(read.index, index))
            out.append(replace(term, reads=rest, deltas=term.deltas + deltas))
    return tuple(out)


def _require_inside(tensor: str, index: tuple[Any, ...], ctx: Context) -> None:
    extents = ctx.extents.get(tensor)
    facts = range_facts((v, lo, hi) for v, (lo, hi) in ctx.ranges.items())
    if extents is None or len(extents) != len(index):
        raise IndexCalcError(f"unknown extent of {tensor}")
    for j, n in zip(index, extents):
        if not (implied_nonneg(j, facts) and implied_nonneg(n - 1 - j, facts)):
            raise IndexCalcError(f"{tensor}[{j}] is not known to lie inside 0…{n - 1}")


@dataclass(frozen=True)
class Solved:
    """One eliminated summation index: its value, and the brackets kept or dropped."""

    var: Any
    value: Any
    delta: Delta
    kept: tuple[Cond, ...]
    dropped: tuple[Cond, ...]


def eliminate(series: Series, variables: Sequence[Any], ctx: Context) -> tuple[Series, list[Solved]]:
    """Sum each index in ``variables`` against a delta that contains it.

    The delta chosen is the one tying the index to the fewest other summation indices
    (the first such one in the term).

    ``Σ_{v=lo}^{hi} δ(c·v + r, 0)·F(v) = [−r/c ∈ ℤ]·[lo ≤ −r/c ≤ hi]·F(−r/c)`` for a
    provably non-zero coefficient c. Brackets that always hold are dropped; a term whose
    brackets can never hold vanishes. Returns the new series and, for the first term in
    which each variable was eliminated, what happened (for the printed justification).
    """
    report: dict[Any, Solved] = {}
    out: list[Term] = []
    for term in series:
        new: Term | None = term
        for var in variables:
            assert new is not None
            if var not in new.bound():
                continue
            new, solved = _eliminate_one(new, var, ctx)
            if new is None:
                break
            report.setdefault(var, solved)
        if new is not None:
            out.append(new)
    return tuple(out), [report[v] for v in variables if v in report]


def _eliminate_one(term: Term, var: Any, ctx: Context) -> tuple[Term | None, Solved]:
    limit = next(lim for lim in term.limits if lim.var == var)
    bound = term.bound()

    def other_bound(delta: Delta) -> int:
        return len((sympy.sympify(delta.lhs - delta.rhs).free_symbols & bound) - {var})

    # The delta that ties ``var`` to the fewest other summation indices (then the first):
    # δ(i, j) rather than δ(m, s·i + d·a − p) when eliminating i.
    candidates = sorted(
        (pos for pos, dl in enumerate(term.deltas) if var in sympy.sympify(dl.lhs - dl.rhs).free_symbols),
        key=lambda pos: other_bound(term.deltas[pos]),
    )
    for pos in candidates:
        delta = term.deltas[pos]
        diff = sympy.expand(delta.lhs - delta.rhs)
        coef = diff.coeff(var)
        if coef == 0:
            continue
        rest = sympy.expand(diff - coef * var)
        if var in rest.free_symbols or var in coef.free_symbols:
            raise IndexCalcError(f"δ({delta.lhs}, {delta.rhs}) is not affine in {var}")
        if not (_positive(coef) or _positive(-coef)):
            raise IndexCalcError(f"cannot divide by {coef}: not known to be non-zero")
        value = tidy(-rest / coef)
        new_conds = (IsInteger(value), Bound(value, limit.lo, limit.hi))
        others = Term(
            term.coef,
            tuple(lim for lim in term.limits if lim.var != var),
            term.reads,
            term.deltas[:pos] + term.deltas[pos + 1 :],
            term.conds,
        )
        moved = _subst_term(others, {var: value}, limits=False)
        # Classify the two new brackets on their own (for the justification) …
        alone, dropped = simplify_conds(replace(moved, conds=new_conds), ctx)
        kept = alone.conds if alone is not None else new_conds
        # … then simplify every bracket of the term after the substitution.
        simplified, _ = simplify_conds(replace(moved, conds=moved.conds + new_conds), ctx)
        return simplified, Solved(var, value, delta, tuple(kept), tuple(dropped))
    raise IndexCalcError(f"no Kronecker delta contains {var}")


def reverse(series: Series, var: Any) -> Series:
    """Run a summation index backwards: ``Σ_{v=lo}^{hi} F(v) = Σ_{v=lo}^{hi} F(lo + hi − v)``."""
    out = []
    for term in series:
        limit = next((lim for lim in term.limits if lim.var == var), None)
        if limit is None:
            out.append(term)
            continue
        out.append(_subst_term(term, {var: limit.lo + limit.hi - var}, limits=False))
    return tuple(out)


def absorb_padding(series: Series, tensor: str, ctx: Context) -> Series:
    """``t[e]·[0 ≤ e_m ≤ len_m − 1 for every axis m] = t̂[e]``: t zero-padded outside its extent."""
    extents = ctx.extents[tensor]
    out = []
    for term in series:
        conds = list(term.conds)
        reads = list(term.reads)
        for pos, read in enumerate(reads):
            if read.tensor != tensor or read.padded:
                continue
            wanted = [
                Bound(e, sympy.Integer(0), n - 1) for e, n in zip(read.index, extents)
            ]
            matches = [_find_bound(conds, w) for w in wanted]
            if all(m is not None for m in matches):
                for m in sorted({m for m in matches if m is not None}, reverse=True):
                    del conds[m]
                reads[pos] = replace(read, padded=True)
        out.append(replace(term, reads=tuple(reads), conds=tuple(conds)))
    return tuple(out)


def _find_bound(conds: list[Cond], wanted: Bound) -> int | None:
    key = _bound_keys(wanted)
    for pos, cond in enumerate(conds):
        if isinstance(cond, Bound) and _bound_keys(cond) == key:
            return pos
    return None


def _bound_keys(cond: Bound) -> frozenset[Any]:
    keys = set()
    if cond.lo is not None:
        keys.add(_nonneg_key(cond.value - cond.lo))
    if cond.hi is not None:
        keys.add(_nonneg_key(cond.hi - cond.value))
    return frozenset(keys)


# -- normal form ----------------------------------------------------------------------------


def expand_padding(series: Series, ctx: Context) -> Series:
    """Every zero-padded read t̂[e] as t[e]·[0 ≤ e ≤ len − 1] (the inverse of absorb_padding)."""
    out = []
    for term in series:
        conds = list(term.conds)
        reads = []
        for read in term.reads:
            if read.padded:
                conds += [Bound(e, sympy.Integer(0), n - 1) for e, n in zip(read.index, ctx.extents[read.tensor])]
                read = replace(read, padded=False)
            reads.append(read)
        out.append(replace(term, reads=tuple(reads), conds=tuple(conds)))
    return tuple(out)


def canonical(series: Series, ctx: Context) -> Counter[Any]:
    """A normal form: two series with equal normal forms are equal for all sizes.

    Padded reads become brackets; index expressions are expanded; brackets are split
    into canonical ``≥ 0`` and ``∈ ℤ`` facts, minus those the ranges imply; equal terms
    add up. (Equal normal forms prove equality; different ones prove nothing.)
    """
    total: Counter[Any] = Counter()
    for term in expand_padding(series, ctx):
        simplified, _ = simplify_conds(term, ctx)
        if simplified is None:
            continue
        facts = _term_facts(simplified, ctx)
        conds: set[Any] = set()
        for cond in simplified.conds:
            if isinstance(cond, IsInteger):
                conds.add(("Z", _integer_key(cond.value)))
                continue
            for side in (
                None if cond.lo is None else cond.value - cond.lo,
                None if cond.hi is None else cond.hi - cond.value,
            ):
                if side is not None and not implied_nonneg(side, facts):
                    conds.add((">=0", _nonneg_key(side)))
        key = (
            tuple(sorted((str(lim.var), sympy.expand(lim.lo), sympy.expand(lim.hi)) for lim in simplified.limits)),
            tuple(sorted((r.tensor, tuple(sympy.expand(e) for e in r.index)) for r in simplified.reads)),
            tuple(sorted(_delta_key(dl) for dl in simplified.deltas)),
            frozenset(conds),
        )
        total[key] += simplified.coef
    return Counter({k: v for k, v in total.items() if v})


def same(left: Series, right: Series, ctx: Context) -> bool:
    """True when both series have the same normal form (so they are equal for all sizes)."""
    return canonical(left, ctx) == canonical(right, ctx)


# -- display -----------------------------------------------------------------------------------


def to_sympy(series: Series, ctx: Context) -> Any:
    """The series as a SymPy expression: Sum, Indexed, KroneckerDelta, Piecewise brackets.

    A bracket prints as ``Piecewise((f, conditions), (0, True))`` with the conditions of
    :func:`cond_to_sympy`. Zero-padded reads use the ``hats`` name (``xhat`` → x̂).
    """
    bases: dict[str, Any] = {}

    def read_sym(read: Read) -> Any:
        name = ctx.hat(read.tensor) if read.padded else read.tensor
        if not read.index:
            return sympy.Symbol(name)
        base = bases.setdefault(name, sympy.IndexedBase(name))
        return base[read.index]

    terms = []
    for term in series:
        body = sympy.Mul(
            sympy.Integer(term.coef),
            *[read_sym(r) for r in term.reads],
            *[sympy.KroneckerDelta(dl.lhs, dl.rhs) for dl in term.deltas],
        )
        conds = [cond_to_sympy(c) for c in merge_ranges(term.conds)]
        if conds:
            body = sympy.Piecewise((body, sympy.And(*conds)), (0, True))
        if term.limits:
            body = sympy.Sum(body, *[(lim.var, lim.lo, lim.hi) for lim in reversed(term.limits)])
        terms.append(body)
    return sympy.Add(*terms)


def merge_ranges(conds: Iterable[Cond]) -> list[Cond]:
    """Brackets for display: [v ∈ ℤ] is left out where [lo ≤ v ≤ hi] is present, since
    that bracket prints as v ∈ Range(lo, hi + 1), a set of whole numbers."""
    conds = list(conds)
    ranged = {c.value for c in conds if isinstance(c, Bound) and c.lo is not None and c.hi is not None}
    return [c for c in conds if not (isinstance(c, IsInteger) and c.value in ranged)]


def cond_to_sympy(cond: Cond) -> Any:
    """One bracket's condition as a SymPy boolean.

    ``[lo ≤ v ≤ hi]`` is ``Contains(v, Range(lo, hi + 1))`` — v is a whole number in
    lo…hi (the indices and bounds are integers); ``[v ∈ ℤ]`` is ``Contains(v, Integers)``.
    """
    if isinstance(cond, IsInteger):
        return sympy.Contains(cond.value, sympy.Integers, evaluate=False)
    if cond.lo is not None and cond.hi is not None:
        return sympy.Contains(cond.value, sympy.Range(cond.lo, cond.hi + 1), evaluate=False)
    if cond.lo is not None:
        return sympy.Le(cond.lo, cond.value, evaluate=False)
    return sympy.Le(cond.value, cond.hi, evaluate=False)
