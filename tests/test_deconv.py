"""gradsym deconv: seed 003, PyTorch as the oracle, deconv = conv's input-gradient, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from tests.conftest import require

DECONV_CHECKS = [
    "forward_equals_full_conv_rot180_kernel",
    "forward_equals_conv_grad_input",
    "grad_input_equals_conv_upstream_kernel",
    "grad_kernel_equals_conv_upstream_input",
]

# Seed 003: X = 1..9 as 3x3, K = [[1,2],[3,4]], transposed convolution (verified with PyTorch).
SEED003_OUTPUT = [[1, 4, 7, 6], [7, 23, 33, 24], [19, 53, 63, 42], [21, 52, 59, 36]]


def dense(jac: dict) -> np.ndarray:
    """A dense array from the JSON's sparse (COO) Jacobian."""
    out = np.zeros(jac["shape"], dtype=object)
    for o, w, value in jac["nonzeros"]:
        out[tuple(o) + tuple(w)] = value
    return out


def dense_numeric(d: gradsym.Derivation, role: str) -> np.ndarray:
    jac = d.jacobians[role]
    out = np.zeros((math.prod(jac.out_shape), math.prod(jac.wrt_shape)), dtype=object)
    assert d.numeric is not None
    for (o, w), value in d.numeric.jacobian_values[role].items():
        out[o, w] = value
    return out.reshape(jac.shape)


# ---------------------------------------------------------------------------
# Seed 003


