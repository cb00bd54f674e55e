"""Animations (``--animate FILE.gif``): the forward pass window by window, then the backward pass.

Frames are planned as data first (:func:`plan_animation`: which maps, which cells each frame
marks, every label), then drawn (:mod:`gradsym.render.animate_draw`) with Matplotlib and written as a GIF by
``matplotlib.animation.PillowWriter`` — no external programs.

- conv: each output element's window on the padded, dilated input, the kernel taps it reads
  and the element written; then ∂L/∂x as the full convolution of g̃ (g zero-inserted by the
  stride, padded by d(k−1)) with rot180(k), one frame per input-gradient element.
- deconv: every output element gathers the products x·k its input elements scatter onto it;
  then ∂L/∂x as the convolution of the padded g with k (stride s, dilation d).
- pool: each output's window; then the routing of each g to the window's first maximum
  (max) or its even spreading (avg).

1-D maps are drawn as one row; a 3-D map as the depth slice a frame reads (one frame per
element and kernel depth slice). Channel layouts (channels, groups, batch; 1-D and 2-D) are
drawn as one labelled slice per (sample, channel).

>>> import gradsym
>>> plan = plan_animation(gradsym.conv(input=(3, 3), kernel=(2, 2)))
>>> len(plan.frames), plan.forward_frames
(13, 4)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym import grids
from gradsym.grids import ZERO
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

MAX_FRAMES = 400  # about 0.1 s of drawing each; beyond this a GIF is too long to watch anyway
MAX_CELLS = 40  # cells along one side of a drawn map
COMMANDS = ("conv", "deconv", "pool", "upsample")


@dataclass
class Map:
    """One labelled map: its cells' text (depth, rows, cols) and which cells are structural zeros."""

    key: str  # input, kernel, output, g_tilde, k_rot, g_padded, upstream, grad_input
    title: str
    texts: np.ndarray  # object array of str, 3-D
    zero: np.ndarray  # bool, 3-D: padding / inserted zeros, drawn grey
    slices: list[str] | None = None  # a label per depth slice (channel layouts: sample, channel)


@dataclass
class Marks:
    """What one frame shows on one map (cells as (row, col) in the shown depth slice)."""

    depth: int = 0
    window: tuple[int, int, int, int] | None = None  # row, col, height, width
    taps: list[tuple[int, int]] = field(default_factory=list)  # cells read (or routed to)
    target: tuple[int, int] | None = None  # the element being written
    done: list[tuple[int, int]] = field(default_factory=list)  # elements already written
    footprint: list[tuple[int, int]] = field(default_factory=list)  # deconv: where inputs scatter


@dataclass
class Frame:
    phase: str  # forward | backward
    caption: str
    marks: dict[str, Marks]


@dataclass
class Plan:
    """Everything an animation draws: the maps of both phases and every frame's marks."""

    title: str
    forward_maps: list[Map]
    backward_maps: list[Map]
    frames: list[Frame]
    forward_frames: int

    def labels(self, index: int) -> list[str]:
        """The texts frame ``index`` shows: the title, its caption and every map's title."""
        frame = self.frames[index]
        out = [self.title, frame.caption]
        for m in self.forward_maps + self.backward_maps:
            out.append(map_title(m, frame.marks.get(m.key)))
        return out


def map_title(m: Map, marks: Marks | None, t: Catalogue | None = None) -> str:
    depth = m.texts.shape[0]
    if marks is not None and m.slices is not None:
        return m.title + "\n" + m.slices[marks.depth]
    if depth == 1 or marks is None:
        return m.title
    t = t or _CATALOGUE[0]
    return m.title + "\n" + t("plot.depth_slice", index=marks.depth + 1, total=depth)


_CATALOGUE = [Catalogue("en")]


# -- planning ---------------------------------------------------------------------------------
def frame_count(d: Derivation) -> int:
    """How many frames the animation of ``d`` has (checked against MAX_FRAMES)."""
    return len(plan_animation(d, check=False).frames)


