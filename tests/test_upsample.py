"""Upsampling against PyTorch (``interpolate`` with ``scale_factor``), the proofs, the CLI.

Hypothesis draws 1-D/2-D/3-D inputs, per-dimension integer scales, the mode and
align_corners; gradsym's exact forward pass and dL/dx (at random values and a random
upstream gradient) must equal PyTorch's float64 forward and autograd gradient, and every
check must hold. A corrupted kernel must make both proofs fail.
"""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers.upsample import axis_plan, kernel_grid, plans, proof_checks, tent
from gradsym.poly import VarTable
from gradsym.symbols import Tensor
from tests.conftest import ON_CI, load_module, require

CASES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


@st.composite
def configs(draw: st.DrawFn) -> dict:
    nd = draw(st.integers(1, 3))
    limit = {1: 6, 2: 4, 3: 2}[nd]
    spatial = tuple(draw(st.integers(1, limit)) for _ in range(nd))
    scale = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    mode = draw(st.sampled_from(["nearest", LINEAR[nd]]))
    align = mode != "nearest" and draw(st.booleans())
    return dict(input=spatial, scale=scale, mode=mode, align_corners=align)


def _floats(arr) -> np.ndarray:
    return np.array([float(Fraction(str(v))) for v in np.array(arr.tolist(), dtype=object).reshape(-1)])


def torch_upsample(torch, config: dict, x: np.ndarray, g: np.ndarray):
    xt = torch.tensor(x, dtype=torch.float64)[None, None].requires_grad_(True)
    kwargs = {} if config["mode"] == "nearest" else {"align_corners": config["align_corners"]}
    y = torch.nn.functional.interpolate(xt, scale_factor=tuple(float(s) for s in config["scale"]),
                                        mode=config["mode"], **kwargs)
    y.backward(torch.tensor(g, dtype=torch.float64)[None, None])
    return y.detach().numpy()[0, 0], xt.grad.numpy()[0, 0]


