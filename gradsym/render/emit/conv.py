"""Emitted code for ``conv`` and ``deconv``: the forward and the backward as the derivation proves them.

Everything is computed in PyTorch's layout (N, C, *spatial), where the derivation
works; the public ``forward``/``backward`` move the command's own layout (plain
arrays, or TensorFlow's/JAX's NHWC and HWIO) in and out with transposes (and,
for JAX's transposed convolution, a 180° rotation of the kernel).

The identities, per spatial dimension with stride s, dilation d, padding
(p₀, p₁), kernel size k, written for conv (deconv swaps the roles):

- forward: y = correlate(pad(x), w, stride s, dilation d) + b
- dL/dx  = crop(correlate(pad(zero_insert(g, s), d(k−1)), swap(rot180(w)), dilation d))
           — the full convolution of the zero-inserted upstream gradient with the
           180°-rotated kernel, cropped by the padding
- dL/dw  = crop(correlate(pad(x) as input, g as kernel, stride d, dilation s))
           — stride and dilation swapped, cropped to k
- dL/db  = Σ g over batch and space
"""

from __future__ import annotations

from typing import Any

from gradsym.errors import SpecError
from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal

SPATIAL = {1: "W", 2: "HW", 3: "DHW"}
POSITIONS = "uvw"
TAPS = "hij"


def _perm(torch_name: str, framework_name: str) -> tuple[int, ...]:
    """Framework axis i holds PyTorch axis perm[i] (both names spell the same letters)."""
    return tuple(torch_name.index(c) for c in framework_name)


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


