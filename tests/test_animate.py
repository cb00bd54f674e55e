"""Animations (``--animate FILE.gif``): frame counts from PyTorch's size rules, the numbers
each frame shows against PyTorch, the labels drawn, and the errors."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.render import animate, animate_draw

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _values(n: int, offset: int) -> list[int]:
    """Small distinct-ish integers (exact as floats, short as cell texts)."""
    return [((i * 7 + offset) % 5) - 2 for i in range(n)]


def _number(text: str) -> Fraction:
    return Fraction(text.replace("−", "-"))


def _shown(m: animate.Map, marks: animate.Marks, cells: list[tuple[int, int]]) -> list[Fraction]:
    return [_number(str(m.texts[marks.depth][r, c])) for r, c in cells]


def _maps(plan: animate.Plan) -> dict[tuple[str, str], animate.Map]:
    out = {("forward", m.key): m for m in plan.forward_maps}
    out.update({("backward", m.key): m for m in plan.backward_maps})
    return out


@st.composite
def conv_cases(draw, ndim: int | None = None, transposed: bool = False):
    nd = draw(st.sampled_from([1, 2])) if ndim is None else ndim
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    if transposed:
        padding = tuple(min(p, dl * (k - 1)) for p, dl, k in zip(padding, dilation, kernel))
        spatial = tuple(draw(st.integers(1, 4)) for _ in range(nd))
        op = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
        return spatial, kernel, stride, padding, dilation, op
    spatial = tuple(
        draw(st.integers(max(1, dl * (k - 1) + 1 - 2 * p), 6))
        for k, dl, p in zip(kernel, dilation, padding)
    )
    return spatial, kernel, stride, padding, dilation, ()


def _torch_conv(nd, x, k, **kw):
    return (F.conv1d, F.conv2d, F.conv3d)[nd - 1](x, k, **kw)


def _torch_deconv(nd, x, k, **kw):
    return (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1](x, k, **kw)


def _tensor(values: list[int], shape: tuple[int, ...], grad: bool = False):
    return torch.tensor(values, dtype=torch.float64).reshape(1, 1, *shape).requires_grad_(grad)


# -- conv --------------------------------------------------------------------------------------
@SETTINGS
@given(conv_cases())
def test_conv_frames_show_the_windows_and_the_full_convolution_that_pytorch_computes(case):
    spatial, kernel, stride, padding, dilation, _ = case
    nd = len(spatial)
    xs, ks = _values(math.prod(spatial), 1), _values(math.prod(kernel), 3)
    x, k = _tensor(xs, spatial, True), _tensor(ks, kernel)
    y = _torch_conv(nd, x, k, stride=stride, padding=padding, dilation=dilation)
    out = tuple(y.shape[2:])  # PyTorch's output-size rule, independently of gradsym
    gs = _values(math.prod(out), 2)
    y.backward(_tensor(gs, out))
    d = gradsym.conv(input=spatial, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                     x=xs, k=ks, g=gs)
    plan = animate.plan_animation(d, check=False)
    assert plan.forward_frames == math.prod(out) >= 1
    assert len(plan.frames) == math.prod(out) + math.prod(spatial)
    maps = _maps(plan)
    expected_y = y.detach().reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        marks = frame.marks
        # the window's taps paired with the kernel's, in the same row-major order
        read = _shown(maps["forward", "input"], marks["input"], marks["input"].taps)
        taps = _shown(maps["forward", "kernel"], marks["kernel"], marks["kernel"].taps)
        assert len(read) == len(taps) == math.prod(kernel)
        assert sum(a * b for a, b in zip(read, taps)) == expected_y[n]
        target = marks["output"].target
        assert _number(str(maps["forward", "output"].texts[0][target])) == expected_y[n]
    expected_dx = x.grad.reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[plan.forward_frames :]):
        marks = frame.marks
        read = _shown(maps["backward", "g_tilde"], marks["g_tilde"], marks["g_tilde"].taps)
        taps = _shown(maps["backward", "k_rot"], marks["k_rot"], marks["k_rot"].taps)
        assert sum(a * b for a, b in zip(read, taps)) == expected_dx[n]
        assert _number(str(maps["backward", "grad_input"].texts[0][marks["grad_input"].target])) == expected_dx[n]


@SETTINGS
@given(conv_cases())
def test_conv_forward_taps_inside_the_input_are_the_jacobian_row(case):
    """Without values: the cells a window reads (padding aside) are exactly the inputs
    PyTorch's Jacobian row depends on."""
    spatial, kernel, stride, padding, dilation, _ = case
    nd = len(spatial)
    x = _tensor([1] * math.prod(spatial), spatial, True)
    k = _tensor([1] * math.prod(kernel), kernel)
    jac = torch.autograd.functional.jacobian(
        lambda v: _torch_conv(nd, v, k, stride=stride, padding=padding, dilation=dilation), x)
    rows = jac.reshape(-1, math.prod(spatial))
    d = gradsym.conv(input=spatial, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    plan = animate.plan_animation(d, check=False)
    padded = _maps(plan)["forward", "input"]
    names = [f"x{','.join(str(i + 1).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉')) for i in idx)}"
             for idx in __import__("numpy").ndindex(*spatial)]
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        marks = frame.marks["input"]
        read = {str(padded.texts[0][r, c]) for r, c in marks.taps} - {"0"}
        assert read == {names[w] for w in rows[n].nonzero().reshape(-1).tolist()}


# -- deconv ------------------------------------------------------------------------------------
@SETTINGS
@given(conv_cases(transposed=True))
def test_deconv_frames_gather_the_scatter_and_convolve_g_as_pytorch(case):
    spatial, kernel, stride, padding, dilation, op = case
    nd = len(spatial)
    xs, ks = _values(math.prod(spatial), 1), _values(math.prod(kernel), 3)
    x, k = _tensor(xs, spatial, True), _tensor(ks, kernel)
    try:
        y = _torch_deconv(nd, x, k, stride=stride, padding=padding, output_padding=op, dilation=dilation)
    except RuntimeError:
        return  # PyTorch refuses this output_padding; gradsym does too (tested elsewhere)
    out = tuple(y.shape[2:])
    gs = _values(math.prod(out), 2)
    y.backward(_tensor(gs, out))
    d = gradsym.deconv(input=spatial, kernel=kernel, stride=stride, padding=padding,
                       dilation=dilation, output_padding=op, x=xs, k=ks, g=gs)
    plan = animate.plan_animation(d, check=False)
    assert plan.forward_frames == math.prod(out)
    assert len(plan.frames) == math.prod(out) + math.prod(spatial)
    maps = _maps(plan)
    expected_y = y.detach().reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        m = frame.marks
        read = _shown(maps["forward", "input"], m["input"], m["input"].taps)
        taps = _shown(maps["forward", "kernel"], m["kernel"], m["kernel"].taps)
        assert sum(a * b for a, b in zip(read, taps)) == expected_y[n]
        assert m["output"].target in m["output"].footprint or not m["input"].taps
    expected_dx = x.grad.reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[plan.forward_frames :]):
        m = frame.marks
        read = _shown(maps["backward", "g_padded"], m["g_padded"], m["g_padded"].taps)
        taps = _shown(maps["backward", "kernel"], m["kernel"], m["kernel"].taps)
        assert sum(a * b for a, b in zip(read, taps)) == expected_dx[n]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 2).flatmap(lambda nd: st.tuples(
    st.tuples(*[st.integers(1, 3)] * nd), st.tuples(*[st.integers(1, 3)] * nd),
    st.tuples(*[st.integers(1, 2)] * nd), st.tuples(*[st.integers(1, 2)] * nd),
    st.sampled_from(["valid", "same", "0", "1", "3"]))))
