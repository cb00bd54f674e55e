"""The one numeric checker (gradsym.numeric): sparse dual numbers and colour-compressed
difference quotients against the old dense per-element difference quotients, and the
check ``jacobian_matches_autodiff_numeric`` failing when a symbolic entry is corrupted."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.numeric import (
    Dual,
    autodiff_check,
    colouring,
    difference_jacobian,
    first_mismatch,
    object_array,
    sparse_jacobians,
    within,
)
from gradsym.poly import Poly
from gradsym.rules import RULES, extremum_weights, first_argmax

# --------------------------------------------------------------------------------------------
# The oracle: dense exact difference quotients, one forward pass per element (the old checker)
# --------------------------------------------------------------------------------------------


def dense_difference_jacobian(forward: Any, point: dict[str, np.ndarray], wrt: str,
                              degree: int) -> dict[tuple[int, int], Any]:
    """f′ = Σₖ (−1)ᵏ⁺¹/k Δᵏf per element, exact for degree ≤ ``degree``; non-zeros only."""
    base = point[wrt]
    out: dict[tuple[int, int], Any] = {}
    for w, index in enumerate(itertools.product(*(range(n) for n in base.shape))):
        samples = []
        for j in range(degree + 1):
            arr = base.copy()
            arr[index] = arr[index] + j
            samples.append(np.asarray(forward({**point, wrt: arr}), dtype=object).reshape(-1))
        total: Any = 0
        for k in range(1, degree + 1):
            delta = sum((-1) ** (k - j) * math.comb(k, j) * samples[j] for j in range(k + 1))
            total = total + Fraction((-1) ** (k + 1), k) * delta
        for o, v in enumerate(np.asarray(total, dtype=object).reshape(-1).tolist()):
            if v != 0:
                out[(o, w)] = v
    return out


def nonzero(jac: dict[tuple[int, int], Any]) -> dict[tuple[int, int], Any]:
    return {k: v for k, v in jac.items() if v != 0}


small = st.fractions(min_value=-4, max_value=4, max_denominator=5)


def polynomial_map(p: dict[str, np.ndarray]) -> np.ndarray:
    """A map of degree 3 in a and 1 in b, with broadcasting and a product along an axis."""
    a, b = p["a"], p["b"]
    return np.concatenate([a * a * a[::-1] - b[0, 0] * a, np.dot(a, b)])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(small, min_size=n, max_size=n), st.lists(small, min_size=n * 2, max_size=n * 2))))
def test_sparse_duals_and_colours_equal_dense_difference_quotients(case: Any) -> None:
    a_flat, b_flat = case
    n = len(a_flat)
    point = {"a": object_array(a_flat, (n,)), "b": object_array(b_flat, (n, 2))}
    f = lambda p: polynomial_map(p).reshape(-1)  # noqa: E731
    for name, degree in (("a", 3), ("b", 1)):
        dense = dense_difference_jacobian(f, point, name, degree)
        _, duals = sparse_jacobians(f, point, [name])
        assert first_mismatch(dense, duals[name]) is None
        # the pattern: every (output, input) the map can touch
        pattern = [(o, w) for o in range(n + 2) for w in range(point[name].size)
                   if (o, w) in duals[name]]
        compressed = difference_jacobian(f, point, name, pattern, degree=degree)
        assert compressed.stray == {}
        assert nonzero(compressed.entries) == dense


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(1, 3), st.integers(1, 2),
       st.integers(0, 1), st.integers(0, 10**6))
def test_conv_model_checked_by_colours_equals_dense(h: int, w: int, k: int, stride: int,
                                                     padding: int, seed: int) -> None:
    if k > h + 2 * padding or k > w + 2 * padding:
        return
    d = gradsym.conv(input=(h, w), kernel=(k, k), stride=stride, padding=padding)
    rng = np.random.default_rng(seed)
    point = {"input": object_array([int(v) for v in rng.integers(-5, 6, h * w)], (h, w)),
             "kernel": object_array([Fraction(int(v), 3) for v in rng.integers(-5, 6, k * k)],
                                   (k, k))}
    assert d.model is not None
    for role in ("input", "kernel"):
        dense = dense_difference_jacobian(d.model.forward, point, role, 1)
        compressed = difference_jacobian(d.model.forward, point, role,
                                         list(d.jacobians[role].entries), degree=1)
        assert compressed.stray == {} and nonzero(compressed.entries) == dense
        _, duals = sparse_jacobians(d.model.forward, point, [role])
        assert nonzero(duals[role]) == dense


def test_colouring_separates_the_columns_of_every_output() -> None:
    d = gradsym.conv(input=(9, 7), kernel=(3, 2), dilation=(2, 1))
    keys = list(d.jacobians["input"].entries)
    colour, n = colouring(keys, 63)
    seen = {(o, int(colour[w])) for o, w in keys}
    assert len(seen) == len(keys) and n <= 63
    # the greedy fallback when no modulus works (an arbitrary pattern)
    rng = np.random.default_rng(1)
    keys = list({(int(o), int(w)) for o, w in rng.integers(0, 40, (300, 2))})
    colour, n = colouring(keys, 40)
    assert len({(o, int(colour[w])) for o, w in keys}) == len(keys)


def test_compressed_difference_reports_an_entry_the_pattern_lacks() -> None:
    f = lambda p: p["a"] * p["a"][::-1]  # noqa: E731
    a = object_array([1, 2, 3], (3,))
    full = [(0, 0), (0, 2), (1, 1), (2, 0), (2, 2)]
    short = difference_jacobian(f, {"a": a}, "a", full[:-1] + [], degree=2)
    assert short.stray  # (2, 2) is missing from the pattern: its sum shows up unexplained


def test_sparse_dual_is_exact_and_follows_the_rules() -> None:
    x = Dual.variable(Fraction(1, 3), "x")
    y = (x**3 - 2 * x) / (1 + x * x)
    t = sympy.Symbol("t")
    want = sympy.diff((t**3 - 2 * t) / (1 + t * t), t).subs(t, sympy.Rational(1, 3))
    assert y.partial("x") == Fraction(str(want))
    assert Dual.variable(0, "z").apply(RULES["relu"]).partial("z") == 0  # relu′(0) = 0
    assert Dual.variable(-2, "z").apply(RULES["abs"]).partial("z") == -1
    s = Dual.variable(0, "z").apply(RULES["sigmoid"])
    assert s.value == Fraction(1, 2) and s.partial("z") == Fraction(1, 4)
    assert extremum_weights([2, 2, 1], 1) == [Fraction(1, 2), Fraction(1, 2), 0]
    assert first_argmax([1, 5, 5]) == 1


def test_every_rule_matches_sympy() -> None:
    z = sympy.Symbol("z", real=True)
    for name, rule in RULES.items():
        for v in (Fraction(3, 7), Fraction(5, 4)):
            numeric = rule.slope(v, rule.value(v))
            symbolic = rule.sympy_slope(z).subs(z, sympy.Rational(v.numerator, v.denominator))
            assert abs(float(numeric) - float(symbolic)) < 1e-12, name
            assert abs(float(rule.value(v)) - float(rule.sympy_value(z).subs(
                z, sympy.Rational(v.numerator, v.denominator)))) < 1e-12, name
            assert abs(float(sympy.diff(rule.sympy_value(z), z).subs(
                z, sympy.Rational(v.numerator, v.denominator))) - float(symbolic)) < 1e-12, name


# --------------------------------------------------------------------------------------------
# The check fails when the symbolic Jacobian is corrupted: an entry dropped, added or changed
# --------------------------------------------------------------------------------------------

CORRUPTIONS = ("drop", "add", "change")


def corrupt(entries: dict[tuple[int, int], Any], how: str, shape: tuple[int, int],
            one: Any, at: dict[tuple[int, int], Any]) -> None:
    """Drop, change or add one entry; the dropped one is non-zero at the values ``at``
    (dropping an entry that is 0 there is invisible at those values, rightly)."""
    key = next(k for k in entries if at[k] != 0)
    if how == "drop":
        del entries[key]
    elif how == "change":
        if isinstance(one, Poly):
            changed = Poly(dict(entries[key]))
            changed.add_term((), 1)
            entries[key] = changed
        else:
            entries[key] = entries[key] + one
    else:
        free = next((o, w) for o in range(shape[0]) for w in range(shape[1])
                    if (o, w) not in entries)
        entries[free] = one


def numeric_check(ev: Any) -> Any:
    return next(c for c in ev.checks if c.name == "jacobian_matches_autodiff_numeric")


@pytest.mark.parametrize("how", CORRUPTIONS)
@pytest.mark.parametrize("role", ["input", "kernel"])
def test_conv_check_fails_on_a_corrupted_entry(how: str, role: str) -> None:
    d = gradsym.conv(input=(4, 4), kernel=(2, 2), padding=1)  # padding: the kernel has zeros
    ev = d.evaluate(x="arange", k="arange")
    assert numeric_check(ev).holds
    jac = d.jacobians[role]
    corrupt(jac.entries, how, (math.prod(jac.out_shape), math.prod(jac.wrt_shape)),
            Poly({(): 1}), ev.jacobian_values[role])
    assert not numeric_check(d.evaluate(x="arange", k="arange")).holds


@pytest.mark.parametrize("how", CORRUPTIONS)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_check_fails_on_a_corrupted_entry(how: str, mode: str) -> None:
    d = gradsym.pool(input=(4, 4), size=2, stride=1, mode=mode)
    values = "[[1,5,2,0],[3,4,9,1],[2,8,7,6],[0,1,3,2]]"
    ev = d.evaluate(x=values)
    assert numeric_check(ev).holds
    jac = d.jacobians["input"]
    one = Poly({(): 1}) if mode == "avg" else sympy.Integer(1)
    corrupt(jac.entries, how, (math.prod(jac.out_shape), math.prod(jac.wrt_shape)), one,
            ev.jacobian_values["input"])
    assert not numeric_check(d.evaluate(x=values)).holds


@pytest.mark.parametrize("how", CORRUPTIONS)
@pytest.mark.parametrize("text", ["a**2 * b", "exp(a) * tanh(b) + relu(a - b)"])
def test_expr_check_fails_on_a_corrupted_entry(how: str, text: str) -> None:
    d = gradsym.expr(text, shape=["a=3", "b=3"])
    at = {"a": "[1,2,3]", "b": "[2,-1,1/2]"}
    ev = d.evaluate(**at)
    assert numeric_check(ev).holds
    jac = d.jacobians["a"]
    corrupt(jac.entries, how, (3, 3), sympy.Integer(1), ev.jacobian_values["a"])
    assert not numeric_check(d.evaluate(**at)).holds


def test_autodiff_check_gives_each_role_its_own_tolerance():
    """A tolerance scaled to a large Jacobian must not hide an error in a small one."""
    symbolic = {"big": {(0, 0): Fraction(10**6)}, "small": {(0, 0): Fraction(1, 1000)}}
    numeric = {"big": {(0, 0): Fraction(10**6) + 1}, "small": {(0, 0): Fraction(2, 1000)}}
    one_scale = within(Fraction(1, 10**5), Fraction(1, 100))
    assert autodiff_check("…", symbolic, numeric, one_scale).holds
    per_role = {"big": within(Fraction(1, 10**5), Fraction(1, 100)), "small": within(Fraction(1, 10**5))}
    check = autodiff_check("…", symbolic, numeric, per_role)
    assert not check.holds and "∂output/∂small entry (0, 0)" in check.mismatch
