"""``chain``: stacked convolutions + a loss, against seed 000 and PyTorch.

Seed 000 gives PyTorch's numbers for 1, 2 and 3 stacked Conv2d(1, 1, 3, padding=1)
layers with L1Loss against zeros; Hypothesis draws further stacks (1-D to 3-D,
stride, padding, dilation, groups, channels, batch, bias, L1/MSE, random targets)
and PyTorch recomputes every layer's output and gradient in float64.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import GradsymError, SizeError, SpecError
from gradsym.layers import chain as chain_module
from gradsym.poly import Poly, evaluate
from tests.conftest import require

SEED_X = [[1, 2, 3, 4], [4, 3, 2, 1], [1, 2, 3, 4], [4, 3, 2, 1]]
SEED_ARGS = ("--input", "4x4", "--x", json.dumps(SEED_X), "--kernel", "3x3", "--k", "ones",
             "--b", "1", "--bias", "--padding", "1", "--loss", "l1")

# Seed 000, PyTorch's printed outputs: each layer's output and weight gradient.
X2 = [[11, 16, 16, 11], [14, 22, 25, 18], [18, 25, 22, 14], [11, 16, 16, 11]]
X3 = [[64, 105, 109, 71], [107, 170, 170, 107], [107, 170, 170, 107], [71, 109, 105, 64]]
X4 = [[447, 726, 733, 458], [724, 1173, 1180, 735], [735, 1180, 1173, 724], [458, 733, 726, 447]]
SEED = {
    1: {"outputs": [X2],
        "kernels": [[[1.3125, 1.875, 1.5], [1.875, 2.5, 1.875], [1.5, 1.875, 1.3125]]],
        "biases": [1]},
    2: {"outputs": [X2, X3],
        "kernels": [[[9.375, 12.5, 10.625], [12.5, 15.625, 12.5], [10.625, 12.5, 9.375]],
                    [[10.5625, 13.25, 10.5625], [13.25, 16.625, 13.25], [10.5625, 13.25, 10.5625]]]},
    3: {"outputs": [X2, X3, X4],
        "kernels": [[[64.6875, 85.3125, 73.125], [85.3125, 105.625, 85.3125], [73.125, 85.3125, 64.6875]],
                    [[72.4375, 90.3125, 73.375], [90.3125, 111.875, 90.3125], [73.375, 90.3125, 72.4375]],
                    [[73.25, 91.0625, 73.6875], [91.0625, 112.875, 91.0625], [73.6875, 91.0625, 73.25]]],
        "biases": [42.25, 6.25, 1]},
}


def exact(values: object) -> list:
    """Nested numbers (floats as printed by PyTorch) as exact Fractions, flat."""
    return [Fraction(str(v)) for v in np.array(values, dtype=object).reshape(-1).tolist()]


def flat(arr: np.ndarray) -> list:
    return [Fraction(v) for v in arr.reshape(-1).tolist()]


def seed_chain(depth: int, **extra):
    return gradsym.chain(input="4x4", kernel="3x3", depth=depth, padding=1, loss="l1",
                         x=SEED_X, k="ones", b=1, **extra)


# ---------------------------------------------------------------------------
# Seed 000


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_seed_000_every_layer(depth: int) -> None:
    d = seed_chain(depth)
    assert d.holds
    ev = d.numeric
    expected = SEED[depth]
    for i, lv in enumerate(ev.layers):
        assert flat(lv.forward_values) == exact(expected["outputs"][i])
        assert flat(lv.grad_values["kernel"]) == exact(expected["kernels"][i])
    if "biases" in expected:
        assert [Fraction(lv.grad_values["bias"][()]) for lv in ev.layers] == exact(expected["biases"])


def test_seed_000_exact_values_in_json(cli) -> None:
    result = cli("chain", *SEED_ARGS, "--depth", "3", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    layers = doc["numeric"]["layers"]
    assert [layer["grad"]["bias"] for layer in layers] == ["169/4", "25/4", 1]
    assert layers[0]["grad"]["kernel"][0] == ["1035/16", "1365/16", "585/8"]
    assert len(doc["layers"]) == 3
    assert set(doc["layers"][0]["grad"]) == {"input", "kernel", "bias"}
    assert doc["numeric"]["loss"]["grad"][0][0] == "1/16"
    names = [c["name"] for c in doc["checks"]]
    for name in ("grad_input_equals_full_conv_rot180_kernel", "grad_kernel_equals_conv_input_upstream",
                 "grad_bias_equals_upstream_sum"):
        assert names.count(name) == 3
    assert "loss_grad_equals_derivative" in names and "jacobian_matches_autodiff_numeric" in names
    assert all(c["holds"] for c in doc["checks"])


def test_seed_000_text_shows_the_chain_layer_by_layer(cli) -> None:
    result = cli("chain", *SEED_ARGS, "--depth", "3", "--format", "text")
    assert result.code == 0
    out = result.out
    order = [out.index(f"Layer {n} forward") for n in (1, 2, 3)]
    order += [out.index("Loss gradient d_3 = ∂L/∂a_4")]
    order += [out.index(f"Layer {n} backward") for n in (3, 2, 1)]
    order += [out.index("Proofs")]
    assert order == sorted(order)
    assert "d_2 = ∂L/∂a_3 arrives from layer 3" in out
    assert "∂L/∂k₁,₁,₁ = a₁,₁,₁·d₁,₂,₂" in out  # layer 1's own symbols
    assert "1035/16" in out.split("Layer 1 backward")[1]  # ∂L/∂k_1[1,1] = 64.6875
    assert "✓ All 11 checks hold." in out  # loss, 3 per layer, numeric


def test_show_filters_the_layer_sections(cli) -> None:
    result = cli("chain", *SEED_ARGS, "--depth", "2", "--format", "text", "--show", "grad")
    assert result.code == 0
    assert "Layer 1 backward" in result.out and "Layer 1 forward" not in result.out
    assert "Proofs" not in result.out


def test_rich_and_markdown_render(cli) -> None:
    for fmt in ("rich", "markdown"):
        result = cli("chain", *SEED_ARGS, "--depth", "2", "--format", fmt)
        assert result.code == 0, result.err
        assert "Layer 2 backward" in result.out


# ---------------------------------------------------------------------------
# PyTorch: random stacks


@st.composite
def chain_configs(draw: st.DrawFn) -> dict:
    nd = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    config: dict = dict(
        depth=draw(st.integers(1, 3)),
        input=tuple(draw(st.integers(2, 7 if nd < 3 else 4)) for _ in range(nd)),
        kernel=kernel,
        stride=tuple(draw(st.integers(1, 2)) for _ in range(nd)),
        padding=tuple(draw(st.integers(0, k)) for k in kernel),
        dilation=tuple(draw(st.integers(1, 2)) for _ in range(nd)),
        bias=draw(st.booleans()),
        loss=draw(st.sampled_from(["l1", "mse"])),
    )
    if draw(st.booleans()):
        groups = draw(st.integers(1, 2))
        config.update(groups=groups, in_channels=groups * draw(st.integers(1, 2)),
                      batch=draw(st.integers(1, 2)))
    return config


def as_tensor(torch, values: np.ndarray, grad: bool = False):
    return torch.tensor(np.array(values.tolist(), dtype=np.float64), requires_grad=grad)


def close(got, expected: np.ndarray) -> bool:
    want = np.array([float(Fraction(v)) for v in expected.reshape(-1).tolist()])
    have = got.detach().numpy().reshape(-1)
    return bool(np.allclose(have, want, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(want).max()))))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(config=chain_configs(), seed=st.integers(0, 10_000))
def test_chain_matches_torch(config: dict, seed: int) -> None:
    torch = require("torch")
    try:
        d = gradsym.chain(**config, x="random", k="random", b="random" if config["bias"] else None,
                          target="random", seed=seed)
    except SpecError:
        assume(False)  # a layer's output would be empty
        return
    assert d.holds
    ev = d.numeric
    nd = len(config["input"])
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
            3: torch.nn.functional.conv3d}[nd]
    channels = "in_channels" in config
    lead = () if channels else (1, 1)

    def layout(t):  # plain layout → (N, C, *spatial)
        return t.reshape(lead + tuple(t.shape)) if lead else t

    x = as_tensor(torch, ev.layers[0].input, True)
    acts, weights, biases = [x], [], []
    a = layout(x)
    for lv in ev.layers:
        w = as_tensor(torch, lv.kernel, True)
        b = as_tensor(torch, lv.bias, True) if lv.bias is not None else None
        a = conv(a, layout(w) if not channels else w, b.reshape(-1) if b is not None else None,
                 stride=config["stride"], padding=config["padding"], dilation=config["dilation"],
                 groups=config.get("groups", 1))
        a.retain_grad()
        acts.append(a)
        weights.append(w)
        biases.append(b)
    target = layout(as_tensor(torch, ev.values["chain_target"]))
    fn = torch.nn.L1Loss() if config["loss"] == "l1" else torch.nn.MSELoss()
    loss = fn(a, target)
    loss.backward()
    assert abs(loss.item() - float(Fraction(ev.forward_values[()]))) <= 1e-9 * max(1.0, abs(loss.item()))
    assert close(acts[-1].grad, ev.loss_grad_values)
    for i, lv in enumerate(ev.layers):
        assert close(acts[i + 1], lv.forward_values)
        assert close(weights[i].grad, lv.grad_values["kernel"])
        assert close(acts[i].grad, lv.grad_values["input"])
        if biases[i] is not None:
            assert close(biases[i].grad, lv.grad_values["bias"])


def test_same_padding_keeps_every_size() -> None:
    d = gradsym.chain(input="5x6", kernel="2x3", padding="same", depth=3)
    assert d.config["activations"] == [[5, 6]] * 4
    assert d.holds


# ---------------------------------------------------------------------------
# --expand


def test_expand_proves_the_chain_and_matches_the_numbers() -> None:
    d = seed_chain(2, expand=True)
    assert [c for c in d.checks if c.name == "chain_rule_equals_direct_differentiation"][0].holds
    assert d.holds
    # Independently of the layer-by-layer evaluation: the expanded gradients need only the
    # network input, the parameters and the loss gradient d_2.
    ev = d.numeric
    point: list = [None] * len(d.table)
    for tensor, values in [(d.layers[0].input, ev.layers[0].input),
                           (d.layers[1].upstream, ev.loss_grad_values)]:
        point[tensor.first : tensor.first + tensor.size] = values.reshape(-1).tolist()
    for layer, lv in zip(d.layers, ev.layers):
        point[layer.kernel.first : layer.kernel.first + layer.kernel.size] = lv.kernel.reshape(-1).tolist()
        point[layer.bias.first] = lv.bias[()]
    for layer, lv in zip(d.layers, ev.layers):
        expanded = layer.expanded_elems
        assert [evaluate(p, point) for p in expanded["forward"].reshape(-1)] == flat(lv.forward_values)
        for role, arr in expanded["grad"].items():
            assert [evaluate(p, point) for p in arr.reshape(-1)] == flat(lv.grad_values[role])
    doc = d.to_dict()
    assert set(doc["layers"][0]["expanded"]["grad"]) == {"input", "kernel", "bias"}
    assert "k_2_1_1" in doc["layers"][0]["expanded"]["grad"]["input"][0][0]


def test_expand_refuses_past_the_budget(cli) -> None:
    result = cli("chain", "--input", "16x16", "--kernel", "3x3", "--padding", "1", "--depth", "5",
                 "--expand")
    assert result.code == 2
    assert re.search(r"error: --expand would write about [\d,]+ expanded monomials \(up to 59,049 in "
                     r"one output", result.err)
    assert "--max-terms" in result.err
    # --max-terms sets the budget, both ways.
    assert cli("chain", "--input", "4x4", "--kernel", "3x3", "--padding", "1", "--expand",
               "--max-terms", "200").code == 2
    assert cli("chain", "--input", "3x3", "--kernel", "2x2", "--depth", "3", "--padding", "1",
               "--expand", "--max-terms", "100000").code == 0


# ---------------------------------------------------------------------------
# The checks can fail


def test_numeric_check_catches_a_wrong_layer_gradient() -> None:
    d = seed_chain(2)
    layer = d.layers[0]
    wrong = Poly(layer.grad_elems["kernel"].reshape(-1)[4])
    wrong.add_term((layer.kernel.first,), 1)
    layer.grad_elems["kernel"].reshape(-1)[4] = wrong
    ev = d.evaluate(x=SEED_X, k="ones", b=1)
    check = ev.checks[0]
    assert not check.holds and "∂output/∂k_1 entry (0, 4)" in check.mismatch  # ∂L/∂k_1[4]


def test_numeric_check_catches_a_wrong_incoming_gradient() -> None:
    d = seed_chain(3)
    layer = d.layers[2]  # its input gradient is d_2, the incoming gradient of layer 2
    arr = layer.grad_elems["input"].reshape(-1)
    arr[0] = Poly({(): 1})
    ev = d.evaluate(x=SEED_X, k="ones", b=1)
    assert not ev.checks[0].holds and "∂output/∂a_3 entry (0, 0)" in ev.checks[0].mismatch


def test_numeric_check_catches_a_wrong_loss_gradient_and_loss() -> None:
    d = seed_chain(2)
    arr = d.loss_grad_elems.reshape(-1)
    arr[0] = arr[0] + 1
    ev = d.evaluate(x=SEED_X, k="ones", b=1)
    assert not ev.checks[0].holds and "∂output/∂a_3 entry (0, 0)" in ev.checks[0].mismatch
    arr[0] = arr[0] - 1
    ev = d.evaluate(x=SEED_X, k="ones", b=1)
    target = np.zeros(ev.layers[-1].forward_values.shape, dtype=object)
    assert chain_module._numeric_check(d, ev, target).holds
    ev.forward_values[()] += 1
    check = chain_module._numeric_check(d, ev, target)
    assert not check.holds and check.mismatch == "the loss differs from the independent numeric pass"


def test_loss_check_catches_a_wrong_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = chain_module._loss_rule

    def halved(loss: str, u, v, n: int, **options):
        term, grad = rule(loss, u, v, n, **options)
        return term, grad / 2

    monkeypatch.setattr(chain_module, "_loss_rule", halved)
    d = gradsym.chain(input="3x3", kernel="2x2", depth=1)
    assert not d.checks[0].holds and d.checks[0].name == "loss_grad_equals_derivative"


def test_direct_check_catches_a_wrong_expansion() -> None:
    d = gradsym.chain(input="3x3", kernel="2x2", depth=2, expand=True)
    assert d.holds
    layer = d.layers[0]
    arr = layer.expanded_elems["grad"]["kernel"].reshape(-1)
    arr[0] = Poly()
    assert not chain_module._direct_check(d.layers).holds


# ---------------------------------------------------------------------------
# Python API and values


def test_python_api_in_each_layers_own_symbols() -> None:
    d = gradsym.chain(input="3x3", kernel="2x2", depth=2, bias=True, loss="mse")
    a, k, b = sympy.symbols("a_2_1_1 k_2_1_1 b_2")
    assert d.layers[1].forward[0, 0].coeff(k) == a
    assert b in d.layers[1].forward[0, 0].free_symbols
    assert d.layers[0].grad["bias"] == sum(sympy.symbols("d_1_1_1 d_1_1_2 d_1_2_1 d_1_2_2"))
    y, t = sympy.symbols("a_3_1_1 t_1_1")
    assert sympy.expand(d.loss_expression - (y - t) ** 2) == 0
    assert sympy.expand(d.loss_grad[0, 0] - 2 * (y - t)) == 0
    doc = d.to_dict()
    assert doc["symbols"]["kernel"][1][0] == ["k_2_1_1", "k_2_1_2"]
    assert doc["symbols"]["bias"] == ["b_1", "b_2"]
    assert doc["layers"][1]["symbols"]["upstream"] == [["d_2_1_1"]]
    assert "numeric" not in doc
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc and loaded.holds


def test_values_once_per_layer_or_for_every_layer() -> None:
    d = gradsym.chain(input="4x4", kernel="2x2", depth=3, bias=True, x="arange",
                      k="[[[1,0],[0,1]],[[2,0],[0,2]],[[1,1],[1,1]]]", b="1,2,3", target="ones")
    ev = d.numeric
    assert [lv.kernel.tolist() for lv in ev.layers] == [[[1, 0], [0, 1]], [[2, 0], [0, 2]], [[1, 1], [1, 1]]]
    assert [lv.bias[()] for lv in ev.layers] == [1, 2, 3]
    assert d.holds
    r = gradsym.chain(input="4x4", kernel="2x2", depth=3, x="arange", k="random", seed=5).numeric
    assert r.layers[0].kernel.tolist() != r.layers[1].kernel.tolist() or \
        r.layers[1].kernel.tolist() != r.layers[2].kernel.tolist()
    same = gradsym.chain(input="4x4", kernel="2x2", depth=2, x="arange", k="arange").numeric
    assert same.layers[0].kernel.tolist() == same.layers[1].kernel.tolist() == [[1, 2], [3, 4]]


def test_decimals_stay_exact_and_print_as_decimals(cli) -> None:
    result = cli("chain", "--input", "3x3", "--kernel", "2x2", "--depth", "2", "--x", "arange",
                 "--k", "0.5,0.25,0,1", "--target", "ones", "--loss", "mse", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["numeric"]["layers"][0]["forward"][0] == [6, 7.75]  # 2·0.5 + 3·0.25 + 6
    assert isinstance(doc["numeric"]["forward"], float)


def test_channels_with_groups_and_batch() -> None:
    d = gradsym.chain(input="4x4", kernel="2x2", depth=2, in_channels=2, out_channels=2, groups=2,
                      batch=2, bias=True, x="random", k="random", b="random", seed=1)
    assert d.holds
    assert d.layers[1].kernel.names()[1][0][0] == ["k_2_2_1_1_1", "k_2_2_1_1_2"]
    assert d.config["in_channels"] == d.config["out_channels"] == 2
    # One channel count given: the other follows it.
    assert gradsym.chain(input="4x4", kernel="2x2", in_channels=3).config["out_channels"] == 3


# ---------------------------------------------------------------------------
# Bad input: one line, exit 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--loss", "huber"], r"--loss must be one of l1, mse, got 'huber'"),
        (["--x", "arange", "--k", "ones", "--target", "1,2,3"],
         r"--target has 3 values but the tensor 4x4 needs 16"),
        (["--in-channels", "2", "--out-channels", "3"],
         r"--in-channels \(2\) and --out-channels \(3\) differ"),
        (["--depth", "0"], r"--depth must be a whole number ≥ 1, got 0"),
        (["--depth", "100"], r"--depth 100 is too large"),
        (["--depth", "x"], r"Invalid value for '--depth'"),
        (["--padding", "0", "--depth", "3"],
         r"layer 2 of --depth 3 reads the 2x2 output of layer 1: --kernel 3 .* smaller --depth"),
        (["--x", "arange", "--k", "1,2,3", "--depth", "3"],
         r"--k has 3 values .*; or give one per layer: 3 tensors of 3x3 \(27 values\)"),
        (["--x", "arange", "--k", "ones", "--b", "1,2,3"],
         r"--b has 3 values .*; or give one per layer: 2 tensors of one value \(2 values\)"),
        (["--x", "arange"], r"numeric evaluation needs --k"),
        (["--x", "arange", "--k", "ones", "--bias"], r"numeric evaluation needs --b"),
        (["--g", "ones"], r"No such option: --g"),
    ],
)
def test_bad_input(cli, args: list[str], message: str) -> None:
    base = ["--input", "4x4", "--kernel", "3x3"]
    if "--padding" not in args:
        base += ["--padding", "1"]
    result = cli("chain", *base, *args)
    assert result.code == 2, result.out
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert re.search(message, result.err), result.err
    assert "Traceback" not in result.err


def test_errors_are_gradsym_errors() -> None:
    with pytest.raises(SizeError):
        gradsym.chain(input="8x8", kernel="3x3", padding=1, depth=4, expand=True)
    with pytest.raises(GradsymError, match="input is required"):
        gradsym.chain(kernel="3x3")
    with pytest.raises(SpecError, match="unknown value option 'g'"):
        gradsym.chain(input="3x3", kernel="2x2").evaluate(x="arange", k="ones", g="ones")


def test_help_example_runs(cli) -> None:
    import shlex

    from gradsym.cli.chain import chain as command

    line = next(s for s in (command.__doc__ or "").splitlines() if "gradsym chain" in s)
    args = shlex.split(line.split("gradsym ", 1)[1])
    result = cli(*args, "--format", "json")
    assert result.code == 0, result.err
    assert [layer["grad"]["bias"] for layer in json.loads(result.out)["numeric"]["layers"]] == \
        ["169/4", "25/4", 1]
