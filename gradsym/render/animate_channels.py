"""Animations of channel layouts (``--in-channels/--out-channels/--groups/--batch``), 1-D and 2-D.

A layout (N, C, spatial…) is drawn as the slices of a 3-D map, one slice per (sample n,
channel c), each labelled. conv: y[n, o] = Σ_{c in o's group} x[n, c] ⋆ k[o, c], one frame per
output element and input channel of its group (the window on slice (n, c), the kernel slice
(o, c), the element accumulating); backward ∂L/∂x[n, c] = Σ_o g̃[n, o] ⋆ rot180(k[o, c]), one
frame per input element and output channel of its group. pool: channels are independent, so
the (n, c) slices are the depth of a 3-D pooling with window depth 1.

>>> import gradsym
>>> d = gradsym.conv(input=(3,), kernel=(2,), in_channels=2, out_channels=2, groups=2)
>>> plan = plan_conv_channels(d, Catalogue("en"))
>>> len(plan.frames), plan.forward_frames
(10, 4)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gradsym import grids
from gradsym.grids import ZERO
from gradsym.render.animate import (
    Frame,
    Map,
    Marks,
    Plan,
    _caption_names,
    _Cells,
    _finish,
    _grad_names,
    _id_map,
    _map,
    _output_names,
    conv_grids,
)
from gradsym.render.messages import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def view(arr: np.ndarray, spatial: int) -> np.ndarray:
    """(N, C, L) → (N·C, 1, L); (N, C, H, W) → (N·C, H, W): one slice per (n, c)."""
    lead = arr.shape[: arr.ndim - spatial]
    rest = (1,) * (2 - spatial) + tuple(arr.shape[arr.ndim - spatial:])
    return arr.reshape((int(np.prod(lead)),) + rest)


def slice_labels(t: Catalogue, batch: int, channels: int) -> list[str]:
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


def plan_conv_channels(d: Derivation, t: Catalogue) -> Plan:
    cfg = d.config
    nd = len(cfg["input"])
    batch, cin, cout, groups = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    cin_g, cout_g = cin // groups, cout // groups
    stride, dil = tuple(cfg["stride"]), tuple(cfg["dilation"])
    pads = [tuple(p) for p in cfg["padding"]]
    cells = _Cells(d)
    k = d.symbols["kernel"].ids
    x_pad, g_tilde, k_rot = conv_grids(cfg, d.symbols["input"].ids, k, d.symbols["upstream"].ids)
    x_labels, y_labels = slice_labels(t, batch, cin), slice_labels(t, batch, cout)
    k_labels = [t("anim.ch.slice_kernel", o=o + 1, j=j + 1, c=(o // cout_g) * cin_g + j + 1)
                for o in range(cout) for j in range(cin_g)]

    def labelled(m: Map, labels: list[str]) -> Map:
        m.slices = labels
        return m

    forward_maps = [
        labelled(_id_map(cells, "input", t("anim.input_padded"), view(x_pad, nd)), x_labels),
        labelled(_id_map(cells, "kernel", t("anim.kernel"), view(k, nd)), k_labels),
        labelled(_map("output", t("anim.output"), _output_names(cells, d)), y_labels),
    ]
    backward_maps = [
        labelled(_id_map(cells, "g_tilde", t("anim.g_tilde"), view(g_tilde, nd)), y_labels),
        labelled(_id_map(cells, "k_rot", t("anim.k_rot"), view(k_rot, nd)), k_labels),
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
        t, "forward", "input", "kernel", "output", kernel_grid=view(k, nd),
        result_shape=(batch * cout,) + two(cfg["output"], 1), stride=two(stride, 1), dilation=two(dil, 1),
        origin=(0, 0), terms=forward_terms, caption_key="anim.ch.caption_forward",
        names=_caption_names(d, "output"),
    )
    _add_bias(d, t, forward, cin_g, cout)
    backward = _frames(
        t, "backward", "g_tilde", "k_rot", "grad_input", kernel_grid=view(k_rot, nd),
        result_shape=(batch * cin,) + two(cfg["input"], 1), stride=(1, 1), dilation=(1, 1),
        origin=two([p[0] for p in pads], 0), terms=backward_terms, caption_key="anim.ch.caption_backward",
        names=_caption_names(d, "grad"),
    )
    return _finish(d, t, forward_maps, backward_maps, forward, backward)




def plan_deconv_channels(d: Derivation, t: Catalogue) -> Plan:
    """y[n, o] = Σ_{c in o's group} (x[n, c] scattered through k[c, o mod C_out/G]); one frame per
    output element and input channel of its group; backward ∂L/∂x[n, c] = Σ_o window of the
    padded g[n, o] ⊙ k[c, ·] at stride s, dilation d, one frame per input element and o."""
    from gradsym.render.animate import scatter_pairs

    cfg = d.config
    nd = len(cfg["input"])
    batch, cin, cout, groups = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    cin_g, cout_g = cin // groups, cout // groups
    stride, dil = _two(cfg["stride"], 1), _two(cfg["dilation"], 1)
    pads = [tuple(p) for p in cfg["padding"]]
    before = _two([p[0] for p in pads], 0)
    spatial, ksize, out = _two(cfg["input"], 1), _two(cfg["kernel"], 1), _two(cfg["output"], 1)
    cells = _Cells(d)
    k = view(d.symbols["kernel"].ids, nd)
    g_pad = grids.pad(d.symbols["upstream"].ids, pads)
    x_labels, y_labels = slice_labels(t, batch, cin), slice_labels(t, batch, cout)
    k_labels = [t("anim.ch.slice_kernel_deconv", c=c + 1, m=m + 1, o=(c // cin_g) * cout_g + m + 1)
                for c in range(cin) for m in range(cout_g)]
    forward_maps = [
        _id_map(cells, "input", t("anim.input"), view(d.symbols["input"].ids, nd)),
        _id_map(cells, "kernel", t("anim.kernel"), k),
        _map("output", t("anim.output_scatter"), _output_names(cells, d)),
    ]
    backward_maps = [
        _id_map(cells, "g_padded", t("anim.g_padded"), view(g_pad, nd)),
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


__all__ = ["plan_conv_channels", "plan_deconv_channels", "slice_labels", "view"]
