"""Grid operations on arrays of variable ids, used to build proofs' right-hand sides.

A grid is a NumPy integer array whose cells hold a variable id, or ``ZERO`` (−1)
for a structural zero (inserted by a stride, or padding). These are the pictures
a teacher draws: zero-insertion, padding, cropping, rotation by 180°, and a plain
sliding-window correlation that multiplies two grids into polynomials.

>>> import numpy as np
>>> zero_insert(np.array([1, 2, 3]), (2,)).tolist()
[1, -1, 2, -1, 3]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from gradsym.poly import Poly

ZERO = -1


def zero_insert(grid: np.ndarray, stride: Sequence[int]) -> np.ndarray:
    """Insert s−1 zeros between neighbouring cells along each (trailing) axis."""
    lead = grid.ndim - len(stride)
    shape = list(grid.shape)
    for axis, s in enumerate(stride):
        n = grid.shape[lead + axis]
        shape[lead + axis] = s * (n - 1) + 1
    out = np.full(shape, ZERO, dtype=np.int64)
    index = (slice(None),) * lead + tuple(slice(None, None, s) for s in stride)
    out[index] = grid
    return out


def pad(grid: np.ndarray, pads: Sequence[tuple[int, int]]) -> np.ndarray:
    """Pad the trailing axes with zeros; a negative amount crops instead."""
    lead = grid.ndim - len(pads)
    grow = [(0, 0)] * lead + [(max(a, 0), max(b, 0)) for a, b in pads]
    out = np.pad(grid, grow, constant_values=ZERO)
    crop = (slice(None),) * lead + tuple(
        slice(-min(a, 0), out.shape[lead + i] + min(b, 0)) for i, (a, b) in enumerate(pads)
    )
    return out[crop]


def rot180(grid: np.ndarray, ndim: int) -> np.ndarray:
    """Rotate the last ``ndim`` axes by 180° (reverse each)."""
    return grid[(Ellipsis,) + (slice(None, None, -1),) * ndim]


def crop(grid: np.ndarray, starts: Sequence[int], sizes: Sequence[int]) -> np.ndarray:
    """Cells ``[start : start+size]`` along each trailing axis."""
    lead = grid.ndim - len(starts)
    index = (slice(None),) * lead + tuple(slice(a, a + n) for a, n in zip(starts, sizes))
    return grid[index]


def correlate(
    image: np.ndarray,
    kernel: np.ndarray,
    out_shape: Sequence[int],
    *,
    stride: Sequence[int] | None = None,
    dilation: Sequence[int] | None = None,
    into: list[Poly] | None = None,
) -> list[Poly]:
    """Sliding-window products: ``out[p] += Σ_q image[s·p + d·q] · kernel[q]`` (flat, row-major).

    Cells outside ``image`` count as zero, so a window may hang over the edge.
    Pass ``into`` to accumulate onto existing polynomials.
    """
    ndim = len(out_shape)
    stride = tuple(stride or (1,) * ndim)
    dilation = tuple(dilation or (1,) * ndim)
    total = int(np.prod(out_shape)) if out_shape else 1
    out = into if into is not None else [Poly() for _ in range(total)]
    if total < kernel.size:
        _correlate_by_output(image, kernel, out_shape, stride, dilation, out)
    else:
        _correlate_by_offset(image, kernel, out_shape, stride, dilation, out)
    return out


def _add_products(out: list[Poly], cells: list[int], left: list[int], right: list[int]) -> None:
    for cell, a, b in zip(cells, left, right):
        out[cell].add_term((a, b) if a <= b else (b, a), 1)


def _correlate_by_offset(
    image: np.ndarray, kernel: np.ndarray, out_shape: Sequence[int],
    stride: Sequence[int], dilation: Sequence[int], out: list[Poly],
) -> None:
    """Loop over kernel offsets, vectorised over outputs (the usual case: small kernels)."""
    ndim = len(out_shape)
    out_index = np.arange(len(out)).reshape(out_shape)
    for q in itertools.product(*(range(n) for n in kernel.shape)):
        kvar = int(kernel[q])
        if kvar == ZERO:
            continue
        slices = []
        for axis in range(ndim):
            start = dilation[axis] * q[axis]
            count = min(out_shape[axis], max(0, -(-(image.shape[axis] - start) // stride[axis])))
            slices.append((start, count))
        if any(count <= 0 for _, count in slices):
            continue
        sub = image[tuple(slice(a, a + stride[i] * (n - 1) + 1, stride[i]) for i, (a, n) in enumerate(slices))]
        outs = out_index[tuple(slice(0, n) for _, n in slices)]
        mask = sub != ZERO
        cells = outs[mask].tolist()
        _add_products(out, cells, sub[mask].tolist(), [kvar] * len(cells))


def _correlate_by_output(
    image: np.ndarray, kernel: np.ndarray, out_shape: Sequence[int],
    stride: Sequence[int], dilation: Sequence[int], out: list[Poly],
) -> None:
    """Loop over outputs, vectorised over the kernel (few outputs, large kernel)."""
    ndim = len(out_shape)
    for cell, p in enumerate(itertools.product(*(range(n) for n in out_shape))):
        index = []
        kindex = []
        for axis in range(ndim):
            start = stride[axis] * p[axis]
            count = min(kernel.shape[axis], max(0, -(-(image.shape[axis] - start) // dilation[axis])))
            index.append(slice(start, start + dilation[axis] * (count - 1) + 1, dilation[axis]))
            kindex.append(slice(0, count))
            if count <= 0:
                break
        else:
            sub = image[tuple(index)]
            ker = kernel[tuple(kindex)]
            mask = (sub != ZERO) & (ker != ZERO)
            left = sub[mask].tolist()
            _add_products(out, [cell] * len(left), left, ker[mask].tolist())
