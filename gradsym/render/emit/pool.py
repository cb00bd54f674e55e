"""Emitted code for ``pool``: max pooling routes the gradient to the argmax, average spreads it.

Every window is read through one index table (``window_index``: the flat position
s·p + d·q − p₀ of tap q of window p in the padded plane), so the forward pass is a
gather and the backward pass the matching scatter-add, for 1-D to 3-D alike.
"""

from __future__ import annotations

from typing import Any

from gradsym.render.emit import writer
from gradsym.render.emit.writer import literal

_OPS = {
    "numpy": '''
def gather(planes, index):
    """planes (P, L) read at index (W, K) → (P, W, K)."""
    return planes[:, index]


def scatter_add(values, index, length):
    """The transpose of gather: values (P, W, K) added into zeros (P, length) at index."""
    out = np.zeros((values.shape[0], length), dtype=values.dtype)
    np.add.at(out, (slice(None), index), values)
    return out


def pad_planes(u, pairs, fill):
    return np.pad(u, ((0, 0), (0, 0)) + tuple(pairs), constant_values=fill)


def ones_like(u):
    return np.ones_like(u)


def one_hot_first_max(windows):
    """1 at the first maximum of each window (PyTorch's tie rule), 0 elsewhere."""
    first = windows.argmax(axis=-1)
    return (np.arange(windows.shape[-1]) == first[..., None]).astype(windows.dtype)


INDEX = np.array(window_index())
DIVISOR = np.array(window_divisor())
''',
    "torch": '''
def gather(planes, index):
    """planes (P, L) read at index (W, K) → (P, W, K)."""
    return planes[:, index]


def scatter_add(values, index, length):
    """The transpose of gather: values (P, W, K) added into zeros (P, length) at index."""
    out = values.new_zeros((values.shape[0], length))
    return out.index_add(1, index.reshape(-1), values.reshape(values.shape[0], -1))


def pad_planes(u, pairs, fill):
    flat = [side for pair in reversed(pairs) for side in pair]  # F.pad counts from the last axis
    return F.pad(u, flat, value=fill)


def ones_like(u):
    return torch.ones_like(u)


def one_hot_first_max(windows):
    """1 at the first maximum of each window (PyTorch's tie rule), 0 elsewhere."""
    first = windows.argmax(dim=-1)
    return (torch.arange(windows.shape[-1]) == first[..., None]).to(windows.dtype)


INDEX = torch.tensor(window_index())
DIVISOR = torch.tensor(window_divisor())
''',
    "jax": '''
def gather(planes, index):
    """planes (P, L) read at index (W, K) → (P, W, K)."""
    return planes[:, index]


def scatter_add(values, index, length):
    """The transpose of gather: values (P, W, K) added into zeros (P, length) at index."""
    out = jnp.zeros((values.shape[0], length), dtype=values.dtype)
    return out.at[:, index].add(values)


def pad_planes(u, pairs, fill):
    return jnp.pad(u, ((0, 0), (0, 0)) + tuple(pairs), constant_values=fill)


def ones_like(u):
    return jnp.ones_like(u)


def one_hot_first_max(windows):
    """1 at the first maximum of each window (PyTorch's tie rule), 0 elsewhere."""
    first = jnp.argmax(windows, axis=-1)
    return (jnp.arange(windows.shape[-1]) == first[..., None]).astype(windows.dtype)


INDEX = jnp.array(window_index())
DIVISOR = jnp.array(window_divisor())
''',
}


