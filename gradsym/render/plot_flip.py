"""The flipped-kernel picture's data: the grid, the rotated kernel, the window and the entry
it produces (1-D and 2-D whole, 3-D by depth slices), for one proof or every chain layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.poly import Poly
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

FLIP_CHECKS = ("grad_input_equals_full_conv_rot180_kernel", "forward_equals_full_conv_rot180_kernel")


@dataclass
class FlipPicture:
    """A padded grid, the rotated kernel's window on it, and the grid that results."""

    grid: np.ndarray  # var ids, ZERO for inserted/padding zeros
    kernel: np.ndarray
    grid_title: str
    kernel_title: str
    window: tuple[int, int]  # top-left corner of the window on ``grid``
    result: np.ndarray | None  # engine elements of the resulting grid, 2-D (None: not shown)
    result_values: np.ndarray | None
    result_letter: str
    result_prefix: str
    entry: tuple[int, int]  # the entry the window produces (0-based, in ``result``)
    # 3-D: the depth slices shown (grid, kernel, result), each "depth slice n of D"; else empty
    slices: tuple[str, str, str] = ("", "", "")
    entry_depth: int | None = None  # 3-D: the depth index (0-based) of ``entry``
    index_prefix: tuple[int, ...] = ()  # leading indices of the entry's name (chain: the layer)
    heading: str = ""  # a line above the grid's title (chain: which layer)


