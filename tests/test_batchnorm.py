"""Batch norm (training mode) against torch.nn.BatchNorm1d, the compact-form proof, bad input.

gradsym's values are exact (σ is a square root of a rational); PyTorch computes in float64.
The numbers must agree to float64 accuracy, and every check must hold.
"""

from __future__ import annotations

import json
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers.batchnorm import compact_forms, derive_template
from tests.conftest import require

TORCH_CASES = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-5, 5),
    st.fractions(min_value=-3, max_value=3, max_denominator=4),
    st.sampled_from(["0.5", "-1.25", "2.75", "0.1"]),
)


def text_of(values) -> str:
    return ",".join(str(v) for v in values)


def as_float(arr) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(arr, dtype=object).reshape(-1)], dtype=np.float64)


def torch_batchnorm(torch, x, gamma, beta, g, eps):
    layer = torch.nn.BatchNorm1d(x.shape[1], eps=float(eps), dtype=torch.float64)
    layer.train()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma, dtype=torch.float64))
        layer.bias.copy_(torch.tensor(beta, dtype=torch.float64))
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = layer(xt)
    y.backward(torch.tensor(g, dtype=torch.float64))
    return y.detach().numpy(), xt.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()


@TORCH_CASES
@given(st.integers(2, 5), st.integers(1, 3), st.sampled_from([None, "1e-3", "1/7"]), st.data())
def test_matches_torch_batchnorm1d(batch: int, features: int, eps: str | None,
                                   data: st.DataObject) -> None:
    torch = require("torch")
    size = batch * features
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    gamma = data.draw(st.lists(numbers, min_size=features, max_size=features))
    beta = data.draw(st.lists(numbers, min_size=features, max_size=features))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    d = gradsym.batchnorm(batch, features, eps=eps, x=text_of(x), gamma=text_of(gamma),
                          beta=text_of(beta), g=text_of(g))
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    assert [c.name for c in d.all_checks()] == ["grad_input_equals_compact_form",
                                               "jacobian_matches_autodiff_numeric"]
    eps_value = 1e-5 if eps is None else float(Fraction(eps))
    as_arr = lambda vals, shape: np.array([float(Fraction(str(v))) for v in vals]).reshape(shape)  # noqa: E731
    y, gx, ggamma, gbeta = torch_batchnorm(
        torch, as_arr(x, (batch, features)), as_arr(gamma, (features,)), as_arr(beta, (features,)),
        as_arr(g, (batch, features)), eps_value,
    )
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), y.reshape(-1), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), gx.reshape(-1), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(as_float(ev.grad_values["gamma"]), ggamma, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(as_float(ev.grad_values["beta"]), gbeta, rtol=1e-12, atol=1e-12)


def test_jacobian_matches_torch_autograd() -> None:
    torch = require("torch")
    x = [[1, 2], [3, -1], ["1/2", 4]]
    d = gradsym.batchnorm(3, 2, x=x, gamma="2,-1", beta="0,1")
    xt = torch.tensor([[1, 2], [3, -1], [0.5, 4]], dtype=torch.float64)

    def forward(inp):
        mean = inp.mean(0)
        var = inp.var(0, unbiased=False)
        return torch.tensor([2.0, -1.0], dtype=torch.float64) * (inp - mean) / torch.sqrt(var + 1e-5) \
            + torch.tensor([0.0, 1.0], dtype=torch.float64)

    dense = torch.autograd.functional.jacobian(forward, xt).numpy().reshape(6, 6)
    got = np.zeros((6, 6))
    for (o, w), v in d.numeric.jacobian_values["input"].items():
        got[o, w] = float(v)
    np.testing.assert_allclose(got, dense, rtol=1e-9, atol=1e-12)
    # Different features never interact: exactly the same-feature entries are stored.
    assert set(d.jacobians["input"].entries) == {(o, w) for o in range(6) for w in range(6)
                                                 if o % 2 == w % 2}


def test_exact_values_of_a_small_case() -> None:
    d = gradsym.batchnorm(2, 1, eps="1/4", x="1,3", g="1,0")
    # μ = 2, σ² = 1, σ = sqrt(5)/2, x̂ = ∓2/sqrt(5); dL/dx_1 = 1/(2σ)·(2·1 − 1 − x̂_1²) = sqrt(5)/25.
    r5 = sympy.sqrt(5)
    expected = {
        "forward": [-2 * r5 / 5, 2 * r5 / 5],
        "input": [r5 / 25, -r5 / 25],
        "gamma": [-2 * r5 / 5],
        "beta": [1],
    }
    ev = d.numeric
    got = {"forward": ev.forward_values.reshape(-1).tolist(),
           **{k: ev.grad_values[k].reshape(-1).tolist() for k in ("input", "gamma", "beta")}}
    for key, values in expected.items():
        assert all(sympy.simplify(sympy.sympify(a) - b) == 0 for a, b in zip(got[key], values, strict=True)), key


def test_symbolic_eps_and_names() -> None:
    d = gradsym.batchnorm(3, 2, eps="eps")
    doc = d.to_dict()
    assert doc["config"]["eps"] == "eps"
    assert doc["symbols"]["eps"] == "eps"
    assert doc["symbols"]["gamma"] == ["gamma_1", "gamma_2"] and doc["symbols"]["beta"] == ["beta_1", "beta_2"]
    assert set(doc["grad"]) == {"input", "gamma", "beta"}
    names = {s.name for s in d.forward[0, 0].free_symbols}
    assert names == {"x_1_1", "x_2_1", "x_3_1", "gamma_1", "beta_1", "eps"}
    assert "numeric" not in doc and all(c["holds"] for c in doc["checks"])
    # The JSON expressions read back with plain sympify; no bare gamma/beta anywhere.
    text = json.dumps(doc)
    assert '"gamma"' not in text.replace('"gamma":', "") and "beta*" not in text
    back = sympy.sympify(doc["grad"]["input"][1][0])
    assert sympy.simplify(back - d.grad["input"][1, 0]) == 0


def test_symbolic_gradient_is_the_derivative_of_the_forward_pass() -> None:
    # Independent of the chain rule used inside: differentiate the stored forward pass with
    # SymPy directly and compare at an exact point.
    d = gradsym.batchnorm(3, 1, eps="eps")
    sym = {s.name: s for s in d.forward[0, 0].free_symbols | d.grad["input"][0, 0].free_symbols}
    xs = [sym[f"x_{n}_1"] for n in (1, 2, 3)]
    gs = [sympy.Symbol(f"g_{n}_1") for n in (1, 2, 3)]
    vjp = sum(g * sympy.diff(d.forward[n, 0], xs[0]) for n, g in enumerate(gs))
    point = {xs[0]: 1, xs[1]: 4, xs[2]: -2, sym["gamma_1"]: 3, sym["eps"]: sympy.Rational(1, 3),
             gs[0]: 2, gs[1]: -1, gs[2]: 5}
    assert sympy.simplify(vjp.subs(point) - d.grad["input"][0, 0].subs(point)) == 0


def test_the_proof_rejects_a_wrong_compact_form() -> None:
    def wrong(cs, gs, gamma, sigma):
        forms = compact_forms(cs, gs, gamma, sigma)
        n = len(cs)
        # Forget the −Σg term, a classic slip.
        forms["grad"] = [gamma / (n * sigma) * (n * gs[m] - forms["xhat"][m] * forms["dot"])
                         for m in range(n)]
        return forms

    assert derive_template(3, sympy.Rational(1, 100000)).mismatch is None
    assert "dL/dx_1" in derive_template(3, sympy.Rational(1, 100000), forms=wrong).mismatch


def test_autodiff_check_catches_a_corrupted_jacobian() -> None:
    d = gradsym.batchnorm(2, 1)
    key = next(iter(d.jacobians["input"].entries))
    d.jacobians["input"].entries[key] = d.jacobians["input"].entries[key] * (1 + sympy.Rational(1, 10**9))
    ev = d.evaluate(x="1,5")
    check = ev.checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds
    assert f"∂output/∂input entry {key}" in check.mismatch


def test_eight_samples_four_features_is_fast() -> None:
    start = time.perf_counter()
    d = gradsym.batchnorm(8, 4, x="random", seed=2)
    elapsed = time.perf_counter() - start
    assert d.holds
    assert elapsed < 30  # a few seconds on an idle machine; generous for busy CI


def test_cli_text_and_json(cli) -> None:
    r = cli("batchnorm", "--batch", "3", "--features", "2", "--x", "arange", "--format", "text")
    assert r.code == 0, r.err
    assert "grad_input_equals_compact_form" in r.out and "Compact forms" in r.out
    assert "σ = sqrt(σ² + ε)" in r.out
    r = cli("batchnorm", "--batch", "2", "--x", "1,3", "--eps", "0.25", "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["config"] == {"batch": 2, "features": 1, "eps": "1/4", "mode": "training",
                             "variance": "biased"}
    assert doc["numeric"]["grad"]["beta"] == [2]
    assert doc["numeric"]["values"]["gamma"] == [1] and doc["numeric"]["values"]["beta"] == [0]
    assert doc["jacobian"]["input"]["shape"] == [2, 1, 2, 1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "1"], "at least 2 samples"),
        (["--features", "2"], "--batch is required"),
        (["--batch", "0"], "--batch must be"),
        (["--batch", "2", "--features", "0"], "--features must be"),
        (["--batch", "2", "--eps", "0"], "--eps must be > 0"),
        (["--batch", "2", "--eps", "-1e-5"], "--eps must be > 0"),
        (["--batch", "2", "--eps", "tiny"], "--eps contains 'tiny'"),
        (["--batch", "2", "--eps", "eps", "--x", "1,2"], "--eps eps keeps ε symbolic"),
        (["--batch", "2", "--x", "1,2,3"], "--x has 3 values"),
        (["--batch", "2", "--features", "2", "--gamma", "1"], "--gamma has 1 value"),
        (["--batch", "40", "--features", "8"], "--max-terms"),
    ],
)
def test_bad_input_exits_2(cli, args: list[str], message: str) -> None:
    r = cli("batchnorm", *args)
    assert r.code == 2, r.out
    assert r.err.startswith("error: ") and r.err.count("\n") == 1 and message in r.err
    assert "Traceback" not in r.err


def test_python_errors() -> None:
    with pytest.raises(SpecError, match="at least 2 samples"):
        gradsym.batchnorm(1)
    with pytest.raises(SizeError):
        gradsym.batchnorm(16, 4, max_terms=10)
