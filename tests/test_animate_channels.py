"""Animations of channel layouts (--in-channels/--out-channels/--groups/--batch): frame counts
from PyTorch's size rules, the numbers each frame reads against PyTorch, the cells each frame
marks against the Jacobian's sparsity, the slice labels, Chinese labels, the GIF."""

from __future__ import annotations

import io
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.render import animate, animate_draw

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _values(n: int, offset: int) -> list[int]:
    return [((i * 7 + offset) % 5) - 2 for i in range(n)]


def _number(text: str) -> Fraction:
    return Fraction(str(text).replace("−", "-"))


def _name(letter: str, index) -> str:
    return letter + ",".join(str(i + 1).translate(SUB) for i in index)


def _maps(plan: animate.Plan) -> dict[tuple[str, str], animate.Map]:
    out = {("forward", m.key): m for m in plan.forward_maps}
    out.update({("backward", m.key): m for m in plan.backward_maps})
    return out


def _cells(m: animate.Map, marks: animate.Marks, cells) -> list[str]:
    return [str(m.texts[marks.depth][r, c]) for r, c in cells]


@st.composite
def channel_cases(draw):
    nd = draw(st.sampled_from([1, 2]))
    groups = draw(st.sampled_from([1, 2]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    batch = draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(nd))
    spatial = tuple(draw(st.integers(max(1, dl * (k - 1) + 1 - 2 * p), 3))
                    for k, dl, p in zip(kernel, dilation, padding))
    bias = draw(st.booleans())
    return nd, spatial, kernel, stride, padding, dilation, groups, cin, cout, batch, bias


def _conv(case, values: bool):
    nd, spatial, kernel, stride, padding, dilation, groups, cin, cout, batch, bias = case
    xshape, kshape = (batch, cin) + spatial, (cout, cin // groups) + kernel
    xs, ks, bs = _values(math.prod(xshape), 1), _values(math.prod(kshape), 3), _values(cout, 4)
    x = torch.tensor(xs, dtype=torch.float64).reshape(xshape).requires_grad_(True)
    k = torch.tensor(ks, dtype=torch.float64).reshape(kshape)
    b = torch.tensor(bs, dtype=torch.float64) if bias else None
    y = (F.conv1d, F.conv2d)[nd - 1](x, k, b, stride=stride, padding=padding, dilation=dilation,
                                     groups=groups)
    gs = _values(y.numel(), 2)
    y.backward(torch.tensor(gs, dtype=torch.float64).reshape(y.shape))
    options = dict(input=spatial, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                   groups=groups, in_channels=cin, out_channels=cout, batch=batch, bias=bias)
    if values:
        options.update(x=xs, k=ks, g=gs, **({"b": bs} if bias else {}))
    return gradsym.conv(**options), x, y


@SETTINGS
@given(channel_cases())
def test_conv_frames_sum_over_the_channels_to_pytorchs_numbers(case):
    _, spatial, _, _, _, _, groups, cin, cout, batch, bias = case
    d, x, y = _conv(case, values=True)
    plan = animate.plan_animation(d, check=False)
    out = tuple(y.shape[2:])  # PyTorch's output-size rule
    assert plan.forward_frames == batch * cout * math.prod(out) * (cin // groups)
    assert len(plan.frames) - plan.forward_frames == batch * cin * math.prod(spatial) * (cout // groups)
    maps = _maps(plan)
    sums: dict[tuple[str, int, tuple[int, int]], Fraction] = {}
    for frame in plan.frames:
        image, kernel, result = (("input", "kernel", "output") if frame.phase == "forward"
                                 else ("g_tilde", "k_rot", "grad_input"))
        m = frame.marks
        read = [_number(v) for v in _cells(maps[frame.phase, image], m[image], m[image].taps)]
        taps = [_number(v) for v in _cells(maps[frame.phase, kernel], m[kernel], m[kernel].taps)]
        assert len(read) == len(taps)
        key = (frame.phase, m[result].depth, m[result].target)
        sums[key] = sums.get(key, Fraction(0)) + sum(a * b for a, b in zip(read, taps))
    ys = y.detach().reshape(batch * cout, -1)
    bs = _values(cout, 4)
    for (phase, depth, target), total in sums.items():
        width = out[-1] if phase == "forward" else spatial[-1]
        flat = target[0] * width + target[1]
        if phase == "forward":
            assert total + (bs[depth % cout] if bias else 0) == ys[depth, flat].item()
            assert _number(maps["forward", "output"].texts[depth][target]) == ys[depth, flat].item()
        else:
            assert total == x.grad.reshape(batch * cin, -1)[depth, flat].item()
    assert len(sums) == batch * (cout * math.prod(out) + cin * math.prod(spatial))


@SETTINGS
@given(channel_cases())
def test_conv_frames_read_the_jacobians_nonzeros_one_channel_at_a_time(case):
    """Symbolic: the input cells (padding aside) and kernel taps the frames of one output element
    read are the non-zero columns of its rows of ∂y/∂x and ∂y/∂k; each frame reads one (sample,
    channel) slice and one kernel slice, and the maps' labels name them."""
    nd, spatial, kernel, _, _, _, groups, cin, cout, batch, _ = case
    d, _, y = _conv(case, values=False)
    plan = animate.plan_animation(d, check=False)
    maps = _maps(plan)
    xshape, kshape = (batch, cin) + spatial, (cout, cin // groups) + kernel
    rows: dict[str, dict[int, set[str]]] = {"input": {}, "kernel": {}}
    for which, letter, shape in (("input", "x", xshape), ("kernel", "k", kshape)):
        for (row, col) in d.jacobians[which].entries:
            rows[which].setdefault(row, set()).add(_name(letter, np.unravel_index(col, shape)))
    out = tuple(y.shape[2:])
    read: dict[int, dict[str, set[str]]] = {}
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        m = frame.marks
        pairs = list(zip(_cells(maps["forward", "input"], m["input"], m["input"].taps),
                         _cells(maps["forward", "kernel"], m["kernel"], m["kernel"].taps), strict=True))
        xs = {a for a, _ in pairs if a != "0"}  # padding aside
        ks = {b for a, b in pairs if a != "0"}  # a tap on padding multiplies a zero
        target = m["output"].depth * math.prod(out) + m["output"].target[0] * out[-1] + m["output"].target[1]
        entry = read.setdefault(target, {"input": set(), "kernel": set()})
        entry["input"] |= xs
        entry["kernel"] |= ks
        # one slice per frame: every cell read has the same (sample, channel) and kernel (o, j)
        labels = plan.labels(n)
        sample, channel = divmod(m["input"].depth, cin)
        expected = f"sample {sample + 1}, channel {channel + 1}" if batch > 1 else f"channel {channel + 1}"
        assert "input x (padded)\n" + expected in labels
        assert {name.split(",")[:2] == _name("x", (sample, channel)).split(",") for name in xs} <= {True}
        o, j = divmod(m["kernel"].depth, cin // groups)
        assert {tuple(name.split(",")[:2]) for _, name in pairs} == {tuple(_name("k", (o, j)).split(","))}
        assert f"k[{o + 1}, {j + 1}]: output channel {o + 1}, input channel {(o // (cout // groups)) * (cin // groups) + j + 1}" in labels[3]
        assert channel // (cin // groups) == o // (cout // groups)  # the same group
    assert set(read) == set(range(y.numel()))
    for target, entry in read.items():
        assert entry["input"] == rows["input"].get(target, set())
        assert entry["kernel"] == rows["kernel"].get(target, set())


@SETTINGS
@given(st.tuples(st.sampled_from([1, 2]), st.integers(1, 2), st.integers(1, 3), st.integers(1, 2),
                 st.sampled_from(["max", "avg"])))
def test_pool_channels_are_independent_slices_windowed_and_routed_as_pytorch(case):
    nd, batch, channels, size, mode = case
    spatial = (size + 2,) * nd
    shape = (batch, channels) + spatial
    xs = [((i * 7 + 3) % 11) for i in range(math.prod(shape))]
    x = torch.tensor(xs, dtype=torch.float64).reshape(shape).requires_grad_(True)
    fn = {"max": (F.max_pool1d, F.max_pool2d), "avg": (F.avg_pool1d, F.avg_pool2d)}[mode][nd - 1]
    y = fn(x, size)
    d = gradsym.pool(input=spatial, size=(size,) * nd, mode=mode, in_channels=channels, batch=batch, x=xs)
    plan = animate.plan_animation(d, check=False)
    assert plan.forward_frames == y.numel() and len(plan.frames) == 2 * y.numel()
    maps = _maps(plan)
    expected = y.detach().reshape(-1).tolist()
    per_slice = y[0, 0].numel()
    for n, frame in enumerate(plan.frames[: plan.forward_frames]):
        m = frame.marks
        assert m["input"].depth == m["output"].depth == n // per_slice
        numbers = [_number(v) for v in _cells(maps["forward", "input"], m["input"], m["input"].taps)]
        reduce = max(numbers) if mode == "max" else sum(numbers) / len(numbers)
        assert reduce == _number(maps["forward", "output"].texts[m["output"].depth][m["output"].target])
        assert reduce == Fraction(expected[n])
    width = spatial[-1]
    for n, frame in enumerate(plan.frames[plan.forward_frames :]):
        x.grad = None
        y.reshape(-1)[n].backward(retain_graph=True)
        m = frame.marks["grad_input"]
        got = sorted(m.depth * math.prod(spatial) + r * width + c for r, c in m.taps)
        assert got == sorted(x.grad.reshape(-1).nonzero().reshape(-1).tolist())
        sample, channel = divmod(m.depth, channels)
        label = f"sample {sample + 1}, channel {channel + 1}" if batch > 1 else f"channel {channel + 1}"
        assert "∂L/∂x\n" + label in plan.labels(plan.forward_frames + n)


def test_chinese_slice_labels_and_captions():
    d = gradsym.conv(input=(3,), kernel=(2,), in_channels=2, out_channels=2, batch=2)
    plan = animate.plan_animation(d, "zh")
    labels = plan.labels(1)
    assert "样本 1，通道 2" in labels[2] and "输出通道 1，输入通道 2" in labels[3]
    assert "输入通道 2" in labels[1] and "第 2 个" in labels[1]
    assert not any("sample" in text or "channel" in text for text in labels)


def test_cli_writes_the_gif_with_groups_and_batch(cli, tmp_path):
    target = tmp_path / "a.gif"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--in-channels", "2", "--out-channels", "4",
                 "--groups", "2", "--batch", "2", "--animate", str(target), "--format", "json")
    assert result.code == 0, result.err
    gif = Image.open(target)
    # forward N·C_out·OH·OW·(C_in/groups), backward N·C_in·H·W·(C_out/groups)
    assert gif.format == "GIF" and gif.n_frames == 2 * 4 * 4 * 1 + 2 * 2 * 9 * 2


def test_drawn_titles_name_the_slices():
    d = gradsym.pool(input=(4,), size=(2,), in_channels=2, batch=2, x="arange")
    data, drawn = animate_draw.render_gif(d, dpi=40)
    assert Image.open(io.BytesIO(data)).n_frames == len(drawn) == 16
    joined = [" ".join(" ".join(texts).split()) for texts in drawn]
    assert "input x (padded) sample 1, channel 1" in joined[0]
    assert "input x (padded) sample 2, channel 2" in joined[7]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["conv", "--input", "3x3x3", "--kernel", "2x2x2", "--batch", "2"], "1-D and 2-D inputs only"),
        (["pool", "--input", "4x4x4", "--size", "2", "--in-channels", "2"], "1-D and 2-D inputs only"),
        (["conv", "--input", "6x6", "--kernel", "2x2", "--in-channels", "4", "--out-channels", "4"],
         "frames, over the limit of 400"),
    ],
)
def test_refusals(cli, tmp_path, args, expected):
    result = cli(*args, "--animate", str(tmp_path / "a.gif"))
    assert result.code == 2 and result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert expected in result.err
    assert list(tmp_path.iterdir()) == []


@st.composite
def deconv_cases(draw):
    nd = draw(st.sampled_from([1, 2]))
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    batch = draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(min(draw(st.integers(0, 1)), dl * (k - 1)) for k, dl in zip(kernel, dilation))
    op = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
    spatial = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    return nd, spatial, kernel, stride, padding, dilation, op, groups, cin, cout, batch, draw(st.booleans())


@SETTINGS
@given(deconv_cases())
def test_deconv_frames_gather_and_sum_over_the_channels_as_pytorch(case):
    nd, spatial, kernel, stride, padding, dilation, op, groups, cin, cout, batch, bias = case
    xshape, kshape = (batch, cin) + spatial, (cin, cout // groups) + kernel
    xs, ks, bs = _values(math.prod(xshape), 1), _values(math.prod(kshape), 3), _values(cout, 4)
    x = torch.tensor(xs, dtype=torch.float64).reshape(xshape).requires_grad_(True)
    k = torch.tensor(ks, dtype=torch.float64).reshape(kshape)
    b = torch.tensor(bs, dtype=torch.float64) if bias else None
    try:
        y = (F.conv_transpose1d, F.conv_transpose2d)[nd - 1](
            x, k, b, stride=stride, padding=padding, output_padding=op, dilation=dilation, groups=groups)
    except RuntimeError:
        return  # PyTorch refuses this output_padding; gradsym does too (tested elsewhere)
    gs = _values(y.numel(), 2)
    y.backward(torch.tensor(gs, dtype=torch.float64).reshape(y.shape))
    d = gradsym.deconv(input=spatial, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                       output_padding=op, groups=groups, in_channels=cin, out_channels=cout, batch=batch,
                       bias=bias, x=xs, k=ks, g=gs, **({"b": bs} if bias else {}))
    plan = animate.plan_animation(d, check=False)
    out = tuple(y.shape[2:])
    assert plan.forward_frames == batch * cout * math.prod(out) * (cin // groups)
    assert len(plan.frames) - plan.forward_frames == batch * cin * math.prod(spatial) * (cout // groups)
    maps = _maps(plan)
    sums: dict[tuple[str, int, tuple[int, int]], Fraction] = {}
    for frame in plan.frames:
        image, result = ("input", "output") if frame.phase == "forward" else ("g_padded", "grad_input")
        m = frame.marks
        read = [_number(v) for v in _cells(maps[frame.phase, image], m[image], m[image].taps)]
        taps = [_number(v) for v in _cells(maps[frame.phase, "kernel"], m["kernel"], m["kernel"].taps)]
        key = (frame.phase, m[result].depth, m[result].target)
        sums[key] = sums.get(key, Fraction(0)) + sum(a * b for a, b in zip(read, taps, strict=True))
    ys, dxs = y.detach().reshape(batch * cout, -1), x.grad.reshape(batch * cin, -1)
    assert len(sums) == y.numel() + x.numel()
    for (phase, depth, target), total in sums.items():
        if phase == "forward":
            flat = target[0] * out[-1] + target[1]
            assert total + (bs[depth % cout] if bias else 0) == ys[depth, flat].item()
        else:
            assert total == dxs[depth, target[0] * spatial[-1] + target[1]].item()


def test_deconv_labels_name_the_kernel_slice_by_input_and_output_channel():
    d = gradsym.deconv(input=(2,), kernel=(2,), in_channels=2, out_channels=4, groups=2, batch=2)
    plan = animate.plan_animation(d)
    # output channel 3 (group 2) of sample 1 reads input channel 2 through k[2, 1]
    first = next(n for n, f in enumerate(plan.frames) if f.marks["output"].depth == 2)
    labels = plan.labels(first)
    assert labels[2] == "input x\nsample 1, channel 2"
    assert labels[3] == "kernel k\nk[2, 1]: input channel 2, output channel 3"
    assert labels[4].endswith("sample 1, channel 3")
