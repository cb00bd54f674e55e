"""``mlp``: the seed's networks, PyTorch autograd as the oracle, the checks, JSON and CLI."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.cli import app
from gradsym.cli.common import run
from gradsym.errors import SizeError, SpecError
from gradsym.layers.mlp import differentiation_check

S = sympy.Symbol


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(app, ["mlp", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- seed 004 ------------------------------------------------------------------------------


def test_seed_1_2_1_input_gradient() -> None:
    """d out/d in = w1·w3 + w2·w4 (seed naming) = w_1_1_1·w_2_1_1 + w_1_1_2·w_2_2_1."""
    d = gradsym.mlp("1,2,1")
    w1, w2, w3, w4 = S("w_1_1_1"), S("w_1_1_2"), S("w_2_1_1"), S("w_2_2_1")
    assert d.forward == S("x_1") * w1 * w3 + S("x_1") * w2 * w4
    assert d.gradients["input"][0] == w1 * w3 + w2 * w4
    assert d.to_dict()["gradients"]["input"]["expression"] == ["w_1_1_1*w_2_1_1 + w_1_1_2*w_2_2_1"]
    assert all(c.holds for c in d.checks)


def test_seed_1_2_1_numbers() -> None:
    """The seed's weights: −0.2377·0.4739 + 0.3578·(−0.2122) = −0.1886 (rounded)."""
    d = gradsym.mlp("1,2,1", at=["x=2", "w_1=[[-0.2377, 0.3578]]", "w_2=[[0.4739], [-0.2122]]"])
    assert d.numeric is not None
    exact = Fraction("-0.2377") * Fraction("0.4739") + Fraction("0.3578") * Fraction("-0.2122")
    assert d.numeric.gradient_values["input"][0] == exact
    assert round(float(exact), 4) == -0.1886
    doc = d.to_dict()
    assert doc["gradients"]["input"]["numeric"] == [-0.18857119]
    assert doc["numeric"]["forward"] == -0.37714238


def test_seed_2_2_1_expands_to_four_terms() -> None:
    """Seed: x1·w1·w6 + x1·w3·w5 + x2·w2·w6 + x2·w4·w5: one term per path input → hidden → out."""
    d = gradsym.mlp("2,2,1")
    out = d.forward
    terms = sympy.Add.make_args(out)
    assert len(terms) == 4
    paths = {S(f"x_{i}") * S(f"w_1_{i}_{j}") * S(f"w_2_{j}_1") for i in (1, 2) for j in (1, 2)}
    assert set(terms) == paths
    assert [sympy.diff(out, S(f"x_{i}")) for i in (1, 2)] == list(d.gradients["input"])


# -- PyTorch autograd as the oracle --------------------------------------------------------


