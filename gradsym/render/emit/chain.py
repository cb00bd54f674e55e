"""Emitted code for ``chain``: stacked convolutions and a loss, the chain rule layer by layer.

a_{l+1} = conv(a_l, k_l) + b_l; L = mean ℓ(a_{D+1} − t). Backward, from the loss down:
d_D = ℓ′(a_{D+1} − t)/n, then for each layer (last first) dL/dk_l = the kernel correlation
of pad(a_l) with d_l (stride and dilation swapped), dL/db_l = Σ d_l, and d_{l−1} = the full
convolution of the zero-inserted d_l with the rot180 kernel, cropped — the conv module's
identities, one layer at a time.
"""

from __future__ import annotations

from typing import Any

from gradsym.errors import SpecError
from gradsym.render.emit import writer
from gradsym.render.emit.conv import ConvSpec, _building_blocks, _layouts
from gradsym.render.emit.writer import literal


def emit_chain(config: dict[str, Any], framework: str, command_line: str) -> str:
    if config.get("convention", "torch") != "torch":
        raise SpecError("emit.chain_convention")
    spec = ConvSpec("conv", config)
    depth = int(config["depth"])
    loss = config["loss"]
    sizes = tuple(tuple(a) for a in config["activations"])
    nd = spec.nd
    stack = {"numpy": "np.stack", "torch": "torch.stack", "jax": "jnp.stack"}[framework]
    sign = {"numpy": "np.sign", "torch": "torch.sign", "jax": "jnp.sign"}[framework]
    zeros = {"numpy": "np.zeros_like", "torch": "torch.zeros_like", "jax": "jnp.zeros_like"}[framework]
    total = ".sum(dim=(0,) + SPATIAL_AXES)" if framework == "torch" else ".sum(axis=(0,) + SPATIAL_AXES)"
    if loss == "mse":
        loss_value = "((a - t) ** 2).mean()"
        slope = "2 * (a - t) / a.numel()" if framework == "torch" else "2 * (a - t) / a.size"
        rule = "mean (a − t)², ℓ′ = 2(a − t)/n"
    else:
        loss_value = "abs(a - t).mean()"
        slope = (f"{sign}(a - t) / a.numel()" if framework == "torch"
                 else f"{sign}(a - t) / a.size")
        rule = "mean |a − t|, ℓ′ = sign(a − t)/n with sign(0) = 0, as PyTorch"
    kernel_shape = (depth, *spec.shape("kernel"))
    bias_shape = (depth, *spec.shape("bias"))
    api = (
        "forward(x, kernel, bias=None, target=None) -> the loss L (target: zeros by default)\n"
        "backward(grad_output, x, kernel, bias=None, target=None)\n"
        "    -> (grad_input, grad_kernel, grad_bias, grad_target), grad_output = dL_total/dL\n"
        "activations(x, kernel, bias=None) -> [a_1, …, a_(D+1)]\n"
        f"Shapes: kernel {literal(kernel_shape)} (one per layer), bias {literal(bias_shape)}."
    )
    constants = "# -- configuration (every layer the same convolution) --\n" + writer.constants([
        ("STRIDE", spec.stride, "s"),
        ("DILATION", spec.dilation, "d"),
        ("PADDING", spec.padding, "(before, after)"),
        ("GROUPS", spec.groups, ""),
        ("KERNEL_SIZE", spec.kernel, "k"),
        ("DEPTH", depth, "layers"),
        ("ACTIVATION_SIZES", sizes, "a_1 (the input) … a_(D+1) (the output)"),
        ("SPATIAL_AXES", tuple(range(2, 2 + nd)), "in PyTorch's layout (N, C, *spatial)"),
    ])
    layer = f'''
# -- the stack, the loss and the chain rule, in PyTorch's layout --
def run_layers(x, kernels, biases):
    """[a_1, …, a_(D+1)]: a_(l+1) = correlate(pad(a_l), k_l, s, d) + b_l."""
    acts = [x]
    for index, w in enumerate(kernels):
        y = correlate(pad(acts[-1], PADDING), w, STRIDE, DILATION, GROUPS)
        if biases is not None:
            y = y + biases[index].reshape((1, -1) + (1,) * len(SPATIAL_AXES))
        acts.append(y)
    return acts


def loss_value(a, t):
    """{rule}."""
    return {loss_value}


def loss_slope(a, t):
    """dL/da_(D+1): {rule}."""
    return {slope}


def chain_backward(grad_output, x, kernels, biases, t):
    """(d_0, [dL/dk_l], [dL/db_l], dL/dt) by the chain rule, from the loss down."""
    acts = run_layers(x, kernels, biases)
    slope = grad_output * loss_slope(acts[-1], t)
    delta = slope  # d_D = dL/da_(D+1)
    grad_kernels, grad_biases = [None] * DEPTH, [None] * DEPTH
    for index in range(DEPTH - 1, -1, -1):
        # grad_kernel_equals_conv_input_upstream, for layer l: pad(a_l) correlated with d_l
        grad_kernels[index] = kernel_correlate(pad(acts[index], PADDING), delta)
        # grad_bias_equals_upstream_sum
        grad_biases[index] = delta{total}
        # grad_input_equals_full_conv_rot180_kernel: d_(l-1) = full conv of zero_insert(d_l, s)
        # with rot180(k_l), cropped by the padding
        start = [a for a, _ in PADDING]
        delta = full_correlate_rot180(delta, kernels[index], start, ACTIVATION_SIZES[index])
    return delta, grad_kernels, grad_biases, -slope


# -- the public functions, in the command's layout --
def _torch_layout(x, kernel, bias, target):
    kernels = [kernel_to_torch(kernel[index]) for index in range(DEPTH)]
    biases = None if bias is None else [bias_to_torch(bias[index]) for index in range(DEPTH)]
    return input_to_torch(x), kernels, biases, None if target is None else output_to_torch(target)


def activations(x, kernel, bias=None):
    """[a_1, …, a_(D+1)] in the command's layout."""
    xt, kernels, biases, _ = _torch_layout(x, kernel, bias, None)
    return [output_from_torch(a) for a in run_layers(xt, kernels, biases)]


def loss_plain(x, kernel, bias=None, target=None):
    xt, kernels, biases, t = _torch_layout(x, kernel, bias, target)
    a = run_layers(xt, kernels, biases)[-1]
    return loss_value(a, {zeros}(a) if t is None else t)


def backward(grad_output, x, kernel, bias=None, target=None):
    """(grad_input, grad_kernel, grad_bias, grad_target) of grad_output · L."""
    xt, kernels, biases, t = _torch_layout(x, kernel, bias, target)
    if t is None:
        t = {zeros}(run_layers(xt, kernels, biases)[-1])
    delta, grad_kernels, grad_biases, grad_t = chain_backward(grad_output, xt, kernels, biases, t)
    return (
        input_from_torch(delta),
        {stack}([kernel_from_torch(g) for g in grad_kernels]),
        None if bias is None else {stack}([bias_from_torch(g) for g in grad_biases]),
        None if target is None else output_from_torch(grad_t),
    )
'''
    if framework == "torch":
        func = f"F.{'mse_loss' if loss == 'mse' else 'l1_loss'}"
        layer += f'''

class ChainFunction(torch.autograd.Function):
    """The loss of the stack as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, x, kernel, bias, target):
        ctx.save_for_backward(x, kernel, bias, target)
        return loss_plain(x, kernel, bias, target)

    @staticmethod
    def backward(ctx, grad_output):
        return backward(grad_output, *ctx.saved_tensors)


def forward(x, kernel, bias=None, target=None):
    """The loss L of the stack."""
    return ChainFunction.apply(x, kernel, bias, target)


def reference_forward(x, kernel, bias=None, target=None):
    """PyTorch's own F.conv{nd}d layer by layer and {func}."""
    a = input_to_torch(x)
    for index in range(DEPTH):
        b = None if bias is None else bias_to_torch(bias[index])
        a = F.conv{nd}d(
            pad(a, PADDING),
            kernel_to_torch(kernel[index]),
            b,
            stride=STRIDE,
            dilation=DILATION,
            groups=GROUPS,
        )
    return {func}(a, torch.zeros_like(a) if target is None else output_to_torch(target))
'''
    else:
        layer += '''

def forward(x, kernel, bias=None, target=None):
    """The loss L of the stack."""
    return loss_plain(x, kernel, bias, target)
'''
    arguments = writer.arguments([
        ("x", spec.shape("input"), True),
        ("kernel", kernel_shape, True),
        ("bias", bias_shape, spec.bias),
        ("target", spec.shape("output"), True),
    ])
    blocks = _building_blocks(spec, framework)
    return writer.module(
        writer.header(title=f"A stack of {depth} convolutions and the {loss.upper()} loss (chain)",
                      framework=framework, command_line=command_line, config=config, api=api),
        writer.imports(framework),
        constants,
        blocks,
        _layouts(spec, framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="chain",
                               reference="reference_forward" if framework == "torch" else None),
    )
