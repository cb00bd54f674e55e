"""Emitted code for ``net``: the whole network's forward pass, loss and derived backward pass.

The layers are rebuilt from the configuration (``input`` and ``layers``), so a
derivation read back from JSON emits the same module. Each layer is written with
the rule gradsym derives for it (:mod:`gradsym.layers.net_numeric`): the conv and
deconv layers reuse the convolution module's building blocks (the input gradient
as the full convolution with the 180°-rotated kernel, the kernel gradient as a
correlation), the pooling layers the pool module's gather/scatter-add.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from gradsym.errors import SpecError
from gradsym.layers.net_layers import NetLayer, build_layers
from gradsym.render.emit import writer
from gradsym.render.emit.conv import _building_blocks
from gradsym.render.emit.pool import _OPS
from gradsym.render.emit.writer import literal
from gradsym.spec.net import parse_net_input, parse_net_layers

_NP = {"numpy": "np", "torch": "torch", "jax": "jnp"}

_API = """\
forward(x, params, target) -> the loss (a number)
backward(x, params, target) -> dict of gradients of the loss: the keys of params, plus "input"
activations(x, params) -> [x, every layer's output up to the loss's input]
params is a dict keyed by PyTorch's state_dict names ("0.weight", "0.bias", …) with the
shapes in PARAMETER_SHAPES; target: {target}."""


_ORACLE = {
    "numpy": "central differences of the forward pass",
    "torch": "torch.autograd of the same network\nbuilt from torch.nn.functional's own layers (float64)",
    "jax": "jax.grad of the forward pass (jnp operations, float64)",
}


def _layers(config: dict[str, Any]) -> list[NetLayer]:
    if "input" not in config or "layers" not in config:
        raise SpecError("emit.net_layers")
    return build_layers(parse_net_input("x".join(map(str, config["input"]))),
                        parse_net_layers(config["layers"]))


def emit_net(d: Any, framework: str, command_line: str) -> str:
    layers = _layers(d.config)
    loss = layers[-1]
    nd = max((len(layer.in_shape) - 2 for layer in layers if layer.conv or layer.pool), default=0)
    target = ("class indices, an integer array of shape (N,)" if loss.kind == "softmax_ce"
              else f"an array of the loss input's shape {literal(loss.in_shape)}")
    shapes = {layer.param_name(role): shape for layer in layers for role, shape in layer.params.items()}
    constants = "# -- the network --\n" + writer.constants([
        ("INPUT_SHAPE", layers[0].in_shape, "x"),
        ("PARAMETER_SHAPES", _dict_literal({k: literal(v) for k, v in shapes.items()}), ""),
        ("LOSS", literal(loss.kind), "mean over the batch (and the elements)"),
        ("TARGET_SHAPE", loss.in_shape[:1] if loss.kind == "softmax_ce" else loss.in_shape, ""),
        ("EPS", 1e-05, "batch norm's ε (PyTorch's default)"),
        *([("DILATION", (1,) * nd, ""), ("GROUPS", 1, ""),
           ("SPATIAL_AXES", tuple(range(2, 2 + nd)), "in the layout (N, C, *spatial)")] if nd else []),
    ])
    blocks = []
    if any(layer.conv for layer in layers):
        blocks.append(_conv_blocks(nd, framework))
    if any(layer.pool for layer in layers):
        blocks.append(_pool_blocks(framework))
    tables = [_pool_table(i, layer, framework) for i, layer in enumerate(layers) if layer.pool]
    return writer.module(
        writer.header(title=f"Network (net, {len(layers)} layers, loss {loss.kind})", framework=framework,
                      command_line=command_line, config=d.config, api=_API.format(target=target),
                      oracle=_ORACLE[framework]),
        ("import itertools\n" if tables else "") + writer.imports(framework),
        constants,
        *blocks,
        *tables,
        _activations(layers, framework),
        _loss(loss, framework),
        _backward(layers, framework),
        _self_test(layers, framework),
    )


# ---------------------------------------------------------------------------
# Building blocks, reused from the conv and pool modules


def _conv_blocks(nd: int, framework: str) -> str:
    """conv's blocks with the per-layer stride and kernel size as arguments (the conv module
    reads them from its module constants; a network has one configuration per layer)."""
    text = _building_blocks(SimpleNamespace(nd=nd), framework)  # type: ignore[arg-type]
    head, tail = text.split("def full_correlate_rot180", 1)
    tail = "def full_correlate_rot180" + tail
    tail = tail.replace("def full_correlate_rot180(u, w, start, size):",
                        "def full_correlate_rot180(u, w, start, size, stride, kernel_size):")
    tail = tail.replace("def kernel_correlate(a, b):", "def kernel_correlate(a, b, stride, kernel_size):")
    tail = tail.replace("STRIDE", "stride").replace("KERNEL_SIZE", "kernel_size")
    return head + tail


def _pool_blocks(framework: str) -> str:
    ops = _OPS[framework].split("\nINDEX = ")[0]
    return "# -- pooling building blocks --\n\n\n" + ops.strip("\n") + '''


def window_index(size, window, stride):
    """index[p][q] = flat position of tap q of window p in the plane: s·p + q per axis."""
    rows = []
    for p in itertools.product(*(range((n - k) // s + 1) for n, k, s in zip(size, window, stride))):
        row = []
        for q in itertools.product(*(range(k) for k in window)):
            flat = 0
            for pi, qi, s, n in zip(p, q, stride, size):
                flat = flat * n + s * pi + qi
            row.append(flat)
        rows.append(row)
    return rows
'''


def _pool_table(i: int, layer: NetLayer, framework: str) -> str:
    assert layer.pool is not None
    array = {"numpy": "np.array", "torch": "torch.tensor", "jax": "jnp.array"}[framework]
    return (f"INDEX_{i} = {array}(window_index({literal(layer.in_shape[2:])}, "
            f"{literal(layer.pool.size)}, {literal(layer.pool.stride)}))  # layer {layer.number}: "
            f"{layer.spec.text}\n")


# ---------------------------------------------------------------------------
# Forward


def _sum(framework: str, axes: str, keep: bool = False) -> str:
    word = "dim" if framework == "torch" else "axis"
    extra = (", keepdim=True" if framework == "torch" else ", keepdims=True") if keep else ""
    return f".sum({word}={axes}{extra})"


def _bias_shape(layer: NetLayer) -> str:
    return literal((1, -1) + (1,) * (len(layer.out_shape) - 2))


def _forward_line(i: int, layer: NetLayer, framework: str) -> list[str]:
    """Statements computing ``y`` from ``u`` (the layer's input) and ``params``."""
    np_ = _NP[framework]
    kind = layer.kind
    w, b = f'params["{i}.weight"]', f'params["{i}.bias"]'
    if kind in ("conv", "deconv"):
        cfg = layer.conv
        assert cfg is not None
        stride, pad = literal(cfg.stride), literal(cfg.padding)
        if kind == "conv":
            lines = [f"y = correlate(pad(u, {pad}), {w}, {stride}, DILATION, GROUPS)"]
        else:
            start = literal(tuple(p for p, _ in cfg.padding))
            lines = [f"y = full_correlate_rot180(u, {w}, {start}, {literal(cfg.output)}, {stride}, "
                     f"{literal(cfg.kernel)})"]
        if "bias" in layer.params:
            lines.append(f"y = y + {b}.reshape({_bias_shape(layer)})")
        return lines
    if kind == "linear":
        lines = [f"y = u @ {w}.T"]
        if "bias" in layer.params:
            lines.append(f"y = y + {b}")
        return lines
    if kind == "relu":
        return [{"numpy": "y = np.maximum(u, 0)", "torch": "y = torch.relu(u)", "jax": "y = jax.nn.relu(u)"}[framework]]
    if kind == "sigmoid":
        return [f"y = 1 / (1 + {np_}.exp(-u))"]
    if kind == "tanh":
        return [f"y = {np_}.tanh(u)"]
    if kind in ("maxpool", "avgpool"):
        lines = [f"windows = gather(u.reshape(u.shape[0] * u.shape[1], -1), INDEX_{i})"]
        if kind == "avgpool":
            lines += ["# average pooling: y = Σ window / |window| (no padding)",
                      f"pooled = windows{_sum(framework, '-1')} / {math.prod(layer.pool.size) if layer.pool else 1}"]
        else:
            lines += ["# max pooling: y = the first largest tap of each window (PyTorch's tie rule)",
                      "pooled = (windows * one_hot_first_max(windows))" + _sum(framework, "-1")]
        lines.append(f"y = pooled.reshape({literal(layer.out_shape)})")
        return lines
    if kind == "batchnorm":
        return [f"x_hat, _ = normalize(u, {literal(_axes(layer))})",
                f'y = params["{i}.weight"].reshape({_bias_shape(layer)}) * x_hat + '
                f'params["{i}.bias"].reshape({_bias_shape(layer)})']
    assert kind == "flatten"
    return [f"y = u.reshape({literal(layer.out_shape)})"]


def _axes(layer: NetLayer) -> tuple[int, ...]:
    return (0, *range(2, len(layer.in_shape)))


def _activations(layers: list[NetLayer], framework: str) -> str:
    body = []
    for i, layer in enumerate(layers[:-1]):
        body.append(f"    # layer {layer.number}: {layer.spec.text}  {literal(layer.in_shape)} → "
                    f"{literal(layer.out_shape)}")
        body.append("    u = a[-1]")
        body.extend(f"    {line}" for line in _forward_line(i, layer, framework))
        body.append("    a.append(y)")
    keep = "keepdim=True" if framework == "torch" else "keepdims=True"
    word = "dim" if framework == "torch" else "axis"
    sqrt = f"{_NP[framework]}.sqrt"
    norm = ""
    if any(layer.kind == "batchnorm" for layer in layers):
        norm = f'''


def normalize(u, axes):
    """(x̂, σ): x̂ = (u − mean) / σ, σ = √(var + ε), the batch's biased variance (training mode)."""
    mean = u.mean({word}=axes, {keep})
    var = ((u - mean) ** 2).mean({word}=axes, {keep})
    sigma = {sqrt}(var + EPS)
    return (u - mean) / sigma, sigma'''
    return f'''# -- the forward pass, layer by layer (the layout (N, C, *spatial), as PyTorch) --{norm}


def activations(x, params):
    """[x, the output of every layer before the loss]: a[l] is layer l+1's input."""
    a = [x]
{chr(10).join(body)}
    return a
'''


def _loss(loss: NetLayer, framework: str) -> str:
    np_ = _NP[framework]
    if loss.kind == "softmax_ce":
        maxk = "z.max(dim=1, keepdim=True).values" if framework == "torch" else "z.max(axis=1, keepdims=True)"
        rows = ("torch.arange(z.shape[0])" if framework == "torch" else f"{np_}.arange(z.shape[0])")
        value = f'''    # L = (1/N) Σ_n [log Σ_k exp(z[n, k]) − z[n, t_n]]
    shifted = z - {maxk}
    log_sum = {np_}.log({np_}.exp(shifted){_sum(framework, "1")})
    return (log_sum - shifted[{rows}, target]).mean()'''
        slope = f'''    # ∂L/∂z = (softmax(z) − onehot(t)) / N
    shifted = z - {maxk}
    p = {np_}.exp(shifted)
    p = p / p{_sum(framework, "1", keep=True)}
    onehot = ({np_}.arange(z.shape[1])[None, :] == target[:, None]){".to(z.dtype)" if framework == "torch" else ".astype(z.dtype)"}
    return (p - onehot) / z.shape[0]'''
    elif loss.kind == "mse":
        value = "    # L = mean((z − t)²)\n    return ((z - target) ** 2).mean()"
        slope = "    # ∂L/∂z = 2(z − t) / count\n    return 2 * (z - target) / z.numel()" if framework == "torch" \
            else "    # ∂L/∂z = 2(z − t) / count\n    return 2 * (z - target) / z.size"
    else:
        value = f"    # L = mean(|z − t|)\n    return {np_}.abs(z - target).mean()"
        count = "z.numel()" if framework == "torch" else "z.size"
        slope = f"    # ∂L/∂z = sign(z − t) / count (sign(0) = 0, as PyTorch)\n    return {np_}.sign(z - target) / {count}"
    return f'''# -- the loss ({loss.kind}) and its gradient --
def loss_value(z, target):
{value}


def loss_slope(z, target):
{slope}


def forward(x, params, target):
    """The loss of the network at x, params and target."""
    return loss_value(activations(x, params)[-1], target)
'''


# ---------------------------------------------------------------------------
# Backward


def _backward_lines(i: int, layer: NetLayer, framework: str) -> list[str]:
    """Statements: from g = ∂L/∂y (and u, y), the parameter gradients and g = ∂L/∂u."""
    np_ = _NP[framework]
    kind = layer.kind
    w = f'params["{i}.weight"]'
    if kind in ("conv", "deconv"):
        cfg = layer.conv
        assert cfg is not None
        stride, pad, kernel = literal(cfg.stride), literal(cfg.padding), literal(cfg.kernel)
        start = literal(tuple(p for p, _ in cfg.padding))
        axes = literal((0, *range(2, len(layer.out_shape))))
        lines = []
        if "bias" in layer.params:
            lines += ["# the bias is added to every output: ∂L/∂b[o] = Σ_{n,p} g[n, o, p]",
                      f'grads["{i}.bias"] = g{_sum(framework, axes)}']
        if kind == "conv":
            lines += [
                "# grad_kernel_equals_conv_input_upstream: ∂L/∂w[o, c, q] = Σ_{n,p} pad(u)[n, c, s·p + q]·g[n, o, p]",
                f'grads["{i}.weight"] = kernel_correlate(pad(u, {pad}), g, {stride}, {kernel})',
                "# grad_input_equals_full_conv_rot180_kernel: ∂L/∂u = the full convolution of",
                "# zero_insert(g, s) with rot180(w), cropped by the padding",
                f"g = full_correlate_rot180(g, {w}, {start}, {literal(cfg.spatial)}, {stride}, {kernel})",
            ]
        else:
            lines += [
                f"padded = pad(g, {pad})",
                "# grad_kernel_equals_conv_upstream_input: ∂L/∂w[c, o, q] = Σ_{n,i} u[n, c, i]·pad(g)[n, o, s·i + q]",
                f'grads["{i}.weight"] = kernel_correlate(padded, u, {stride}, {kernel})',
                "# grad_input_equals_conv_upstream_kernel: ∂L/∂u = correlate(pad(g), w, stride s)",
                f"g = crop(correlate(padded, {w}, {stride}, DILATION, GROUPS), {literal((0,) * len(cfg.spatial))}, "
                f"{literal(cfg.spatial)})",
            ]
        return lines
    if kind == "linear":
        lines = ["# y = u·Wᵀ + b: ∂L/∂W = gᵀ·u, ∂L/∂b = Σ_n g, ∂L/∂u = g·W",
                 f'grads["{i}.weight"] = g.T @ u']
        if "bias" in layer.params:
            lines.append(f'grads["{i}.bias"] = g{_sum(framework, "0")}')
        return [*lines, f"g = g @ {w}"]
    if kind == "relu":
        cast = ".to(g.dtype)" if framework == "torch" else ""
        return ["# relu′(u) = [u > 0] (0 at u = 0, as PyTorch): ∂L/∂u = g·[u > 0]",
                f"g = g * (u > 0){cast}"]
    if kind == "sigmoid":
        return ["# σ′ = σ(1 − σ): ∂L/∂u = g·y·(1 − y)", "g = g * y * (1 - y)"]
    if kind == "tanh":
        return ["# tanh′ = 1 − tanh²: ∂L/∂u = g·(1 − y²)", "g = g * (1 - y * y)"]
    if kind in ("maxpool", "avgpool"):
        assert layer.pool is not None
        lines = [f"windows = gather(u.reshape(u.shape[0] * u.shape[1], -1), INDEX_{i})",
                 "g = g.reshape(g.shape[0] * g.shape[1], -1)"]
        if kind == "maxpool":
            lines += ["# grad_routes_to_argmax: each g goes to the first maximum of its window",
                      "routed = one_hot_first_max(windows) * g[..., None]"]
        else:
            lines += ["# grad_spreads_evenly: each g / |window| goes to every tap of its window",
                      f"routed = (g / {math.prod(layer.pool.size)})[..., None] * ones_like(windows)"]
        return [*lines, f"g = scatter_add(routed, INDEX_{i}, {math.prod(layer.in_shape[2:])}).reshape(u.shape)"]
    if kind == "batchnorm":
        axes = literal(_axes(layer))
        count = layer.in_shape[0] * math.prod(layer.in_shape[2:])
        return [
            f"x_hat, sigma = normalize(u, {axes})",
            f"sum_g = g{_sum(framework, axes, keep=True)}",
            f"sum_g_x_hat = (g * x_hat){_sum(framework, axes, keep=True)}",
            "# ∂L/∂γ = Σ g·x̂, ∂L/∂β = Σ g (per channel)",
            f'grads["{i}.weight"] = sum_g_x_hat.reshape(-1)',
            f'grads["{i}.bias"] = sum_g.reshape(-1)',
            "# grad_input_equals_compact_form: ∂L/∂u = γ/(M·σ) · (M·g − Σg − x̂·Σ g·x̂), M values per channel",
            f"scale = {w}.reshape({_bias_shape(layer)}) / ({count} * sigma)",
            f"g = scale * ({count} * g - sum_g - x_hat * sum_g_x_hat)",
        ]
    assert kind == "flatten"
    del np_
    return ["# a reshape: ∂L/∂u is g in u's shape", "g = g.reshape(u.shape)"]


def _backward(layers: list[NetLayer], framework: str) -> str:
    body = []
    for i in reversed(range(len(layers) - 1)):
        layer = layers[i]
        body.append(f"    # layer {layer.number}: {layer.spec.text}")
        body.append(f"    u, y = a[{i}], a[{i + 1}]")
        body.extend(f"    {line}" for line in _backward_lines(i, layer, framework))
    return f'''# -- the derived backward pass, from the loss down --
def backward(x, params, target):
    """Every gradient of the loss: {{name: ∂L/∂name}} for the parameters, and "input"."""
    a = activations(x, params)
    grads = {{}}
    # layer {layers[-1].number}: {layers[-1].spec.text}
    g = loss_slope(a[-1], target)
{chr(10).join(body)}
    grads["input"] = g
    return grads
'''


# ---------------------------------------------------------------------------
# Self-test


def _reference_torch(layers: list[NetLayer]) -> str:
    """A forward pass built from torch.nn.functional only (PyTorch's own layers)."""
    body = []
    for i, layer in enumerate(layers):
        kind, text = layer.kind, layer.spec.text
        nd = len(layer.in_shape) - 2
        b = f'params.get("{i}.bias")'
        if kind == "conv" and layer.conv:
            line = (f'F.conv{nd}d(a, params["{i}.weight"], {b}, stride={literal(layer.conv.stride)}, '
                    f'padding={literal(tuple(p for p, _ in layer.conv.padding))})')
        elif kind == "deconv" and layer.conv:
            line = (f'F.conv_transpose{nd}d(a, params["{i}.weight"], {b}, stride={literal(layer.conv.stride)}, '
                    f'padding={literal(tuple(p for p, _ in layer.conv.padding))})')
        elif kind in ("maxpool", "avgpool") and layer.pool:
            line = (f"F.{kind[:3]}_pool{nd}d(a, {literal(layer.pool.size)}, "
                    f"stride={literal(layer.pool.stride)})")
        elif kind == "batchnorm":
            line = (f'F.batch_norm(a, None, None, params["{i}.weight"], params["{i}.bias"], '
                    f"training=True, eps=EPS)")
        elif kind == "linear":
            line = f'F.linear(a, params["{i}.weight"], {b})'
        elif kind == "flatten":
            line = "a.flatten(1)"
        elif kind in ("relu", "sigmoid", "tanh"):
            line = f"torch.{kind}(a)"
        elif kind == "softmax_ce":
            line = "F.cross_entropy(a, target)"
        elif kind == "mse":
            line = "F.mse_loss(a, target)"
        else:
            line = "F.l1_loss(a, target)"
        call = f"    a = {line}"
        if len(call) > 100:  # the formatter's layout of a long call: its arguments on a line
            name, _, args = line.partition("(")
            call = f"    a = {name}(\n        {args[:-1]}\n    )"
        body += [f"    # {text}", call]
    return f'''
def reference_forward(x, params, target):
    """The same network from torch.nn.functional's own layers (the oracle)."""
    a = x
{chr(10).join(body)}
    return a
'''


def _verdict(display: str, oracle: str) -> str:
    """The self-test's one line (as writer.layer_self_test's) and the ``__main__`` guard."""
    return f'''    print(
        f"self-test net ({display}): largest difference from {oracle} "
        f"{{worst:.2e}}: {{'OK' if ok else 'FAILED'}}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_self_test())
'''


def _self_test(layers: list[NetLayer], framework: str) -> str:
    loss = layers[-1]
    classes = loss.kind == "softmax_ce"
    k = loss.in_shape[1] if classes else 0
    if framework == "numpy":
        target = (f"rng.integers(0, {k}, TARGET_SHAPE)" if classes else "rng.standard_normal(TARGET_SHAPE)")
        return f'''# -- self-test --
def _self_test():
    """Compare backward with central differences of forward along random directions."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(INPUT_SHAPE)
    params = {{name: rng.standard_normal(shape) for name, shape in PARAMETER_SHAPES.items()}}
    target = {target}
    grads = backward(x, params, target)
    worst, step = 0.0, 1e-6
    for name, value in [("input", x), *params.items()]:
        if np.shape(grads.get(name)) != np.shape(value):
            print(
                f"self-test net (NumPy): gradient {{name}} has shape {{np.shape(grads.get(name))}}, "
                f"expected {{np.shape(value)}}: FAILED"
            )
            return 1
        for _ in range(3):
            direction = rng.standard_normal(np.shape(value))
            moved = []
            for sign in (1, -1):
                xs, ps = x, dict(params)
                if name == "input":
                    xs = x + sign * step * direction
                else:
                    ps[name] = value + sign * step * direction
                moved.append(float(forward(xs, ps, target)))
            numeric = (moved[0] - moved[1]) / (2 * step)
            derived = float(np.sum(grads[name] * direction))
            worst = max(worst, abs(numeric - derived) / max(1.0, abs(numeric)))
    ok = worst < 1e-5
''' + _verdict("NumPy", "central differences")
    if framework == "torch":
        target = (f"torch.randint(0, {k}, TARGET_SHAPE, generator=generator)" if classes
                  else "torch.randn(TARGET_SHAPE, generator=generator, dtype=torch.float64)")
        return f'''# -- self-test --
{_reference_torch(layers).strip()}


def _self_test():
    """Compare backward with torch.autograd of reference_forward (torch.nn.functional), float64."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(INPUT_SHAPE, generator=generator, dtype=torch.float64)
    params = {{
        name: torch.randn(shape, generator=generator, dtype=torch.float64)
        for name, shape in PARAMETER_SHAPES.items()
    }}
    target = {target}
    leaves = [x.clone().requires_grad_()] + [p.clone().requires_grad_() for p in params.values()]
    names = ["input", *params]
    reference = reference_forward(leaves[0], dict(zip(names[1:], leaves[1:])), target)
    expected = torch.autograd.grad(reference, leaves)
    with torch.no_grad():
        value = float(forward(x, params, target))
        grads = backward(x, params, target)
    worst, ok = abs(value - float(reference.detach())), True
    for name, want in zip(names, expected):
        got = grads.get(name)
        if got is None or tuple(got.shape) != tuple(want.shape):
            ok = False
            continue
        worst = max(worst, float((got - want).abs().max()))
    ok = ok and worst < 1e-9
''' + _verdict("PyTorch", "torch.autograd")
    target = (f"jax.random.randint(keys[-1], TARGET_SHAPE, 0, {k})" if classes
              else "jax.random.normal(keys[-1], TARGET_SHAPE, dtype=jnp.float64)")
    return f'''# -- self-test --
def _self_test():
    """Compare backward with jax.grad of forward (jnp operations), in float64."""
    jax.config.update("jax_enable_x64", True)
    keys = jax.random.split(jax.random.PRNGKey(0), len(PARAMETER_SHAPES) + 2)
    x = jax.random.normal(keys[0], INPUT_SHAPE, dtype=jnp.float64)
    params = {{
        name: jax.random.normal(key, shape, dtype=jnp.float64)
        for key, (name, shape) in zip(keys[1:], PARAMETER_SHAPES.items())
    }}
    target = {target}
    want_x, want_params = jax.grad(forward, argnums=(0, 1))(x, params, target)
    expected = {{"input": want_x, **want_params}}
    grads = backward(x, params, target)
    worst, ok = 0.0, set(grads) == set(expected)
    for name, want in expected.items():
        got = grads.get(name)
        if got is None or jnp.shape(got) != jnp.shape(want):
            ok = False
            continue
        worst = max(worst, float(jnp.max(jnp.abs(got - want))))
    ok = ok and worst < 1e-9
''' + _verdict("JAX", "jax.grad")


def _dict_literal(items: dict[str, str]) -> str:
    """``{"0.weight": (2, 1, 3, 3), …}`` on one line, or one entry a line when that is long
    (as the formatter lays it out)."""
    entries = [f'"{k}": {v}' for k, v in items.items()]
    one_line = "{" + ", ".join(entries) + "}"
    if len("PARAMETER_SHAPES = ") + len(one_line) <= 100:
        return one_line
    return "{\n" + "".join(f"    {e},\n" for e in entries) + "}"
