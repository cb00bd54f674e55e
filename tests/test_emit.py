"""``--emit numpy|torch|jax``: the emitted modules run, self-check, and agree with PyTorch.

Each emitted module is written to a temporary folder and imported; its forward and
backward are compared with PyTorch's own conv/conv_transpose autograd on random
inputs (and JAX's ``jax.vjp`` of JAX's own ``lax`` convolution where it applies).
A few modules also run as ``python file.py`` so their ``__main__`` self-test is
exercised; a deliberately broken backward makes it exit 1.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import GradsymError
from tests.conftest import load_module, require, unformatted, write_module

torch = require("torch")
F = torch.nn.functional

def run_file(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    path = write_module(code, folder, "run")
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=300, cwd=folder)


# ---------------------------------------------------------------------------
# An independent oracle: PyTorch's own convolution, in PyTorch's layout


SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def torch_names(command: str, nd: int) -> dict[str, str]:
    sp = SPATIAL[nd]
    return {"input": f"NC{sp}", "kernel": f"{'IO' if command == 'deconv' else 'OI'}{sp}",
            "output": f"NC{sp}"}


def to_torch_layout(config: dict, command: str, role: str, arr: np.ndarray) -> np.ndarray:
    """An array in the command's layout (from the JSON "layouts" names) in PyTorch's."""
    nd = len(config["input"])
    if config["layout"] == "plain":
        arr = arr[None, None]
    elif config["convention"] != "torch":
        name = config["layouts"][role]
        arr = np.transpose(arr, [name.index(c) for c in torch_names(command, nd)[role]])
    if role == "kernel" and command == "deconv" and config["convention"] == "jax":
        arr = np.flip(arr, axis=tuple(range(2, 2 + nd)))  # lax.conv_transpose: kernel as given
    return arr.copy()  # fresh strides: torch.tensor rejects negative ones


def from_torch_layout(config: dict, command: str, role: str, arr: np.ndarray) -> np.ndarray:
    nd = len(config["input"])
    if role == "kernel" and command == "deconv" and config["convention"] == "jax":
        arr = np.flip(arr, axis=tuple(range(2, 2 + nd)))
    if config["layout"] == "plain":
        return arr[0, 0].copy()
    if config["convention"] != "torch":
        name = torch_names(command, nd)[role]
        arr = np.transpose(arr, [name.index(c) for c in config["layouts"][role]])
    return arr


def torch_oracle(config: dict, command: str, x, w, b, g):
    """(y, grad_x, grad_w, grad_b) from F.conv / F.conv_transpose and autograd, float64."""
    nd = len(config["input"])
    xt = torch.tensor(to_torch_layout(config, command, "input", x), requires_grad=True)
    wt = torch.tensor(to_torch_layout(config, command, "kernel", w), requires_grad=True)
    bt = torch.tensor(np.reshape(b, (-1,)), requires_grad=True) if b is not None else None
    pads = config["padding"]
    if command == "conv":
        flat = [side for pair in reversed(pads) for side in pair]
        y = getattr(F, f"conv{nd}d")(F.pad(xt, flat), wt, bt, stride=config["stride"],
                                      dilation=config["dilation"], groups=config["groups"])
    else:
        full = getattr(F, f"conv_transpose{nd}d")(
            xt, wt, None, stride=config["stride"], dilation=config["dilation"],
            groups=config["groups"])
        if any(a < 0 or b_ < 0 for a, b_ in pads):  # JAX's padding beyond d(k−1): zeros grow y
            ends = [n + a - m for n, (a, _), m in zip(config["output"], pads, full.shape[2:])]
            flat = [side for (a, _), e in reversed(list(zip(pads, ends))) for side in (-a, e)]
            y = F.pad(full, flat)
            if bt is not None:
                y = y + bt.reshape((1, -1) + (1,) * nd)
        elif all(a == b_ for a, b_ in pads):
            y = getattr(F, f"conv_transpose{nd}d")(
                xt, wt, bt, stride=config["stride"], padding=[a for a, _ in pads],
                output_padding=config["output_padding"], dilation=config["dilation"],
                groups=config["groups"])
        else:  # uneven padding (TensorFlow/JAX `same`): crop the full result by hand
            index = (slice(None), slice(None)) + tuple(
                slice(a, a + n) for (a, _), n in zip(pads, config["output"]))
            shape = (*full.shape[:2], *config["output"])
            y = full.new_zeros(shape)
            avail = full[index]
            y[(slice(None), slice(None)) + tuple(slice(0, n) for n in avail.shape[2:])] = avail
            if bt is not None:
                y = y + bt.reshape((1, -1) + (1,) * nd)
    gt = torch.tensor(to_torch_layout(config, command, "output", g))
    assert tuple(y.shape) == tuple(gt.shape)
    grads = torch.autograd.grad(y, [t for t in (xt, wt, bt) if t is not None], gt)
    out = [from_torch_layout(config, command, "output", y.detach().numpy()),
           from_torch_layout(config, command, "input", grads[0].numpy()),
           from_torch_layout(config, command, "kernel", grads[1].numpy())]
    out.append(grads[2].numpy().reshape(np.shape(b)) if b is not None else None)
    return out


def shapes(d: gradsym.Derivation) -> dict[str, tuple[int, ...]]:
    doc = d.to_dict()["symbols"]
    return {role: np.array(doc[role], dtype=object).shape for role in doc}


# ---------------------------------------------------------------------------
# Configurations


@st.composite
def conv_configs(draw: st.DrawFn) -> tuple[str, dict]:
    command = draw(st.sampled_from(["conv", "deconv"]))
    nd = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    convention = draw(st.sampled_from(["torch", "torch", "tensorflow", "jax"]))
    word = draw(st.sampled_from([None, None, "same", "valid"]))
    limit = 5 if nd < 3 else 3
    if word is None:
        padding: Any = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        base = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, padding)]
    else:
        padding = word
        base = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    spatial = tuple(draw(st.integers(b, b + limit)) for b in base)
    if command == "deconv":
        spatial = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        if convention == "jax" and word is None:  # JAX's padding may reach beyond d(k−1)
            padding = tuple(draw(st.integers(0, 4)) for _ in range(nd))
    options: dict[str, Any] = dict(stride=stride, padding=padding, dilation=dilation,
                                   bias=draw(st.booleans()), convention=convention)
    if command == "deconv" and word is None and convention == "torch":
        options["output_padding"] = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    if draw(st.booleans()):
        groups = draw(st.integers(1, 2))
        options.update(groups=groups, in_channels=groups * draw(st.integers(1, 2)),
                       out_channels=groups * draw(st.integers(1, 2)),
                       batch=draw(st.integers(1, 2)))
    return command, dict(input=spatial, kernel=kernel, **options)


def derive(command: str, options: dict) -> gradsym.Derivation | None:
    fn = gradsym.conv if command == "conv" else gradsym.deconv
    options = dict(options)
    spatial, kernel = options.pop("input"), options.pop("kernel")
    try:
        return fn(spatial, kernel, **options)
    except GradsymError:
        return None  # an invalid combination (e.g. `same` with a stride): nothing to emit


def compare_with_torch(d: gradsym.Derivation, framework: str, folder: Path, seed: int) -> None:
    module = load_module(d.to_code(framework), folder)
    rng = np.random.default_rng(seed)
    sh = shapes(d)
    x = rng.standard_normal(sh["input"])
    w = rng.standard_normal(sh["kernel"])
    b = rng.standard_normal(sh["bias"]) if "bias" in sh else None
    g = rng.standard_normal(sh["upstream"])
    expected = torch_oracle(d.config, d.command, x, w, b, g)
    if framework == "torch":
        args = [torch.tensor(v) if v is not None else None for v in (x, w, b)]
        y = module.forward(*args).detach().numpy()
        grads = module.backward(torch.tensor(g), *args)
        grads = [t.detach().numpy() if t is not None else None for t in grads]
    elif framework == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        args = [jnp.asarray(v) if v is not None else None for v in (x, w, b)]
        y = np.asarray(module.forward(*args))
        grads = [np.asarray(t) if t is not None else None
                 for t in module.backward(jnp.asarray(g), *args)]
    else:
        y = module.forward(x, w, b)
        grads = list(module.backward(g, x, w, b))
    np.testing.assert_allclose(y, expected[0], atol=1e-10, rtol=1e-10)
    for got, want in zip(grads, expected[1:]):
        if want is None:
            assert got is None
            continue
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, atol=1e-10, rtol=1e-10)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=conv_configs(), framework=st.sampled_from(["numpy", "torch", "jax"]),
       seed=st.integers(0, 2**16))
def test_conv_modules_match_pytorch(case: tuple[str, dict], framework: str, seed: int,
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    d = derive(*case)
    if d is None:
        return
    if framework == "jax":
        require("jax")
    compare_with_torch(d, framework, tmp_path_factory.mktemp("emit"), seed)


# A handful of subprocess runs (each starts the framework: ~2 s); the rest runs in-process.
@pytest.mark.parametrize("command, options, framework", [
    ("conv", dict(input=(4, 4), kernel=(2, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                  groups=2, in_channels=2, out_channels=2, batch=1, bias=True), "torch"),
    ("deconv", dict(input=(3,), kernel=(3,), stride=(3,), dilation=(2,), output_padding=(1,),
                    padding=(1,), bias=True), "numpy"),
    ("deconv", dict(input=(2, 2, 1), kernel=(2, 2, 1), stride=2, padding="same",
                    in_channels=2, out_channels=2, convention="jax", bias=True), "jax"),
    ("conv", dict(input=(6,), kernel=(2,), padding="same", convention="tensorflow",
                  in_channels=1, out_channels=2), "torch"),
])
def test_self_test_passes(command: str, options: dict, framework: str, tmp_path: Path) -> None:
    if framework == "jax":
        require("jax")
    d = derive(command, options)
    assert d is not None
    result = run_file(d.to_code(framework), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\n") == 1 and "OK" in result.stdout


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_broken_backward_fails_the_self_test(framework: str, tmp_path: Path) -> None:
    code = gradsym.conv((4, 4), (2, 2), stride=2, bias=True).to_code(framework)
    line = "    grad_weight = kernel_correlate(pad(x, PADDING), g)\n"
    assert line in code
    broken = code.replace(line, line + "    grad_weight = 1.01 * grad_weight\n")
    result = run_file(broken, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout


def test_emitted_code_imports_only_the_framework() -> None:
    d = gradsym.deconv((3, 3), (2, 2), stride=2, in_channels=2, out_channels=2, convention="tensorflow")
    allowed = {"numpy": {"sys", "numpy"}, "torch": {"sys", "torch", "torch.nn.functional"},
               "jax": {"sys", "jax", "jax.numpy"}}
    for framework, names in allowed.items():
        tree = ast.parse(d.to_code(framework))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        imported.discard("jax")  # `from jax import lax`
        assert not any(n.startswith("gradsym") for n in imported)
        assert imported <= names | {"jax"}, imported


def test_emitted_code_is_deterministic_and_records_the_command(cli: Any) -> None:
    args = ("conv", "--input", "4x4", "--kernel", "2x2", "--stride", "2", "--emit", "torch")
    first, second = cli(*args), cli(*args)
    assert first.code == 0 and first.out == second.out
    assert "Produced by: gradsym conv --input 4x4 --kernel 2x2 --stride 2 --emit torch" in first.out
    assert '"stride": [2, 2]' in first.out
    compile(first.out, "<emitted>", "exec")


def test_emit_writes_a_py_file(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "conv_grad.py"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--emit", "numpy", "--output", str(target))
    assert result.code == 0 and result.out == ""
    assert target.read_text(encoding="utf-8") == gradsym.conv((3, 3), (2, 2)).to_code(
        "numpy", command_line=f"gradsym conv --input 3x3 --kernel 2x2 --emit numpy --output {target}")


@pytest.mark.parametrize(("args", "message"), [
    (("--emit", "tensorflow"), "--emit must be one of numpy, torch, jax"),
    (("--emit", "numpy", "--output", "x.json"), "use a name ending in .py"),
    (("--emit", "numpy", "--format", "json"), "--format does not apply to --emit"),
])
def test_bad_emit_options(cli: Any, args: tuple[str, ...], message: str) -> None:
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", *args)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("error: ") and message in result.err
    assert result.err.count("\n") == 1


def test_emit_needs_concrete_sizes(cli: Any) -> None:
    result = cli("conv", "--general", "--emit", "numpy")
    assert result.code == 2 and "--emit needs concrete sizes" in result.err


FORMATTED = [
    lambda: gradsym.deconv((3, 2), (2, 2), stride=2, padding="same", in_channels=2, out_channels=4,
                           convention="tensorflow", bias=True),
    lambda: gradsym.softmax(classes=3, loss="ce", target="1"),
    lambda: gradsym.rnn(steps=2, input_size=1, hidden=2),
    lambda: gradsym.groupnorm("2x4", 2),
    lambda: gradsym.layernorm("2x3"),
    lambda: gradsym.attention(seq=2, dim=2),
    lambda: gradsym.upsample(input="3x3", scale=2, mode="bilinear"),
    lambda: gradsym.matrix("(X*w - y).T*(X*w - y)", ["X=3x2", "w=2x1", "y=3x1"]),
    lambda: gradsym.expr("sum(a*a) + sum(exp(a))", ["a=2"]),
    # long lines: a one-hot table, element-wise closed forms, whole networks, JAX's padding
    lambda: gradsym.softmax(classes=6, batch=3, loss="ce", target="1,2,5"),
    lambda: gradsym.matrix("sum(exp(A .* B) ./ (1 + A .* A))", ["A=3x4", "B=3x4"]),
    lambda: gradsym.matrix("sum(tanh(W2*tanh(W1*x + b1) + b2))",
                           ["W1=4x3", "x=3x1", "b1=4x1", "W2=2x4", "b2=2x1"]),
    lambda: gradsym.net(input="1x2x8", layers="conv 3x3 pad 1 bias, relu, maxpool 2, conv 2x2 "
                        "stride 2 bias, tanh, flatten, linear 3, relu, linear 2 nobias, softmax_ce"),
    lambda: gradsym.net(input="1x1x5x5", layers="deconv 2x2x2 stride 2 pad 1 bias, batchnorm, "
                        "avgpool 2 stride 1, sigmoid, conv 1x3x3 bias, flatten, linear 1, mse"),
    lambda: gradsym.deconv((2, 3), (2, 2), stride=2, padding=3, convention="jax", bias=True),
    lambda: gradsym.pool(input="4x4", size=2, mode="max", in_channels=2, batch=2),
    lambda: gradsym.pool(input="4x4x4", size=2, mode="avg", padding=1),
    lambda: gradsym.linear(in_features=7, out_features=5, batch=3, bias=True),
    lambda: gradsym.mlp(layers="6,5,4,3", activation="tanh"),
    lambda: gradsym.batchnorm(batch=4, features=3),
    lambda: gradsym.chain(input="6x6", kernel="3x3", depth=3, padding=1),
]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=conv_configs(), framework=st.sampled_from(["numpy", "torch", "jax"]))
def test_random_conv_modules_are_formatted(case: tuple[str, dict], framework: str) -> None:
    d = derive(*case)
    if d is not None:
        assert unformatted(d.to_code(framework)) == ""


@pytest.mark.parametrize("build", FORMATTED)
def test_emitted_code_is_formatted(build: Any) -> None:
    d = build()
    for framework in ("numpy", "torch", "jax"):
        assert unformatted(d.to_code(framework)) == ""


# ---------------------------------------------------------------------------
# linear, pool, batchnorm


def call_module(module: Any, framework: str, args: list, grad_output: np.ndarray):
    """forward(*args) and backward(grad_output, *args) of an emitted module, as NumPy."""
    if framework == "torch":
        conv = [torch.tensor(a) if a is not None else None for a in args]
        y = module.forward(*conv).detach().numpy()
        grads = module.backward(torch.tensor(grad_output), *conv)
    elif framework == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        conv = [jnp.asarray(a) if a is not None else None for a in args]
        y = np.asarray(module.forward(*conv))
        grads = module.backward(jnp.asarray(grad_output), *conv)
    else:
        y = module.forward(*args)
        grads = module.backward(grad_output, *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    return y, [None if g is None else np.asarray(g.detach() if hasattr(g, "detach") else g)
               for g in grads]


def torch_autograd(fn: Any, args: list, grad_output: np.ndarray):
    tensors = [torch.tensor(a, requires_grad=True) if a is not None else None for a in args]
    y = fn(*tensors)
    used = [t for t in tensors if t is not None]
    grads = iter(torch.autograd.grad(y, used, torch.tensor(grad_output)))
    return y.detach().numpy(), [next(grads).numpy() if t is not None else None for t in tensors]


def assert_same(got: tuple, want: tuple) -> None:
    np.testing.assert_allclose(got[0], want[0], atol=1e-10, rtol=1e-10)
    for g, w in zip(got[1], want[1]):
        if w is None:
            assert g is None
        else:
            assert np.shape(g) == np.shape(w)
            np.testing.assert_allclose(g, w, atol=1e-9, rtol=1e-9)


FRAMEWORK = st.sampled_from(["numpy", "torch", "jax"])


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(n_in=st.integers(1, 4), n_out=st.integers(1, 4), batch=st.integers(1, 3),
       bias=st.booleans(), framework=FRAMEWORK, seed=st.integers(0, 2**16))
def test_linear_modules_match_pytorch(n_in: int, n_out: int, batch: int, bias: bool,
                                      framework: str, seed: int,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    if framework == "jax":
        require("jax")
    d = gradsym.linear(in_features=n_in, out_features=n_out, batch=batch, bias=bias)
    module = load_module(d.to_code(framework), tmp_path_factory.mktemp("emit"))
    rng = np.random.default_rng(seed)
    args = [rng.standard_normal((batch, n_in)), rng.standard_normal((n_out, n_in)),
            rng.standard_normal(n_out) if bias else None]
    g = rng.standard_normal((batch, n_out))
    assert_same(call_module(module, framework, args, g), torch_autograd(F.linear, args, g))


@st.composite
def pool_configs(draw: st.DrawFn) -> dict:
    nd = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["max", "avg"]))
    size = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if mode == "max" else (1,) * nd
    padding = tuple(draw(st.integers(0, k // 2)) for k in size)
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    spatial = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), d * (k - 1) + 4))
                    for k, d, p in zip(size, dilation, padding))
    options = dict(input=spatial, size=size, stride=stride, padding=padding, dilation=dilation,
                   ceil_mode=draw(st.booleans()), mode=mode)
    if draw(st.booleans()):
        options.update(in_channels=draw(st.integers(1, 2)), batch=draw(st.integers(1, 2)))
    return options


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(options=pool_configs(), framework=FRAMEWORK, seed=st.integers(0, 2**16))
def test_pool_modules_match_pytorch(options: dict, framework: str, seed: int,
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    if framework == "jax":
        require("jax")
    try:
        d = gradsym.pool(**options)
    except GradsymError:
        return
    cfg = d.config
    module = load_module(d.to_code(framework), tmp_path_factory.mktemp("emit"))
    rng = np.random.default_rng(seed)
    channels = cfg["layout"] == "channels"
    shape = (cfg["batch"], cfg["in_channels"], *cfg["input"]) if channels else tuple(cfg["input"])
    out = (cfg["batch"], cfg["in_channels"], *cfg["output"]) if channels else tuple(cfg["output"])
    # small integers make ties, so PyTorch's first-max rule is exercised
    x = rng.integers(-2, 3, size=shape).astype(np.float64)
    g = rng.standard_normal(out)
    nd = len(cfg["input"])

    def reference(t):
        t = t if channels else t[None, None]
        pads = [a for a, _ in cfg["padding"]]
        if cfg["mode"] == "max":
            y = getattr(F, f"max_pool{nd}d")(t, cfg["size"], cfg["stride"], pads, cfg["dilation"],
                                             ceil_mode=cfg["ceil_mode"])
        else:
            y = getattr(F, f"avg_pool{nd}d")(t, cfg["size"], cfg["stride"], pads,
                                             ceil_mode=cfg["ceil_mode"], count_include_pad=True)
        return y if channels else y[0, 0]

    # ties included: the emitted backward routes them to the first maximum, as PyTorch does
    assert_same(call_module(module, framework, [x], g), torch_autograd(reference, [x], g))


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.integers(2, 4), features=st.integers(1, 3), framework=FRAMEWORK,
       seed=st.integers(0, 2**16))
def test_batchnorm_modules_match_pytorch(batch: int, features: int, framework: str, seed: int,
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    if framework == "jax":
        require("jax")
    d = gradsym.batchnorm(batch=batch, features=features)
    module = load_module(d.to_code(framework), tmp_path_factory.mktemp("emit"))
    rng = np.random.default_rng(seed)
    args = [rng.standard_normal((batch, features)), rng.standard_normal(features),
            rng.standard_normal(features)]
    g = rng.standard_normal((batch, features))

    def reference(x, gamma, beta):
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)

    assert_same(call_module(module, framework, args, g), torch_autograd(reference, args, g))


@pytest.mark.parametrize(("args", "framework"), [
    (("pool", "--input", "5x4", "--size", "3x2", "--stride", "2", "--padding", "1",
      "--ceil-mode"), "torch"),
    (("batchnorm", "--batch", "3", "--features", "2"), "jax"),
    (("linear", "--in-features", "3", "--out-features", "2", "--batch", "2", "--bias"), "numpy"),
])
def test_layer_self_tests_pass(cli: Any, args: tuple[str, ...], framework: str,
                               tmp_path: Path) -> None:
    if framework == "jax":
        require("jax")
    result = cli(*args, "--emit", framework)
    assert result.code == 0
    run = run_file(result.out, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK" in run.stdout


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(widths=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       activation=st.sampled_from(["none", "relu", "sigmoid", "tanh"]), bias=st.booleans(),
       framework=FRAMEWORK, seed=st.integers(0, 2**16))
def test_mlp_modules_match_pytorch(widths: list[int], activation: str, bias: bool, framework: str,
                                   seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    if framework == "jax":
        require("jax")
    d = gradsym.mlp(layers=",".join(map(str, widths)), activation=activation, bias=bias)
    module = load_module(d.to_code(framework), tmp_path_factory.mktemp("emit"))
    rng = np.random.default_rng(seed)
    args = [rng.standard_normal(widths[0])]
    for n_in, n_out in zip(widths, widths[1:]):
        args.append(rng.standard_normal((n_in, n_out)))
        if bias:
            args.append(rng.standard_normal(n_out))
    out_shape = tuple(d.config["output"])
    g = rng.standard_normal(out_shape)
    phi = {"none": lambda z: z, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}

    def reference(x, *params):  # nn.Linear layers with weight Wᵀ, PyTorch's own activations
        step = 2 if bias else 1
        a = x
        for i in range(0, len(params), step):
            a = F.linear(a, params[i].T, params[i + 1] if bias else None)
            if i + step < len(params):
                a = phi[activation](a)
        return a.reshape(out_shape)

    assert_same(call_module(module, framework, args, g), torch_autograd(reference, args, g))


# ---------------------------------------------------------------------------
# matrix: value and gradient from the closed forms, against gradsym's exact numbers

MATRIX_CASES = [
    ("(X*w - y).T*(X*w - y)", ["X=3x2", "w=2x1", "y=3x1"], ["X", "w", "y"]),
    ("trace(inv(A)*B) + log(det(A)) + x.T*A*x", ["A=2x2", "B=2x2", "x=2"], ["A", "B", "x"]),
    ("sum(hadamard(A, B)) + norm(A) * s + s**3 - trace(A*B.T*A*B.T)", ["A=2x3", "B=2x3", "s=scalar"],
     ["A", "s"]),
    ("exp(s*trace(X.T*X)) / 7 + sigmoid(x.T*x) + beta*sum(X**2) + tanh(beta)",
     ["X=2x2", "x=2", "s=scalar", "beta=scalar"], ["X", "x", "s", "beta"]),
]


def _values(shapes: list[str], rng: np.random.Generator) -> tuple[list[str], dict]:
    at, arrays = [], {}
    for item in shapes:
        name, shape_text = item.split("=")
        shape = () if shape_text == "scalar" else tuple(int(v) for v in shape_text.split("x"))
        values = rng.integers(1, 4, size=shape).astype(float) / 4
        if len(shape) == 2 and shape[0] == shape[1]:
            values = values + 2 * np.eye(shape[0])
        arrays[name] = values
        at.append(f"{name}={values.tolist()}")
    return at, arrays


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax"])
@pytest.mark.parametrize(("expression", "shapes", "wrt"), MATRIX_CASES)
def test_matrix_modules_match_exact_numbers(expression: str, shapes: list[str], wrt: list[str],
                                            framework: str, tmp_path: Path) -> None:
    if framework == "jax":
        require("jax")
        import jax

        jax.config.update("jax_enable_x64", True)
    at, arrays = _values(shapes, np.random.default_rng(len(expression)))
    d = gradsym.matrix(expression, shapes, wrt, at)
    doc = d.to_dict()
    module = load_module(d.to_code(framework), tmp_path)
    assert module.EXPRESSION == expression and module.WRT == tuple(wrt)
    if framework == "torch":
        tensors = {n: torch.tensor(v) for n, v in arrays.items()}
    elif framework == "jax":
        import jax.numpy as jnp

        tensors = {n: jnp.asarray(v) for n, v in arrays.items()}
    else:
        tensors = dict(arrays)

    def exact(value: Any) -> Any:
        import sympy

        if isinstance(value, list):
            return np.array([exact(v) for v in value], dtype=float)
        return float(sympy.sympify(value))

    assert float(module.value(**tensors)) == pytest.approx(float(exact(doc["numeric"]["forward"])),
                                                           rel=1e-10)
    grads = module.gradient(**tensors)
    assert list(grads) == wrt
    for name in wrt:
        want = exact(doc["gradients"][name]["numeric"])
        got = np.asarray(grads[name])
        assert got.shape == np.shape(arrays[name])
        np.testing.assert_allclose(got, np.reshape(want, got.shape), rtol=1e-10, atol=1e-12)


def test_matrix_self_test_runs(cli: Any, tmp_path: Path) -> None:
    result = cli("matrix", "trace(inv(A)*B) + log(det(A))", "--shape", "A=3x3", "--shape", "B=3x3",
                 "--wrt", "A", "--wrt", "B", "--emit", "torch")
    assert result.code == 0
    run = run_file(result.out, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("matrix", "X*w", "--shape", "X=2x2", "--shape", "w=2x1", "--wrt", "X"), "not a scalar"),
    (("matrix", "trace(X)**trace(X)", "--shape", "X=2x2", "--wrt", "X"),
     "no closed matrix form"),
    (("sizes", "--input", "5", "--kernel", "3"), "--emit is not available for sizes"),
])
def test_emit_without_closed_forms_is_an_error(cli: Any, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, "--emit", "numpy")
    assert result.code == 2 and result.out == "" and message in result.err
    assert result.err.startswith("error: ") and result.err.count("\n") == 1


# ---------------------------------------------------------------------------
# chain: the loss of a stack of convolutions, layer by layer


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(nd=st.integers(1, 2), depth=st.integers(1, 3), loss=st.sampled_from(["l1", "mse"]),
       stride=st.integers(1, 2), padding=st.integers(0, 1), channels=st.booleans(),
       bias=st.booleans(), framework=FRAMEWORK, seed=st.integers(0, 2**16))
def test_chain_modules_match_pytorch(nd: int, depth: int, loss: str, stride: int, padding: int,
                                     channels: bool, bias: bool, framework: str, seed: int,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    if framework == "jax":
        require("jax")
    options: dict[str, Any] = dict(depth=depth, loss=loss, stride=stride, padding=padding,
                                   bias=bias)
    if channels:
        options.update(in_channels=2, out_channels=2, batch=2)
    try:
        d = gradsym.chain((7,) * nd, (2,) * nd, **options)
    except GradsymError:
        return
    module = load_module(d.to_code(framework), tmp_path_factory.mktemp("emit"))
    sh = shapes(d)
    rng = np.random.default_rng(seed)
    args = [rng.standard_normal(sh["input"]), rng.standard_normal(sh["kernel"]),
            rng.standard_normal(sh["bias"]) if bias else None, rng.standard_normal(sh["target"])]
    g = np.array(1.5)

    def reference(x, kernel, b, target):
        a = x if channels else x[None, None]
        for layer in range(depth):
            w = kernel[layer] if channels else kernel[layer][None, None]
            bl = None if b is None else (b[layer] if channels else b[layer].reshape(1))
            a = getattr(F, f"conv{nd}d")(a, w, bl, stride=stride, padding=padding)
        t = target if channels else target[None, None]
        return (F.l1_loss if loss == "l1" else F.mse_loss)(a, t)

    assert_same(call_module(module, framework, args, g), torch_autograd(reference, args, g))


# ---------------------------------------------------------------------------
# Long assignments computed in parts (writer.split_long_assignments)

_LEAVES = st.sampled_from(["a", "b", "c_1_2", "2", "0.5", "np.e"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})" if t[1] != "**" else f"({t[0]} ** (1 / 3))")
        calls = st.tuples(st.sampled_from(["np.exp", "np.tanh", "np.sin", "f"]), inner).map(
            lambda t: f"{t[0]}({t[1]})")
        return st.one_of(binary, calls, inner.map(lambda x: f"-{x}"))

    part = st.recursive(_LEAVES, extend, max_leaves=12)
    chain = st.lists(st.tuples(st.sampled_from([" + ", " - ", " * ", " / "]), part),
                     min_size=6, max_size=16)
    return st.tuples(part, chain).map(lambda t: t[0] + "".join(op + p for op, p in t[1]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_expressions())
def test_long_assignments_are_split_into_equal_formatted_parts(expression: str) -> None:
    from gradsym.render.emit.writer import split_long_assignments

    code = f"def g(a, b, c_1_2):\n    y = {expression}\n    return y\n"
    assume(len(expression) > 100)  # shorter lines are left as they are
    split = split_long_assignments(code)
    assert split != code and all(len(line) <= 100 for line in split.splitlines())
    env: dict[str, Any] = {"np": np, "f": lambda v: v / (1 + abs(v))}
    exec(code, env)  # noqa: S102  (a generated test expression)
    try:
        want = env["g"](0.3, 0.7, 1.1)
    except (ArithmeticError, ValueError):  # x / 0 and the like: nothing to compare
        assume(False)
    exec(split, env)  # noqa: S102
    got = env["g"](0.3, 0.7, 1.1)
    assert (np.isnan(want) and np.isnan(got)) or got == pytest.approx(want, rel=1e-12)
    assert unformatted(split) == ""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_expressions())
def test_parts_are_reused_only_while_their_names_are_unchanged(expression: str) -> None:
    """The same long expression twice, once before and once after ``a`` changes (and once
    more after it): shared parts are computed once, and none of them goes stale."""
    from gradsym.render.emit.writer import split_long_assignments

    assume(len(expression) > 100)
    code = (f"def g(a, b, c_1_2):\n    y = {expression}\n    w = {expression}\n"
            f"    a = a + 1\n    z = {expression}\n    return y, w, z\n")
    split = split_long_assignments(code)
    env: dict[str, Any] = {"np": np, "f": lambda v: v / (1 + abs(v))}
    try:
        exec(code, env)  # noqa: S102  (a generated test expression)
        want = env["g"](0.3, 0.7, 1.1)
    except (ArithmeticError, ValueError):
        assume(False)
    exec(split, env)  # noqa: S102
    got = env["g"](0.3, 0.7, 1.1)
    lines = split.splitlines()
    y = next(line for line in lines if line.startswith("    y = "))
    w = next(line for line in lines if line.startswith("    w = "))
    assert w == "    w" + y[5:]  # w reuses every part of y: nothing computed twice
    assert all(len(line) <= 100 for line in lines)
    for g, w in zip(got, want):
        assert (np.isnan(w) and np.isnan(g)) or g == pytest.approx(w, rel=1e-12)
