"""batchnorm --spatial (BatchNorm1d/2d/3d on (N, C, *spatial)) and --eval, against
torch.nn.functional.batch_norm (training=True and training=False); proofs, CLI, errors."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from tests.conftest import require

CASES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
numbers = st.one_of(st.integers(-4, 4), st.fractions(min_value=-3, max_value=3, max_denominator=4),
                    st.sampled_from(["0.5", "-1.25", "2.75"]))


def text_of(values) -> str:
    return ",".join(str(v) for v in values)


def floats(values, shape) -> np.ndarray:
    return np.array([float(Fraction(str(v))) for v in values], dtype=np.float64).reshape(shape)


def as_float(arr) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(arr, dtype=object).reshape(-1)], dtype=np.float64)


def torch_reference(torch, x, gamma, beta, g, eps, training, mean=None, var=None):
    """y and every grad key from F.batch_norm (float64)."""
    F = torch.nn.functional
    xt = torch.tensor(x, requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    rm = None if mean is None else torch.tensor(mean)
    rv = None if var is None else torch.tensor(var)
    y = F.batch_norm(xt, rm, rv, gt, bt, training=training, eps=eps)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def compare(d, reference) -> None:
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    y, gx, ggamma, gbeta = reference
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), y.reshape(-1), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), gx.reshape(-1), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(as_float(ev.grad_values["gamma"]), ggamma, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(as_float(ev.grad_values["beta"]), gbeta, rtol=1e-12, atol=1e-12)


spatial_shapes = st.sampled_from([(3,), (2,), (2, 2), (1, 3), (2, 1, 2)])


@CASES
@given(st.integers(1, 2), st.integers(1, 2), spatial_shapes, st.sampled_from([None, "1/7"]), st.data())
def test_training_matches_torch(batch, channels, spatial, eps, data) -> None:
    torch = require("torch")
    shape = (batch, channels, *spatial)
    size = int(np.prod(shape))
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    gamma = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    beta = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    d = gradsym.batchnorm(batch, channels, spatial="x".join(map(str, spatial)), eps=eps, x=text_of(x),
                          gamma=text_of(gamma), beta=text_of(beta), g=text_of(g))
    assert [c.name for c in d.all_checks()] == ["grad_input_equals_compact_form",
                                               "jacobian_matches_autodiff_numeric"]
    eps_value = 1e-5 if eps is None else float(Fraction(eps))
    compare(d, torch_reference(torch, floats(x, shape), floats(gamma, (channels,)), floats(beta, (channels,)),
                               floats(g, shape), eps_value, True))


@CASES
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([None, (2,), (2, 2), (1, 2, 2)]), st.data())
def test_eval_matches_torch(batch, channels, spatial, data) -> None:
    torch = require("torch")
    shape = (batch, channels, *(spatial or ()))
    size = int(np.prod(shape))
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    gamma = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    beta = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    mean = data.draw(st.lists(numbers, min_size=channels, max_size=channels))
    var = data.draw(st.lists(st.sampled_from([0, 1, 2, "1/4", "0.5", 3]), min_size=channels, max_size=channels))
    d = gradsym.batchnorm(batch, channels, spatial=spatial, eval=True, x=text_of(x), gamma=text_of(gamma),
                          beta=text_of(beta), g=text_of(g), running_mean=text_of(mean), running_var=text_of(var))
    compare(d, torch_reference(torch, floats(x, shape), floats(gamma, (channels,)), floats(beta, (channels,)),
                               floats(g, shape), 1e-5, False, floats(mean, (channels,)), floats(var, (channels,))))
    # The Jacobian wrt the input is diagonal.
    assert all(o == i for o, i in d.jacobians["input"].entries)


def test_eval_defaults_are_pytorchs_initial_buffers() -> None:
    torch = require("torch")
    d = gradsym.batchnorm(2, 2, spatial="2", eval=True, x="arange", g="arange")
    shape = (2, 2, 2)
    x = np.arange(1, 9, dtype=np.float64).reshape(shape)
    compare(d, torch_reference(torch, x, np.ones(2), np.zeros(2), x.copy(), 1e-5, False, np.zeros(2), np.ones(2)))
    assert d.to_dict()["numeric"]["values"]["running_var"] == [1, 1]


def test_symbol_names_and_json() -> None:
    d = gradsym.batchnorm(2, 3, spatial="2x2")
    doc = d.to_dict()
    assert doc["config"] == {"batch": 2, "features": 3, "spatial": [2, 2], "eps": "1/100000",
                             "mode": "training", "variance": "biased"}
    assert doc["symbols"]["input"][1][2][0][1] == "x_2_3_1_2"
    assert doc["symbols"]["upstream"][0][0][1][1] == "g_1_1_2_2"
    assert doc["jacobian"]["input"]["shape"] == [2, 3, 2, 2, 2, 3, 2, 2]
    # Channels never interact: M² = 8² entries per channel.
    assert len(doc["jacobian"]["input"]["nonzeros"]) == 3 * 64
    assert set(doc["grad"]) == {"input", "gamma", "beta"}
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc
    e = gradsym.batchnorm(2, 2, spatial=3, eval=True, eps="eps")
    doc = e.to_dict()
    assert doc["config"]["mode"] == "eval" and doc["symbols"]["running_mean"] == ["running_mean_1", "running_mean_2"]
    assert gradsym.from_dict(doc).to_dict() == doc
    x, rm, rv, gam, ep = (sympy.Symbol(n) for n in ("x_1_1_1", "running_mean_1", "running_var_1", "gamma_1", "eps"))
    assert sympy.simplify(e.jacobians["input"].entries[(0, 0)] - gam / sympy.sqrt(rv + ep)) == 0
    assert sympy.simplify(sympy.diff(e.forward_elems[0, 0, 0], x) - gam / sympy.sqrt(rv + ep)) == 0
    assert rm in e.forward_elems[0, 0, 0].free_symbols


def test_without_spatial_the_2d_layout_is_unchanged() -> None:
    doc = gradsym.batchnorm(3, 2).to_dict()
    assert doc["config"] == {"batch": 3, "features": 2, "eps": "1/100000", "mode": "training", "variance": "biased"}
    assert doc["symbols"]["input"][0] == ["x_1_1", "x_1_2"]


def test_gradient_is_the_derivative_of_the_stored_forward() -> None:
    d = gradsym.batchnorm(1, 1, spatial="3", eps="eps")
    names = {s.name: s for e in d.forward_elems.reshape(-1) for s in e.free_symbols}
    xs = [names[f"x_1_1_{i}"] for i in (1, 2, 3)]
    gs = [sympy.Symbol(f"g_1_1_{i}") for i in (1, 2, 3)]
    vjp = sum(g * sympy.diff(d.forward_elems[0, 0, n], xs[1]) for n, g in enumerate(gs))
    point = {xs[0]: 1, xs[1]: 4, xs[2]: -2, names["gamma_1"]: 3, names["eps"]: sympy.Rational(1, 3),
             gs[0]: 2, gs[1]: -1, gs[2]: 5}
    assert sympy.simplify(vjp.subs(point) - d.grad_elems["input"][0, 0, 1].subs(point)) == 0


def test_eval_proof_rejects_a_wrong_form(monkeypatch) -> None:
    from gradsym.layers import batchnorm as bn

    assert bn.eval_template(sympy.Rational(1, 10))["mismatch"] is None
    real_sqrt = sympy.sqrt
    monkeypatch.setattr(sympy, "sqrt", lambda e: real_sqrt(e) * 2)  # a forward pass off by 2
    assert bn.eval_template(sympy.Rational(1, 10))["mismatch"] is not None


def test_autodiff_check_catches_a_corrupted_eval_jacobian() -> None:
    d = gradsym.batchnorm(2, 1, spatial="2", eval=True)
    d.jacobians["input"].entries[(0, 0)] = d.jacobians["input"].entries[(0, 0)] * 2
    check = d.evaluate(x="1,2,3,5").checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json", "html", "rich"])
@pytest.mark.parametrize("mode", [["--spatial", "2"], ["--spatial", "2x1", "--eval", "--running-var", "2,1/2"]])
def test_cli_every_format(cli, fmt, mode) -> None:
    r = cli("batchnorm", "--batch", "2", "--features", "2", *mode, "--x", "arange", "--format", fmt)
    assert r.code == 0, r.err
    assert "grad_input_equals_compact_form" in r.out.replace("\\_\\allowbreak{}", "_") or fmt == "html"
    if fmt == "json":
        doc = json.loads(r.out)
        assert set(doc["numeric"]["grad"]) == {"input", "gamma", "beta"}


def test_cli_lang_zh(cli) -> None:
    r = cli("batchnorm", "--batch", "2", "--spatial", "2", "--eval", "--x", "arange", "--format", "text",
            "--lang", "zh")
    assert r.code == 0 and "推理模式" in r.out and "滑动统计量" in r.out
    r = cli("batchnorm", "--batch", "1", "--spatial", "1", "--lang", "zh")
    assert r.code == 2 and "训练模式" in r.err
    r = cli("batchnorm", "--help", "--lang", "zh")
    assert "空间尺寸" in r.out


def test_cli_plot_pdf_and_emit(cli, tmp_path) -> None:
    png = tmp_path / "bn.png"
    r = cli("batchnorm", "--batch", "2", "--features", "2", "--spatial", "2x2", "--x", "random", "--plot", str(png))
    assert r.code == 0, r.err
    assert png.read_bytes().startswith(b"\x89PNG")
    png2 = tmp_path / "bn_eval.png"
    r = cli("batchnorm", "--batch", "2", "--spatial", "3", "--eval", "--x", "random", "--plot", str(png2))
    assert r.code == 0, r.err
    assert png2.read_bytes().startswith(b"\x89PNG")
    r = cli("batchnorm", "--batch", "2", "--spatial", "3", "--eval", "--emit", "numpy")
    assert r.code == 0 and "RUNNING_VAR = (1.0,)" in r.out
    r = cli("batchnorm", "--batch", "2", "--features", "2", "--spatial", "2x2", "--emit", "numpy")
    assert r.code == 0 and "AXES = (0, 2, 3)" in r.out
    if shutil.which("pdflatex"):
        pdf = tmp_path / "bn.pdf"
        r = cli("batchnorm", "--batch", "2", "--spatial", "2", "--eval", "--x", "arange", "--output", str(pdf))
        assert r.code == 0, r.err
        assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("mode", [{}, {"eval": True}])
def test_emitted_spatial_modules_run(tmp_path, mode) -> None:
    require("torch")
    import subprocess
    import sys

    d = gradsym.batchnorm(2, 3, spatial="2x2", **mode)
    path = tmp_path / "bn_mod.py"
    path.write_text(d.to_code("torch"))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "OK" in out.stdout, out.stdout + out.stderr
    # The eval module's backward equals F.batch_norm(training=False)'s autograd at its defaults.
    torch = require("torch")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    x = torch.randn(2, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    gamma = torch.randn(3, dtype=torch.float64, requires_grad=True)
    beta = torch.randn(3, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 3, 2, 2, dtype=torch.float64)
    training = not mode
    y = torch.nn.functional.batch_norm(x, None if training else torch.zeros(3, dtype=torch.float64),
                                       None if training else torch.ones(3, dtype=torch.float64),
                                       gamma, beta, training=training, eps=1e-5)
    expected = torch.autograd.grad(y, (x, gamma, beta), g)
    got = namespace["backward"](g, x.detach(), gamma.detach(), beta.detach())
    for a, b in zip(got, expected, strict=True):
        assert torch.allclose(a, b, atol=1e-10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "1", "--spatial", "1"], "more than one value per channel"),
        (["--batch", "2", "--spatial", "0"], "--spatial"),
        (["--batch", "2", "--spatial", "2x2x2x2"], "--spatial"),
        (["--batch", "2", "--running-mean", "1"], "add --eval"),
        (["--batch", "2", "--eval", "--running-var", "-1", "--x", "1,2"], "--running-var"),
        (["--batch", "2", "--eval", "--running-var", "1,2"], "--running-var has 2 values"),
        (["--batch", "8", "--features", "8", "--spatial", "8x8"], "--max-terms"),
    ],
)
def test_bad_input_exits_2(cli, args, message) -> None:
    r = cli("batchnorm", *args)
    assert r.code == 2, r.out
    assert r.err.startswith("error: ") and r.err.count("\n") == 1 and message in r.err, r.err


def test_budget_refuses_at_once() -> None:
    import time

    start = time.perf_counter()
    with pytest.raises(SizeError):
        gradsym.batchnorm(16, 4, spatial="8x8")
    assert time.perf_counter() - start < 2
    with pytest.raises(SpecError, match="more than one value"):
        gradsym.batchnorm(1, 2, spatial="1x1")
    gradsym.batchnorm(1, 2, spatial="1x1", eval=True)  # eval mode: one value is fine
    assert gradsym.batchnorm(1, 1, spatial="2").holds  # training: N = 1 with 2 positions is fine
