"""``gradsym net``: a whole network from a layer string, against PyTorch (float64, the same
weights through ``load_state_dict``), its checks, its parse errors and its CLI."""

from __future__ import annotations

import json
import re
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers import net as net_module
from gradsym.layers.net import net
from tests.conftest import require

EXAMPLE = ["net", "--input", "1x1x6x6", "--layers",
           "conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce"]


# -- the PyTorch oracle -------------------------------------------------------------------
def _tensor(torch, arr):
    flat = [float(v) for v in np.asarray(arr, dtype=object).reshape(-1).tolist()]
    return torch.tensor(flat, dtype=torch.float64).reshape(np.shape(arr))


def _module(torch, layer):
    kind, o, nd = layer.kind, layer.spec.options, len(layer.in_shape) - 2
    nn = torch.nn
    if kind in ("conv", "deconv"):
        cls = {"conv": [nn.Conv1d, nn.Conv2d, nn.Conv3d],
               "deconv": [nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d]}[kind][nd - 1]
        return cls(layer.in_shape[1], o["out_channels"], tuple(o["kernel"]), stride=o["stride"],
                   padding=o["padding"], bias=o["bias"])
    if kind in ("maxpool", "avgpool"):
        cls = {"maxpool": [nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d],
               "avgpool": [nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d]}[kind][nd - 1]
        return cls(tuple(layer.pool.size), stride=tuple(layer.pool.stride))
    if kind == "batchnorm":
        return [nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d][max(nd, 0)](layer.in_shape[1])
    if kind == "linear":
        return nn.Linear(layer.in_shape[1], o["out_features"], bias=o["bias"])
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten}
    return simple.get(kind, nn.Identity)()


def torch_run(d):
    """The same nn.Sequential in float64 with our values: loss and every gradient by name."""
    torch = require("torch")
    layers = d.net_layers
    seq = torch.nn.Sequential(*[_module(torch, layer) for layer in layers[:-1]]).double()
    ev = d.numeric
    state = {name: _tensor(torch, arr) for name, arr in ev.named.items() if name != "input"}
    missing, unexpected = seq.load_state_dict(state, strict=False)
    assert not unexpected and all("running" in m or "num_batches" in m for m in missing)
    x = _tensor(torch, ev.named["input"]).requires_grad_(True)
    out = seq.train()(x)
    loss_kind = layers[-1].kind
    f = torch.nn.functional
    if loss_kind == "softmax_ce":
        loss = f.cross_entropy(out, torch.tensor(ev.target))
    elif loss_kind == "mse":
        loss = f.mse_loss(out, _tensor(torch, ev.target))
    else:
        loss = f.l1_loss(out, _tensor(torch, ev.target))
    loss.backward()
    grads = {"input": x.grad}
    grads.update({name: p.grad for name, p in seq.named_parameters()})
    return loss.item(), grads


def assert_matches_torch(d):
    torch = require("torch")
    loss, grads = torch_run(d)
    ev = d.numeric
    ours = float(ev.forward_values[()])
    assert ours == pytest.approx(loss, rel=1e-10, abs=1e-12)
    assert set(grads) == set(ev.gradients)
    for name, g in grads.items():
        mine = _tensor(torch, ev.gradients[name])
        assert torch.allclose(mine, g, rtol=1e-9, atol=1e-12), (name, mine, g)


CONFIGS = [
    ("1x1x6x6", "conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce"),
    ("2x1x6x6", "conv 2x3x3 pad 1 bias, tanh, avgpool 2, batchnorm, flatten, linear 2, mse"),
    ("1x2x3x3", "deconv 2x2x2 stride 2 bias, sigmoid, maxpool 3 stride 2, flatten, linear 2 nobias, l1"),
    ("2x2x4x4", "batchnorm, conv 3x2x2 stride 2, relu, flatten, batchnorm, linear 4, softmax_ce"),
    ("3x4", "linear 4, relu, batchnorm, linear 2, mse"),
    ("2x2x5", "conv 3x3 pad 1, maxpool 2, tanh, flatten, linear 2, softmax_ce"),
    ("1x1x4x4x4", "conv 2x2x2x2, avgpool 3 stride 1, flatten, sigmoid, l1"),
    ("2x1x5", "deconv 2x3 stride 2 pad 1, relu, avgpool 2, flatten, linear 3, l1"),
    ("2x3", "tanh, mse"),
]