def test_seed003_numbers_from_the_cli(cli):
    result = cli("deconv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4",
                 "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["command"] == "deconv"
    assert doc["numeric"]["forward"] == SEED003_OUTPUT
    jx = dense(doc["numeric"]["jacobian"]["input"])
    jk = dense(doc["numeric"]["jacobian"]["kernel"])
    assert jx.shape == (4, 4, 3, 3) and jk.shape == (4, 4, 2, 2)
    assert jx[2, 1, 1, 1] == 3
    assert jk[2, 1, 1, 0] == 5
    assert [c["name"] for c in doc["checks"]] == [*DECONV_CHECKS, "jacobian_matches_autodiff_numeric"]
    assert all(c["holds"] for c in doc["checks"])


def test_seed003_equals_valid_conv_of_padded_input_with_flipped_kernel():
    # The seed's own statement, recomputed with plain NumPy: pad X by 1, correlate with [[4,3],[2,1]].
    x = np.pad(np.arange(1, 10).reshape(3, 3), 1)
    flipped = np.array([[4, 3], [2, 1]])
    valid = [[int((x[i : i + 2, j : j + 2] * flipped).sum()) for j in range(4)] for i in range(4)]
    assert valid == SEED003_OUTPUT
    d = gradsym.deconv(input="3x3", kernel="2x2", x="arange", k="1,2,3,4")
    assert d.numeric is not None and d.numeric.forward.tolist() == valid


def test_seed003_symbolic_entries():
    d = gradsym.deconv(input=(3, 3), kernel=(2, 2))
    x11, k10 = d.symbols["input"].names()[1][1], d.symbols["kernel"].names()[1][0]
    doc = d.to_dict()
    jx = dense(doc["jacobian"]["input"])
    jk = dense(doc["jacobian"]["kernel"])
    assert jx[2, 1, 1, 1] == "k_2_1"  # ∂y[2,1]/∂x[1,1] = k[1,0] (0-based), 3 in the seed
    assert jk[2, 1, 1, 0] == x11 == "x_2_2"  # ∂y[2,1]/∂k[1,0] = x[1,1], 5 in the seed
    assert k10 == "k_2_1"
    assert str(d.forward[2, 1]) == "k_1_1*x_3_2 + k_1_2*x_3_1 + k_2_1*x_2_2 + k_2_2*x_2_1"


def test_text_output_shows_the_padded_input_and_rotated_kernel_side_by_side(cli):
    result = cli("deconv", "--input", "3x3", "--kernel", "2x2", "--stride", "2", "--format", "text",
                 "--show", "proof")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    header = next(line for line in lines if "x̃" in line and "rot180(k)" in line)
    row = lines[lines.index(header) + 1]
    # first row of x̃ (padded by d(k−1) − p = 1, zero-inserted) beside the first row of rot180(k)
    assert row.split() == ["0", "0", "0", "0", "0", "0", "0", "k₂,₂", "k₂,₁"]
    assert "x₁,₁  0  x₁,₂" in "\n".join(lines)


# ---------------------------------------------------------------------------
# PyTorch as the oracle

configs = st.integers(1, 3).flatmap(
    lambda nd: st.fixed_dictionaries(
        {
            "input": st.lists(st.integers(1, 3 if nd < 3 else 2), min_size=nd, max_size=nd),
            "kernel": st.lists(st.integers(1, 3 if nd < 3 else 2), min_size=nd, max_size=nd),
            "stride": st.lists(st.integers(1, 3), min_size=nd, max_size=nd),
            "dilation": st.lists(st.integers(1, 2), min_size=nd, max_size=nd),
            "padding": st.lists(st.integers(0, 2), min_size=nd, max_size=nd),
            "op_fraction": st.lists(st.floats(0, 0.999), min_size=nd, max_size=nd),
            "groups": st.sampled_from([1, 1, 2]),
            "cin": st.integers(1, 2),
            "cout": st.integers(1, 2),
            "batch": st.integers(1, 2),
            "bias": st.booleans(),
            "channels": st.booleans(),
            "seed": st.integers(0, 10_000),
        }
    )
)


def _options(c: dict, below_stride: bool = False) -> dict | None:
    """gradsym keyword arguments for a drawn configuration, or None when PyTorch's output is empty.

    ``below_stride`` keeps output_padding < stride (then the matching conv returns exactly the input).
    """
    op = [int(f * (s if below_stride else max(s, d)))
          for f, s, d in zip(c["op_fraction"], c["stride"], c["dilation"])]
    out = [
        s * (i - 1) - 2 * p + d * (k - 1) + a + 1
        for i, k, s, p, d, a in zip(c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"], op)
    ]
    if min(out) < 1:
        return None
    opts = dict(input=c["input"], kernel=c["kernel"], stride=c["stride"], padding=c["padding"],
                dilation=c["dilation"], output_padding=op, bias=c["bias"])
    if c["channels"] or c["groups"] > 1:
        g = c["groups"]
        opts.update(groups=g, in_channels=g * c["cin"], out_channels=g * c["cout"], batch=c["batch"])
    return opts


def _torch_forward(torch, opts: dict):
    nd = len(opts["input"])
    fn = getattr(torch.nn.functional, f"conv_transpose{nd}d")
    return lambda x, w, b=None: fn(x, w, b, stride=opts["stride"], padding=opts["padding"],
                                   output_padding=opts["output_padding"], groups=opts.get("groups", 1),
                                   dilation=opts["dilation"])


def _as_torch(torch, arr: np.ndarray, shape: tuple[int, ...]):
    return torch.tensor(np.array(arr, dtype=np.float64).reshape(shape))


@settings(max_examples=30, deadline=None)
@given(configs)
def test_matches_torch_conv_transpose(c):
    torch = require("torch")
    opts = _options(c)
    if opts is None:
        return
    d = gradsym.deconv(**opts, x="random", k="random", b="random" if c["bias"] else None, g="random",
                       seed=c["seed"])
    assert all(check.holds for check in d.all_checks()), [(ch.name, ch.mismatch) for ch in d.all_checks()]
    assert [ch.name for ch in d.checks][:4] == DECONV_CHECKS
    ev = d.numeric
    assert ev is not None
    cfg = d.conv
    nd = cfg.ndim
    # Work in PyTorch's (N, C, *spatial) layout; plain tensors get size-1 axes.
    xs = (cfg.batch, cfg.in_channels, *cfg.spatial)
    ws = (cfg.in_channels, cfg.out_per_group, *cfg.kernel)
    x = _as_torch(torch, ev.values["input"], xs).requires_grad_()
    w = _as_torch(torch, ev.values["kernel"], ws).requires_grad_()
    b = _as_torch(torch, ev.values["bias"], (cfg.out_channels,)).requires_grad_() if c["bias"] else None
    forward = _torch_forward(torch, opts)
    y = forward(x, w, b)
    ours = np.array(ev.forward_values, dtype=np.float64)
    assert y.shape[2:] == tuple(cfg.output)
    assert np.array_equal(y.detach().numpy().reshape(ours.shape), ours)
    # Gradients: backward with the upstream values g.
    g = _as_torch(torch, ev.values["upstream"], tuple(y.shape))
    y.backward(g)
    assert np.array_equal(x.grad.numpy().reshape(-1), np.array(ev.grad_values["input"], dtype=np.float64).reshape(-1))
    assert np.array_equal(w.grad.numpy().reshape(-1), np.array(ev.grad_values["kernel"], dtype=np.float64).reshape(-1))
    if b is not None:
        assert np.array_equal(b.grad.numpy(), np.array(ev.grad_values["bias"], dtype=np.float64).reshape(-1))
    # Jacobians: torch.autograd.functional.jacobian, every entry.
    x0, w0 = x.detach(), w.detach()
    jx = torch.autograd.functional.jacobian(lambda t: forward(t, w0, None), x0)
    jw = torch.autograd.functional.jacobian(lambda t: forward(x0, t, None), w0)
    n_out = math.prod(y.shape)
    for role, theirs, size in (("input", jx, x0.numel()), ("kernel", jw, w0.numel())):
        ours_j = np.array(dense_numeric(d, role), dtype=np.float64).reshape(n_out, size)
        assert np.array_equal(theirs.numpy().reshape(n_out, size), ours_j), role
        # the symbolic sparsity pattern is exactly where the structure is non-zero
        assert len(d.jacobians[role].entries) <= n_out * size
    assert nd == len(cfg.kernel)


@settings(max_examples=20, deadline=None)
@given(configs)
def test_deconv_equals_conv_input_gradient_through_the_public_api(c):
    """deconv(X, K) = the gradient of gradsym.conv wrt its input with X as upstream gradient."""
    opts = _options(c, below_stride=True)
    if opts is None:
        return
    opts["bias"] = False
    d = gradsym.deconv(**opts, x="random", k="random", seed=c["seed"])
    assert d.numeric is not None
    cfg = d.conv
    conv_opts = dict(stride=opts["stride"], padding=opts["padding"], dilation=opts["dilation"])
    if cfg.channels:
        conv_opts.update(groups=cfg.groups, in_channels=cfg.out_channels, out_channels=cfg.in_channels,
                         batch=cfg.batch)
    x_values = d.numeric.values["input"].reshape(-1).tolist()
    k_values = d.numeric.values["kernel"].reshape(-1).tolist()
    conv = gradsym.conv(input=list(cfg.output), kernel=opts["kernel"], **conv_opts,
                        x="zeros", k=",".join(map(str, k_values)), g=",".join(map(str, x_values)))
    assert conv.numeric is not None
    assert conv.numeric.grad_values["input"].tolist() == d.numeric.forward_values.tolist()
    # and symbolically: the proof in the derivation itself
    check = next(ch for ch in d.checks if ch.name == "forward_equals_conv_grad_input")
    assert check.holds


def test_output_padding_beyond_the_stride_zero_extends_and_says_so(cli):
    torch = require("torch")
    args = ["deconv", "--input", "3", "--kernel", "2", "--stride", "1", "--dilation", "3",
            "--output-padding", "2", "--x", "1,2,3", "--k", "5,7"]
    text = cli(*args, "--format", "text", "--show", "proof")
    assert text.code == 0, text.err
    assert "zero-extended by 2 at the end" in text.out
    doc = json.loads(cli(*args, "--format", "json").out)
    check = next(c for c in doc["checks"] if c["name"] == "forward_equals_conv_grad_input")
    assert check["holds"] and "zero-extended by 2" in check["statement"]
    y = torch.nn.functional.conv_transpose1d(
        torch.tensor([[[1.0, 2, 3]]]), torch.tensor([[[5.0, 7]]]), stride=1, dilation=3, output_padding=2
    )
    assert doc["numeric"]["forward"] == [int(v) for v in y.reshape(-1).tolist()]


def test_channels_layout_names_and_bias():
    d = gradsym.deconv(input="2x2", kernel="2x2", in_channels=2, out_channels=3, batch=1, bias=True)
    assert d.symbols["kernel"].shape == (2, 3, 2, 2)  # (C_in, C_out/groups, *k)
    assert d.symbols["input"].names()[0][1][1][1] == "x_1_2_2_2"
    assert d.symbols["bias"].names() == ["b_1", "b_2", "b_3"]
    doc = d.to_dict()
    assert doc["config"]["output_padding"] == [0, 0]
    assert "bias" in doc["grad"] and doc["grad"]["bias"][0].startswith("g_1_1_1_1 + ")
    assert [c["name"] for c in doc["checks"]][:5] == [*DECONV_CHECKS, "grad_bias_equals_upstream_sum"]
    assert all(c["holds"] for c in doc["checks"])
    grouped = gradsym.deconv(input="3", kernel="2", in_channels=4, out_channels=2, groups=2, stride=2)
    assert grouped.symbols["kernel"].shape == (4, 1, 2)
    assert all(c.holds for c in grouped.checks)


def test_output_size_picks_output_padding_like_pytorch():
    torch = require("torch")
    d = gradsym.deconv(input="3", kernel="3", stride=2, padding=1, output_size="6")
    assert d.config["output_padding"] == [1] and d.config["output"] == [6]
    layer = torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1)
    assert layer(torch.zeros(1, 1, 3), output_size=[6]).shape[-1] == 6
    with pytest.raises(gradsym.GradsymError, match="output_size=7 is not reachable.*accepts 5, 6"):
        gradsym.deconv(input="3", kernel="3", stride=2, padding=1, output_size="7")


def test_all_formats_and_show(cli, tmp_path):
    base = ["deconv", "--input", "2x2", "--kernel", "2x2", "--stride", "2", "--x", "arange", "--k", "ones"]
    for fmt in ("text", "rich", "json"):
        result = cli(*base, "--format", fmt)
        assert result.code == 0, (fmt, result.err)
        assert result.out
    only = cli(*base, "--format", "text", "--show", "grad")
    assert "Gradients" in only.out and "Forward pass" not in only.out and "Proofs" not in only.out
    target = tmp_path / "out.json"
    assert cli(*base, "--output", str(target)).code == 0
    assert json.loads(target.read_text())["config"]["stride"] == [2, 2]
    full = cli("deconv", "--input", "5x5", "--kernel", "2x2", "--format", "text", "--full", "--show", "forward")
    assert "y₆,₆ = k₂,₂·x₅,₅" in full.out


# ---------------------------------------------------------------------------
# Bad input: one `error:` line, exit 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stride", "2", "--output-padding", "2"], "--output-padding 2 must be smaller than the stride (2) or the dilation (1)"),
        (["--padding", "3"], "output would be empty"),
        (["--padding", "same"], "--padding same is not defined for a PyTorch transposed convolution"),
        (["--kernel", "2"], "--kernel is 1-D but --input is 2-D"),
        (["--stride", "0"], "--stride"),
        (["--groups", "2"], "--groups 2 must divide both --in-channels (1) and --out-channels (1)"),
        (["--output-size", "9x9"], "--output-size 9 is not reachable"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, message):
    base = {"--input": "3x3", "--kernel": "2x2"}
    for flag in ("--input", "--kernel"):
        if flag in args:
            base.pop(flag)
    argv = ["deconv", *[a for kv in base.items() for a in kv], *args]
    result = cli(*argv)
    assert result.code == 2
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert message in result.err
    assert "Traceback" not in result.err


def test_missing_input_is_reported():
    with pytest.raises(gradsym.GradsymError, match="input is required"):
        gradsym.deconv(kernel="2x2")


def test_huge_integers_stay_exact():
    # stride 2 with a 2-tap kernel: no overlaps, so y = [x0·k0, x0·k1, x1·k0, x1·k1, …] by hand
    big = 2**70 + 1
    d = gradsym.deconv(input="3", kernel="2", stride=2, x=f"{big},1,2", k="3,4", g="1,1,1,1,1,1")
    assert d.numeric is not None
    assert d.numeric.forward.tolist() == [3 * big, 4 * big, 3, 4, 6, 8]
    assert d.numeric.grad_values["kernel"].tolist() == [big + 3, big + 3]
    jax_style = gradsym.deconv(input="3", kernel="2", stride=2, convention="jax", x=f"{big},1,2", k="3,4")
    assert jax_style.numeric is not None and jax_style.holds
    assert jax_style.numeric.forward.tolist() == [4 * big, 3 * big, 4, 3, 8, 6]  # JAX: kernel not flipped
