"""layernorm against torch.nn.functional.layer_norm; the compact-form proof; CLI; errors."""

from __future__ import annotations

import json
import shutil
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers.normalise import derive_template, weighted_forms
from tests.conftest import load_module, require

CASES = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
numbers = st.one_of(st.integers(-4, 4), st.fractions(min_value=-3, max_value=3, max_denominator=4),
                    st.sampled_from(["0.5", "-1.25", "2.75"]))
shapes = st.sampled_from([((2, 3), 1), ((1, 4), 1), ((3, 2), 1), ((2, 2, 2), 1), ((2, 2, 2), 2),
                          ((1, 2, 3), 2), ((2, 3), 2), ((1, 1, 2, 2), 2), ((1, 2, 1, 2), 3)])


def text_of(values) -> str:
    return ",".join(str(v) for v in values)


def floats(values, shape) -> np.ndarray:
    return np.array([float(Fraction(str(v))) for v in values], dtype=np.float64).reshape(shape)


def as_float(arr) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(arr, dtype=object).reshape(-1)], dtype=np.float64)


@CASES
@given(shapes, st.sampled_from([None, "1/7", "0.001"]), st.data())
def test_matches_torch_layer_norm(case, eps, data) -> None:
    torch = require("torch")
    shape, k = case
    norm_shape = shape[len(shape) - k:]
    size, psize = int(np.prod(shape)), int(np.prod(norm_shape))
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    gamma = data.draw(st.lists(numbers, min_size=psize, max_size=psize))
    beta = data.draw(st.lists(numbers, min_size=psize, max_size=psize))
    d = gradsym.layernorm("x".join(map(str, shape)), k, eps=eps, x=text_of(x), gamma=text_of(gamma),
                          beta=text_of(beta), g=text_of(g))
    assert [c.name for c in d.all_checks()] == ["grad_input_equals_compact_form",
                                               "jacobian_matches_autodiff_numeric"]
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    eps_value = 1e-5 if eps is None else float(Fraction(eps))
    xt = torch.tensor(floats(x, shape), requires_grad=True)
    gt = torch.tensor(floats(gamma, norm_shape), requires_grad=True)
    bt = torch.tensor(floats(beta, norm_shape), requires_grad=True)
    y = torch.nn.functional.layer_norm(xt, norm_shape, gt, bt, eps=eps_value)
    y.backward(torch.tensor(floats(g, shape)))
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), y.detach().numpy().reshape(-1), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), xt.grad.numpy().reshape(-1), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(as_float(ev.grad_values["gamma"]), gt.grad.numpy().reshape(-1), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(as_float(ev.grad_values["beta"]), bt.grad.numpy().reshape(-1), rtol=1e-12, atol=1e-12)


def test_the_proof_rejects_a_wrong_compact_form() -> None:
    def gamma_after_the_sum(cs, gs, gammas, sigma):
        # The classic slip: γ applied after the reductions, as if it were shared.
        forms = weighted_forms(cs, gs, gammas, sigma)
        n = len(cs)
        total, dot = sympy.Add(*gs), sympy.Add(*[g * c for g, c in zip(gs, cs)]) / sigma
        forms["grad"] = [gammas[m] / (n * sigma) * (n * gs[m] - total - forms["xhat"][m] * dot) for m in range(n)]
        return forms

    eps = sympy.Rational(1, 100000)
    assert derive_template(3, eps, shared=False).mismatch is None
    assert "dL/dx_1" in derive_template(3, eps, gamma_after_the_sum, shared=False).mismatch


def test_symbolic_names_json_and_round_trip() -> None:
    d = gradsym.layernorm("2x2x3", 2, eps="eps")
    doc = d.to_dict()
    assert doc["command"] == "layernorm"
    assert doc["config"]["shape"] == [2, 2, 3] and doc["config"]["normalized_shape"] == [2, 3]
    assert doc["symbols"]["gamma"] == [["gamma_1_1", "gamma_1_2", "gamma_1_3"], ["gamma_2_1", "gamma_2_2", "gamma_2_3"]]
    assert doc["symbols"]["input"][1][0][2] == "x_2_1_3" and doc["symbols"]["eps"] == "eps"
    assert set(doc["grad"]) == {"input", "gamma", "beta"}
    assert doc["jacobian"]["input"]["shape"] == [2, 2, 3, 2, 2, 3]
    assert len(doc["jacobian"]["input"]["nonzeros"]) == 2 * 36  # samples never interact
    assert gradsym.from_dict(doc).to_dict() == doc
    # dL/dβ sums over the samples; dL/dγ too.
    assert sympy.sympify(doc["grad"]["beta"][0][1]) == sympy.Symbol("g_1_1_2") + sympy.Symbol("g_2_1_2")


def test_gradient_is_the_derivative_of_the_stored_forward() -> None:
    d = gradsym.layernorm("1x3", eps="eps")
    names = {s.name: s for e in d.forward_elems.reshape(-1) for s in e.free_symbols}
    xs = [names[f"x_1_{i}"] for i in (1, 2, 3)]
    gs = [sympy.Symbol(f"g_1_{i}") for i in (1, 2, 3)]
    vjp = sum(g * sympy.diff(d.forward_elems[0, n], xs[2]) for n, g in enumerate(gs))
    point = {xs[0]: 1, xs[1]: 4, xs[2]: -2, names["gamma_1"]: 3, names["gamma_2"]: -1, names["gamma_3"]: 2,
             names["eps"]: sympy.Rational(1, 3), gs[0]: 2, gs[1]: -1, gs[2]: 5}
    assert sympy.simplify(vjp.subs(point) - d.grad_elems["input"][0, 2].subs(point)) == 0


def test_autodiff_check_catches_a_corrupted_jacobian() -> None:
    d = gradsym.layernorm("2x2")
    key = next(iter(d.jacobians["input"].entries))
    d.jacobians["input"].entries[key] = d.jacobians["input"].entries[key] * (1 + sympy.Rational(1, 10**9))
    check = d.evaluate(x="1,5,2,-1").checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds
    assert f"∂output/∂input entry {key}" in check.mismatch


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json", "html", "rich"])
def test_cli_every_format(cli, fmt) -> None:
    r = cli("layernorm", "--shape", "2x3", "--x", "arange", "--gamma", "1,2,3", "--format", fmt)
    assert r.code == 0, r.err
    if fmt == "json":
        doc = json.loads(r.out)
        assert set(doc["numeric"]["grad"]) == {"input", "gamma", "beta"}
        assert doc["numeric"]["values"]["beta"] == [0, 0, 0]
    elif fmt != "html":
        assert "grad_input_equals_compact_form" in r.out.replace("\\_\\allowbreak{}", "_")


def test_cli_zh_plot_pdf_emit(cli, tmp_path) -> None:
    r = cli("layernorm", "--shape", "2x2", "--x", "arange", "--format", "text", "--lang", "zh")
    assert r.code == 0 and "层归一化" in r.out
    r = cli("layernorm", "--lang", "zh")
    assert r.code == 2 and "必须给出 --shape" in r.err
    r = cli("layernorm", "--help", "--lang", "zh")
    assert "要归一化" in r.out
    png = tmp_path / "ln.png"
    r = cli("layernorm", "--shape", "2x3", "--x", "random", "--plot", str(png))
    assert r.code == 0, r.err
    assert png.read_bytes().startswith(b"\x89PNG")
    if shutil.which("pdflatex"):
        pdf = tmp_path / "ln.pdf"
        r = cli("layernorm", "--shape", "2x2", "--x", "arange", "--output", str(pdf))
        assert r.code == 0, r.err
        assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--shape is required"),
        (["--shape", "4"], "2 to 4 dimensions"),
        (["--shape", "2x2x2x2x2"], "--shape"),
        (["--shape", "2x3", "--normalized", "3"], "--normalized must be"),
        (["--shape", "2x3", "--normalized", "0"], "--normalized must be"),
        (["--shape", "3x1"], "a single value"),
        (["--shape", "2x3", "--eps", "0"], "--eps must be > 0"),
        (["--shape", "2x3", "--gamma", "1,2"], "--gamma has 2 values"),
        (["--shape", "2x3", "--eps", "eps", "--x", "arange"], "--eps eps keeps"),
        (["--shape", "8x64"], "--max-terms"),
    ],
)
def test_bad_input_exits_2(cli, args, message) -> None:
    r = cli("layernorm", *args)
    assert r.code == 2, r.out
    assert r.err.startswith("error: ") and r.err.count("\n") == 1 and message in r.err, r.err