@pytest.mark.parametrize(("shape", "layers", "seed"), [(s, layers, i % 3) for i, (s, layers) in enumerate(CONFIGS)])
def test_matches_pytorch(shape, layers, seed):
    d = net(input=shape, layers=layers, seed=seed)
    assert d.holds, [(c.name, c.mismatch) for c in d.all_checks() if not c.holds]
    assert_matches_torch(d)


def _random_network(draw):
    """A random small network that fits its shapes: a convolutional part, then a dense part."""
    nd = draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    c = draw(st.integers(1, 2))
    size = draw(st.integers(4, 6))
    layers = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["conv", "deconv", "relu", "sigmoid", "tanh", "maxpool", "avgpool",
                                     "batchnorm"]))
        if kind in ("conv", "deconv"):
            k = draw(st.integers(1, 3))
            out = draw(st.integers(1, 2))
            pad = draw(st.integers(0, (k - 1) // 2 if kind == "conv" else 0))
            bias = " bias" if draw(st.booleans()) else ""
            layers.append(f"{kind} {out}x{'x'.join([str(k)] * nd)} pad {pad}{bias}")
        elif kind in ("maxpool", "avgpool"):
            layers.append(f"{kind} 2")
        else:
            layers.append(kind)
    layers.append("flatten")
    if draw(st.booleans()):
        layers.append(f"linear {draw(st.integers(1, 3))}{' nobias' if draw(st.booleans()) else ''}")
        layers.append(draw(st.sampled_from(["relu", "tanh", "sigmoid", "batchnorm"])))
    layers.append(f"linear {draw(st.integers(2, 3))}")
    layers.append(draw(st.sampled_from(["softmax_ce", "mse", "l1"])))
    return f"{n}x{c}x{'x'.join([str(size)] * nd)}", ", ".join(layers)


networks = st.composite(_random_network)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(0, 1000))
def test_random_networks_match_pytorch(network, seed):
    shape, layers = network
    try:
        d = net(input=shape, layers=layers, seed=seed)
    except SpecError as exc:  # a shape the layers cannot take (a window larger than the map …)
        assert str(exc).startswith("layers: layer") and exc.key in ("net.layer", "net.layer_shape")
        return
    assert d.holds, (shape, layers, [(c.name, c.mismatch) for c in d.all_checks() if not c.holds])
    assert_matches_torch(d)


def test_rational_layers_stay_exact():
    d = net(input="1x1x4x4", layers="conv 2x3x3 pad 1 bias, relu, maxpool 2, avgpool 2, flatten, linear 2, mse",
            x="arange", target="1/2, -1")
    ev = d.numeric
    assert isinstance(ev.forward_values[()], (int, Fraction))
    for arr in ev.gradients.values():
        assert all(isinstance(v, (int, Fraction)) for v in arr.reshape(-1).tolist())
    assert_matches_torch(d)


def test_given_values_are_used_and_listed():
    d = net(input="1x4", layers="linear 2, mse", x="1,2,3,4",
            at={"0.weight": "ones", "0.bias": "0,1"}, target="0,0")
    # y = (10, 11): L = (100 + 121)/2; dL/dy = y; dL/db = y; dL/dW = yᵀx; dL/dx = yW
    assert d.numeric.forward_values[()] == Fraction(221, 2)
    assert d.numeric.gradients["0.bias"].tolist() == [10, 11]
    assert d.numeric.gradients["input"].tolist() == [[21, 21, 21, 21]]
    assert d.numeric.gradients["0.weight"].tolist() == [[10, 20, 30, 40], [11, 22, 33, 44]]
    same = net(input="1x4", layers="linear 2, mse", x="1,2,3,4",
               at=["0.weight=ones", "0.bias=0,1"], target="0,0")
    assert same.numeric.forward_values[()] == d.numeric.forward_values[()]


def test_seed_reproducible_and_changes_values():
    a = net(input="1x1x4x4", layers="conv 1x2x2, flatten, linear 2, softmax_ce", seed=1)
    b = net(input="1x1x4x4", layers="conv 1x2x2, flatten, linear 2, softmax_ce", seed=1)
    c = net(input="1x1x4x4", layers="conv 1x2x2, flatten, linear 2, softmax_ce", seed=2)
    assert a.numeric.named["0.weight"].tolist() == b.numeric.named["0.weight"].tolist()
    assert a.numeric.named["0.weight"].tolist() != c.numeric.named["0.weight"].tolist()


# -- the checks -------------------------------------------------------------------------------
def test_every_check_is_named_and_holds():
    d = net(input="1x1x6x6", layers="conv 2x3x3 pad 1 bias, sigmoid, maxpool 2, flatten, linear 3, softmax_ce")
    names = {c.name for c in d.all_checks()}
    assert {"grad_input_equals_full_conv_rot180_kernel", "grad_kernel_equals_conv_input_upstream",
            "grad_bias_equals_upstream_sum", "grad_input_equals_upstream_weight",
            "grad_weight_equals_upstream_t_input", "local_rule_equals_derivative", "grad_routes_to_argmax",
            "jacobian_matches_autodiff_numeric"} <= names
    assert d.holds


def test_a_wrong_backward_rule_fails_the_dual_check(monkeypatch):
    original = net_module.layer_backward

    def wrong(layer, a, y, p, g, point):
        out = original(layer, a, y, p, g, point)
        if layer.kind == "maxpool":  # route every window's gradient to its last cell instead
            out["input"] = np.roll(out["input"], 1)
        return out

    monkeypatch.setattr(net_module, "layer_backward", wrong)
    d = net(input="1x1x4x4", layers="conv 1x2x2 pad 1, maxpool 2, flatten, linear 2, mse", x="arange",
            at={"0.weight": "1,2,3,4"})
    check = next(c for c in d.all_checks() if c.name == "jacobian_matches_autodiff_numeric")
    assert not check.holds and "input" in check.mismatch


def test_a_corrupted_gradient_fails_the_dual_check():
    d = net(input="1x3", layers="linear 2, tanh, mse")
    ev = d.numeric
    assert net_module._dual_check(d.net_layers, ev).holds
    ev.gradients["0.bias"][0] += Fraction(1, 10**9)
    check = net_module._dual_check(d.net_layers, ev)
    assert not check.holds and "∂output/∂0.bias entry (0, 0)" in (check.mismatch or "")
    ev.gradients["0.bias"][0] -= Fraction(1, 10**9)
    ev.forward_values[()] += 1
    check = net_module._dual_check(d.net_layers, ev)
    assert not check.holds and check.mismatch == "the loss differs from the dual-number pass"


def test_a_wrong_local_rule_fails():
    import sympy

    d = net(input="1x3", layers="sigmoid, mse")
    layer = d.net_layers[0]
    assert net_module._rule_check(layer).holds
    z, g = sympy.Symbol("z", real=True), sympy.Symbol("g", real=True)
    layer.formula = [(k, g * sympy.exp(-z) if k == "∂L/∂z" else e) for k, e in layer.formula]
    assert not net_module._rule_check(layer).holds


# -- parse errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "layers", "pattern"),
    [
        ("1x1x4x4", "conv 2x3x3, softplus, mse", r"layer 2 \('softplus'\): unknown layer 'softplus'.*accepted forms"),
        ("1x1x4x4", "conv 2x3, mse", r"layer 1 \('conv 2x3'\).*kernel 3 has 1 sizes"),
        ("1x1x4x4", "conv 2x3x3 pad 1, linear 3, softmax_ce", r"layer 2 \('linear 3'\).*1x2x4x4.*put flatten"),
        ("1x1x4x4", "conv 2x3x3, relu", r"layer 2 \('relu'\).*must end with a loss"),
        ("1x1x4x4", "mse, flatten, mse", r"layer 1 \('mse'\).*loss must be the last"),
        ("1x1x4x4", "conv 2xax3, mse", r"layer 1 \('conv 2xax3'\)"),
        ("1x1x4x4", "conv 2x5x5, flatten, mse", r"layer 1 \('conv 2x5x5'\)"),
        ("1x1x4x4", "maxpool 2 stride, mse", r"layer 1 \('maxpool 2 stride'\)"),
        ("1x1x4x4", "linear, mse", r"layer 1 \('linear'\).*linear needs its output size"),
        ("1x1x4x4", "flatten, relu 3, mse", r"layer 2 \('relu 3'\).*takes no options"),
        ("1x1x4x4", "conv 2x3x3,, mse", r"layer 2 \(''\).*empty"),
        ("1x8", "maxpool 2, mse", r"layer 1 \('maxpool 2'\).*needs \(N, C, \*spatial\)"),
        ("1x1x3", "softmax_ce", r"layer 1 \('softmax_ce'\).*needs logits \(N, K\)"),
        ("8", "linear 2, mse", r"input='8' has one size"),
        ("1x1x4x4", "batchnorm, flatten, linear 2, softmax_ce", None),
    ],
)
def test_parse_errors_name_the_layer(shape, layers, pattern):
    if pattern is None:
        assert net(input=shape, layers=layers).holds
        return
    with pytest.raises(SpecError, match=pattern):
        net(input=shape, layers=layers)


