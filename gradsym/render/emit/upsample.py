"""Emitted code for ``upsample``: one exact interpolation matrix per axis.

Every axis of the upsampling is a matrix A (output × input) of PyTorch's weights, so the
forward pass multiplies the input by A along each axis and the derived backward (the
vector-Jacobian product; the Jacobian is the Kronecker product of the axes' matrices)
multiplies the upstream gradient by Aᵀ along each axis.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradsym.layers.upsample import axis_weights
from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal

_OPS = {  # the weights as an array of u's dtype; one axis multiplied
    "numpy": ("np.asarray(rows, dtype=u.dtype)", "np.moveaxis(np.tensordot(a, u, axes=([1], [axis])), 0, axis)"),
    "torch": ("torch.tensor(rows, dtype=u.dtype)",
              "torch.movedim(torch.tensordot(a, u, dims=([1], [axis])), 0, axis)"),
    "jax": ("jnp.asarray(rows, dtype=u.dtype)", "jnp.moveaxis(jnp.tensordot(a, u, axes=([1], [axis])), 0, axis)"),
}


def _number(w: Fraction) -> str:
    return str(w.numerator) if w.denominator == 1 else f"{w.numerator} / {w.denominator}"


def _rows(n: int, s: int, mode: str, align_corners: bool) -> str:
    """Per output: the (input, weight) pairs it reads, one line each."""
    lines = []
    for taps in axis_weights(n, s, mode, align_corners):
        pairs = [f"({i}, {_number(w)})" for i, w in taps]
        lines.append(f"    ({', '.join(pairs)}{',' if len(pairs) == 1 else ''}),")
    return "(\n" + "\n".join(lines) + "\n)"


def emit_upsample(config: dict[str, Any], framework: str, command_line: str) -> str:
    mode, align = str(config["mode"]), bool(config["align_corners"])
    spatial, scale = [int(n) for n in config["input"]], [int(s) for s in config["scale"]]
    make, apply = _OPS[framework]
    api = (
        "forward(x) -> y\n"
        "backward(grad_output, x) -> grad_input\n"
        f"Layouts: x {literal(tuple(spatial))}, y {literal(tuple(config['output']))} (plain arrays)."
    )
    matrices = "\n".join(
        f"# axis {a + 1}: for each output, the inputs it reads and their weights (exactly PyTorch's)\n"
        f"A{a + 1} = {_rows(n, s, mode, align)}\n"
        for a, (n, s) in enumerate(zip(spatial, scale))
    )
    names = ", ".join(f"A{a + 1}" for a in range(len(spatial))) + ("," if len(spatial) == 1 else "")
    layer = f'''
# -- the layer and its derived backward --
{matrices}
MATRICES = ({names})
INPUT_SIZE = {literal(tuple(spatial))}


def along_axes(u, transpose=False):
    """Multiply u along each axis by that axis's matrix (or its transpose)."""
    for axis, pairs in enumerate(MATRICES):
        rows = [[0.0] * INPUT_SIZE[axis] for _ in pairs]
        for row, taps in zip(rows, pairs):
            for i, w in taps:
                row[i] += w
        a = {make}
        a = a.T if transpose else a
        u = {apply}
    return u


def forward_plain(x):
    """y = x multiplied by each axis's interpolation matrix."""
    return along_axes(x)


def backward(grad_output, x):
    """grad_input = dL/dx for the upstream gradient dL/dy."""
    # grad_input_equals_strided_conv_upstream_kernel: the adjoint, Aᵀ along each axis
    return along_axes(grad_output, transpose=True)
'''
    if framework == "torch":
        extra = "" if mode == "nearest" else f", align_corners={align}"
        call_args = f'x[None, None], scale_factor={literal(tuple(float(s) for s in scale))}, mode="{mode}"{extra}'
        call = f"F.interpolate({call_args})"
        if len(call) > 92:  # ruff's layout at 100 columns
            call = f"F.interpolate(\n        {call_args}\n    )"
        layer += writer.layer_forward(framework, "UpsampleFunction", ["x"])
        layer += f'''

def reference_forward(x):
    """PyTorch's own F.interpolate."""
    y = {call}
    return y[0, 0]
'''
    else:
        layer += '''

def forward(x):
    return forward_plain(x)
'''
    arguments = writer.constants([("ARGUMENTS", f'(("x", {literal(tuple(spatial))}, True),)', "")])
    return writer.module(
        writer.header(title=f"{mode.capitalize()} upsampling (upsample)", framework=framework,
                      command_line=command_line, config=config, api=api),
        writer.imports(framework),
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="upsample",
                               reference="reference_forward" if framework == "torch" else None),
    )
