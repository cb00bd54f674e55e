"""Pooling against PyTorch (max_pool*d / avg_pool*d), the proofs, and bad input.

Hypothesis draws 1-D/2-D/3-D configurations (window, stride, padding ≤ half the window,
dilation for max, ceil_mode, optional channels and batch) and small integer values with
many ties; gradsym's exact forward pass and dL/dx must equal PyTorch's (float64, exact for
such values), and every check must hold.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.spec import pool_output_size
from tests.conftest import require

TORCH_CASES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pool_configs(draw: st.DrawFn) -> dict:
    nd = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["max", "avg"]))
    size = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, k // 2)) for k in size)
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) if mode == "max" else 1 for _ in range(nd))
    limit = {1: 7, 2: 5, 3: 3}[nd]
    spatial = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p) + limit))
        for k, d, p in zip(size, dilation, padding, strict=True)
    )
    config = dict(input=spatial, size=size, stride=stride, padding=padding, dilation=dilation,
                  ceil_mode=draw(st.booleans()), mode=mode)
    if draw(st.booleans()) and nd < 3:
        config.update(in_channels=draw(st.integers(1, 2)), batch=draw(st.integers(1, 2)))
    return config


def torch_pool(torch, config: dict, x):
    nd = len(config["input"])
    f = torch.nn.functional
    channels = "in_channels" in config
    if not channels:
        x = x[None, None]
    common = dict(kernel_size=config["size"], stride=config["stride"], padding=config["padding"],
                  ceil_mode=config["ceil_mode"])
    if config["mode"] == "max":
        fn = {1: f.max_pool1d, 2: f.max_pool2d, 3: f.max_pool3d}[nd]
        y = fn(x, dilation=config["dilation"], **common)
    else:
        fn = {1: f.avg_pool1d, 2: f.avg_pool2d, 3: f.avg_pool3d}[nd]
        y = fn(x, count_include_pad=True, **common)
    return y if channels else y[0, 0]


def as_float(arr) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(arr, dtype=object).reshape(-1)], dtype=np.float64)


@TORCH_CASES
@given(pool_configs(), st.data())
def test_pool_matches_torch_forward_and_gradient(config: dict, data: st.DataObject) -> None:
    torch = require("torch")
    try:
        d = gradsym.pool(**config)
    except SpecError:
        # gradsym refuses exactly what PyTorch refuses, or a window of padding only (−inf).
        x = torch.zeros(config.get("batch", 1), config.get("in_channels", 1), *config["input"],
                        dtype=torch.float64)
        try:
            y = torch_pool(torch, {**config, "in_channels": 1}, x)
        except RuntimeError:
            return
        assert torch.isinf(y).any()
        return
    shape = d.symbols["input"].shape
    out_shape = d.symbols["upstream"].shape
    size = int(np.prod(shape))
    # Values from a tiny range, so that windows often hold equal maxima (ties).
    x_vals = data.draw(st.lists(st.integers(-2, 2), min_size=size, max_size=size))
    g_vals = data.draw(st.lists(st.integers(-3, 3), min_size=int(np.prod(out_shape)),
                                max_size=int(np.prod(out_shape))))
    d = gradsym.pool(**config, x=",".join(map(str, x_vals)), g=",".join(map(str, g_vals)))
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    names = {c.name for c in d.all_checks()}
    assert names == {"grad_routes_to_argmax" if config["mode"] == "max" else "grad_spreads_evenly",
                     "jacobian_matches_autodiff_numeric"}

    x = torch.tensor(np.array(x_vals, dtype=np.float64).reshape(shape), requires_grad=True)
    y = torch_pool(torch, config, x)
    assert tuple(y.shape) == out_shape
    y.backward(torch.tensor(np.array(g_vals, dtype=np.float64).reshape(out_shape)))
    np.testing.assert_allclose(as_float(d.numeric.forward_values), y.detach().numpy().reshape(-1),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(as_float(d.numeric.grad_values["input"]), x.grad.numpy().reshape(-1),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2),
       st.integers(1, 3), st.booleans())
def test_output_size_is_pytorchs(size: int, window: int, stride: int, padding: int,
                                 dilation: int, ceil_mode: bool) -> None:
    torch = require("torch")
    if padding > window // 2:
        return
    x = torch.zeros(1, 1, size, dtype=torch.float64)
    try:
        expected = torch.nn.functional.max_pool1d(x, window, stride, padding, dilation,
                                                  ceil_mode=ceil_mode).shape[-1]
    except RuntimeError:
        expected = 0
    got = pool_output_size(size, window, stride=stride, padding=padding, dilation=dilation,
                           ceil_mode=ceil_mode)
    assert max(got, 0) == expected


def test_ties_go_to_the_first_maximum_like_torch() -> None:
    torch = require("torch")
    x = [[3, 3, 1, 2], [3, 1, 2, 2], [0, 5, 5, 5], [5, 5, 5, 5]]
    d = gradsym.pool(input=(4, 4), size=(2, 2), x=x, g="arange")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.max_pool2d(t[None, None], 2).backward(
        torch.arange(1.0, 5.0, dtype=torch.float64).reshape(1, 1, 2, 2))
    assert d.numeric.grad_values["input"].tolist() == t.grad.numpy().astype(int).tolist()
    assert d.numeric.grad_values["input"].tolist() == [[1, 0, 0, 2], [0, 0, 0, 0],
                                                       [0, 3, 4, 0], [0, 0, 0, 0]]


def test_sympy_max_derivative_would_split_a_tie() -> None:
    # The reason for the routing rule: SymPy's derivative of Max is ½ at a tie.
    a, b = sympy.symbols("a b")
    assert sympy.Max(a, b).diff(a).subs({a: 1, b: 1}) == sympy.Rational(1, 2)
    d = gradsym.pool(input=(2,), size=(2,), x=[1, 1])
    assert d.numeric.grad_values["input"].tolist() == [1, 0]


def test_routing_rule_shape_and_values() -> None:
    d = gradsym.pool(input=(3,), size=(3,))
    x1, x2, x3 = sympy.symbols("x_1 x_2 x_3")
    routes = [d.jacobian["input"][0, i] for i in range(3)]
    assert routes[0] == sympy.Piecewise((1, x1 >= sympy.Max(x2, x3)), (0, True))
    assert routes[2] == sympy.Piecewise((1, x3 > sympy.Max(x1, x2)), (0, True))
    for values in [(1, 2, 3), (3, 3, 3), (2, 5, 5), (5, 1, 5), (0, 4, 1)]:
        point = dict(zip((x1, x2, x3), values))
        got = [int(r.subs(point)) for r in routes]
        first = values.index(max(values))
        assert got == [int(i == first) for i in range(3)]


def _mutated_check(d, key, entry):
    from gradsym.calculus import sympy_vjp
    from gradsym.layers.pool import argmax_routing_check

    jac = d.jacobians["input"]
    entries = dict(jac.entries)
    entries[key] = entry
    jac2 = type(jac)(jac.out_shape, jac.wrt_shape, entries)
    sym = d.table.symbols()
    g = [sym[i] for i in d.symbols["upstream"].flat_ids()]
    return argmax_routing_check(d.pool, d.symbols["input"], jac2, sympy_vjp(jac2, g), g, sym)


@pytest.mark.parametrize("bad", ["both_non_strict", "heaviside", "missing_cell"])
def test_routing_proof_rejects_wrong_rules(bad: str) -> None:
    d = gradsym.pool(input=(2, 2), size=(2, 2))
    x = sympy.symbols("x_1_1 x_1_2 x_2_1 x_2_2")
    if bad == "both_non_strict":  # x_1_2 ≥ x_1_1 would also route a tie to the second cell
        entry = sympy.Piecewise((1, (x[1] >= x[0]) & (x[1] >= sympy.Max(x[2], x[3]))), (0, True))
    elif bad == "heaviside":
        entry = sympy.Max(*x).diff(x[1])
    else:
        entry = sympy.Piecewise((1, x[1] > sympy.Max(x[0], x[2])), (0, True))
    check = _mutated_check(d, (0, 1), entry)
    assert not check.holds and check.mismatch


def test_spread_proof_rejects_a_wrong_gradient() -> None:
    from gradsym.layers.pool import spread_rhs
    from gradsym.poly import Poly

    d = gradsym.pool(input=(4,), size=(2,), stride=(1,), padding=(1,), mode="avg")
    assert d.checks[0].holds
    rhs = spread_rhs(d.pool, d.symbols["upstream"].ids)
    g = d.symbols["upstream"].first
    assert rhs[0] == Poly({(g,): Fraction(1, 2), (g + 1,): Fraction(1, 2)})
    wrong = list(d.grad_elems["input"].reshape(-1))
    wrong[0] = Poly({(g,): Fraction(1, 2)})
    assert wrong != rhs


def test_avg_ceil_mode_divides_by_the_part_inside_the_padded_input() -> None:
    torch = require("torch")
    d = gradsym.pool(input=(5,), size=(3,), stride=(2,), padding=(1,), ceil_mode=True, mode="avg",
                     x="1,2,3,4,5")
    y = torch.nn.functional.avg_pool1d(torch.arange(1.0, 6.0, dtype=torch.float64)[None, None], 3, 2,
                                       1, ceil_mode=True)
    assert d.numeric.forward_values.tolist() == [1, 3, 3] == y.reshape(-1).tolist()
    assert str(d.forward[0]) == "x_1/3 + x_2/3"


def test_channels_layout_and_json(cli) -> None:
    r = cli("pool", "--input", "3x3", "--size", "2", "--stride", "1", "--in-channels", "2",
            "--batch", "1", "--x", "random", "--seed", "4", "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["command"] == "pool"
    assert doc["config"]["layout"] == "channels" and doc["config"]["output"] == [2, 2]
    assert np.array(doc["symbols"]["input"]).shape == (1, 2, 3, 3)
    assert doc["symbols"]["input"][0][1][2][0] == "x_1_2_3_1"
    assert np.array(doc["grad"]["input"]).shape == (1, 2, 3, 3)
    assert doc["jacobian"]["input"]["shape"] == [1, 2, 2, 2, 1, 2, 3, 3]
    # Every Jacobian entry pairs an output with a cell of its window (same plane).
    for out, wrt, _ in doc["jacobian"]["input"]["nonzeros"]:
        assert out[:2] == wrt[:2] and 0 <= wrt[2] - out[2] <= 1 and 0 <= wrt[3] - out[3] <= 1
    assert {c["name"] for c in doc["checks"]} == {"grad_routes_to_argmax",
                                                  "jacobian_matches_autodiff_numeric"}
    assert all(c["holds"] for c in doc["checks"])
    # Expressions read back with plain sympify.
    assert sympy.sympify(doc["forward"][0][0][0][0]) == sympy.Max(*sympy.symbols("x_1_1_1_1 x_1_1_1_2 x_1_1_2_1 x_1_1_2_2"))


def test_text_shows_where_each_gradient_goes(cli) -> None:
    r = cli("pool", "--input", "4x4", "--size", "2x2", "--x", "arange", "--format", "text")
    assert r.code == 0, r.err
    assert "max(1, 2, 5, 6) = 6: g[1,1] goes to x[2,2]" in r.out
    assert "6 ← g[1,1]" in r.out
    r = cli("pool", "--input", "4", "--size", "2", "--mode", "avg", "--format", "text")
    assert r.code == 0 and "divisor n of each window of y" in r.out


def test_three_d_average_with_fractions() -> None:
    d = gradsym.pool(input=(2, 2, 2), size=(2, 2, 2), mode="avg", x="arange", g=[[["1/2"]]])
    assert d.numeric.forward_values.reshape(-1).tolist() == [Fraction(9, 2)]
    assert set(d.numeric.grad_values["input"].reshape(-1).tolist()) == {Fraction(1, 16)}
    assert d.holds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "3", "--size", "3", "--padding", "2"], "--padding 2 is more than half"),
        (["--input", "3", "--size", "5"], "larger than the padded input"),
        (["--input", "4", "--size", "2", "--mode", "avg", "--dilation", "2"], "--dilation applies to max"),
        (["--input", "4", "--size", "2", "--mode", "min"], "--mode must be max or avg"),
        (["--input", "4x4", "--size", "2x2x2"], "--size has 3 dimensions"),
        (["--size", "2"], "--input is required"),
        (["--input", "4"], "--size is required"),
        (["--input", "2", "--size", "2", "--dilation", "3", "--padding", "1", "--stride", "1"],
         "only padding"),
        (["--input", "4", "--size", "2", "--padding", "same"], "not defined for pooling"),
        (["--input", "4", "--size", "2", "--stride", "0"], "--stride"),
        (["--input", "4", "--size", "2", "--x", "1,2,3"], "--x has 3 values"),
        (["--input", "4", "--size", "2", "--in-channels", "0"], "--in-channels"),
    ],
)
def test_bad_input_exits_2(cli, args: list[str], message: str) -> None:
    r = cli("pool", *args)
    assert r.code == 2, r.out
    assert r.err.startswith("error: ") and r.err.count("\n") == 1 and message in r.err
    assert "Traceback" not in r.err


def test_budget_is_enforced() -> None:
    with pytest.raises(SizeError, match="max_terms="):
        gradsym.pool(input=(40, 40), size=(3, 3), stride=(1, 1), max_terms=1000)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_numeric_check_catches_a_corrupted_jacobian(mode: str) -> None:
    d = gradsym.pool(input=(4,), size=(2,), mode=mode)
    assert all(c.holds for c in d.evaluate(x="1,2,2,1").checks)
    key = next(iter(d.jacobians["input"].entries))
    entry = d.jacobians["input"].entries[key]
    if mode == "avg":
        from gradsym.poly import Poly

        d.jacobians["input"].entries[key] = Poly({m: 2 * c for m, c in entry.items()})
    else:
        d.jacobians["input"].entries[key] = sympy.Integer(1) - entry
    check = d.evaluate(x="1,2,2,1").checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds


def test_exact_evaluation_agrees_with_sympy_substitution() -> None:
    from gradsym.layers.pool import max_tree_value

    d = gradsym.pool(input=(3, 3), size=(2, 2), stride=(1, 1))
    sym = d.table.symbols()
    point = dict(zip(sym, [3, 1, 3, 0, 3, 2, 2, 2, 2, 1, -1, 2, 0]))
    for elem in [*d.forward_elems.reshape(-1), *d.grad_elems["input"].reshape(-1),
                 *d.jacobians["input"].entries.values()]:
        assert max_tree_value(elem, point) == elem.xreplace({s: sympy.Integer(v) for s, v in point.items()})