def plan_animation(d: Derivation, lang: str = "en", *, check: bool = True) -> Plan:
    """The frames of ``d``'s animation, as data.

    Raises :class:`~gradsym.errors.SpecError` for a command without animation, channel
    layouts of 3-D inputs, symbolic sizes, too many frames or too large maps (when ``check``).
    """
    from gradsym.errors import SpecError

    t = Catalogue(lang)
    _CATALOGUE[0] = t
    if d.command not in COMMANDS:
        raise SpecError(Catalogue("en")("error.animate.command", command=d.command))
    config = d.config
    if config.get("general"):
        raise SpecError(Catalogue("en")("error.animate.general"))
    channels = config.get("layout", "plain") != "plain"
    if channels and len(config["input"]) > 2:
        raise SpecError(Catalogue("en")("error.animate.channels_depth"))
    if d.command == "deconv" and channels and config.get("convention") == "jax":
        raise SpecError(Catalogue("en")("error.animate.jax"))
    cells = _Cells(d)
    if d.command == "conv" and channels:
        plan = _plan_conv_channels(d, t)
    elif d.command == "conv":
        plan = _plan_conv(d, cells, t)
    elif d.command == "deconv" and channels:
        plan = _plan_deconv_channels(d, t)
    elif d.command == "deconv":
        plan = _plan_deconv(d, cells, t)
    elif d.command == "upsample":
        plan = _plan_upsample(d, cells, t)
    else:
        plan = _plan_pool(d, cells, t)
    if check:
        total = len(plan.frames)
        if total > MAX_FRAMES:
            raise SpecError(Catalogue("en")("error.animate.frames", frames=total, limit=MAX_FRAMES))
        for m in plan.forward_maps + plan.backward_maps:
            side = max(m.texts.shape[1:])
            if side > MAX_CELLS:
                raise SpecError(Catalogue("en")("error.animate.cells", map=m.key, cells=side,
                                                limit=MAX_CELLS))
    return plan


class _Cells:
    """Cell texts: a symbol's name, or its number when values are given."""

    def __init__(self, d: Derivation) -> None:
        from gradsym.render.plot import _point_values

        self.d = d
        self.values = _point_values(d)
        self.padding = "0"

    def ids(self, grid: np.ndarray) -> np.ndarray:
        from gradsym.render.text import subscript_name

        out = np.empty(grid.shape, dtype=object)
        for pos, var in np.ndenumerate(grid):
            var = int(var)
            if var == ZERO:
                out[pos] = self.padding
            elif var in self.values:
                out[pos] = _number(self.values[var])
            else:
                letter, index = self.d.table.keys[var]
                out[pos] = subscript_name(letter, index)
        return out

    def named(self, letter: str, shape: tuple[int, ...], values: np.ndarray | None) -> np.ndarray:
        from gradsym.render.text import subscript_name

        out = np.empty(shape, dtype=object)
        for pos in np.ndindex(*shape):
            if values is not None:
                out[pos] = _number(values[pos])
            else:
                out[pos] = subscript_name(letter, tuple(i + 1 for i in pos))
        return out


def _number(value: Any) -> str:
    from gradsym.render.plot import _short_number

    return _short_number(value)


def _as3(arr: np.ndarray) -> np.ndarray:
    """(L,) → (1, 1, L); (H, W) → (1, H, W); 3-D unchanged."""
    while arr.ndim < 3:
        arr = arr[np.newaxis]
    return arr


def _pad3(values: tuple[int, ...], fill: int) -> tuple[int, ...]:
    return (fill,) * (3 - len(values)) + tuple(values)


def _map(key: str, title: str, texts: np.ndarray, zero: np.ndarray | None = None) -> Map:
    texts3 = _as3(texts)
    zero3 = _as3(zero) if zero is not None else np.zeros(texts3.shape, dtype=bool)
    return Map(key, title, texts3, zero3)


def _id_map(cells: _Cells, key: str, title: str, grid: np.ndarray) -> Map:
    return _map(key, title, cells.ids(grid), grid == ZERO)


def _grad_names(cells: _Cells, d: Derivation, letter: str) -> np.ndarray:
    shape = tuple(d.symbols["input"].shape)
    values = d.numeric.grad_values.get("input") if d.numeric is not None else None
    names = cells.named(letter, shape, values)
    if values is None:
        names = np.vectorize(lambda s: "∂L/∂" + s, otypes=[object])(names)
    return _view3(names, d)


def _view3(arr: np.ndarray, d: Derivation) -> np.ndarray:
    """A channel layout (N, C, spatial…) as (N·C, rows, cols) slices; a plain tensor as is."""
    if d.config.get("layout", "plain") == "plain":
        return arr
    return _view(arr, len(d.config["input"]))


def _caption_names(d: Derivation, which: str) -> np.ndarray:
    """Captions name the element by its symbol, with its number when known: ``y₂,₁ = 4``."""
    from gradsym.render.text import subscript_name

    if which == "output":
        shape, prefix = tuple(d.symbols["upstream"].shape), ""
        letter = d.output_letter
        values = d.numeric.forward_values if d.numeric is not None else None
    else:
        shape, prefix, letter = tuple(d.symbols["input"].shape), "∂L/∂", d.symbols["input"].letter
        values = d.numeric.grad_values.get("input") if d.numeric is not None else None
    out = np.empty(shape, dtype=object)
    for pos in np.ndindex(*shape):
        name = prefix + subscript_name(letter, tuple(i + 1 for i in pos))
        out[pos] = name if values is None else f"{name} = {_number(values[pos])}"
    return _as3(_view3(out, d))


def _output_names(cells: _Cells, d: Derivation) -> np.ndarray:
    shape = tuple(d.symbols["upstream"].shape)  # g has the output's shape, in every layout
    values = d.numeric.forward_values if d.numeric is not None else None
    return _view3(cells.named(d.output_letter, shape, values), d)


