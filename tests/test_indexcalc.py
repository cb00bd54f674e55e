"""The index-elimination rules of gradsym.indexcalc, each on its own.

The oracle is a brute-force evaluator written here: it loops over every value of every
summation index and substitutes numbers with SymPy — no delta solving, no compiled forms.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from gradsym.indexcalc import (
    Bound,
    Context,
    Delta,
    IndexCalcError,
    IsInteger,
    Limit,
    Read,
    Term,
    absorb_padding,
    canonical,
    differentiate,
    eliminate,
    expand_padding,
    implied_nonneg,
    multiply,
    range_facts,
    rename_bound,
    reverse,
    same,
    simplify_conds,
    to_sympy,
)
from gradsym.instantiate import InstantiationError, Instantiator, binder

i, a, j, c, v = sympy.symbols("i a j c v", integer=True)
n, k, s, d, o = sympy.symbols("n k s d o", integer=True, positive=True)
p = sympy.Symbol("p", integer=True, nonnegative=True)
ZERO = sympy.Integer(0)


def ctx_for(free: dict[Any, Any]) -> Context:
    return Context({"x": (n,), "w": (k,), "g": (o,)}, {var: (ZERO, length - 1) for var, length in free.items()})


def conv_sizes(n_: int, k_: int, s_: int, d_: int, p_: int) -> dict[Any, int]:
    return {n: n_, k: k_, s: s_, d: d_, p: p_, o: (n_ + 2 * p_ - d_ * (k_ - 1) - 1) // s_ + 1}


def brute(series: tuple[Term, ...], values: dict[Any, int], extents: dict[str, int]) -> Counter:
    """Σ over every index value, by substitution: {sorted read names: coefficient}."""
    out: Counter = Counter()
    for term in series:
        ranges = [range(int(lim.lo.subs(values)), int(lim.hi.subs(values)) + 1) for lim in term.limits]
        for combo in itertools.product(*ranges):
            env = {**values, **{lim.var: val for lim, val in zip(term.limits, combo)}}

            def val(e: Any, env: dict[Any, int] = env) -> Any:
                return sympy.sympify(e).subs(env)

            if any(val(dl.lhs) != val(dl.rhs) for dl in term.deltas):
                continue
            ok = True
            for cond in term.conds:
                if isinstance(cond, IsInteger):
                    ok = ok and bool(val(cond.value).is_integer)
                else:
                    x = val(cond.value)
                    ok = ok and (cond.lo is None or x >= val(cond.lo)) and (cond.hi is None or x <= val(cond.hi))
            if not ok:
                continue
            names = []
            for read in term.reads:
                idx = [val(e) for e in read.index]
                assert all(e.is_integer for e in idx), f"fractional read {read.tensor}{idx}"
                if not all(0 <= e < extents[read.tensor] for e in idx):
                    assert read.padded, f"{read.tensor}{idx} outside"
                    break
                names.append(f"{read.tensor}{[int(e) for e in idx]}")
            else:
                out[tuple(sorted(names))] += term.coef
    return Counter({key: value for key, value in out.items() if value})


def via_instantiator(series: tuple[Term, ...], values: dict[Any, int], free: dict[Any, int],
                     extents: dict[str, int]) -> Counter:
    """The same through Instantiator, variable ids translated back to names."""
    first, names = 0, {}
    tensors = {}
    for name, length in extents.items():
        tensors[name] = (first, (length,))
        for e in range(length):
            names[first + e] = f"{name}[{e}]"
        first += length
    poly = Instantiator(series, set(free)).poly(values, free, binder(tensors))
    return Counter({tuple(sorted(names[v_] for v_ in mono)): coef for mono, coef in poly.items()})


def grad_input_series() -> tuple[Term, ...]:
    """Σ_i Σ_a g[i]·w[a]·δ(s·i + d·a − p, j): ∂L/∂x[j] of a 1-D convolution, with deltas."""
    return (Term(limits=(Limit(i, ZERO, o - 1), Limit(a, ZERO, k - 1)),
                 reads=(Read("g", (i,)), Read("w", (a,))), deltas=(Delta(s * i + d * a - p, j),)),)


def test_eliminate_keeps_integrality_and_range():
    closed, solved = eliminate(grad_input_series(), [a], ctx_for({j: n}))
    (term,) = closed
    value = (j + p - s * i) / d
    assert sympy.simplify(term.reads[1].index[0] - value) == 0
    assert solved[0].var == a and sympy.simplify(solved[0].value - value) == 0
    kinds = {type(cond) for cond in term.conds}
    assert kinds == {IsInteger, Bound}
    assert not term.deltas and [lim.var for lim in term.limits] == [i]


def test_sympy_alone_drops_the_integrality_condition():
    # the reason for this module: SymPy sums the delta as if (j + p − s·i)/d were always whole
    w = sympy.IndexedBase("w")
    summed = sympy.Sum(sympy.KroneckerDelta(j, s * i + d * a - p) * w[a], (a, 0, k - 1)).doit()
    assert not summed.has(sympy.Contains) and not summed.has(sympy.Mod)
    # …and without our [∈ ℤ] bracket the closed form reads w at a fractional index
    closed, _ = eliminate(grad_input_series(), [a], ctx_for({j: n}))
    dropped = tuple(Term(t.coef, t.limits, t.reads, t.deltas,
                         tuple(cond for cond in t.conds if not isinstance(cond, IsInteger))) for t in closed)
    values = conv_sizes(5, 2, 1, 2, 0)
    extents = {"g": values[o], "w": 2}
    with pytest.raises(InstantiationError, match="fractional"):
        for jj in range(5):
            via_instantiator(dropped, values, {j: jj}, extents)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2))
def test_elimination_equals_brute_force(n_, k_, s_, d_, p_):
    if n_ + 2 * p_ - d_ * (k_ - 1) - 1 < 0:
        return
    values = conv_sizes(n_, k_, s_, d_, p_)
    extents = {"g": values[o], "w": k_}
    series = grad_input_series()
    closed, _ = eliminate(series, [a], ctx_for({j: n}))
    for jj in range(n_):
        want = brute(series, {**values, j: jj}, extents)
        assert brute(closed, {**values, j: jj}, extents) == want
        assert via_instantiator(closed, values, {j: jj}, extents) == want
        assert via_instantiator(series, values, {j: jj}, extents) == want


def test_delta_chosen_ties_the_fewest_other_indices():
    m = sympy.Symbol("m", integer=True)
    term = Term(limits=(Limit(m, ZERO, o - 1), Limit(i, ZERO, n - 1), Limit(a, ZERO, k - 1)),
                reads=(Read("g", (m,)), Read("w", (a,))),
                deltas=(Delta(m, s * i + d * a - p), Delta(i, j)))
    out, solved = eliminate((term,), [i], ctx_for({j: n}))
    assert solved[0].delta == Delta(i, j) and solved[0].value == j
    assert out[0].deltas == (Delta(m, s * j + d * a - p),)
    # 0 ≤ j ≤ n − 1 holds for the free index: nothing is kept
    assert out[0].conds == () and solved[0].kept == ()


def test_implied_brackets_are_dropped():
    term = Term(limits=(Limit(a, ZERO, k - 1),), conds=(Bound(d * a, ZERO, d * (k - 1)), IsInteger(d * a)))
    simplified, dropped = simplify_conds(term, ctx_for({}))
    assert simplified is not None and simplified.conds == ()
    assert len(dropped) == 2
    kept = Term(limits=(Limit(i, ZERO, o - 1),), conds=(Bound(j + p - s * i, ZERO, None),))
    simplified, dropped = simplify_conds(kept, ctx_for({j: n}))
    assert simplified is not None and simplified.conds == kept.conds and not dropped


def test_a_bracket_that_never_holds_removes_the_term():
    term = Term(reads=(Read("w", (a,)),), conds=(Bound(sympy.Integer(-1), ZERO, None),))
    assert simplify_conds(term, ctx_for({a: k}))[0] is None
    half = Term(reads=(Read("w", (a,)),), conds=(IsInteger(sympy.Rational(1, 2)),))
    assert simplify_conds(half, ctx_for({a: k}))[0] is None


def test_nonneg_normal_form_divides_positive_factors():
    facts = range_facts([(a, ZERO, k - 1)])
    assert implied_nonneg(d * k - d - d * a, facts) is True  # d·(k − 1 − a) ≥ 0
    assert implied_nonneg(s * i + d * a, range_facts([(a, ZERO, k - 1), (i, ZERO, o - 1)])) is True
    assert implied_nonneg(-d, facts) is False  # d > 0, so −d ≥ 0 never holds
    assert implied_nonneg(sympy.Integer(-2), facts) is False
    assert implied_nonneg(j - 1, facts) is None


def test_normal_form_identifies_rewritten_brackets():
    # (s·i − j − p)/d + k − 1 is whole exactly when (j + p − s·i)/d is
    one = Term(reads=(Read("g", (i,)),), conds=(IsInteger((s * i - j - p) / d + k - 1),))
    two = Term(reads=(Read("g", (i,)),), conds=(IsInteger((j + p - s * i) / d),))
    other = Term(reads=(Read("g", (i,)),), conds=(IsInteger((j - p - s * i) / d),))
    ctx = ctx_for({j: n, i: o})
    assert same((one,), (two,), ctx)
    assert not same((one,), (other,), ctx)
    assert canonical((one, one), ctx) != canonical((one,), ctx)  # coefficients add up


def test_reverse_reorders_a_sum():
    series = (Term(limits=(Limit(a, ZERO, k - 1),), reads=(Read("w", (k - 1 - a,)), Read("g", (a,)))),)
    backwards = reverse(series, a)
    assert backwards[0].reads[0].index[0] == a
    values = {k: 4, o: 4}
    extents = {"w": 4, "g": 4}
    assert brute(series, values, extents) == brute(backwards, values, extents)
    # a read that is not symmetric under a → k − 1 − a shows the sum really was reordered
    shifted = (Term(limits=(Limit(a, ZERO, k - 1),), reads=(Read("w", (a,)), Read("g", (a,)))),)
    assert brute(reverse(shifted, a), values, extents) == brute(shifted, values, extents)
    assert reverse(shifted, a)[0].reads[0].index[0] == k - 1 - a


def test_absorb_padding_round_trip():
    term = Term(limits=(Limit(a, ZERO, k - 1),), reads=(Read("g", (s * j + d * a - p,)), Read("w", (a,))),
                conds=(Bound(s * j + d * a - p, ZERO, o - 1),))
    ctx = ctx_for({j: n})
    absorbed = absorb_padding((term,), "g", ctx)
    assert absorbed[0].reads[0].padded and absorbed[0].conds == ()
    assert same(absorbed, (term,), ctx)
    assert expand_padding(absorbed, ctx)[0].conds == term.conds
    values = conv_sizes(4, 3, 2, 1, 1)
    extents = {"g": values[o], "w": 3, "x": 4}
    for jj in range(4):
        assert brute(absorbed, {**values, j: jj}, extents) == brute((term,), {**values, j: jj}, extents)


def test_differentiate_padded_needs_the_free_index_inside():
    fwd = (Term(limits=(Limit(a, ZERO, k - 1),), reads=(Read("x", (s * i + d * a - p,), padded=True),
                                                          Read("w", (a,)))),)
    out = differentiate(fwd, "x", (j,), ctx_for({j: n}))
    assert out[0].deltas == (Delta(s * i + d * a - p, j),) and out[0].reads == (Read("w", (a,)),)
    with pytest.raises(IndexCalcError, match="inside"):
        differentiate(fwd, "x", (j,), ctx_for({}))
    # a tensor that does not occur differentiates to nothing
    assert differentiate(fwd, "b", (), ctx_for({})) == ()


def test_renaming_avoids_capture():
    fwd = (Term(limits=(Limit(a, ZERO, k - 1),), reads=(Read("w", (a,)),)),)
    renamed = rename_bound(fwd, a, c)
    assert renamed[0].limits[0].var == c and renamed[0].reads[0].index == (c,)
    grad = multiply(Term(), differentiate(renamed, "w", (a,), ctx_for({a: k})))
    out, _ = eliminate(grad, [c], ctx_for({a: k}))
    assert out == (Term(),)  # ∂/∂w[a] Σ_c w[c] = 1


def test_eliminate_needs_a_nonzero_coefficient():
    m = sympy.Symbol("m", integer=True)  # no sign: cannot divide by it
    term = Term(limits=(Limit(a, ZERO, k - 1),), deltas=(Delta(m * a, j),))
    with pytest.raises(IndexCalcError, match="non-zero"):
        eliminate((term,), [a], ctx_for({j: n}))
    with pytest.raises(IndexCalcError, match="no Kronecker delta"):
        eliminate((Term(limits=(Limit(a, ZERO, k - 1),)),), [a], ctx_for({}))


def test_display_is_standard_sympy():
    closed, _ = eliminate(grad_input_series(), [a], ctx_for({j: n}))
    expr = to_sympy(closed, ctx_for({j: n}))
    assert expr.has(sympy.Sum, sympy.Piecewise, sympy.Contains)
    text = str(expr)
    assert "Range(0, k, 1)" in text
    names = {"g": sympy.IndexedBase("g"), "w": sympy.IndexedBase("w")}
    names.update({str(x): x for x in (i, j, k, s, d, p, o)})
    assert sympy.sympify(text, locals=names) == expr
    assert "\\sum" in sympy.latex(expr)
