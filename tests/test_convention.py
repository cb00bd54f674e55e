"""--convention tensorflow|jax: layouts, padding words, kernel orientation; JAX and PyTorch as oracles.

TensorFlow is not installed: its SAME padding is checked against the formula its
documentation states (re-derived here in the documentation's own form), and its
convolutions against JAX, whose ``conv_general_dilated`` with NHWC/HWIO is the same
operation; ``conv2d_transpose`` is by definition the input-gradient of ``conv2d``,
which JAX's ``vjp`` computes independently.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import GradsymError
from gradsym.shapes import same_padding
from tests.conftest import require

SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _jax():
    jax = require("jax")
    jax.config.update("jax_enable_x64", True)
    from jax import lax

    return jax, jax.numpy, lax


def _dn(nd: int) -> tuple[str, str, str]:
    sp = SPATIAL[nd]
    return (f"N{sp}C", f"{sp}IO", f"N{sp}C")


def _floats(arr) -> np.ndarray:
    return np.array(arr, dtype=np.float64)


# ---------------------------------------------------------------------------
# SAME padding: TensorFlow's documented formula, re-derived independently


def tf_documented_same(in_size: int, filter_size: int, stride: int) -> tuple[int, int]:
    """TensorFlow's guide ("Convolution: SAME padding"), in its own words:

    out = ceil(in / stride); if in % stride == 0: pad = max(filter − stride, 0)
    else: pad = max(filter − (in % stride), 0); pad_top = pad // 2; pad_bottom = pad − pad_top.
    """
    if in_size % stride == 0:
        pad = max(filter_size - stride, 0)
    else:
        pad = max(filter_size - in_size % stride, 0)
    return pad // 2, pad - pad // 2


def test_same_padding_equals_tensorflows_documented_formula_and_jax():
    _, _, lax = _jax()
    for i in range(1, 13):
        for k in range(1, 6):
            for s in range(1, 5):
                for d in range(1, 4):
                    k_eff = d * (k - 1) + 1  # TensorFlow dilates the filter first
                    ours = same_padding(k, d, stride=s, size=i, convention="tensorflow")
                    assert ours == tf_documented_same(i, k_eff, s), (i, k, s, d)
                    assert same_padding(k, d, stride=s, size=i, convention="jax") == ours
                    assert tuple(lax.padtype_to_pads((i,), (k_eff,), (s,), "SAME")[0]) == ours


def test_same_padding_reaches_the_conv_config():
    d = gradsym.conv(input="5x6", kernel="4x3", stride=2, padding="SAME", convention="tensorflow")
    assert d.config["padding"] == [list(tf_documented_same(5, 4, 2)), list(tf_documented_same(6, 3, 2))]
    assert d.config["output"] == [3, 3]  # ceil(i / s)


# ---------------------------------------------------------------------------
# Convolution: TensorFlow/JAX layouts against lax.conv_general_dilated and PyTorch

conv_configs = st.integers(1, 3).flatmap(
    lambda nd: st.fixed_dictionaries(
        {
            "nd": st.just(nd),
            "input": st.lists(st.integers(2, 4 if nd < 3 else 3), min_size=nd, max_size=nd),
            "kernel": st.lists(st.integers(1, 2), min_size=nd, max_size=nd),
            "stride": st.lists(st.integers(1, 2), min_size=nd, max_size=nd),
            "dilation": st.lists(st.integers(1, 2), min_size=nd, max_size=nd),
            "padding": st.sampled_from(["valid", "same", "1"]),
            "groups": st.sampled_from([1, 2]),
            "convention": st.sampled_from(["tensorflow", "jax"]),
            "seed": st.integers(0, 1000),
        }
    )
)


def _derive_conv(c: dict) -> gradsym.Derivation | None:
    g = c["groups"]
    try:
        return gradsym.conv(input=c["input"], kernel=c["kernel"], stride=c["stride"], dilation=c["dilation"],
                            padding=c["padding"], groups=g, in_channels=2 * g, out_channels=g, batch=2,
                            bias=True, convention=c["convention"], x="random", k="random", b="random",
                            g="random", seed=c["seed"])
    except GradsymError as exc:
        assert "larger than the padded input" in str(exc)
        return None


def _lax_conv(lax, c: dict):
    nd = c["nd"]
    padding = c["padding"].upper() if c["padding"] != "1" else [(1, 1)] * nd
    return lambda x, w, b: lax.conv_general_dilated(
        x, w, c["stride"], padding, rhs_dilation=c["dilation"], dimension_numbers=_dn(nd),
        feature_group_count=c["groups"]) + b


@settings(max_examples=10, deadline=None)
@given(conv_configs)
def test_conv_forward_matches_lax_conv_general_dilated(c):
    _, jnp, lax = _jax()
    d = _derive_conv(c)
    if d is None:
        return
    assert d.holds, [(ch.name, ch.mismatch) for ch in d.all_checks()]
    assert d.checks[-1].name == "matches_torch_with_layout_change"
    assert d.config["layouts"]["kernel"] == f"{SPATIAL[c['nd']]}IO"
    ev = d.numeric
    x, w, b = (jnp.array(_floats(ev.values[r])) for r in ("input", "kernel", "bias"))
    assert x.shape[-1] == 2 * c["groups"] and w.shape[-2:] == (2, c["groups"])  # NHWC, HWIO, I = C_in/G
    assert np.array_equal(np.asarray(_lax_conv(lax, c)(x, w, b)), _floats(ev.forward_values))


@settings(max_examples=25, deadline=None)
@given(conv_configs)
def test_conv_gradients_and_jacobians_match_torch_with_axes_moved(c):
    torch = require("torch")
    d = _derive_conv(c)
    if d is None:
        return
    nd, ev, cfg = c["nd"], d.numeric, d.conv
    to_first = (0, nd + 1, *range(1, nd + 1))  # N…C → NC…
    x = torch.tensor(_floats(ev.values["input"])).permute(*to_first).contiguous()
    w = torch.tensor(_floats(ev.values["kernel"])).permute(nd + 1, nd, *range(nd)).contiguous()  # …IO → OI…
    b = torch.tensor(_floats(ev.values["bias"]))
    pads = [p for pair in reversed(cfg.padding) for p in pair]  # F.pad: last dimension first
    conv = getattr(torch.nn.functional, f"conv{nd}d")

    def f(x, w, b):
        y = conv(torch.nn.functional.pad(x, pads), w, b, stride=c["stride"], dilation=c["dilation"],
                 groups=c["groups"])
        return y.permute(0, *range(2, nd + 2), 1)  # back to N…C

    x.requires_grad_(), w.requires_grad_(), b.requires_grad_()
    y = f(x, w, b)
    assert np.array_equal(y.detach().numpy(), _floats(ev.forward_values))
    y.backward(torch.tensor(_floats(ev.values["upstream"])))
    back = (0, *range(2, nd + 2), 1)
    assert np.array_equal(x.grad.permute(*back).numpy(), _floats(ev.grad_values["input"]))
    assert np.array_equal(w.grad.permute(*range(2, nd + 2), 1, 0).numpy(), _floats(ev.grad_values["kernel"]))
    assert np.array_equal(b.grad.numpy(), _floats(ev.grad_values["bias"]))
    jx = torch.autograd.functional.jacobian(lambda t: f(t, w.detach(), b.detach()), x.detach())
    # torch's Jacobian columns are in NC… order; move them to the framework's N…C
    jx = jx.reshape(y.numel(), *x.shape).permute(0, *(a + 1 for a in back)).reshape(y.numel(), -1)
    ours = np.zeros((y.numel(), x.numel()))
    for (o, i), value in ev.jacobian_values["input"].items():
        ours[o, i] = value
    assert np.array_equal(jx.numpy(), ours)


def test_conv_gradients_and_jacobian_match_jax():
    jax, jnp, lax = _jax()
    c = {"nd": 2, "input": [3, 4], "kernel": [2, 2], "stride": [1, 2], "dilation": [2, 1],
         "padding": "same", "groups": 2, "convention": "jax", "seed": 5}
    d = _derive_conv(c)
    assert d is not None and d.holds
    ev = d.numeric
    x, w, b = (jnp.array(_floats(ev.values[r])) for r in ("input", "kernel", "bias"))
    f = _lax_conv(lax, c)
    y, pullback = jax.vjp(f, x, w, b)
    gx, gw, gb = pullback(jnp.array(_floats(ev.values["upstream"])))
    assert np.array_equal(np.asarray(gx), _floats(ev.grad_values["input"]))
    assert np.array_equal(np.asarray(gw), _floats(ev.grad_values["kernel"]))
    assert np.array_equal(np.asarray(gb), _floats(ev.grad_values["bias"]))
    jw = np.asarray(jax.jacrev(lambda w: f(x, w, b))(w)).reshape(y.size, w.size)
    ours = np.zeros((y.size, w.size))
    for (o, i), value in ev.jacobian_values["kernel"].items():
        ours[o, i] = value
    assert np.array_equal(jw, ours)


def test_tensorflow_conv_equals_torch_with_axes_moved():
    torch = require("torch")
    d = gradsym.conv(input="4x5", kernel="3x2", stride="2x1", padding=1, in_channels=3, out_channels=2,
                     batch=2, convention="tensorflow", x="random", k="random", seed=7)
    ev = d.numeric
    x = torch.tensor(_floats(ev.values["input"])).permute(0, 3, 1, 2)  # NHWC → NCHW
    w = torch.tensor(_floats(ev.values["kernel"])).permute(3, 2, 0, 1)  # HWIO → OIHW
    y = torch.nn.functional.conv2d(x, w, stride=(2, 1), padding=1).permute(0, 2, 3, 1)
    assert np.array_equal(y.numpy(), _floats(ev.forward_values))
    # symbols and values are in TensorFlow's layout: x_n_h_w_c
    assert d.symbols["input"].names()[0][0][1] == ["x_1_1_2_1", "x_1_1_2_2", "x_1_1_2_3"]


# ---------------------------------------------------------------------------
# Transposed convolution: JAX (no kernel flip) and TensorFlow (gradient of conv2d)

deconv_configs = st.integers(1, 2).flatmap(
    lambda nd: st.fixed_dictionaries(
        {
            "nd": st.just(nd),
            "input": st.lists(st.integers(1, 3), min_size=nd, max_size=nd),
            "kernel": st.lists(st.integers(1, 3), min_size=nd, max_size=nd),
            "stride": st.lists(st.integers(1, 3), min_size=nd, max_size=nd),
            "dilation": st.lists(st.integers(1, 2), min_size=nd, max_size=nd),
            # explicit pairs reach beyond d(k−1): lax.conv_transpose grows the output by zeros
            "padding": st.one_of(
                st.sampled_from(["valid", "same", "0", "1", "3"]),
                st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=nd, max_size=nd),
            ),
            "channels": st.sampled_from([(1, 1), (2, 3)]),
            "seed": st.integers(0, 1000),
        }
    )
)


@settings(max_examples=20, deadline=None)
@given(deconv_configs)
def test_jax_deconv_matches_lax_conv_transpose(c):
    jax, jnp, lax = _jax()
    nd = c["nd"]
    cin, cout = c["channels"]
    try:
        d = gradsym.deconv(input=c["input"], kernel=c["kernel"], stride=c["stride"], dilation=c["dilation"],
                           padding=c["padding"], in_channels=cin, out_channels=cout, batch=1,
                           convention="jax", x="random", k="random", g="random", seed=c["seed"])
    except GradsymError as exc:
        # too few pads for any output (JAX then returns an empty array)
        assert "output would be empty" in str(exc)
        return
    assert d.holds, [(ch.name, ch.mismatch) for ch in d.all_checks()]
    assert d.checks[-1].name == "matches_torch_with_rot180_kernel"
    ev = d.numeric
    x, w = jnp.array(_floats(ev.values["input"])), jnp.array(_floats(ev.values["kernel"]))
    assert w.shape[-2:] == (cin, cout)  # (*k, I, O): lax.conv_transpose's default HWIO
    if isinstance(c["padding"], list):
        pad = [tuple(p) for p in c["padding"]]
    else:
        pad = c["padding"].upper() if c["padding"] in ("valid", "same") else [(int(c["padding"]),) * 2] * nd
    f = lambda x, w: lax.conv_transpose(x, w, c["stride"], pad, rhs_dilation=c["dilation"])  # noqa: E731
    assert np.array_equal(np.asarray(f(x, w)), _floats(ev.forward_values))
    if c["seed"] % 4 == 0:  # JAX compiles a pullback per shape: gradients on a quarter of the cases
        y, pullback = jax.vjp(f, x, w)
        gx, gw = pullback(jnp.array(_floats(ev.values["upstream"])))
        assert np.array_equal(np.asarray(gx), _floats(ev.grad_values["input"]))
        assert np.array_equal(np.asarray(gw), _floats(ev.grad_values["kernel"]))


def test_jax_deconv_padding_beyond_the_kernel_reach_grows_the_output_by_zeros(cli):
    """The issue's example, with JAX's own answer: padding 2 > d(k−1) = 1 on both sides."""
    jax, jnp, lax = _jax()
    args = ("deconv", "--convention", "jax", "--input", "2", "--kernel", "2", "--stride", "2",
            "--padding", "2", "--x", "-5,0", "--k", "3/4,-7/2", "--format", "json")
    result = cli(*args)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    x = jnp.array([-5.0, 0.0]).reshape(1, 2, 1)
    k = jnp.array([0.75, -3.5]).reshape(2, 1, 1)
    y = lax.conv_transpose(x, k, (2,), [(2, 2)], dimension_numbers=("NWC", "WIO", "NWC"))
    assert [float(Fraction(v)) for v in doc["numeric"]["forward"]] == np.asarray(y).ravel().tolist()
    assert np.asarray(y).ravel().tolist() == [0, 17.5, -3.75, 0, 0, 0]
    assert all(c["holds"] for c in doc["checks"])


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 100))
def test_jax_valid_deconv_is_torch_with_rot180_kernel_and_output_padding(i, k, s, dil, seed):
    """The issue's mapping: JAX's default lax.conv_transpose = PyTorch's conv_transpose with the
    kernel rotated 180° and read as (I, O, *k), output_padding = max(0, s − k_eff)."""
    torch = require("torch")
    jax, jnp, lax = _jax()
    d = gradsym.deconv(input=i, kernel=k, stride=s, dilation=dil, in_channels=2, out_channels=3, batch=1,
                       convention="jax", x="random", k="random", seed=seed)
    k_eff = dil * (k - 1) + 1
    assert d.config["output_padding"] == [max(0, s - k_eff)] and d.config["padding"] == [[0, 0]]
    ev = d.numeric
    xj, wj = _floats(ev.values["input"]), _floats(ev.values["kernel"])  # (1, i, 2), (k, 2, 3)
    w_torch = torch.tensor(wj[::-1].copy()).permute(1, 2, 0)  # rot180, then (I, O, k): no channel swap
    y_torch = torch.nn.functional.conv_transpose1d(
        torch.tensor(xj).permute(0, 2, 1), w_torch, stride=s, dilation=dil, output_padding=max(0, s - k_eff)
    ).permute(0, 2, 1)
    y_jax = lax.conv_transpose(jnp.array(xj), jnp.array(wj), (s,), "VALID", rhs_dilation=(dil,))
    assert np.array_equal(y_torch.numpy(), np.asarray(y_jax))
    assert np.array_equal(y_torch.numpy(), _floats(ev.forward_values))


@settings(max_examples=20, deadline=None)
@given(deconv_configs, st.integers(0, 2))
def test_tensorflow_deconv_is_the_input_gradient_of_conv2d(c, choice):
    jax, jnp, lax = _jax()
    nd = c["nd"]
    cin, cout = c["channels"]
    if c["padding"] == "0":
        c["padding"] = "valid"
    # every output size TensorFlow accepts, picked by index
    try:
        probe = gradsym.sizes(input=c["input"], kernel=c["kernel"], stride=c["stride"],
                              dilation=c["dilation"], padding=c["padding"], transposed=True,
                              convention="tensorflow")
    except GradsymError as exc:
        # PyTorch's default size is empty or not one TensorFlow accepts: refused, with the reason
        assert "output would be empty" in str(exc) or "is not valid for tf.nn.conv2d_transpose" in str(exc)
        return
    choices = [[row["size"] for row in table] for table in probe.to_dict()["inverse"]] \
        if c["padding"] != "same" else [list(range(s * (i - 1) + 1, s * i + 1)) for i, s in zip(c["input"], c["stride"])]
    size = [opts[choice % len(opts)] for opts in choices]
    d = gradsym.deconv(input=c["input"], kernel=c["kernel"], stride=c["stride"], dilation=c["dilation"],
                       padding=c["padding"], in_channels=cin, out_channels=cout, batch=1,
                       output_size="x".join(map(str, size)), convention="tensorflow",
                       x="random", k="random", g="random", seed=c["seed"])
    assert d.holds, [(ch.name, ch.mismatch) for ch in d.all_checks()]
    assert d.config["output"] == size and d.config["framework"]["output_size"] == size
    ev = d.numeric
    x, w = jnp.array(_floats(ev.values["input"])), jnp.array(_floats(ev.values["kernel"]))
    assert w.shape[-2:] == (cout, cin)  # conv2d_transpose filters: (*k, out, in)
    if isinstance(c["padding"], list):
        pad = [tuple(p) for p in c["padding"]]
    else:
        pad = c["padding"].upper() if c["padding"] in ("valid", "same") else [(int(c["padding"]),) * 2] * nd

    def conv2d_transpose(x, w):
        # TensorFlow's definition: the gradient of conv2d (filters as given = its HWIO) wrt its input
        z = jnp.zeros((1, *size, cout))
        conv = lambda z: lax.conv_general_dilated(z, w, c["stride"], pad, rhs_dilation=c["dilation"],  # noqa: E731
                                                  dimension_numbers=_dn(nd))
        return jax.vjp(conv, z)[1](x)[0]

    assert np.array_equal(np.asarray(conv2d_transpose(x, w)), _floats(ev.forward_values))
    if c["seed"] % 4 == 0:  # second-order pullbacks compile slowly: gradients on a quarter of the cases
        y, pullback = jax.vjp(conv2d_transpose, x, w)
        gx, gw = pullback(jnp.array(_floats(ev.values["upstream"])))
        assert np.array_equal(np.asarray(gx), _floats(ev.grad_values["input"]))
        assert np.array_equal(np.asarray(gw), _floats(ev.grad_values["kernel"]))


def test_tensorflow_deconv_equals_torch_with_filters_transposed():
    torch = require("torch")
    d = gradsym.deconv(input="3x2", kernel="3x3", stride=2, padding=1, in_channels=2, out_channels=3, batch=1,
                       output_size="6x4", convention="tensorflow", x="random", k="random", seed=3)
    assert d.config["output_padding"] == [1, 1]
    ev = d.numeric
    x = torch.tensor(_floats(ev.values["input"])).permute(0, 3, 1, 2)
    w = torch.tensor(_floats(ev.values["kernel"])).permute(3, 2, 0, 1)  # (kh, kw, out, in) → (in, out, kh, kw)
    y = torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).permute(0, 2, 3, 1)
    assert np.array_equal(y.numpy(), _floats(ev.forward_values))


# ---------------------------------------------------------------------------
# Output, JSON, errors


def test_json_states_layouts_and_framework_options(cli):
    result = cli("deconv", "--input", "2x2", "--kernel", "3x3", "--stride", "2", "--in-channels", "1",
                 "--convention", "jax", "--padding", "same", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["config"]["convention"] == "jax"
    assert doc["config"]["layouts"] == {"input": "NHWC", "kernel": "HWIO", "output": "NHWC"}
    assert doc["config"]["framework"]["padding"] == "SAME"
    assert doc["config"]["framework"]["dilated_input_padding"] == [[2, 1], [2, 1]]
    assert [c["name"] for c in doc["checks"]][-1] == "matches_torch_with_rot180_kernel"
    text = cli("deconv", "--input", "2x2", "--kernel", "3x3", "--convention", "jax", "--format", "text",
               "--show", "proof")
    assert "rotated 180°" in text.out and "JAX layouts" in text.out
    torch_conv = gradsym.conv(input="3x3", kernel="2x2").to_dict()
    assert "layouts" not in torch_conv["config"]  # the torch convention is unchanged


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deconv", "--convention", "tensorflow", "--in-channels", "2", "--out-channels", "2", "--groups", "2"],
         "--groups 2: tf.nn.conv2d_transpose has no groups"),
        (["deconv", "--convention", "jax", "--output-padding", "1", "--stride", "2"], "--output-padding is PyTorch's option"),
        (["deconv", "--convention", "tensorflow", "--stride", "2", "--output-size", "9x9"],
         "--output-size 9 is not valid for tf.nn.conv2d_transpose in dimension 1; the valid sizes are 6, 7"),
        (["deconv", "--convention", "jax", "--output-size", "4x4"], "JAX's lax.conv_transpose has none"),
        (["conv", "--convention", "mxnet"], "--convention must be one of torch, tensorflow, jax"),
        (["deconv", "--convention", "mxnet"], "--convention must be one of torch, tensorflow, jax"),
    ],
)
def test_convention_errors(cli, args, message):
    result = cli(*args[:1], "--input", "3x3", "--kernel", "2x2", *args[1:])
    assert result.code == 2
    assert result.err.startswith("error: ") and message in result.err