def test_budget_refuses_at_once_and_reading_sizes_are_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(SizeError):
        gradsym.layernorm("16x64")
    assert time.perf_counter() - start < 2
    start = time.perf_counter()
    assert gradsym.layernorm("4x8", x="random", seed=1).holds
    assert time.perf_counter() - start < 30
    with pytest.raises(SpecError):
        gradsym.layernorm("2x3", normalized=True)


# -- groupnorm: the same core, groups of C/G channels ------------------------------------------
gn_shapes = st.sampled_from([((1, 4), 2), ((2, 4, 2), 2), ((1, 2, 2, 2), 1), ((2, 3, 2), 3), ((1, 4, 3), 4),
                             ((1, 6, 1, 2), 3)])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gn_shapes, st.data())
def test_groupnorm_matches_torch(case, data) -> None:
    torch = require("torch")
    shape, groups = case
    size, channels = int(np.prod(shape)), shape[1]
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    gamma = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    beta = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    d = gradsym.groupnorm("x".join(map(str, shape)), groups, x=text_of(x), gamma=text_of(gamma),
                          beta=text_of(beta), g=text_of(g))
    assert all(c.holds for c in d.all_checks()) and len(d.all_checks()) == 2
    xt = torch.tensor(floats(x, shape), requires_grad=True)
    gt = torch.tensor(floats(gamma, (channels,)), requires_grad=True)
    bt = torch.tensor(floats(beta, (channels,)), requires_grad=True)
    y = torch.nn.functional.group_norm(xt, groups, gt, bt, eps=1e-5)
    y.backward(torch.tensor(floats(g, shape)))
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), y.detach().numpy().reshape(-1), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), xt.grad.numpy().reshape(-1), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(as_float(ev.grad_values["gamma"]), gt.grad.numpy(), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(as_float(ev.grad_values["beta"]), bt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_groupnorm_cli_json_round_trip_and_errors(cli) -> None:
    for fmt in ("text", "latex", "markdown", "html", "rich"):
        r = cli("groupnorm", "--shape", "1x4x2", "--groups", "2", "--x", "arange", "--format", fmt)
        assert r.code == 0, (fmt, r.err)
    r = cli("groupnorm", "--shape", "1x4x2", "--groups", "2", "--x", "arange", "--format", "json")
    doc = json.loads(r.out)
    assert doc["config"]["groups"] == 2 and doc["symbols"]["gamma"] == ["gamma_1", "gamma_2", "gamma_3", "gamma_4"]
    assert set(doc["grad"]) == {"input", "gamma", "beta"}
    assert gradsym.from_dict(doc).to_dict() == doc
    r = cli("groupnorm", "--shape", "1x4x2", "--groups", "3")
    assert r.code == 2 and r.err.startswith("error: --groups must be") and r.err.count("\n") == 1
    r = cli("groupnorm", "--shape", "1x4x2", "--groups", "3", "--lang", "zh")
    assert r.code == 2 and "整除" in r.err
    r = cli("groupnorm", "--shape", "1x2", "--groups", "2")
    assert r.code == 2 and "single value" in r.err
    r = cli("groupnorm", "--shape", "4x8x8x8", "--groups", "1")
    assert r.code == 2 and "--max-terms" in r.err


def test_progress_reports_groups() -> None:
    from gradsym import progress

    seen: list[tuple[str, int, int]] = []
    with progress.listening(lambda stage, done, total: seen.append((stage, done, total))):
        gradsym.layernorm("3x2", x="arange")
    assert {"deriving groups", "evaluating"} <= {s for s, _, _ in seen}
    assert all(0 <= done <= total for _, done, total in seen)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_emitted_layernorm_module_runs(tmp_path, framework) -> None:
    require("torch")
    import subprocess
    import sys

    path = tmp_path / f"ln_{framework}.py"
    path.write_text(gradsym.layernorm("2x3x2", 2).to_code(framework))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "OK" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(("shape", "groups", "framework"), [
    ("2x4x3", 2, "numpy"), ("2x4x2x2", 4, "torch"), ("3x6", 3, "jax"), ("1x2x2x2x2", 1, "torch"),
])
def test_emitted_groupnorm_module_passes_its_self_test(tmp_path, shape, groups, framework) -> None:
    require({"numpy": "numpy", "torch": "torch", "jax": "jax"}[framework])
    import subprocess
    import sys

    path = tmp_path / f"gn_{framework}.py"
    path.write_text(gradsym.groupnorm(shape, groups).to_code(framework))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "OK" in out.stdout, out.stdout + out.stderr


def test_emitted_groupnorm_backward_equals_the_exact_derivation(tmp_path) -> None:

    x = [[[1, 4], [2, -1], [0, 3], [5, 2]]]
    gamma, beta, g = [1, 2, -1, 1 / 2], [0, 1, 0, 0], [[[1, 0], [2, 1], [-1, 3], [1, 1]]]
    d = gradsym.groupnorm("1x4x2", 2, x=x, gamma=gamma, beta=beta, g=g)
    module = load_module(d.to_code("numpy"), tmp_path, "gn_exact")
    arrays = [np.array(v, dtype=float) for v in (x, gamma, beta)]
    grads = module.backward(np.array(g, dtype=float), *arrays)
    for got, key in zip(grads, ("input", "gamma", "beta")):
        expected = np.vectorize(lambda v: float(v), otypes=[float])(d.numeric.grad[key])
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