def test_jax_deconv_frames_add_up_to_lax_conv_transpose(case):
    """JAX's convention: the scatter drawn with rot180(k) gives lax.conv_transpose's outputs,
    and the backward windows its vjp (an independent oracle)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from jax import lax

    spatial, kernel, stride, dilation, padding = case
    nd = len(spatial)
    xs, ks = _values(math.prod(spatial), 1), _values(math.prod(kernel), 3)
    try:
        d = gradsym.deconv(input=spatial, kernel=kernel, stride=stride, dilation=dilation,
                           padding=padding, convention="jax", x=xs, k=ks)
    except gradsym.GradsymError as exc:
        assert "output would be empty" in str(exc)  # too little padding for any output
        return
    out = tuple(d.config["output"])
    gs = _values(math.prod(out), 2)
    d = gradsym.deconv(input=spatial, kernel=kernel, stride=stride, dilation=dilation,
                       padding=padding, convention="jax", x=xs, k=ks, g=gs)
    x = np.array(xs, dtype=float).reshape(1, *spatial, 1)
    w = np.array(ks, dtype=float).reshape(*kernel, 1, 1)
    pad = padding.upper() if padding in ("valid", "same") else [(int(padding),) * 2] * nd

    def f(x, w):
        return lax.conv_transpose(x, w, stride, pad, rhs_dilation=dilation)

    y, pullback = jax.vjp(f, x, w)
    dx = np.asarray(pullback(np.array(gs, dtype=float).reshape(y.shape))[0]).reshape(-1).tolist()
    plan = animate.plan_animation(d, check=False)
    maps = _maps(plan)
    got_y = [Fraction(0)] * math.prod(out)
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        m = frame.marks
        read = _shown(maps["forward", "input"], m["input"], m["input"].taps)
        taps = _shown(maps["forward", "kernel"], m["kernel"], m["kernel"].taps)
        got_y[n] += sum(a * b for a, b in zip(read, taps))
    assert [float(v) for v in got_y] == np.asarray(y).reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[plan.forward_frames :]):
        m = frame.marks
        read = _shown(maps["backward", "g_padded"], m["g_padded"], m["g_padded"].taps)
        taps = _shown(maps["backward", "kernel"], m["kernel"], m["kernel"].taps)
        assert float(sum(a * b for a, b in zip(read, taps))) == dx[n]
    assert maps["forward", "kernel"].title.startswith("rot180(k)")


# -- pool --------------------------------------------------------------------------------------
@SETTINGS
@given(st.sampled_from([1, 2]).flatmap(lambda nd: st.tuples(
    st.just(nd),
    st.tuples(*[st.integers(1, 3)] * nd),
    st.tuples(*[st.integers(1, 3)] * nd),
    st.tuples(*[st.integers(0, 1)] * nd),
    st.sampled_from(["max", "avg"]),
    st.booleans(),
)))
def test_pool_frames_window_and_route_as_pytorch(case):
    nd, size, stride, padding, mode, ceil = case
    padding = tuple(min(p, k // 2) for p, k in zip(padding, size))
    spatial = tuple(k + 2 for k in size)
    xs = [((i * 7 + 3) % 11) for i in range(math.prod(spatial))]  # distinct enough, ties too
    x = _tensor(xs, spatial, True)
    if mode == "max":
        fn = (F.max_pool1d, F.max_pool2d)[nd - 1]
        y = fn(x, size, stride=stride, padding=padding, ceil_mode=ceil)
    else:
        fn = (F.avg_pool1d, F.avg_pool2d)[nd - 1]
        y = fn(x, size, stride=stride, padding=padding, ceil_mode=ceil, count_include_pad=True)
    out = tuple(y.shape[2:])
    d = gradsym.pool(input=spatial, size=size, stride=stride, padding=padding, mode=mode,
                     ceil_mode=ceil, x=xs)
    plan = animate.plan_animation(d, check=False)
    assert plan.forward_frames == math.prod(out)
    assert len(plan.frames) == 2 * math.prod(out)
    maps = _maps(plan)
    expected = y.detach().reshape(-1).tolist()
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        m = frame.marks["input"]
        cells = [str(maps["forward", "input"].texts[0][r, c]) for r, c in m.taps]
        numbers = [_number(c) for c in cells if c != "−∞"]
        if mode == "max":
            assert max(numbers) == expected[n]
    for n, frame in enumerate(plan.frames[plan.forward_frames :]):
        x.grad = None
        y.reshape(-1)[n].backward(retain_graph=True)
        got = x.grad.reshape(-1)
        routed = frame.marks["grad_input"].taps
        flat = sorted(r * (spatial[-1] if nd == 2 else 1) + c if nd == 2 else c for r, c in routed)
        assert flat == sorted(got.nonzero().reshape(-1).tolist())


# -- 3-D and the GIF itself ----------------------------------------------------------------------
def test_3d_conv_animates_by_depth_slices():
    spatial, kernel = (2, 2, 2), (2, 1, 1)
    y = F.conv3d(torch.zeros(1, 1, *spatial), torch.zeros(1, 1, *kernel), padding=(1, 0, 0))
    out = tuple(y.shape[2:])
    d = gradsym.conv(input=spatial, kernel=kernel, padding=(1, 0, 0))
    plan = animate.plan_animation(d)
    # one frame per element and kernel depth slice
    assert plan.forward_frames == math.prod(out) * kernel[0]
    assert len(plan.frames) == (math.prod(out) + math.prod(spatial)) * kernel[0]
    data, drawn = animate_draw.render_gif(d)
    drawn = [[" ".join(text.split()) for text in texts] for texts in drawn]  # titles may wrap
    assert Image.open(io.BytesIO(data)).n_frames == len(plan.frames)
    # frame 1: the first window's front slice is padding (slice 1 of the 4 padded ones);
    # frame 2: the same window's next kernel depth slice reads padded slice 2
    assert "input x (padded) depth slice 1 of 4" in drawn[0]
    assert "input x (padded) depth slice 2 of 4" in drawn[1] and "kernel k depth slice 2 of 2" in drawn[1]


@pytest.mark.parametrize(
    ("command", "options", "labels"),
    [
        ("conv", {"input": "4", "kernel": "2", "stride": 2, "padding": 1},
         ["input x (padded)", "kernel k", "output y", "g̃", "rot180(k)", "∂L/∂x"]),
        ("conv", {"input": "2x2", "kernel": "2x2", "dilation": 2, "padding": 1, "x": "arange",
                  "k": "1,2,3,4"}, ["input x (padded)", "output y", "g̃", "rot180(k)", "∂L/∂x"]),
        ("deconv", {"input": "2", "kernel": "2", "stride": 2, "output_padding": 1},
         ["input x", "kernel k", "output y", "g padded by p", "∂L/∂x"]),
        ("pool", {"input": "4x4", "size": "2", "x": "arange"},
         ["input x (padded)", "output y", "upstream gradient g", "∂L/∂x"]),
    ],
)
def test_gif_has_a_frame_per_planned_frame_and_every_map_labelled(command, options, labels):
    d = getattr(gradsym, command)(**options)
    plan = animate.plan_animation(d)
    data, drawn = animate_draw.render_gif(d)
    assert Image.open(io.BytesIO(data)).n_frames == len(plan.frames) == len(drawn)
    for n, texts in enumerate(drawn):
        joined = " ".join(" ".join(texts).split())  # titles may wrap
        for label in labels:
            assert label in joined, (n, label)
        assert f"frame {n + 1}/{len(drawn)}" in joined
        assert ("forward" if n < plan.forward_frames else "backward") in texts[1]


def test_cli_writes_the_gif(cli, tmp_path):
    target = tmp_path / "a.gif"
    result = cli("conv", "--input", "3", "--kernel", "2", "--x", "1,2,3", "--k", "1,-1",
                 "--animate", str(target), "--format", "json")
    assert result.code == 0, result.err
    assert '"command": "conv"' in result.out  # the derivation is printed as usual
    gif = Image.open(target)
    assert gif.format == "GIF" and gif.n_frames == 2 + 3
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"]  # no temporary file left


def test_chinese_labels(cli, tmp_path):
    from gradsym.render.plot import cjk_font

    d = gradsym.conv(input=(3,), kernel=(2,))
    _, drawn = animate_draw.render_gif(d, "zh")
    if cjk_font() is None:
        pytest.skip("no Chinese font installed")
    joined = " ".join(" ".join(drawn[0]).split())
    assert "输入 x" in joined and "卷积核 k" in joined and "第 1/" in joined and "前向" in joined
    assert "反向" in "\n".join(drawn[-1])


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["conv", "--input", "30x30", "--kernel", "2x2"], "1741 frames, over the limit of 400"),
        (["pool", "--input", "25x25", "--size", "2", "--stride", "1", "--mode", "avg"],
         "1152 frames, over the limit"),
        (["conv", "--input", "3x3x3", "--kernel", "2x2x2", "--in-channels", "2"],
         "channels, groups and batch for 1-D and 2-D inputs only"),
        (["conv", "--general"], "concrete sizes"),
        (["deconv", "--input", "3x3", "--kernel", "2x2", "--convention", "jax", "--in-channels", "2"],
         "--convention jax"),
        (["linear", "--in-features", "2", "--out-features", "2"], "only, not linear"),
        (["chain", "--input", "3x3", "--kernel", "2x2"], "not chain"),
    ],
)
def test_refusals_are_one_line_and_leave_no_file(cli, tmp_path, args, expected):
    target = tmp_path / "a.gif"
    out = tmp_path / "out.json"
    result = cli(*args, "--animate", str(target), "--output", str(out))
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert expected in result.err
    assert list(tmp_path.iterdir()) == []


def test_animate_needs_a_gif_name(cli, tmp_path):
    result = cli("conv", "--input", "3", "--kernel", "2", "--animate", str(tmp_path / "a.png"))
    assert result.code == 2 and "ending in .gif" in result.err
    assert list(tmp_path.iterdir()) == []


def test_refusal_in_chinese(cli, tmp_path):
    result = cli("conv", "--input", "30x30", "--kernel", "2x2", "--animate", str(tmp_path / "a.gif"),
                 "--lang", "zh")
    assert result.code == 2 and "帧" in result.err and "400" in result.err


def test_help_imports_no_matplotlib():
    code = ("import sys; sys.argv = ['gradsym', 'conv', '--help']\n"
            "from gradsym.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False") and "--animate" in out.stdout


def test_tensorflow_same_padding_windows_give_the_derivations_numbers():
    d = gradsym.conv(input=(5, 5), kernel=(3, 3), stride=2, padding="same", convention="tensorflow",
                     x="arange", k="random", g="random", seed=3)
    plan = animate.plan_animation(d)
    maps = _maps(plan)
    forward = d.numeric.forward_values.reshape(-1).tolist()
    grad = d.numeric.grad_values["input"].reshape(-1).tolist()
    for n, frame in enumerate(plan.frames):
        image, kernel = ("input", "kernel") if frame.phase == "forward" else ("g_tilde", "k_rot")
        m = frame.marks
        read = _shown(maps[frame.phase, image], m[image], m[image].taps)
        taps = _shown(maps[frame.phase, kernel], m[kernel], m[kernel].taps)
        expected = forward[n] if n < plan.forward_frames else grad[n - plan.forward_frames]
        assert sum(a * b for a, b in zip(read, taps)) == expected


def test_long_renders_report_progress():
    from gradsym.progress import listening

    seen = []
    with listening(lambda stage, done, total: seen.append((stage, done, total))):
        animate_draw.render_gif(gradsym.pool(input=(4,), size=(2,)))
    drawing = [(done, total) for stage, done, total in seen if stage == "drawing the animation"]
    assert drawing[0] == (0, 4) and drawing[-1] == (4, 4)


def test_a_failed_render_leaves_no_file(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(animate_draw, "draw_frames", broken)
    target = tmp_path / "a.gif"
    result = cli("conv", "--input", "3", "--kernel", "2", "--animate", str(target), "--format", "json")
    assert result.code == 2 and result.err.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_says_how_to_install(cli, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = cli("conv", "--input", "3", "--kernel", "2", "--animate", str(tmp_path / "a.gif"),
                 "--format", "json")
    assert result.code == 2 and 'pip install "gradsym[plot]"' in result.err and "--animate" in result.err
    assert list(tmp_path.iterdir()) == []