class ConvSpec:
    """The numbers the emitted module needs, read from ``d.config``."""

    def __init__(self, command: str, config: dict[str, Any]) -> None:
        if "input" not in config or "kernel" not in config:
            raise SpecError("emit.conv_general")
        self.command = command
        self.transposed = command == "deconv"
        self.nd = len(config["input"])
        self.input = tuple(config["input"])
        self.kernel = tuple(config["kernel"])
        self.output = tuple(config["output"])
        self.stride = tuple(config["stride"])
        self.dilation = tuple(config["dilation"])
        self.padding = tuple(tuple(p) for p in config["padding"])
        self.output_padding = tuple(config.get("output_padding", (0,) * self.nd))
        self.groups = int(config.get("groups", 1))
        self.in_channels = int(config.get("in_channels", 1))
        self.out_channels = int(config.get("out_channels", 1))
        self.batch = int(config.get("batch", 1))
        self.bias = bool(config.get("bias", False))
        self.channels = config.get("layout") == "channels"
        self.convention = config.get("convention", "torch")
        sp = SPATIAL[self.nd]
        torch_names = {
            "input": f"NC{sp}",
            "kernel": f"{'IO' if self.transposed else 'OI'}{sp}",
            "output": f"NC{sp}",
        }
        self.names = torch_names if self.channels else {role: sp for role in torch_names}
        self.perms: dict[str, tuple[int, ...]] = {}
        if self.channels and self.convention != "torch":
            layouts = config["layouts"]
            self.perms = {role: _perm(torch_names[role], layouts[role]) for role in torch_names}
            self.names = dict(layouts)
        self.rot180_kernel = self.convention == "jax" and self.transposed

    # shapes in PyTorch's layout
    def torch_shape(self, role: str) -> tuple[int, ...]:
        if role == "input":
            return (self.batch, self.in_channels, *self.input)
        if role == "output":
            return (self.batch, self.out_channels, *self.output)
        first, second = (
            (self.in_channels, self.out_channels // self.groups)
            if self.transposed
            else (self.out_channels, self.in_channels // self.groups)
        )
        return (first, second, *self.kernel)

    def shape(self, role: str) -> tuple[int, ...]:
        """The tensor's shape in the command's own layout (as in the JSON)."""
        if role == "bias":
            return (self.out_channels,) if self.channels else ()
        if not self.channels:
            return {"input": self.input, "output": self.output, "kernel": self.kernel}[role]
        shape = self.torch_shape(role)
        perm = self.perms.get(role)
        return tuple(shape[a] for a in perm) if perm else shape


def emit_conv(command: str, config: dict[str, Any], framework: str, command_line: str) -> str:
    spec = ConvSpec(command, config)
    title = "Transposed convolution (deconv)" if spec.transposed else "Convolution (conv)"
    api = (
        "forward(x, weight, bias=None) -> y\n"
        "backward(grad_output, x, weight, bias=None) -> (grad_input, grad_weight, grad_bias)\n"
        f"Layouts: input {spec.names['input']}, weight {spec.names['kernel']}, output "
        f"{spec.names['output']}"
        + ("" if spec.channels else " (plain arrays; the bias is one number)")
        + "."
    )
    return writer.module(
        writer.header(title=title, framework=framework, command_line=command_line,
                      config=config, api=api),
        writer.imports(framework),
        _constants(spec),
        _building_blocks(spec, framework),
        _layer(spec, framework),
        _layouts(spec, framework),
        _public(spec, framework),
        _self_test_parts(spec, framework),
    )


def _constants(spec: ConvSpec) -> str:
    nd = spec.nd
    return "# -- configuration, per spatial dimension (PyTorch's conventions) --\n" + writer.constants([
        ("STRIDE", spec.stride, "s"),
        ("DILATION", spec.dilation, "d"),
        ("PADDING", spec.padding, "(before, after) zeros of the convolution's input"),
        *([("OUTPUT_PADDING", spec.output_padding, "r: extra outputs at the end")]
          if spec.transposed else []),
        ("GROUPS", spec.groups, ""),
        ("INPUT_SIZE", spec.input, ""),
        ("KERNEL_SIZE", spec.kernel, "k"),
        ("OUTPUT_SIZE", spec.output, ""),
        ("SPATIAL_AXES", tuple(range(2, 2 + nd)), "in PyTorch's layout (N, C, *spatial)"),
    ])


# ---------------------------------------------------------------------------
# The shared building blocks, one body per framework


def _building_blocks(spec: ConvSpec, framework: str) -> str:
    nd = spec.nd
    parts = ["# -- building blocks (arrays in PyTorch's layout: N, C, *spatial) --\n"]
    if framework == "numpy":
        positions, taps = POSITIONS[:nd], TAPS[:nd]
        einsum = f"ngc{positions}{taps},goc{taps}->ngo{positions}"
        parts.append(f'''
def pad(u, pairs):
    """Zeros around the spatial axes: pairs[i] = (before, after) for spatial axis i; a
    negative amount crops instead."""
    grown = np.pad(u, ((0, 0), (0, 0)) + tuple((max(a, 0), max(b, 0)) for a, b in pairs))
    start = [max(-a, 0) for a, _ in pairs]
    size = [n - max(-a, 0) - max(-b, 0) for n, (a, b) in zip(grown.shape[2:], pairs)]
    return crop(grown, start, size)


def zero_insert(u, stride):
    """s − 1 zeros between neighbours along each spatial axis (the stride made explicit)."""
    size = tuple((n - 1) * s + 1 for n, s in zip(u.shape[2:], stride))
    out = np.zeros(u.shape[:2] + size, dtype=u.dtype)
    out[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)] = u
    return out


def rot180(w):
    """The kernel rotated by 180°: every spatial axis reversed."""
    return np.flip(w, axis=SPATIAL_AXES)


def correlate(u, w, stride, dilation, groups):
    """y[n, o, p] = Σ_{{c ∈ group(o), q}} u[n, c, s·p + d·q] · w[o, c mod C/G, q]."""
    span = tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation))
    windows = np.lib.stride_tricks.sliding_window_view(u, span, axis=SPATIAL_AXES)
    windows = windows[
        (slice(None), slice(None))
        + tuple(slice(None, None, s) for s in stride)
        + tuple(slice(None, None, d) for d in dilation)
    ]
    n, c, o = u.shape[0], u.shape[1], w.shape[0]
    windows = windows.reshape((n, groups, c // groups) + windows.shape[2:])
    kernel = w.reshape((groups, o // groups) + w.shape[1:])
    y = np.einsum("{einsum}", windows, kernel, optimize=True)
    return y.reshape((n, o) + y.shape[3:])


def concat(parts):
    return np.concatenate(parts, axis=0)
''')
    elif framework == "torch":
        parts.append(f'''
def pad(u, pairs):
    """Zeros around the spatial axes: pairs[i] = (before, after) for spatial axis i; a
    negative amount crops instead."""
    flat = [side for pair in reversed(pairs) for side in pair]  # F.pad counts from the last axis
    return F.pad(u, flat)


def zero_insert(u, stride):
    """s − 1 zeros between neighbours along each spatial axis (the stride made explicit)."""
    size = tuple((n - 1) * s + 1 for n, s in zip(u.shape[2:], stride))
    out = u.new_zeros(tuple(u.shape[:2]) + size)
    out[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)] = u
    return out


def rot180(w):
    """The kernel rotated by 180°: every spatial axis reversed."""
    return torch.flip(w, dims=SPATIAL_AXES)


def correlate(u, w, stride, dilation, groups):
    """y[n, o, p] = Σ_{{c ∈ group(o), q}} u[n, c, s·p + d·q] · w[o, c mod C/G, q]."""
    return F.conv{nd}d(u, w, stride=stride, dilation=dilation, groups=groups)


def concat(parts):
    return torch.cat(parts, dim=0)
''')
    else:
        parts.append('''
def pad(u, pairs):
    """Zeros around the spatial axes: pairs[i] = (before, after) for spatial axis i; a
    negative amount crops instead."""
    config = [(0, 0, 0), (0, 0, 0)] + [(a, b, 0) for a, b in pairs]
    return lax.pad(u, jnp.zeros((), u.dtype), config)


def zero_insert(u, stride):
    """s − 1 zeros between neighbours along each spatial axis (the stride made explicit)."""
    config = [(0, 0, 0), (0, 0, 0)] + [(0, 0, s - 1) for s in stride]
    return lax.pad(u, jnp.zeros((), u.dtype), config)


def rot180(w):
    """The kernel rotated by 180°: every spatial axis reversed."""
    return jnp.flip(w, axis=SPATIAL_AXES)


def correlate(u, w, stride, dilation, groups):
    """y[n, o, p] = Σ_{c ∈ group(o), q} u[n, c, s·p + d·q] · w[o, c mod C/G, q]."""
    return lax.conv_general_dilated(
        u,
        w,
        window_strides=stride,
        padding=[(0, 0)] * len(stride),
        rhs_dilation=dilation,
        feature_group_count=groups,
        precision=lax.Precision.HIGHEST,
    )


def concat(parts):
    return jnp.concatenate(parts, axis=0)
''')
    parts.append('''
def crop(u, start, size):
    """u[..., start : start + size] along each spatial axis."""
    return u[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(start, size))]


def swap_channels(w, groups):
    """(A, B/G, *k) → (B, A/G, *k) within each group: the kernel read from the other side."""
    a, b = w.shape[0] // groups, w.shape[1]
    grouped = w.reshape((groups, a, b) + tuple(w.shape[2:])).swapaxes(1, 2)
    return grouped.reshape((groups * b, a) + tuple(w.shape[2:]))


def full_correlate_rot180(u, w, start, size):
    """The full convolution of the zero-inserted u with the 180°-rotated kernel, cropped:
    zero_insert(u, s), padded by d·(k − 1) on both sides (plus the rows the forward pass
    never read), correlated with rot180(w) at dilation d, then cropped to [start, start + size).
    This is the transpose of correlate(·, w, s, d): dL/dx of a convolution, or a deconv forward."""
    spread = zero_insert(u, STRIDE)
    reach = [d * (k - 1) for k, d in zip(KERNEL_SIZE, DILATION)]
    # a negative start: rows of zeros before (JAX's padding beyond d·(k − 1))
    lead = [max(0, -a) for a in start]
    unread = [max(0, a + n - (m + r)) for a, n, m, r in zip(start, size, spread.shape[2:], reach)]
    full = pad(spread, [(r + z, r + extra) for r, z, extra in zip(reach, lead, unread)])
    kernel = rot180(swap_channels(w, GROUPS))
    correlated = correlate(full, kernel, [1] * len(STRIDE), DILATION, GROUPS)
    return crop(correlated, [a + z for a, z in zip(start, lead)], size)


def kernel_correlate(a, b):
    """r[cb, ca, q] = Σ_{n, p} a[n, ca, s·p + d·q] · b[n, cb, p] within each group: a correlation
    of a with b as the kernel, stride and dilation swapped (stride d, dilation s), cropped to k.
    Batch and channels trade places so that the sum over n is the correlation's channel sum."""
    ca, cb = a.shape[1] // GROUPS, b.shape[1] // GROUPS
    parts = []
    for group in range(GROUPS):
        a_group = a[:, group * ca : (group + 1) * ca].swapaxes(0, 1)
        b_group = b[:, group * cb : (group + 1) * cb].swapaxes(0, 1)
        r = correlate(a_group, b_group, DILATION, STRIDE, 1)
        parts.append(crop(r, [0] * len(KERNEL_SIZE), KERNEL_SIZE).swapaxes(0, 1))
    return concat(parts)
''')
    return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"


def _sum_axes(framework: str, axes: str) -> str:
    keyword = "dim" if framework == "torch" else "axis"
    return f".sum({keyword}={axes})"


def _layer(spec: ConvSpec, framework: str) -> str:
    nd = spec.nd
    bias_shape = "(1, -1" + ", 1" * nd + ")"
    total = _sum_axes(framework, "(0,) + SPATIAL_AXES")
    if not spec.transposed:
        text = f'''
# -- the convolution and its derived backward, in PyTorch's layout --
def forward_torch_layout(x, w, b=None):
    """y = correlate(pad(x), w, stride s, dilation d) + b (cross-correlation, as PyTorch)."""
    y = correlate(pad(x, PADDING), w, STRIDE, DILATION, GROUPS)
    return y if b is None else y + b.reshape{bias_shape}


def backward_torch_layout(g, x, w, has_bias):
    """(dL/dx, dL/dw, dL/db) for the upstream gradient g = dL/dy."""
    # grad_input_equals_full_conv_rot180_kernel: dL/dx = full conv of zero_insert(g, s) with
    # rot180(w) at dilation d, cropped by the padding (start p₀, size n).
    grad_input = full_correlate_rot180(g, w, [a for a, _ in PADDING], INPUT_SIZE)
    # grad_kernel_equals_conv_input_upstream: dL/dw[o, c, q] = Σ_{{n,p}} pad(x)[n, c, s·p + d·q]·g[n, o, p]
    grad_weight = kernel_correlate(pad(x, PADDING), g)
    # grad_bias_equals_upstream_sum: dL/db[o] = Σ_{{n,p}} g[n, o, p]
    grad_bias = g{total} if has_bias else None
    return grad_input, grad_weight, grad_bias
'''
    else:
        text = f'''
# -- the transposed convolution and its derived backward, in PyTorch's layout --
def forward_torch_layout(x, w, b=None):
    """forward_equals_full_conv_rot180_kernel: y = the full convolution of zero_insert(x, s)
    with rot180(w) at dilation d, cropped by the padding (the output padding r adds rows at
    the end) — the input gradient of the convolution with the same s, p, d, k."""
    start = [a for a, _ in PADDING]
    y = full_correlate_rot180(x, w, start, OUTPUT_SIZE)
    return y if b is None else y + b.reshape{bias_shape}


def backward_torch_layout(g, x, w, has_bias):
    """(dL/dx, dL/dw, dL/db) for the upstream gradient g = dL/dy."""
    # grad_input_equals_conv_upstream_kernel: dL/dx = correlate(pad(g), w, stride s,
    # dilation d), the rows the output padding added never reach x (cropped to n)
    padded = pad(g, PADDING)
    grad_input = crop(correlate(padded, w, STRIDE, DILATION, GROUPS), [0] * {nd}, INPUT_SIZE)
    # grad_kernel_equals_conv_upstream_input: dL/dw[c, o, q] = Σ_{{n,i}} x[n, c, i]·pad(g)[n, o, s·i + d·q]
    grad_weight = kernel_correlate(padded, x)
    # the bias is added to every output: dL/db[o] = Σ_{{n,p}} g[n, o, p]
    grad_bias = g{total} if has_bias else None
    return grad_input, grad_weight, grad_bias
'''
    if framework == "torch":
        text += '''

class ConvFunction(torch.autograd.Function):
    """The layer as a torch.autograd.Function whose backward is the derived one."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return forward_torch_layout(x, w, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return backward_torch_layout(g, x, w, ctx.has_bias)
'''
    return text


def _layouts(spec: ConvSpec, framework: str) -> str:
    """to_torch_*/from_torch_* for input, kernel, output and bias."""
    nd = spec.nd
    lines = ["# -- the command's layout ↔ PyTorch's layout --"]
    if not spec.channels:
        what = "plain arrays: add (and drop) the batch and channel axes of size 1"
        if spec.rot180_kernel:
            what += "; JAX's transposed-convolution kernel is PyTorch's rotated by 180°"
        lines.append(f"# {what}")
        kernel_to = "rot180(w[None, None])" if spec.rot180_kernel else "w[None, None]"
        kernel_from = "rot180(w)[0, 0]" if spec.rot180_kernel else "w[0, 0]"
        bias_in = {"numpy": "np.reshape(b, (1,))", "torch": "torch.as_tensor(b).reshape(1)",
                   "jax": "jnp.reshape(b, (1,))"}[framework]
        lines.append(f'''
def input_to_torch(x):
    return x[None, None]


def input_from_torch(x):
    return x[0, 0]


def kernel_to_torch(w):
    return {kernel_to}


def kernel_from_torch(w):
    return {kernel_from}


def output_to_torch(y):
    return y[None, None]


def output_from_torch(y):
    return y[0, 0]


def bias_to_torch(b):
    return {bias_in}


def bias_from_torch(b):
    return b.reshape(())
''')
    else:
        def transpose(var: str, perm: tuple[int, ...] | None) -> str:
            if perm is None or perm == tuple(range(len(perm))):
                return var
            method = "permute" if framework == "torch" else "transpose"
            return f"{var}.{method}({literal(perm)})"

        perms = spec.perms
        if perms:
            lines.append(
                f"# {spec.convention}: input {spec.names['input']}, kernel {spec.names['kernel']}; "
                f"PyTorch: input NC{SPATIAL[nd]}, kernel {'IO' if spec.transposed else 'OI'}"
                f"{SPATIAL[nd]} — a transpose"
                + (", and the kernel rotated by 180°" if spec.rot180_kernel else "")
            )
        else:
            lines.append("# the command's layout is PyTorch's")
        inp, ker, out = perms.get("input"), perms.get("kernel"), perms.get("output")
        kernel_to = transpose("w", _inverse(ker) if ker else None)
        kernel_from = transpose("w", ker)
        if spec.rot180_kernel:
            kernel_to = f"rot180({kernel_to})"
            kernel_from = transpose("rot180(w)", ker)
        lines.append(f'''
def input_to_torch(x):
    return {transpose("x", _inverse(inp) if inp else None)}


def input_from_torch(x):
    return {transpose("x", inp)}


def kernel_to_torch(w):
    return {kernel_to}


def kernel_from_torch(w):
    return {kernel_from}


def output_to_torch(y):
    return {transpose("y", _inverse(out) if out else None)}


def output_from_torch(y):
    return {transpose("y", out)}


def bias_to_torch(b):
    return b


def bias_from_torch(b):
    return b
''')
    return "\n".join(line.strip("\n") for line in lines) + "\n"


def _public(spec: ConvSpec, framework: str) -> str:
    apply = "ConvFunction.apply" if framework == "torch" else "forward_torch_layout"
    return f'''
# -- the public functions, in the command's layout --
def forward(x, weight, bias=None):
    """The layer's output y for input x, weight and optional bias."""
    b = None if bias is None else bias_to_torch(bias)
    return output_from_torch({apply}(input_to_torch(x), kernel_to_torch(weight), b))


def backward(grad_output, x, weight, bias=None):
    """(grad_input, grad_weight, grad_bias) for the upstream gradient dL/dy; grad_bias is
    None without bias."""
    grad_input, grad_weight, grad_bias = backward_torch_layout(
        output_to_torch(grad_output), input_to_torch(x), kernel_to_torch(weight), bias is not None
    )
    return (
        input_from_torch(grad_input),
        kernel_from_torch(grad_weight),
        None if grad_bias is None else bias_from_torch(grad_bias),
    )
'''


def _self_test_parts(spec: ConvSpec, framework: str) -> str:
    arguments = writer.arguments([
        ("x", spec.shape("input"), True),
        ("weight", spec.shape("kernel"), True),
        ("bias", spec.shape("bias"), spec.bias),
    ])
    parts = ["# -- self-test --\n" + arguments, writer.draw_function(framework)]
    reference = None
    if framework == "torch":
        reference = "reference_forward"
        parts.append(_torch_reference(spec))
    parts.append(writer.layer_self_test(framework, name=spec.command, reference=reference))
    return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"


def _torch_reference(spec: ConvSpec) -> str:
    nd = spec.nd
    if not spec.transposed:
        body = (
            f"    y = F.conv{nd}d(\n"
            f"        pad(input_to_torch(x), PADDING),\n"
            f"        kernel_to_torch(weight),\n"
            f"        b,\n"
            f"        stride=STRIDE,\n"
            f"        dilation=DILATION,\n"
            f"        groups=GROUPS,\n"
            f"    )"
        )
        doc = "PyTorch's own F.conv" + str(nd) + "d (the padding applied first: it may be uneven)."
    elif all(a == b >= 0 for a, b in spec.padding):
        body = (
            f"    y = F.conv_transpose{nd}d(\n"
            f"        input_to_torch(x),\n"
            f"        kernel_to_torch(weight),\n"
            f"        b,\n"
            f"        stride=STRIDE,\n"
            f"        padding=[a for a, _ in PADDING],\n"
            f"        output_padding=OUTPUT_PADDING,\n"
            f"        groups=GROUPS,\n"
            f"        dilation=DILATION,\n"
            f"    )"
        )
        doc = f"PyTorch's own F.conv_transpose{nd}d with the same padding and output_padding."
    else:
        body = (
            f"    full = F.conv_transpose{nd}d(\n"
            f"        input_to_torch(x),\n"
            f"        kernel_to_torch(weight),\n"
            f"        stride=STRIDE,\n"
            f"        groups=GROUPS,\n"
            f"        dilation=DILATION,\n"
            f"    )\n"
            f"    # the uneven padding: crop p₀ at the start, keep OUTPUT_SIZE (F.pad crops when negative)\n"
            f"    ends = [n + a - m for n, (a, _), m in zip(OUTPUT_SIZE, PADDING, full.shape[2:])]\n"
            f"    y = pad(full, [(-a, e) for (a, _), e in zip(PADDING, ends)])\n"
            f"    y = y if b is None else y + b.reshape((1, -1{', 1' * nd}))"
        )
        doc = f"PyTorch's own F.conv_transpose{nd}d, cropped by the uneven padding."
    return f'''
def reference_forward(x, weight, bias=None):
    """{doc}"""
    b = None if bias is None else bias_to_torch(bias)
{body}
    return output_from_torch(y)
'''