def test_the_layer_string_is_never_evaluated():
    with pytest.raises(SpecError, match="unknown layer"):
        net(input="1x3", layers="__import__('os').system('true'), mse")


def test_value_errors():
    with pytest.raises(SpecError, match=r"at\['9.weight'\]: no such parameter; the parameters are 0.weight, 0.bias"):
        net(input="1x3", layers="linear 2, mse", at={"9.weight": "ones"})
    with pytest.raises(SpecError, match=r"at\['0.weight'\]"):
        net(input="1x3", layers="linear 2, mse", at={"0.weight": "1,2"})
    with pytest.raises(SpecError, match=r"^target: softmax_ce needs 1 class indices in 0…1"):
        net(input="1x3", layers="linear 2, softmax_ce", target="2")
    with pytest.raises(SpecError, match=r"^x has 2 values"):
        net(input="1x3", layers="linear 2, mse", x="1,2")


def test_large_work_is_refused_at_once_with_an_estimate():
    start = time.perf_counter()
    with pytest.raises(SizeError, match=r"too large: it would take about .* max_terms=\d+"):
        net(input="4x8x64x64", layers="conv 16x3x3 pad 1, relu, flatten, linear 10, softmax_ce")
    assert time.perf_counter() - start < 2


def test_an_8x8_network_takes_seconds():
    start = time.perf_counter()
    d = net(input="1x1x8x8",
            layers="conv 4x3x3 pad 1 bias, relu, maxpool 2, conv 4x3x3 pad 1, relu, flatten, linear 10, softmax_ce")
    assert d.holds
    assert time.perf_counter() - start < 30