def _correlation_frames(
    t: Catalogue, phase: str, image: str, kernel: str | None, result: str, *,
    image_shape: tuple[int, ...], kernel_grid: np.ndarray, result_shape: tuple[int, ...],
    stride: tuple[int, ...], dilation: tuple[int, ...], origin: tuple[int, ...],
    caption_key: str, result_names: np.ndarray,
) -> list[Frame]:
    """One frame per result element (and, in 3-D, per kernel depth slice that holds a tap):
    the window at stride·p + origin on ``image``, its taps at + dilation·q, the element written.

    Every shape is 3-D (1-D and 2-D padded with leading ones). ``kernel_grid`` marks the
    kernel's structural zeros (ZERO), which are not taps.
    """
    frames = []
    kd, kh, kw = kernel_grid.shape
    slices = [z for z in range(kd) if (kernel_grid[z] != ZERO).any()]
    order = list(np.ndindex(*result_shape))
    span = tuple(dl * (k - 1) + 1 for dl, k in zip(dilation, kernel_grid.shape))
    for n, p in enumerate(order):
        start = tuple(s * pi + o for s, pi, o in zip(stride, p, origin))
        done = [(r, c) for (z, r, c) in order[:n] if z == p[0]]
        for z in slices:
            depth = start[0] + dilation[0] * z
            taps = [
                (start[1] + dilation[1] * i, start[2] + dilation[2] * j)
                for i in range(kh) for j in range(kw) if kernel_grid[z, i, j] != ZERO
            ]
            taps = [(r, c) for r, c in taps if r < image_shape[1] and c < image_shape[2]]
            marks = {
                image: Marks(depth, (start[1], start[2], span[1], span[2]), taps),
                result: Marks(p[0], target=(p[1], p[2]), done=done),
            }
            if kernel is not None:
                marks[kernel] = Marks(z, taps=[(i, j) for i in range(kh) for j in range(kw)
                                               if kernel_grid[z, i, j] != ZERO])
            frames.append(Frame(phase, t(caption_key, name=str(result_names[p])), marks))
    return frames