def emit_pool(config: dict[str, Any], framework: str, command_line: str) -> str:
    nd = len(config["input"])
    mode = config["mode"]
    spatial, size, output = tuple(config["input"]), tuple(config["size"]), tuple(config["output"])
    stride, dilation = tuple(config["stride"]), tuple(config["dilation"])
    padding = tuple(tuple(p) for p in config["padding"])
    channels = config.get("layout") == "channels"
    batch, planes = int(config.get("batch", 1)), int(config.get("in_channels", 1))
    # padded plane: the input's padding, plus what ceil_mode's last window hangs over
    reach = tuple(s * (o - 1) + d * (k - 1) + 1 for s, o, d, k in zip(stride, output, dilation, size))
    ends = tuple(max(b, r - a - n) for n, (a, b), r in zip(spatial, padding, reach))
    padded = tuple(a + n + e for n, (a, _), e in zip(spatial, padding, ends))
    include_pad = bool(config.get("count_include_pad", True))
    in_shape = (batch, planes, *spatial) if channels else spatial
    api = (
        "forward(x) -> y\nbackward(grad_output, x) -> grad_input\n"
        + ("Layouts: x (N, C, *spatial), y (N, C, *output)." if channels
           else "Layouts: plain arrays x (input size), y (output size).")
    )
    constants = "# -- configuration, per spatial dimension (PyTorch's conventions) --\n" + writer.constants([
        ("WINDOW", size, "k"),
        ("STRIDE", stride, "s"),
        ("DILATION", dilation, "d"),
        ("PADDING", padding, "(before, after)"),
        ("INPUT_SIZE", spatial, ""),
        ("OUTPUT_SIZE", output, ""),
        ("PADDED_SIZE", padded, "the padded plane (ceil_mode's last window may reach past it)"),
        ("END_PADDING", tuple((a, e) for (a, _), e in zip(padding, ends)), "what is padded"),
        ("COUNT_INCLUDE_PAD", include_pad, "average: the divisor counts the padding"),
    ])
    tables = '''
# -- the window table, computed once from the configuration --
def window_index():
    """index[p][q] = flat position of tap q of window p in the padded plane: s·p + d·q per axis."""
    rows = []
    for p in itertools.product(*(range(n) for n in OUTPUT_SIZE)):
        row = []
        for q in itertools.product(*(range(k) for k in WINDOW)):
            flat = 0
            for pi, qi, s, d, n in zip(p, q, STRIDE, DILATION, PADDED_SIZE):
                flat = flat * n + s * pi + d * qi
            row.append(flat)
        rows.append(row)
    return rows


def window_divisor():
    """PyTorch's avg_pool divisor per window: the taps inside input + padding (or input only)."""
    out = []
    for p in itertools.product(*(range(n) for n in OUTPUT_SIZE)):
        count = 1
        for pi, k, s, (a, b), n in zip(p, WINDOW, STRIDE, PADDING, INPUT_SIZE):
            start = s * pi - a
            end = min(start + k, n + b)
            if not COUNT_INCLUDE_PAD:
                start, end = max(start, 0), min(end, n)
            count *= end - start
        out.append(count)
    return out
'''
    layout_in = "x" if channels else "x[None, None]"
    layout_out = "{v}" if channels else "{v}[0, 0]"
    plane = f"{layout_in}"
    fill = '-float("inf")' if mode == "max" else "0.0"
    if mode == "max":
        fwd_core = (
            "    # max pooling: y = the largest tap of each window (the padding is −∞, never chosen)\n"
            "    return windows.MAX"
        )
        bwd_core = (
            "    # grad_routes_to_argmax: each g goes to the first maximum of its window\n"
            "    routed = one_hot_first_max(windows) * g[..., None]"
        )
    else:
        fwd_core = (
            "    # average pooling: y = Σ window / divisor (the padding counts as zeros)\n"
            "    return windows.SUM / DIVISOR"
        )
        bwd_core = (
            "    # grad_spreads_evenly: each g / divisor goes to every tap of its window\n"
            "    routed = (g / DIVISOR)[..., None] * ones_like(windows)"
        )
    fwd_core = fwd_core.replace("MAX", "amax(dim=-1)" if framework == "torch" else "max(axis=-1)")
    fwd_core = fwd_core.replace("SUM", "sum(dim=-1)" if framework == "torch" else "sum(axis=-1)")
    layer = f'''
# -- the pooling and its derived backward --
# the input's own positions in the padded plane
CROP = (slice(None), slice(None)) + tuple(
    slice(a, a + n) for (a, _), n in zip(END_PADDING, INPUT_SIZE)
)


def windows_of(x):
    """Every window of the padded input: (N·C, windows, taps)."""
    u = pad_planes({plane}, END_PADDING, {fill})
    return gather(u.reshape(u.shape[0] * u.shape[1], -1), INDEX)


def forward_plain(x):
    windows = windows_of(x)
{fwd_core.replace("return windows", "pooled = windows")}
    return {layout_out.format(v="pooled.reshape(" + ("x.shape[:2]" if channels else "(1, 1)") + " + OUTPUT_SIZE)")}


def backward(grad_output, x):
    """grad_input = dL/dx for the upstream gradient dL/dy."""
    windows = windows_of(x)
    g = {("grad_output" if channels else "grad_output[None, None]")}
    g = g.reshape(g.shape[0] * g.shape[1], -1)
{bwd_core}
    grad_padded = scatter_add(routed, INDEX, math.prod(PADDED_SIZE))
    shape = {"tuple(x.shape[:2])" if channels else "(1, 1)"} + PADDED_SIZE
    grad = grad_padded.reshape(shape)[CROP]
    return {layout_out.format(v="grad")}
'''
    if framework == "torch":
        func = "max_pool" if mode == "max" else "avg_pool"
        extra = ("dilation=DILATION,\n        ceil_mode=CEIL_MODE" if mode == "max"
                 else "ceil_mode=CEIL_MODE,\n        count_include_pad=COUNT_INCLUDE_PAD")
        layer += writer.layer_forward(framework, "PoolFunction", ["x"])
        layer += f'''

CEIL_MODE = {bool(config.get("ceil_mode"))}


def reference_forward(x):
    """PyTorch's own F.{func}{nd}d."""
    y = F.{func}{nd}d(
        {layout_in},
        WINDOW,
        stride=STRIDE,
        padding=[a for a, _ in PADDING],
        {extra},
    )
    return {layout_out.format(v="y")}
'''
    else:
        layer += '''

def forward(x):
    return forward_plain(x)
'''
    arguments = writer.constants([("ARGUMENTS", f'(("x", {literal(in_shape)}, True),)', "")])
    body = writer.module(
        writer.header(title=f"{'Max' if mode == 'max' else 'Average'} pooling (pool)",
                      framework=framework, command_line=command_line, config=config, api=api),
        "import itertools\nimport math\n" + writer.imports(framework),
        constants,
        tables,
        "# -- building blocks --\n\n" + _OPS[framework],
        layer,
        "# -- self-test --\n" + arguments,
        writer.draw_function(framework),
        writer.layer_self_test(framework, name="pool",
                               reference="reference_forward" if framework == "torch" else None),
    )
    return body