# -- CLI ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "html", "json"])
def test_every_format(cli, fmt):
    result = cli(*EXAMPLE, "--format", fmt)
    assert result.code == 0, result.err
    assert "softmax" in result.out


def test_json_layout_and_round_trip(cli):
    result = cli(*EXAMPLE, "--format", "json", "--seed", "4")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["command"] == "net"
    assert [layer["kind"] for layer in doc["layers"]] == ["conv", "relu", "maxpool", "flatten", "linear",
                                                          "softmax_ce"]
    conv = doc["layers"][0]
    assert set(conv["grad"]) == {"input", "kernel"} and conv["params"] == {"kernel": "0.weight"}
    assert np.shape(conv["forward"]) == (1, 2, 6, 6)
    assert doc["layers"][1]["grad"] == {"input": "g*Heaviside(z, 0)"}
    numeric = doc["numeric"]
    assert set(numeric["values"]) == {"input", "0.weight", "4.weight", "4.bias", "target"}
    assert set(numeric["grad"]) == {"input", "0.weight", "4.weight", "4.bias"}
    assert len(numeric["layers"]) == 6 and numeric["loss"] == numeric["forward"]
    assert all(c["holds"] for c in doc["checks"])
    # the values reproduce the run: the same weights through the Python API
    d = gradsym.net(input="1x1x6x6", layers=EXAMPLE[-1], seed=4)
    assert numeric["values"]["0.weight"] == [[[[_json(v) for v in row] for row in ch] for ch in out]
                                             for out in d.numeric.named["0.weight"].tolist()]
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc and loaded.holds


def _json(v):
    return int(v) if Fraction(v).denominator == 1 else f"{Fraction(v).numerator}/{Fraction(v).denominator}"