def conv_grids(cfg: dict[str, Any], x: np.ndarray, k: np.ndarray,
               g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The padded input, g̃ and rot180(k) (dilated) of a convolution, over the trailing spatial
    axes (leading batch/channel axes kept): g̃ and rot180(k) exactly as the proof builds them,
    the full convolution cropped at p_before."""
    nd = len(cfg["input"])
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    ksize = tuple(cfg["kernel"])
    remainder = [
        (i + a + b - dl * (kk - 1) - 1) % s
        for i, (a, b), dl, kk, s in zip(cfg["input"], pads, dil, ksize, stride)
    ]
    full_pad = [(dl * (kk - 1), dl * (kk - 1) + r) for dl, kk, r in zip(dil, ksize, remainder)]
    g_tilde = grids.pad(grids.zero_insert(g, stride), full_pad)
    k_rot = grids.zero_insert(grids.rot180(k, nd), dil)
    return grids.pad(x, pads), g_tilde, k_rot


def _plan_conv(d: Derivation, cells: _Cells, t: Catalogue) -> Plan:
    cfg = d.config
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    ksize, out = tuple(cfg["kernel"]), tuple(cfg["output"])
    x = d.symbols["input"].ids.reshape(cfg["input"])
    k = d.symbols["kernel"].ids.reshape(ksize)
    g = d.symbols["upstream"].ids.reshape(out)
    x_pad, g_tilde, k_rot = conv_grids(cfg, x, k, g)
    y_names = _output_names(cells, d)
    dx_names = _grad_names(cells, d, d.symbols["input"].letter)
    forward_maps = [
        _id_map(cells, "input", t("anim.input_padded"), x_pad),
        _id_map(cells, "kernel", t("anim.kernel"), k),
        _map("output", t("anim.output"), y_names),
    ]
    backward_maps = [
        _id_map(cells, "g_tilde", t("anim.g_tilde"), g_tilde),
        _id_map(cells, "k_rot", t("anim.k_rot"), k_rot),
        _map("grad_input", t("anim.grad_input"), dx_names),
    ]
    forward = _correlation_frames(
        t, "forward", "input", "kernel", "output", image_shape=_pad3(x_pad.shape, 1),
        kernel_grid=_as3(k), result_shape=_pad3(out, 1), stride=_pad3(stride, 1),
        dilation=_pad3(dil, 1), origin=(0, 0, 0), caption_key="anim.caption_forward",
        result_names=_caption_names(d, "output"),
    )
    backward = _correlation_frames(
        t, "backward", "g_tilde", "k_rot", "grad_input", image_shape=_pad3(g_tilde.shape, 1),
        kernel_grid=_as3(k_rot), result_shape=_pad3(tuple(cfg["input"]), 1),
        stride=(1, 1, 1), dilation=(1, 1, 1), origin=_pad3(tuple(p[0] for p in pads), 0),
        caption_key="anim.caption_backward", result_names=_caption_names(d, "grad"),
    )
    return _finish(d, t, forward_maps, backward_maps, forward, backward)


def _plan_deconv(d: Derivation, cells: _Cells, t: Catalogue) -> Plan:
    cfg = d.config
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    spatial, ksize, out = tuple(cfg["input"]), tuple(cfg["kernel"]), tuple(cfg["output"])
    x = d.symbols["input"].ids.reshape(spatial)
    k = d.symbols["kernel"].ids.reshape(ksize)
    kernel_title = t("anim.kernel")
    if cfg.get("convention") == "jax":
        # lax.conv_transpose does not flip the kernel: it is PyTorch's transposed convolution
        # with rot180(k) and the padding in the configuration (the proof
        # matches_torch_with_rot180_kernel), so the scatter is drawn with the rotated kernel
        k = grids.rot180(k, len(ksize))
        kernel_title = t("anim.kernel_jax")
    g = d.symbols["upstream"].ids.reshape(out)
    g_pad = grids.pad(g, pads)
    y_names = _output_names(cells, d)
    dx_names = _grad_names(cells, d, d.symbols["input"].letter)
    forward_maps = [
        _id_map(cells, "input", t("anim.input"), x),
        _id_map(cells, "kernel", kernel_title, k),
        _map("output", t("anim.output_scatter"), y_names),
    ]
    backward_maps = [
        _id_map(cells, "g_padded", t("anim.g_padded"), g_pad),
        _id_map(cells, "kernel", kernel_title, k),
        _map("grad_input", t("anim.grad_input"), dx_names),
    ]
    # forward: output o gathers x[i]·k[q] for every s·i + d·q − p_before = o
    s3, d3, k3 = _pad3(stride, 1), _pad3(dil, 1), _pad3(ksize, 1)
    before = _pad3(tuple(p[0] for p in pads), 0)
    in3, out3 = _pad3(spatial, 1), _pad3(out, 1)
    order = list(np.ndindex(*out3))
    forward: list[Frame] = []
    for n, o in enumerate(order):
        done = [(r, c) for (z, r, c) in order[:n] if z == o[0]]
        pairs = scatter_pairs(o, in3, k3, s3, d3, before)
        for qz in range(k3[0]):
            here = [(i, q) for i, q in pairs if q[0] == qz]
            iz = here[0][0][0] if here else min(max((o[0] + before[0] - d3[0] * qz) // s3[0], 0), in3[0] - 1)
            footprint = sorted({
                (s3[1] * i[1] + d3[1] * a - before[1], s3[2] * i[2] + d3[2] * b - before[2])
                for i, _ in here for a in range(k3[1]) for b in range(k3[2])
            })
            footprint = [(r, c) for r, c in footprint if 0 <= r < out3[1] and 0 <= c < out3[2]]
            marks = {
                "input": Marks(iz, taps=[(i[1], i[2]) for i, _ in here]),
                "kernel": Marks(qz, taps=[(q[1], q[2]) for _, q in here]),
                "output": Marks(o[0], target=(o[1], o[2]), done=done, footprint=footprint),
            }
            forward.append(Frame("forward", t("anim.caption_scatter", name=str(_caption_names(d, "output")[o])), marks))
    backward = _correlation_frames(
        t, "backward", "g_padded", "kernel", "grad_input", image_shape=_pad3(g_pad.shape, 1),
        kernel_grid=_as3(k), result_shape=in3, stride=s3, dilation=d3, origin=(0, 0, 0),
        caption_key="anim.caption_deconv_backward", result_names=_caption_names(d, "grad"),
    )
    return _finish(d, t, forward_maps, backward_maps, forward, backward)


def scatter_pairs(o: tuple[int, ...], inputs: tuple[int, ...], kernel: tuple[int, ...],
                  stride: tuple[int, ...], dilation: tuple[int, ...],
                  before: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every (input position i, kernel offset q) a transposed convolution writes to ``o``:
    s·i + d·q − p_before = o, per dimension.

    >>> scatter_pairs((2,), (3,), (2,), (2,), (1,), (0,))
    [((1,), (0,))]
    """
    out = []
    for q in itertools.product(*(range(k) for k in kernel)):
        i = []
        for oa, qa, s, dl, b, n in zip(o, q, stride, dilation, before, inputs):
            num = oa + b - dl * qa
            if num < 0 or num % s or num // s >= n:
                break
            i.append(num // s)
        else:
            out.append((tuple(i), q))
    return sorted(out)


def _plan_pool(d: Derivation, cells: _Cells, t: Catalogue) -> Plan:
    cfg = d.config
    mode = cfg["mode"]
    spatial, size, out = tuple(cfg["input"]), tuple(cfg["size"]), tuple(cfg["output"])
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    labels = None
    if cfg.get("layout", "plain") != "plain":
        # channels are independent: the (sample, channel) slices are the depth of a 3-D
        # pooling whose window is one slice deep
        labels = _slice_labels(t, cfg["batch"], cfg["in_channels"])
        depth = len(labels)
        spatial, out = ((depth,) + _pad3(v, 1)[1:] for v in (spatial, out))
        size = (1,) + _pad3(size, 1)[1:]
        stride, dil = (1,) + _pad3(stride, 1)[1:], (1,) + _pad3(dil, 1)[1:]
        pads = [(0, 0)] + [(0, 0)] * (2 - len(pads)) + pads
    x = d.symbols["input"].ids.reshape(spatial)
    g = d.symbols["upstream"].ids.reshape(out)
    # PyTorch pads max pooling with −∞ and average pooling with zeros (counted)
    cells.padding = "−∞" if mode == "max" else "0"
    x_pad = grids.pad(x, pads)
    # a ceil_mode window may hang past the padded input: draw those cells as padding too
    reach = [s * (o - 1) + dl * (k - 1) + 1 for s, o, dl, k in zip(stride, out, dil, size)]
    x_pad = grids.pad(x_pad, [(0, max(0, r - n)) for r, n in zip(reach, x_pad.shape)])
    y_names = _output_names(cells, d)
    dx_names = _grad_names(cells, d, d.symbols["input"].letter)
    window = np.zeros(size, dtype=np.int64)  # no structural zeros: every cell is a tap
    forward_maps = [
        _id_map(cells, "input", t("anim.input_padded"), x_pad),
        _map("output", t("anim.output"), y_names),
    ]
    backward_maps = [
        _id_map(cells, "upstream", t("anim.upstream"), g),
        _map("grad_input", t("anim.grad_input"), dx_names),
    ]
    if labels is not None:
        for m in forward_maps + backward_maps:
            m.slices = labels
    forward = _correlation_frames(
        t, "forward", "input", None, "output", image_shape=_pad3(x_pad.shape, 1),
        kernel_grid=_as3(window), result_shape=_pad3(out, 1), stride=_pad3(stride, 1),
        dilation=_pad3(dil, 1), origin=(0, 0, 0), caption_key=f"anim.caption_pool_{mode}",
        result_names=_caption_names(d, "output"),
    )
    # backward: each g_o goes where the Jacobian's row o is non-zero (at the values, if given)
    jac = d.jacobians["input"]
    numeric = d.numeric.jacobian_values.get("input") if d.numeric is not None else None
    rows: dict[int, list[int]] = {}
    for (row, w), entry in (numeric or jac.entries).items():
        if numeric is None or entry != 0:
            rows.setdefault(row, []).append(w)
    in3, out3 = _pad3(spatial, 1), _pad3(out, 1)
    s3, d3, k3 = _pad3(stride, 1), _pad3(dil, 1), _pad3(size, 1)
    before = _pad3(tuple(p[0] for p in pads), 0)
    order = list(np.ndindex(*out3))
    routed_so_far: list[tuple[int, int, int]] = []
    if mode == "avg":
        key = "anim.caption_spread"
    else:
        key = "anim.caption_route" if numeric is not None else "anim.caption_route_symbolic"
    backward: list[Frame] = []
    for n, o in enumerate(order):
        routed: list[tuple[int, int, int]] = []
        for w in sorted(rows.get(n, [])):
            z, r, c = np.unravel_index(w, in3)
            routed.append((int(z), int(r), int(c)))
        start = tuple(s * oi - b for s, oi, b in zip(s3, o, before))
        span = tuple(dl * (k - 1) + 1 for dl, k in zip(d3, k3))
        for jz in range(k3[0]):
            depth = min(max(start[0] + d3[0] * jz, 0), in3[0] - 1)
            here = [(r, c) for z, r, c in routed if z == depth]
            done = [(r, c) for z, r, c in routed_so_far if z == depth]
            marks = {
                "upstream": Marks(o[0], target=(o[1], o[2]),
                                  done=[(r, c) for (z, r, c) in order[:n] if z == o[0]]),
                "grad_input": Marks(depth, (start[1], start[2], span[1], span[2]), here, done=done),
            }
            name = cells.named(d.symbols["upstream"].letter, tuple(d.symbols["upstream"].shape),
                               None).reshape(out3)[o]
            backward.append(Frame("backward", t(key, name=str(name)), marks))
        routed_so_far.extend(routed)
    return _finish(d, t, forward_maps, backward_maps, forward, backward)


def _plan_upsample(d: Derivation, cells: _Cells, t: Catalogue) -> Plan:
    """Forward: each output and the inputs it samples (row o of ∂y/∂x); backward: each
    ∂L/∂x_i and the g of every output that samples x_i (column i)."""
    spatial, out = tuple(d.config["input"]), tuple(d.config["output"])
    x = d.symbols["input"].ids.reshape(spatial)
    g = d.symbols["upstream"].ids.reshape(out)
    forward_maps = [_id_map(cells, "input", t("anim.input"), x),
                    _map("output", t("anim.output"), _output_names(cells, d))]
    backward_maps = [_id_map(cells, "upstream", t("anim.upstream"), g),
                     _map("grad_input", t("anim.grad_input"), _grad_names(cells, d, d.symbols["input"].letter))]
    reads: dict[int, list[int]] = {}
    readers: dict[int, list[int]] = {}
    for o, w in d.jacobians["input"].entries:
        reads.setdefault(o, []).append(w)
        readers.setdefault(w, []).append(o)
    in3, out3 = _pad3(spatial, 1), _pad3(out, 1)

    def frames(phase: str, source: str, target: str, order_shape: tuple[int, ...], cells_shape: tuple[int, ...],
               links: dict[int, list[int]], key: str, names: np.ndarray) -> list[Frame]:
        order = list(np.ndindex(*order_shape))
        made = []
        for n, p in enumerate(order):
            linked = [tuple(int(i) for i in np.unravel_index(w, cells_shape)) for w in sorted(links.get(n, []))]
            for depth in sorted({z for z, _, _ in linked}):
                marks = {
                    source: Marks(depth, taps=[(r, c) for z, r, c in linked if z == depth]),
                    target: Marks(p[0], target=(p[1], p[2]), done=[(r, c) for (z, r, c) in order[:n] if z == p[0]]),
                }
                made.append(Frame(phase, t(key, name=str(names[p])), marks))
        return made

    forward = frames("forward", "input", "output", out3, in3, reads, "anim.caption_upsample",
                     _caption_names(d, "output"))
    backward = frames("backward", "upstream", "grad_input", in3, out3, readers, "anim.caption_upsample_backward",
                      _caption_names(d, "grad"))
    return _finish(d, t, forward_maps, backward_maps, forward, backward)


def _finish(d: Derivation, t: Catalogue, forward_maps: list[Map], backward_maps: list[Map],
            forward: list[Frame], backward: list[Frame]) -> Plan:
    frames = forward + backward
    total = len(frames)
    for n, frame in enumerate(frames):
        phase = t("anim.phase_forward" if frame.phase == "forward" else "anim.phase_backward")
        frame.caption = f"{phase} · {t('anim.frame', index=n + 1, total=total)}: {frame.caption}"
    return Plan(t("anim.title", command=d.command), forward_maps, backward_maps, frames, len(forward))


# -- channel layouts ----------------------------------------------------------------------------
# A layout (N, C, spatial…) is drawn as the slices of a 3-D map, one slice per (sample n,
# channel c), each labelled. conv: y[n, o] = Σ_{c in o's group} x[n, c] ⋆ k[o, c], one frame per
# output element and input channel of its group (the window on slice (n, c), the kernel slice
# (o, c), the element accumulating); backward ∂L/∂x[n, c] = Σ_o g̃[n, o] ⋆ rot180(k[o, c]), one
# frame per input element and output channel of its group. deconv likewise. pool: channels are
# independent, so the (n, c) slices are the depth of a 3-D pooling with window depth 1.
def _view(arr: np.ndarray, spatial: int) -> np.ndarray:
    """(N, C, L) → (N·C, 1, L); (N, C, H, W) → (N·C, H, W): one slice per (n, c)."""
    lead = arr.shape[: arr.ndim - spatial]
    rest = (1,) * (2 - spatial) + tuple(arr.shape[arr.ndim - spatial:])
    return arr.reshape((int(np.prod(lead)),) + rest)


def _slice_labels(t: Catalogue, batch: int, channels: int) -> list[str]:
    """``sample n, channel c`` per (n, c) slice, row-major (just ``channel c`` for one sample)."""
    if batch == 1:
        return [t("anim.ch.slice_channel", c=c + 1) for c in range(channels)]
    return [t("anim.ch.slice_sample_channel", n=n + 1, c=c + 1)
            for n in range(batch) for c in range(channels)]


def _frames(t: Catalogue, phase: str, image: str, kernel: str, result: str, *,
            kernel_grid: np.ndarray, result_shape: tuple[int, ...], stride: tuple[int, int],
            dilation: tuple[int, int], origin: tuple[int, int], terms: list[list[tuple[int, int, dict[str, int]]]],
            caption_key: str, names: np.ndarray) -> list[Frame]:
    """Per result slice, per element (row-major), per term (image slice, kernel slice, caption
    fields): the window at stride·p + origin on the image slice, its taps at + dilation·q where
    the kernel slice holds no structural zero, and the element accumulating."""
    frames = []
    _, kh, kw = kernel_grid.shape
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    positions = list(np.ndindex(*result_shape[1:]))
    for rs in range(result_shape[0]):
        for n, p in enumerate(positions):
            start = (stride[0] * p[0] + origin[0], stride[1] * p[1] + origin[1])
            for image_slice, kernel_slice, fields in terms[rs]:
                qs = [(i, j) for i in range(kh) for j in range(kw) if kernel_grid[kernel_slice, i, j] != ZERO]
                marks = {
                    image: Marks(image_slice, (start[0], start[1], span[0], span[1]),
                                 [(start[0] + dilation[0] * i, start[1] + dilation[1] * j) for i, j in qs]),
                    kernel: Marks(kernel_slice, taps=qs),
                    result: Marks(rs, target=p, done=positions[:n]),
                }
                key = caption_key + ("_one" if fields["terms"] == 1 else "")
                frames.append(Frame(phase, t(key, name=str(names[rs][p]), **fields), marks))
    return frames


def _add_bias(d: Derivation, t: Catalogue, forward: list[Frame], terms: int, cout: int) -> None:
    """The last frame of each output element says the bias is added after the channel sum."""
    from gradsym.render.text import subscript_name

    bias = d.symbols.get("bias")
    if bias is None:
        return
    for frame in forward[terms - 1::terms]:
        o = int(frame.marks["output"].depth) % cout
        frame.caption += t("anim.ch.caption_bias", bias=subscript_name(bias.letter, (o + 1,)))


def _two(values: list[int] | tuple[int, ...], fill: int) -> tuple[int, int]:
    """A 1-D size (L,) as (fill, L); a 2-D size unchanged."""
    a, b = (fill,) * (2 - len(values)) + tuple(values)
    return a, b


def _plan_conv_channels(d: Derivation, t: Catalogue) -> Plan:
    cfg = d.config
    nd = len(cfg["input"])
    batch, cin, cout, groups = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    cin_g, cout_g = cin // groups, cout // groups
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    cells = _Cells(d)
    k = d.symbols["kernel"].ids
    x_pad, g_tilde, k_rot = conv_grids(cfg, d.symbols["input"].ids, k, d.symbols["upstream"].ids)
    x_labels, y_labels = _slice_labels(t, batch, cin), _slice_labels(t, batch, cout)
    k_labels = [t("anim.ch.slice_kernel", o=o + 1, j=j + 1, c=(o // cout_g) * cin_g + j + 1)
                for o in range(cout) for j in range(cin_g)]

    def labelled(m: Map, labels: list[str]) -> Map:
        m.slices = labels
        return m

    forward_maps = [
        labelled(_id_map(cells, "input", t("anim.input_padded"), _view(x_pad, nd)), x_labels),
        labelled(_id_map(cells, "kernel", t("anim.kernel"), _view(k, nd)), k_labels),
        labelled(_map("output", t("anim.output"), _output_names(cells, d)), y_labels),
    ]
    backward_maps = [
        labelled(_id_map(cells, "g_tilde", t("anim.g_tilde"), _view(g_tilde, nd)), y_labels),
        labelled(_id_map(cells, "k_rot", t("anim.k_rot"), _view(k_rot, nd)), k_labels),
        labelled(_map("grad_input", t("anim.grad_input"), _grad_names(cells, d, d.symbols["input"].letter)),
                 x_labels),
    ]

    def two(values: list[int] | tuple[int, ...], fill: int) -> tuple[int, int]:
        a, b = (fill,) * (2 - nd) + tuple(values)
        return a, b

    forward_terms: list[list[tuple[int, int, dict[str, int]]]] = []
    for n in range(batch):
        for o in range(cout):
            base = (o // cout_g) * cin_g
            row: list[tuple[int, int, dict[str, int]]] = []
            for j in range(cin_g):
                fields = {"c": base + j + 1, "o": o + 1, "j": j + 1, "term": j + 1, "terms": cin_g}
                row.append((n * cin + base + j, o * cin_g + j, fields))
            forward_terms.append(row)
    backward_terms: list[list[tuple[int, int, dict[str, int]]]] = []
    for n in range(batch):
        for c in range(cin):
            base, j = (c // cin_g) * cout_g, c % cin_g
            backward_terms.append([
                (n * cout + base + m, (base + m) * cin_g + j,
                 {"c": c + 1, "o": base + m + 1, "j": j + 1, "term": m + 1, "terms": cout_g})
                for m in range(cout_g)
            ])
    forward = _frames(
        t, "forward", "input", "kernel", "output", kernel_grid=_view(k, nd),
        result_shape=(batch * cout,) + two(cfg["output"], 1), stride=two(stride, 1), dilation=two(dil, 1),
        origin=(0, 0), terms=forward_terms, caption_key="anim.ch.caption_forward",
        names=_caption_names(d, "output"),
    )
    _add_bias(d, t, forward, cin_g, cout)
    backward = _frames(
        t, "backward", "g_tilde", "k_rot", "grad_input", kernel_grid=_view(k_rot, nd),
        result_shape=(batch * cin,) + two(cfg["input"], 1), stride=(1, 1), dilation=(1, 1),
        origin=two([p[0] for p in pads], 0), terms=backward_terms, caption_key="anim.ch.caption_backward",
        names=_caption_names(d, "grad"),
    )
    return _finish(d, t, forward_maps, backward_maps, forward, backward)




def _plan_deconv_channels(d: Derivation, t: Catalogue) -> Plan:
    """y[n, o] = Σ_{c in o's group} (x[n, c] scattered through k[c, o mod C_out/G]); one frame per
    output element and input channel of its group; backward ∂L/∂x[n, c] = Σ_o window of the
    padded g[n, o] ⊙ k[c, ·] at stride s, dilation d, one frame per input element and o."""
    cfg = d.config
    nd = len(cfg["input"])
    batch, cin, cout, groups = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    cin_g, cout_g = cin // groups, cout // groups
    stride, dil = _two(cfg["stride"], 1), _two(cfg["dilation"], 1)
    pads = [tuple(p) for p in cfg["padding"]]
    before = _two([p[0] for p in pads], 0)
    spatial, ksize, out = _two(cfg["input"], 1), _two(cfg["kernel"], 1), _two(cfg["output"], 1)
    cells = _Cells(d)
    k = _view(d.symbols["kernel"].ids, nd)
    g_pad = grids.pad(d.symbols["upstream"].ids, pads)
    x_labels, y_labels = _slice_labels(t, batch, cin), _slice_labels(t, batch, cout)
    k_labels = [t("anim.ch.slice_kernel_deconv", c=c + 1, m=m + 1, o=(c // cin_g) * cout_g + m + 1)
                for c in range(cin) for m in range(cout_g)]
    forward_maps = [
        _id_map(cells, "input", t("anim.input"), _view(d.symbols["input"].ids, nd)),
        _id_map(cells, "kernel", t("anim.kernel"), k),
        _map("output", t("anim.output_scatter"), _output_names(cells, d)),
    ]
    backward_maps = [
        _id_map(cells, "g_padded", t("anim.g_padded"), _view(g_pad, nd)),
        _id_map(cells, "kernel", t("anim.kernel"), k),
        _map("grad_input", t("anim.grad_input"), _grad_names(cells, d, d.symbols["input"].letter)),
    ]
    for m, labels in zip(forward_maps + backward_maps, [x_labels, k_labels, y_labels] * 2):
        m.slices = labels
    backward_maps[0].slices = y_labels
    backward_maps[2].slices = x_labels
    names = _caption_names(d, "output")
    positions = list(np.ndindex(*out))
    forward: list[Frame] = []
    for n in range(batch):
        for o in range(cout):
            base, m = (o // cout_g) * cin_g, o % cout_g
            for index, p in enumerate(positions):
                pairs = scatter_pairs(p, spatial, ksize, stride, dil, before)
                footprint = sorted({
                    (stride[0] * i[0] + dil[0] * a - before[0], stride[1] * i[1] + dil[1] * b - before[1])
                    for i, _ in pairs for a in range(ksize[0]) for b in range(ksize[1])
                })
                footprint = [(r, c) for r, c in footprint if 0 <= r < out[0] and 0 <= c < out[1]]
                for j in range(cin_g):
                    c = base + j
                    marks = {
                        "input": Marks(n * cin + c, taps=[(i[0], i[1]) for i, _ in pairs]),
                        "kernel": Marks(c * cout_g + m, taps=[(q[0], q[1]) for _, q in pairs]),
                        "output": Marks(n * cout + o, target=(p[0], p[1]), done=positions[:index],
                                        footprint=footprint),
                    }
                    key = "anim.ch.caption_scatter" + ("_one" if cin_g == 1 else "")
                    caption = t(key, name=str(names[n * cout + o][p]), c=c + 1, m=m + 1, term=j + 1,
                                terms=cin_g)
                    forward.append(Frame("forward", caption, marks))
    _add_bias(d, t, forward, cin_g, cout)
    backward_terms = [
        [(n * cout + (c // cin_g) * cout_g + m, c * cout_g + m,
          {"c": c + 1, "o": (c // cin_g) * cout_g + m + 1, "m": m + 1, "term": m + 1, "terms": cout_g})
         for m in range(cout_g)]
        for n in range(batch) for c in range(cin)
    ]
    backward = _frames(
        t, "backward", "g_padded", "kernel", "grad_input", kernel_grid=k,
        result_shape=(batch * cin,) + spatial, stride=stride, dilation=dil, origin=(0, 0),
        terms=backward_terms, caption_key="anim.ch.caption_deconv_backward",
        names=_caption_names(d, "grad"),
    )
    return _finish(d, t, forward_maps, backward_maps, forward, backward)


__all__ = ["MAX_FRAMES", "frame_count", "plan_animation"]