@CASES
@given(config=configs(), seed=st.integers(0, 10_000))
def test_forward_and_input_grad_equal_pytorch(config, seed):
    torch = require("torch")
    d = gradsym.upsample(**config, x="random", g="random", seed=seed)
    assert all(c.holds for c in d.all_checks()), [c.name for c in d.all_checks() if not c.holds]
    names = [c.name for c in d.checks]
    assert names == ["forward_equals_transposed_conv_fixed_kernel",
                     "grad_input_equals_strided_conv_upstream_kernel"]
    ev = d.numeric
    x = _floats(ev.values["input"]).reshape(config["input"])
    g = _floats(ev.values["upstream"]).reshape(ev.values["upstream"].shape)
    y, dx = torch_upsample(torch, config, x, g)
    assert y.shape == tuple(n * s for n, s in zip(config["input"], config["scale"]))
    np.testing.assert_allclose(_floats(ev.forward_values), y.reshape(-1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_floats(ev.grad_values["input"]), dx.reshape(-1), rtol=1e-12, atol=1e-12)


def test_weights_are_exact_and_match_pytorch_at_fractions():
    torch = require("torch")
    config = dict(input=(3, 2), scale=(3, 2), mode="bilinear", align_corners=False)
    d = gradsym.upsample(**config, x="1/3,2/7,5,-1/2,3/11,7")
    assert all(isinstance(v, (int, Fraction)) for v in d.numeric.forward_values.reshape(-1))
    y, _ = torch_upsample(torch, config, _floats(d.numeric.values["input"]).reshape(3, 2), np.ones((9, 4)))
    np.testing.assert_allclose(_floats(d.numeric.forward_values), y.reshape(-1), rtol=1e-13)


@pytest.mark.parametrize("scale", [1, 2, 3, 4, 5])
def test_tent_kernels(scale):
    plan = axis_plan(4, scale, "linear", False)
    assert len(plan.kernel) == 2 * scale - scale % 2 and plan.stride == scale
    assert plan.padding == scale // 2 + scale and plan.replicate == 1
    assert sum(plan.kernel) == scale  # a partition of unity over each stride
    assert list(plan.kernel) == list(reversed(plan.kernel))
    assert tent(2) == (Fraction(1, 2), 1, Fraction(1, 2))


@pytest.mark.parametrize(("shape", "scale", "mode", "align"), [
    ((3,), 2, "nearest", False), ((3, 2), (2, 3), "bilinear", False), ((3,), 3, "linear", False),
    ((3, 2), 2, "bilinear", True), ((2, 2, 2), 2, "trilinear", False),
])
def test_a_corrupted_kernel_makes_both_proofs_fail(shape, scale, mode, align):
    d = gradsym.upsample(input=shape, scale=scale, mode=mode, align_corners=align)
    assert all(c.holds for c in d.checks)
    cfg = gradsym.layers.upsample.upsample_config(shape, scale, mode=mode, align_corners=align)
    table = VarTable()
    x = Tensor.create(table, "x", cfg.input_shape())
    g = Tensor.create(table, "g", cfg.output_shape())
    forward = list(d.forward_elems.reshape(-1))
    grads = list(d.grad_elems["input"].reshape(-1))
    assert all(c.holds for c in proof_checks(cfg, table, x, g, forward, grads))
    kernel = kernel_grid(plans(cfg)).copy()
    kernel[(0,) * kernel.ndim] += Fraction(1, 8)
    assert [c.holds for c in proof_checks(cfg, table, x, g, forward, grads, kernel)] == [False, False]


def test_without_replicate_padding_only_the_border_differs():
    d = gradsym.upsample(input=(5,), scale=2, mode="linear")
    lines = d.checks[0].detail["lines"]
    border = dict(lines)["upsample.proof_border"]
    assert border["rows"] == "1, 10" and border["count"] == 2


def test_nearest_is_block_copy_and_gradient_block_sum():
    d = gradsym.upsample(input=(2, 2), scale=2, x="arange", g="arange")
    assert d.numeric.forward.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert d.numeric.grad["input"].tolist() == [[1 + 2 + 5 + 6, 3 + 4 + 7 + 8], [9 + 10 + 13 + 14, 11 + 12 + 15 + 16]]


def test_jacobian_is_sparse_and_json_round_trips():
    d = gradsym.upsample(input=(2, 3), scale=2, mode="bilinear", x="arange")
    doc = d.to_dict()
    assert doc["command"] == "upsample"
    assert doc["config"] == {"mode": "bilinear", "input": [2, 3], "scale": [2, 2],
                             "align_corners": False, "output": [4, 6]}
    assert set(doc["symbols"]) == {"input", "upstream"} and set(doc["grad"]) == {"input"}
    assert doc["jacobian"]["input"]["shape"] == [4, 6, 2, 3]
    assert len(doc["jacobian"]["input"]["nonzeros"]) == len(d.jacobians["input"].entries) < 4 * 6 * 2 * 3
    assert {c["name"] for c in doc["checks"]} >= {"forward_equals_transposed_conv_fixed_kernel",
                                                  "grad_input_equals_strided_conv_upstream_kernel"}
    back = gradsym.from_dict(doc)
    assert back.forward == d.forward and back.grad["input"] == d.grad["input"]


def test_large_work_is_refused_at_once():
    with pytest.raises(SizeError, match="max_terms="):
        gradsym.upsample(input=(64, 64), scale=4, mode="bilinear", align_corners=True)
    with pytest.raises(SizeError):
        gradsym.upsample(input=(4, 4), scale=2, max_terms=10)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(input=(4,), scale=0), r"scale\b.*≥ 1"),
    (dict(input=(4,), mode="bilinear"), r"mode='linear'"),
    (dict(input=(4, 4), mode="cubic"), r"mode must be nearest or bilinear"),
    (dict(input=(4,), mode="nearest", align_corners=True), r"align.corners applies"),
    (dict(input=(4, 4), scale="2x2x2"), r"scale\b.*3 values"),
    (dict(), r"input\b.*required"),
])
def test_bad_arguments(kwargs, match):
    # The messages name the options (--scale) or, through the Python API, the parameters.
    with pytest.raises(SpecError, match=match):
        gradsym.upsample(**kwargs)


# -- CLI ---------------------------------------------------------------------------------
ARGS = ["upsample", "--input", "2x2", "--scale", "2", "--mode", "bilinear", "--x", "arange"]


@pytest.mark.parametrize("fmt", ["text", "rich", "latex", "markdown", "json", "html"])
def test_every_format(cli, fmt):
    result = cli(*ARGS, "--format", fmt)
    assert result.code == 0, result.err
    if fmt == "json":
        doc = json.loads(result.out)
        assert doc["numeric"]["forward"][0] == [1, "5/4", "7/4", 2]
        assert doc["numeric"]["grad"]["input"] == [[4, 4], [4, 4]]
    elif fmt == "html":
        assert 'data-symbol="x_1_1"' in result.out and 'data-symbol="g_4_4"' in result.out
    else:
        assert "forward_equals_transposed_conv_fixed_kernel" in result.out or fmt == "latex"