def test_at_option_on_the_command_line(cli):
    result = cli("net", "--input", "1x2", "--layers", "linear 1, mse", "--x", "1,2", "--at", "0.weight=[[1,1]]",
                 "--at", "0.bias=1", "--target", "0", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["numeric"]["loss"] == 16


@pytest.mark.parametrize(
    "args",
    [
        ["--layers", "conv 2x3x3, flurb, mse"],
        ["--layers", "conv 2x3x3 pad 1, linear 3, softmax_ce"],
        ["--layers", "flatten, linear 3, softmax_ce", "--at", "7.weight=ones"],
    ],
)
def test_cli_errors_are_one_line_exit_2(cli, args):
    result = cli("net", "--input", "1x1x6x6", *args)
    assert result.code == 2
    assert result.err.startswith("error: --") and result.err.count("\n") == 1 and "Traceback" not in result.err


def test_chinese(cli):
    from tests.test_zh import english_runs

    result = cli(*EXAMPLE, "--format", "text", "--lang", "zh")
    assert result.code == 0 and "逐层前向传播" in result.out and "反向" in result.out
    assert english_runs(result.out) == []
    error = cli("net", "--input", "1x1x6x6", "--layers", "conv 2x3x3 pad 1, linear 3, softmax_ce", "--lang", "zh")
    assert error.code == 2 and re.search(r"[\u4e00-\u9fff]", error.err) and "flatten" in error.err
    assert english_runs(error.err.removeprefix("error: ").split("：", 1)[1]) == []


def test_animate_refuses_cleanly_and_emit_writes_a_module(cli):
    result = cli(*EXAMPLE, "--animate", "x.gif")
    assert result.code == 2 and result.err.startswith("error: ") and result.err.count("\n") == 1
    result = cli(*EXAMPLE, "--emit", "torch")  # the module itself: tests/test_emit_net.py
    assert result.code == 0 and "def backward(x, params, target):" in result.out


@pytest.mark.parametrize("args", [EXAMPLE[1:], ["--input", "2x3", "--layers", "linear 2, tanh, mse"]])
def test_plot(cli, tmp_path, args):
    png = tmp_path / "net.png"
    result = cli("net", *args, "--plot", str(png))
    assert result.code == 0, result.err
    assert png.read_bytes().startswith(b"\x89PNG")


def test_latex_compiles(tmp_path, cli):
    import shutil

    from tests.conftest import ON_CI

    if shutil.which("pdflatex") is None and not ON_CI:
        pytest.skip("pdflatex is not installed")
    pdf = tmp_path / "net.pdf"
    result = cli("net", "--input", "1x1x4x4", "--layers",
                 "conv 2x3x3 pad 1 bias, sigmoid, maxpool 2, batchnorm, flatten, linear 3, softmax_ce",
                 "--output", str(pdf))
    assert result.code == 0, result.err
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


def test_python_api_layers_in_their_own_symbols():
    import sympy

    d = gradsym.net(input="1x1x3x3", layers="conv 1x2x2 bias, relu, flatten, linear 2, softmax_ce",
                    x="arange", at={"0.weight": [[[[1, 0], [0, 1]]]], "0.bias": [0], "3.bias": "0,0"},
                    target=[1])
    conv, relu = d.net_layers[0], d.net_layers[1]
    sym = sympy.Symbol
    taps = [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert conv.forward[0, 0, 0, 0] == sum(sym(f"a_1_1_1_{i}_{j}") * sym(f"k_1_1_1_{i}_{j}") for i, j in taps) + sym(
        "b_1_1")
    assert conv.grad["bias"][0] == sum(sym(f"d_1_1_1_{i}_{j}") for i, j in taps)
    z = sympy.Symbol("z", real=True)
    assert relu.forward == sympy.Max(0, z)
    # conv of arange with the identity 2x2 kernel: x[i,j] + x[i+1,j+1]
    assert d.numeric.layers[0].forward_values.reshape(-1).tolist() == [6, 8, 12, 14]
    assert set(d.gradients) == {"input", "0.weight", "0.bias", "3.weight", "3.bias"}


def test_small_batchnorm_layers_carry_the_compact_form_proof():
    d = net(input="4x3", layers="linear 2, batchnorm, mse")
    proof = [c for c in d.checks if c.name == "grad_input_equals_compact_form"]
    assert len(proof) == 1 and proof[0].holds and "layer 2" in proof[0].statement