def flip_picture(d: Derivation, t: Catalogue) -> FlipPicture | None:
    """The data of the flipped-kernel picture, when a proof has one.

    1-D and 2-D grids are drawn whole; a 3-D one as the first depth slice the window
    touches (with the matching slices of the kernel and the result), named in the titles.
    """
    from gradsym.render.document import _message

    checks = [c for c in d.all_checks() if len(c.detail.get("grids", [])) >= 2]
    checks.sort(key=lambda c: (c.name not in FLIP_CHECKS, FLIP_CHECKS.index(c.name) if c.name in FLIP_CHECKS else 0))
    if not checks:
        return None
    check = checks[0]
    (grid_title, grid), (kernel_title, kernel) = check.detail["grids"][:2]
    if grid.ndim > 3 or kernel.ndim != grid.ndim:
        return None
    result: np.ndarray | None = None
    values = None
    letter, prefix = d.output_letter, ""
    role = check.name.split("_")[1] if check.name.startswith("grad_") else ""
    if role in d.grad_elems:
        result = d.grad_elems[role]
        values = d.numeric.grad_values.get(role) if d.numeric is not None else None
        letter, prefix = d.symbols[role].letter, "∂L/∂"
    elif check.name.startswith("forward_"):
        result = d.forward_elems
        values = d.numeric.forward_values if d.numeric is not None else None
    ndim = grid.ndim
    if ndim == 3:
        return _flip_slice(d, t, grid, kernel, _message(t, grid_title), _message(t, kernel_title),
                           result, values, letter, prefix)
    if ndim == 1:
        grid, kernel = grid.reshape(1, -1), kernel.reshape(1, -1)
    if result is None:
        # No result grid to show (e.g. chain's per-layer proofs): the window in the middle.
        window = ((grid.shape[0] - kernel.shape[0]) // 2, (grid.shape[1] - kernel.shape[1]) // 2)
        return FlipPicture(grid, kernel, _message(t, grid_title), _message(t, kernel_title), window,
                           None, None, letter, prefix, (0, 0))
    return _flip_2d(d, t, ndim, grid, kernel, _message(t, grid_title), _message(t, kernel_title),
                    result, values, letter, prefix)


def chain_flips(d: Derivation, t: Catalogue) -> list[FlipPicture]:
    """``chain``: one flipped-kernel picture per layer, first layer first, each with its own
    ∂L/∂a_l (numbers when values are given)."""
    from gradsym.render.document import _message

    by_layer: dict[int, Any] = {}
    for check in d.checks:
        if check.name != "grad_input_equals_full_conv_rot180_kernel" or len(check.detail.get("grids", [])) < 2:
            continue
        for key, params in check.detail.get("lines", []):
            if key == "chain.check_layer":
                by_layer[int(params["layer"])] = check
    pictures = []
    layers = getattr(d, "layers", [])
    numeric_layers = getattr(d.numeric, "layers", None) if d.numeric is not None else None
    for number, layer in enumerate(layers, start=1):
        proof = by_layer.get(number)
        if proof is None:
            continue
        (grid_title, grid), (kernel_title, kernel) = proof.detail["grids"][:2]
        ndim = grid.ndim
        values = numeric_layers[number - 1].grad_values["input"] if numeric_layers else None
        if ndim == 3:  # the depth slice the window starts on, as for a single 3-D proof
            pic = _flip_slice(d, t, grid, kernel, _message(t, grid_title), _message(t, kernel_title),
                              layer.grad_elems["input"], values, layer.input.letter, "∂L/∂")
            pic.index_prefix = (number,)
        else:
            if ndim == 1:
                grid, kernel = grid.reshape(1, -1), kernel.reshape(1, -1)
            pic = _flip_2d(d, t, ndim, grid, kernel, _message(t, grid_title), _message(t, kernel_title),
                           layer.grad_elems["input"], values, layer.input.letter, "∂L/∂", (number,))
        pic.heading = t("plot.layer", layer=number, depth=len(layers))
        pictures.append(pic)
    return pictures


def _flip_2d(d: Derivation, t: Catalogue, ndim: int, grid: np.ndarray, kernel: np.ndarray,
             grid_title: str, kernel_title: str, result: np.ndarray, values: Any, letter: str,
             prefix: str, index_prefix: tuple[int, ...] = ()) -> FlipPicture:
    """A 1-D or 2-D proof's picture (``grid`` and ``kernel`` already 2-D): the window that
    produces the entry with the most terms."""
    # the spatial slice of the first batch element / channel, as in the proof's grids
    lead = (0,) * (result.ndim - ndim)
    result = result[lead] if lead else result
    values = values[lead] if values is not None and lead else values
    if ndim == 1:
        result = result.reshape(1, -1)
        values = values.reshape(1, -1) if values is not None else None
    full = tuple(a - b + 1 for a, b in zip(grid.shape, kernel.shape))
    offset = (0, 0)
    if full != result.shape:
        pads = d.config.get("padding")
        if isinstance(pads, list) and len(pads) == ndim:
            before = [int(p[0]) if isinstance(p, list | tuple) else int(p) for p in pads]
            offset = (0, before[0]) if ndim == 1 else (before[0], before[1])
    sizes = np.vectorize(_size, otypes=[int])(result) if result.size else np.zeros((1, 1), int)
    pick = np.unravel_index(int(np.argmax(sizes)), sizes.shape)
    entry = (int(pick[0]), int(pick[1]))
    window = (entry[0] + offset[0], entry[1] + offset[1])
    if window[0] + kernel.shape[0] > grid.shape[0] or window[1] + kernel.shape[1] > grid.shape[1]:
        window = (min(window[0], grid.shape[0] - kernel.shape[0]), min(window[1], grid.shape[1] - kernel.shape[1]))
    return FlipPicture(grid, kernel, grid_title, kernel_title, window, result, values, letter, prefix,
                       entry, index_prefix=index_prefix)


def _flip_slice(d: Derivation, t: Catalogue, grid: np.ndarray, kernel: np.ndarray, grid_title: str,
                kernel_title: str, result: np.ndarray | None, values: Any, letter: str,
                prefix: str) -> FlipPicture:
    """A 3-D proof's picture: the first depth slice of the padded grid that the window touches.

    The window's front slice meets the rotated kernel's front slice (correlation pairs
    grid[w + q] with kernel[q]), so those two are shown together; the result is shown
    at the depth of the entry the window produces.
    """
    kd = kernel.shape[0]
    if result is None:
        depth = (grid.shape[0] - kd) // 2
        window = ((grid.shape[1] - kernel.shape[1]) // 2, (grid.shape[2] - kernel.shape[2]) // 2)
        entry3 = (0, 0, 0)
        result2 = values2 = None
    else:
        lead = (0,) * (result.ndim - 3)
        result = result[lead] if lead else result
        values = values[lead] if values is not None and lead else values
        offset = (0, 0, 0)
        if tuple(a - b + 1 for a, b in zip(grid.shape, kernel.shape)) != result.shape:
            pads = d.config.get("padding")
            if isinstance(pads, list) and len(pads) == 3:
                offset = tuple(int(p[0]) if isinstance(p, list | tuple) else int(p) for p in pads)  # type: ignore[assignment]
        sizes = np.vectorize(_size, otypes=[int])(result) if result.size else np.zeros((1, 1, 1), int)
        entry3 = tuple(int(v) for v in np.unravel_index(int(np.argmax(sizes)), sizes.shape))  # type: ignore[assignment]
        start = [min(e + o, g - k) for e, o, g, k in zip(entry3, offset, grid.shape, kernel.shape)]
        depth, window = start[0], (start[1], start[2])
        result2 = result[entry3[0]]
        values2 = values[entry3[0]] if values is not None else None
    slices = (
        t("plot.depth_slice", index=depth + 1, total=grid.shape[0])
        + " " + t("plot.depth_window", first=depth + 1, last=depth + kd),
        t("plot.depth_slice", index=1, total=kd),
        t("plot.depth_slice", index=entry3[0] + 1, total=result.shape[0]) if result is not None else "",
    )
    return FlipPicture(grid[depth], kernel[0], grid_title, kernel_title, window, result2, values2,
                       letter, prefix, (entry3[1], entry3[2]), slices,
                       entry3[0] if result is not None else None)


def _size(elem: Any) -> int:
    if isinstance(elem, Poly):
        return len(elem)
    args = getattr(elem, "args", None)
    return len(args) if args else int(elem != 0)


# -- the output-size picture (gradsym sizes) -----------------------------------------------------
