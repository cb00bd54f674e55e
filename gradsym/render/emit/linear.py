"""Emitted code for ``linear``: Y = X Wᵀ + b and its three gradients."""

from __future__ import annotations

from typing import Any

from gradsym.render.emit import writer


def emit_linear(config: dict[str, Any], framework: str, command_line: str) -> str:
    batch, n_in, n_out = int(config["batch"]), int(config["in_features"]), int(config["out_features"])
    api = (
        "forward(x, weight, bias=None) -> y\n"
        "backward(grad_output, x, weight, bias=None) -> (grad_input, grad_weight, grad_bias)\n"
        "Layouts: x (batch, in_features), weight (out_features, in_features), bias (out_features,)."
    )
    total = ".sum(dim=0)" if framework == "torch" else ".sum(axis=0)"
    layer = f'''
# -- the layer and its derived backward --
def forward_plain(x, weight, bias=None):
    """Y = X Wᵀ + b."""
    y = x @ weight.T
    return y if bias is None else y + bias


def backward(grad_output, x, weight, bias=None):
    """(grad_input, grad_weight, grad_bias) for the upstream gradient G = dL/dY."""
    # grad_input_equals_upstream_weight: dL/dX = G W
    grad_input = grad_output @ weight
    # grad_weight_equals_upstream_t_input: dL/dW = Gᵀ X
    grad_weight = grad_output.T @ x
    # grad_bias_equals_upstream_sum: dL/db = Σ over the batch of G
    grad_bias = None if bias is None else grad_output{total}
    return grad_input, grad_weight, grad_bias
'''
    if framework == "torch":
        layer += '''

class LinearFunction(torch.autograd.Function):
    """The layer as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return forward_plain(x, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        bias = grad_output.new_zeros(()) if ctx.has_bias else None
        return backward(grad_output, x, weight, bias)


def forward(x, weight, bias=None):
    """Y = X Wᵀ + b, differentiated by the derived backward."""
    return LinearFunction.apply(x, weight, bias)


def reference_forward(x, weight, bias=None):
    """PyTorch's own F.linear."""
    return F.linear(x, weight, bias)
'''
    else:
        layer += '''

def forward(x, weight, bias=None):
    """Y = X Wᵀ + b."""
    return forward_plain(x, weight, bias)
'''
    arguments = writer.arguments([
        ("x", (batch, n_in), True),
        ("weight", (n_out, n_in), True),
        ("bias", (n_out,), bool(config.get("bias"))),
    ])
    return writer.module(
        writer.header(title="Fully connected layer (linear)", framework=framework,
                      command_line=command_line, config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="linear",
                               reference="reference_forward" if framework == "torch" else None),
    )