def torch_gradients(
    widths: list[int], activation: str, values: dict[str, np.ndarray], bias: bool
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Output and ∂out_k/∂(input, every weight/bias element) by PyTorch autograd (float64)."""
    torch = pytest.importorskip("torch")
    act = {"none": torch.nn.Identity, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
           "tanh": torch.nn.Tanh}[activation]
    modules: list[Any] = []
    linears = []
    for layer in range(1, len(widths)):
        lin = torch.nn.Linear(widths[layer - 1], widths[layer], bias=bias, dtype=torch.float64)
        with torch.no_grad():
            # gradsym's w_l is (n_in, n_out): the transpose of torch's weight.
            lin.weight.copy_(torch.tensor(values[f"w_{layer}"].astype(float).T))
            if bias:
                lin.bias.copy_(torch.tensor(values[f"b_{layer}"].astype(float)))
        linears.append(lin)
        modules.append(lin)
        if layer < len(widths) - 1:
            modules.append(act())
    net = torch.nn.Sequential(*modules)
    x = torch.tensor(values["x"].astype(float), requires_grad=True)
    out = net(x)
    grads: dict[str, list[Any]] = {}
    for k in range(widths[-1]):
        net.zero_grad()
        x.grad = None
        out[k].backward(retain_graph=True)
        grads.setdefault("input", []).append(x.grad.numpy().copy())
        for layer, lin in enumerate(linears, 1):
            weight = lin.weight.grad.numpy().T
            for i in range(widths[layer - 1]):
                for j in range(widths[layer]):
                    grads.setdefault(f"w_{layer}_{i + 1}_{j + 1}", []).append(weight[i, j])
            if bias:
                for j in range(widths[layer]):
                    grads.setdefault(f"b_{layer}_{j + 1}", []).append(lin.bias.grad.numpy()[j])
    shape = () if widths[-1] == 1 else (widths[-1],)
    return out.detach().numpy().reshape(shape), {
        name: np.array(vals, dtype=float).reshape(shape + np.shape(vals[0])) for name, vals in grads.items()
    }


def as_float(arr: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: float(sympy.N(v, 30)) if isinstance(v, sympy.Basic) else float(v),
                        otypes=[float])(arr)


def fraction_text(v: Fraction) -> str:
    return f"{v.numerator}/{v.denominator}"


halves = st.integers(-6, 6).map(lambda n: Fraction(n, 2))


@settings(max_examples=24, deadline=None)
@given(
    widths=st.lists(st.integers(1, 3), min_size=2, max_size=4).filter(
        lambda w: sum(a * b for a, b in zip(w, w[1:])) <= 14),
    activation=st.sampled_from(["none", "relu", "sigmoid", "tanh"]),
    bias=st.booleans(),
    data=st.data(),
)
def test_matches_torch_autograd(widths: list[int], activation: str, bias: bool, data: st.DataObject) -> None:
    shapes = {"x": (widths[0],)}
    for layer in range(1, len(widths)):
        shapes[f"w_{layer}"] = (widths[layer - 1], widths[layer])
        if bias:
            shapes[f"b_{layer}"] = (widths[layer],)
    values = {
        name: np.array(data.draw(st.lists(halves, min_size=math.prod(s), max_size=math.prod(s))),
                       dtype=object).reshape(s)
        for name, s in shapes.items()
    }
    at = [f"{name}={','.join(fraction_text(v) for v in arr.reshape(-1))}" for name, arr in values.items()]
    d = gradsym.mlp(",".join(map(str, widths)), activation, bias=bias, at=at)
    assert d.numeric is not None
    assert [(c.name, c.holds) for c in d.all_checks()] == [
        ("chain_rule_matches_differentiation", True), ("jacobian_matches_autodiff_numeric", True)]
    out, grads = torch_gradients(widths, activation, values, bias)
    assert np.allclose(as_float(d.numeric.forward_values), out, rtol=1e-9, atol=1e-12)
    assert list(d.numeric.gradient_values) == list(grads)
    for name, expected in grads.items():
        assert np.allclose(as_float(d.numeric.gradient_values[name]), expected, rtol=1e-9, atol=1e-12), name


def test_relu_derivative_at_zero_follows_torch() -> None:
    """z = 1·1 − 1 = 0 exactly: PyTorch's relu′(0) = 0, so ∂out/∂b_1_1 = w_2·relu′(0) = 0."""
    d = gradsym.mlp("1,1,1", "relu", at=["x=1", "w_1=1", "w_2=5", "b_1=-1", "b_2=0"])
    assert d.numeric is not None
    assert d.gradients["b_1_1"] == S("w_2_1_1") * sympy.Heaviside(S("b_1_1") + S("w_1_1_1") * S("x_1"), 0)
    assert d.numeric.gradient_values["b_1_1"][()] == 0
    assert d.numeric.gradient_values["w_1_1_1"][()] == 0
    _, grads = torch_gradients([1, 1, 1], "relu", {
        "x": np.array([1]), "w_1": np.array([[1]]), "w_2": np.array([[5]]),
        "b_1": np.array([-1]), "b_2": np.array([0])}, True)
    assert grads["b_1_1"] == 0
    assert "relu′(0) = 0 as in PyTorch" in d.to_text()


def test_sigmoid_and_tanh_values_are_exact() -> None:
    d = gradsym.mlp("1,1,1", "tanh", at=["x=1", "w_1=1", "w_2=2"])
    assert d.numeric is not None
    assert d.numeric.forward_values[()] == 2 * sympy.tanh(1)
    assert d.numeric.gradient_values["w_1_1_1"][()] == 2 - 2 * sympy.tanh(1) ** 2
    doc = d.to_dict()
    assert doc["numeric"]["forward"] == "2*tanh(1)"
    d = gradsym.mlp("1,1,1", "sigmoid", at=["x=0", "w_1=1", "w_2=1"])
    assert d.numeric is not None
    assert d.numeric.forward_values[()] == Fraction(1, 2)
    assert d.numeric.gradient_values["input"][0] == Fraction(1, 4)


# -- the checks can fail -------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["none", "tanh"])
def test_chain_rule_check_catches_a_wrong_gradient(activation: str) -> None:
    d = gradsym.mlp("2,2,1", activation)
    net = d.network
    net.grads[0]["w_1_1_2"], net.grads[0]["w_1_2_1"] = net.grads[0]["w_1_2_1"], net.grads[0]["w_1_1_2"]
    check = differentiation_check(d.cfg, d.tensors, d.algebra, net)
    assert not check.holds and check.mismatch == "∂out/∂w_1_1_2 differs"


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_numeric_check_catches_a_wrong_value(activation: str) -> None:
    d = gradsym.mlp("1,2,1", activation, at=["x=1", "w_1=1,2", "w_2=3,4"])
    ev = d.numeric
    assert ev is not None
    parsed, missing = d._parse_at({"x": "1", "w_1": "1,2", "w_2": "3,4"}, None)
    assert not missing and d._dual_check(parsed, ev).holds
    ev.gradient_values["w_2_2_1"][()] = ev.gradient_values["w_2_2_1"][()] * Fraction(1001, 1000)
    check = d._dual_check(parsed, ev)
    assert not check.holds and "∂output/∂w_2 entry (0, 1)" in (check.mismatch or "")  # w_2_2_1


@pytest.mark.parametrize("activation", ["none", "tanh"])
def test_numeric_check_catches_a_wrong_input_gradient_and_output(activation: str) -> None:
    at = {"x": "1,2", "w_1": "1,2,3,4", "w_2": "3,4", "b_1": "1,-1", "b_2": "2"}
    d = gradsym.mlp("2,2,1", activation, bias=True, at=[f"{k}={v}" for k, v in at.items()])
    ev = d.numeric
    assert ev is not None
    parsed, missing = d._parse_at(at, None)
    assert not missing and d._dual_check(parsed, ev).holds
    grad = ev.gradient_values["input"].reshape(-1)
    grad[1] = grad[1] + Fraction(1, 10**6)
    check = d._dual_check(parsed, ev)
    assert not check.holds and "∂output/∂x entry (0, 1)" in (check.mismatch or "")
    grad[1] = grad[1] - Fraction(1, 10**6)
    assert d._dual_check(parsed, ev).holds
    ev.forward_values.reshape(-1)[0] += 1
    check = d._dual_check(parsed, ev)
    assert not check.holds and check.mismatch == "the output differs from the numeric forward pass"


# -- values: names, overrides, partial values ------------------------------------------------


def test_element_values_override_tensors_and_bias_is_implied() -> None:
    d = gradsym.mlp("2,2,1", at={"x": "1,2", "w_1": "ones", "w_1_1_2": "3", "w_2": "1,1", "b_2_1": "1/2",
                                 "b_1": "0,0"})
    assert d.cfg.bias
    assert d.numeric is not None
    assert d.numeric.values["w_1"].tolist() == [[1, 3], [1, 1]]
    assert d.numeric.forward_values[()] == Fraction(1 + 2 + 3 + 2) + Fraction(1, 2)


def test_partial_values_name_the_missing_ones_and_evaluate_raises() -> None:
    with pytest.raises(SpecError, match=r"numeric values need at\['w_1'\], at\['w_2'\] as well"):
        gradsym.mlp("1,2,1", at=["x=2"])
    d = gradsym.mlp("1,2,1")
    with pytest.raises(SpecError, match=r"numeric evaluation needs at\['w_2'\]"):
        d.evaluate(x=2, w_1=[[1, 2]])
    ev = d.evaluate(x=2, w_1=[[1, 2]], w_2=[[3], [4]])
    assert ev.gradient_values["input"].tolist() == [11]


# -- JSON ------------------------------------------------------------------------------------


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--layers", "2,3,2", "--activation", "tanh", "--bias",
                         "--at", "x=[1,-1]", "--at", "w_1=arange", "--at", "w_2=ones",
                         "--at", "b_1=zeros", "--at", "b_2=1,2", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["command"] == "mlp"
    assert doc["config"] == {"layers": [2, 3, 2], "activation": "tanh", "bias": True, "output": [2]}
    assert doc["symbols"]["input"] == ["x_1", "x_2"]
    assert doc["symbols"]["w_1"][1] == ["w_1_2_1", "w_1_2_2", "w_1_2_3"]
    assert doc["symbols"]["b_2"] == ["b_2_1", "b_2_2"]
    assert doc["shapes"] == {"input": [2], "w_1": [2, 3], "b_1": [3], "w_2": [3, 2], "b_2": [2],
                             "output": [2]}
    names = list(doc["gradients"])
    assert names[0] == "input" and len(names) == 1 + 6 + 3 + 6 + 2
    assert names[1:4] == ["w_1_1_1", "w_1_1_2", "w_1_1_3"]
    d = gradsym.mlp("2,3,2", "tanh", bias=True)
    for name, entry in doc["gradients"].items():
        expected = d.gradients[name]
        got = sympy.Array(sympy.sympify(entry["expression"]))
        assert got == sympy.Array(expected), name
        assert np.shape(entry["numeric"]) == np.shape(entry["expression"])
    # z_1 = (x_1 + 4·x_2, …) = (−3, −3, −3); out_k = Σ_j tanh(−3) + b_2_k.
    assert doc["layers"][0]["numeric"]["z"] == [-3, -3, -3]
    assert sympy.sympify(doc["numeric"]["forward"][0]) == 1 - 3 * sympy.tanh(3)
    assert doc["gradients"]["b_2_2"] == {"expression": ["0", "1"], "numeric": [0, 1]}
    assert [c["name"] for c in doc["checks"]] == [
        "chain_rule_matches_differentiation", "jacobian_matches_autodiff_numeric"]


def test_json_without_values_has_no_numbers() -> None:
    doc = gradsym.mlp("1,2,1").to_dict()
    assert "numeric" not in doc
    assert all(set(entry) == {"expression"} for entry in doc["gradients"].values())
    assert doc["shapes"]["output"] == []
    assert doc["forward"] == "w_1_1_1*w_2_1_1*x_1 + w_1_1_2*w_2_2_1*x_1"


# -- CLI -------------------------------------------------------------------------------------


def test_text_shows_the_chain_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--layers", "1,2,1", "--activation", "relu",
                       "--at", "x=2", "--at", "w_1=[[1,-1]]", "--at", "w_2=[[3],[4]]", "--format", "text")
    assert code == 0
    for title in ("Weights and biases", "Forward pass, layer by layer", "Chain rule, layer by layer"):
        assert title in out
    assert "relu′(0) = 0" in out
    assert "∂out/∂w₁,₁,₁ = w₂,₁,₁*x₁*Heaviside(w₁,₁,₁*x₁, 0)" in out
    assert "✓ All 2 checks hold." in out


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--layers is required"),
        (["--layers", "1,0,1"], "--layers widths must be ≥ 1, got 0"),
        (["--layers", "3"], "at least two widths"),
        (["--layers", "1,a,1"], "whole numbers"),
        (["--layers", "1,2,1", "--activation", "gelu"], "--activation must be one of none, relu"),
        (["--layers", "1,2,1", "--at", "y=1"], "--at y: unknown name"),
        (["--layers", "1,2,1", "--at", "w_1_3_1=1"], "--at w_1_3_1: unknown name"),
        (["--layers", "1,2,1", "--at", "w_1=1,2,3"], "--at w_1 has 3 values"),
        (["--layers", "1,2,1", "--at", "x"], "--at needs NAME=VALUES"),
        (["--layers", "1,2,1", "--at", "x=1", "--at", "x=2"], "--at x is given twice"),
        (["--layers", "1,2,1", "--at", "x=nan"], "finite"),
        (["--layers", "1,2,1", "--at", "__import__('os')=1"], "the name before '='"),
        (["--layers", "300,1"], "too large"),
    ],
)
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert out == ""


def test_budget() -> None:
    with pytest.raises(SizeError, match="max_terms="):
        gradsym.mlp("4,4,4,1", "tanh", max_terms=1000)


def test_help_documents_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(app, ["mlp", "--help"])
    # Rich boxes and wraps the help: drop the border and join the lines.
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert code == 0
    assert "w_l_i_j (layer l, from unit i to unit j)" in out
    assert "transpose of torch.nn.Linear.weight" in out
