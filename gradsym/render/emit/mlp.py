"""Emitted code for ``mlp``: the forward pass and the chain rule, layer by layer.

z_l = a_{l−1} W_l + b_l, a_l = φ(z_l) for the hidden layers, the last layer linear
(W_l has shape (n_{l−1}, n_l): w_l_i_j connects unit i to unit j). Backward, from the
top: δ_L = g; dL/dW_l = a_{l−1}ᵀ δ_l (an outer product), dL/db_l = δ_l, and
δ_{l−1} = (δ_l W_lᵀ) ⊙ φ′(z_{l−1}); dL/dx = δ_1 W_1ᵀ.
"""

from __future__ import annotations

from typing import Any

from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal

_ACTIVATIONS = {
    # name: (φ(z) per framework, φ′ written with z and a = φ(z), the identity in words)
    "none": ({"numpy": "z", "torch": "z", "jax": "z"}, "ones_like(z)", "φ(z) = z, φ′ = 1"),
    "relu": ({"numpy": "np.maximum(z, 0.0)", "torch": "torch.relu(z)", "jax": "jnp.maximum(z, 0.0)"},
             "(z > 0) * 1.0", "φ(z) = max(z, 0), φ′ = [z > 0] (0 at z = 0, as PyTorch)"),
    "sigmoid": ({"numpy": "1.0 / (1.0 + np.exp(-z))", "torch": "torch.sigmoid(z)",
                 "jax": "1.0 / (1.0 + jnp.exp(-z))"},
                "a * (1.0 - a)", "φ(z) = 1 / (1 + e^(−z)), φ′ = φ·(1 − φ)"),
    "tanh": ({"numpy": "np.tanh(z)", "torch": "torch.tanh(z)", "jax": "jnp.tanh(z)"},
             "1.0 - a**2", "φ(z) = tanh z, φ′ = 1 − tanh² z"),
}


def emit_mlp(config: dict[str, Any], framework: str, command_line: str) -> str:
    widths = [int(n) for n in config["layers"]]
    bias = bool(config.get("bias"))
    depth = len(widths) - 1
    names: list[str] = []
    shapes: list[tuple[int, ...]] = []
    for index in range(1, depth + 1):
        names.append(f"w_{index}")
        shapes.append((widths[index - 1], widths[index]))
        if bias:
            names.append(f"b_{index}")
            shapes.append((widths[index],))
    params = ", ".join(names)
    phi, phi_prime, identity = _ACTIVATIONS[config.get("activation", "none")]
    scalar = list(config.get("output", [])) == []
    ones = {"numpy": "np.ones_like", "torch": "torch.ones_like", "jax": "jnp.ones_like"}[framework]
    outer = {"numpy": "np.outer", "torch": "torch.outer", "jax": "jnp.outer"}[framework]
    api = (
        f"forward(x, {params}) -> y{' (a scalar)' if scalar else ''}\n"
        f"backward(grad_output, x, {params}) -> (grad_x, {', '.join('grad_' + n for n in names)})\n"
        f"Shapes: x ({widths[0]},), w_l (n_(l-1), n_l), b_l (n_l,); widths {widths}."
    )
    unpack = _unpack(depth, bias)
    layer = f'''
# -- configuration --
DEPTH = {depth}  # layers; widths {literal(tuple(widths))}
HAS_BIAS = {bias}


def activation(z):
    """{identity}."""
    return {phi[framework]}


def activation_slope(z, a):
    """φ′(z), written with a = φ(z) where that is shorter."""
    return {phi_prime.replace("ones_like", ones)}


def layers_of(params):
    """[(W_1, b_1), …, (W_L, b_L)] from the flat parameter list (b_l None without bias)."""
{unpack}


# -- the network and its derived backward --
def forward_plain(x, *params):
    """z_l = a_(l−1) W_l + b_l; a_l = φ(z_l) for hidden layers; the output is z_L."""
    a = x
    layers = layers_of(params)
    for index, (w, b) in enumerate(layers):
        z = a @ w if b is None else a @ w + b
        a = z if index == len(layers) - 1 else activation(z)
    return {"a.reshape(())" if scalar else "a"}


def backward(grad_output, x, *params):
    """(dL/dx, dL/dW_1, dL/db_1, …) for the upstream gradient g = dL/dy: the chain rule."""
    layers = layers_of(params)
    zs, acts = [], [x]  # the forward pass, kept: z_l and a_l
    for index, (w, b) in enumerate(layers):
        z = acts[-1] @ w if b is None else acts[-1] @ w + b
        zs.append(z)
        acts.append(z if index == len(layers) - 1 else activation(z))
    delta = grad_output.reshape(-1)  # δ_L = dL/dz_L (the last layer is linear)
    grads = []
    for index in range(len(layers) - 1, -1, -1):
        w, b = layers[index]
        # dL/dW_l = a_(l−1)ᵀ δ_l, dL/db_l = δ_l
        layer_grads = [{outer}(acts[index], delta)] + ([delta] if b is not None else [])
        grads = layer_grads + grads
        # δ_(l−1) = (δ_l W_lᵀ) ⊙ φ′(z_(l−1)); at the bottom, dL/dx = δ_1 W_1ᵀ
        delta = delta @ w.T
        if index > 0:
            delta = delta * activation_slope(zs[index - 1], acts[index])
    return (delta, *grads)
'''
    if framework == "torch":
        layer += '''

class MLPFunction(torch.autograd.Function):
    """The network as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, x, *params):
        ctx.save_for_backward(x, *params)
        return forward_plain(x, *params)

    @staticmethod
    def backward(ctx, grad_output):
        return backward(grad_output, *ctx.saved_tensors)


def forward(x, *params):
    return MLPFunction.apply(x, *params)
'''
    else:
        layer += '''

def forward(x, *params):
    return forward_plain(x, *params)
'''
    arguments = writer.arguments([("x", (widths[0],), True), *((n, s, True) for n, s in zip(names, shapes))])
    return writer.module(
        writer.header(title="Multilayer perceptron (mlp)", framework=framework,
                      command_line=command_line, config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="mlp",
                               reference="forward_plain" if framework == "torch" else None),
    )


def _unpack(depth: int, bias: bool) -> str:
    if bias:
        return "    return [(params[2 * i], params[2 * i + 1]) for i in range(DEPTH)]"
    return "    return [(params[i], None) for i in range(DEPTH)]"