def test_text_shows_rule_kernel_and_proofs(cli):
    result = cli("upsample", "--input", "3", "--scale", "3", "--mode", "linear", "--format", "text")
    assert result.code == 0
    assert "1/3  2/3  1  2/3  1/3" in result.out  # the tent kernel of scale 3
    assert "✓ forward_equals_transposed_conv_fixed_kernel" in result.out
    assert "✓ grad_input_equals_strided_conv_upstream_kernel" in result.out
    corners = cli("upsample", "--input", "3", "--scale", "2", "--mode", "linear", "--align-corners",
                  "--format", "text", "--full")
    assert corners.code == 0 and "T = n·S − 1" in corners.out


def test_chinese(cli):
    result = cli(*ARGS, "--format", "text", "--lang", "zh")
    assert result.code == 0 and "上采样" in result.out and "帐篷" in result.out
    error = cli("upsample", "--input", "4", "--mode", "nearest", "--align-corners", "--lang", "zh")
    assert error.code == 2 and "插值模式" in error.err


@pytest.mark.parametrize(("args", "option"), [
    (["--input", "4", "--scale", "0"], "--scale"),
    (["--input", "4", "--scale", "1.5"], "--scale"),
    (["--input", "4", "--mode", "bicubic"], "--mode"),
    (["--input", "4x4", "--mode", "linear"], "--mode"),
    (["--input", "4", "--align-corners"], "--align-corners"),
    (["--input", "4", "--x", "1,2"], "--x"),
    (["--scale", "2"], "--input"),
])
def test_errors_exit_2_with_one_line(cli, args, option):
    result = cli("upsample", *args)
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and option in lines[0], result.err


def test_animation_has_a_frame_per_output_then_per_input(cli, tmp_path):
    pytest.importorskip("matplotlib")
    from gradsym.render.animate import plan_animation

    d = gradsym.upsample(input=(2, 3), scale=(2, 1), mode="bilinear", x="arange")
    plan = plan_animation(d)
    assert plan.forward_frames == 4 * 3 and len(plan.frames) == 4 * 3 + 2 * 3
    first = plan.frames[0].marks["input"].taps
    assert first == [(0, 0)]  # y_1_1 samples x_1_1 only (clamped at the border)
    gif = tmp_path / "u.gif"
    result = cli("upsample", "--input", "3", "--mode", "linear", "--animate", str(gif), "--lang", "zh")
    assert result.code == 0, result.err
    assert gif.read_bytes().startswith(b"GIF8")
    too_many = cli("upsample", "--input", "16x16", "--animate", str(tmp_path / "big.gif"))
    assert too_many.code == 2 and "frames" in too_many.err and not (tmp_path / "big.gif").exists()


@pytest.mark.parametrize(("framework", "args"), [
    ("numpy", ["--input", "3x2", "--scale", "2x3", "--mode", "bilinear"]),
    ("torch", ["--input", "3", "--scale", "3", "--mode", "linear", "--align-corners"]),
    ("jax", ["--input", "2x1x2", "--scale", "2", "--mode", "nearest"]),
])
def test_emitted_module_passes_its_self_test(cli, tmp_path, capsys, framework, args):
    require("torch" if framework == "numpy" else framework)
    result = cli("upsample", *args, "--emit", framework)
    assert result.code == 0, result.err
    assert "import gradsym" not in result.out
    module = load_module(result.out, tmp_path, f"emitted_{framework}")
    capsys.readouterr()
    assert module._self_test() == 0
    assert capsys.readouterr().out.strip().endswith("OK")


def test_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "u.png"
    result = cli(*ARGS, "--plot", str(png), "--format", "text")
    assert result.code == 0, result.err
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(shutil.which("pdflatex") is None and not ON_CI, reason="pdflatex is not installed")
@pytest.mark.parametrize("extra", [["--mode", "bilinear"], ["--mode", "bilinear", "--align-corners"], []])
def test_pdf_compiles(cli, tmp_path, extra):
    pdf = tmp_path / "u.pdf"
    result = cli("upsample", "--input", "2x3", "--scale", "2x3", *extra, "--x", "random", "--output", str(pdf))
    assert result.code == 0, result.err
    assert pdf.read_bytes().startswith(b"%PDF-")
