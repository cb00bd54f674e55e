"""``pool``: which windows read each cell, and where each gradient goes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.pool import (
    PoolDerivation,
    _padded_windows,
    avg_divisors,
    first_max,
    plane_windows,
)
from gradsym.numeric import number_text, object_array
from gradsym.render.document import MAX_EQUATIONS, Equations, Label, Para, Text, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def _name(letter: str, flat: int, shape: tuple[int, ...]) -> str:
    """``y[1,2]``: a tensor element by its flat position, 1-based."""
    return f"{letter}[{','.join(str(int(i) + 1) for i in np.unravel_index(flat, shape))}]"


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """Blocks of the 'windows and where the gradient goes' section, for catalogue ``t``."""
    assert isinstance(d, PoolDerivation)
    cfg = d.pool
    in_shape, out_shape = cfg.input_shape(), cfg.output_shape()
    windows = plane_windows(cfg)
    in_size, n_out = math.prod(cfg.spatial), math.prod(cfg.output)
    readers: list[list[int]] = [[] for _ in range(cfg.planes * in_size)]
    for plane in range(cfg.planes):
        for o, cells in enumerate(windows):
            for c in cells:
                readers[plane * in_size + c].append(plane * n_out + o)

    blocks: list[Any] = [Para(t(f"pool.windows_{cfg.mode}"))]
    member = object_array((Text(", ".join(_name("y", o, out_shape) for o in r) or "·") for r in readers), in_shape)
    blocks += grids_of(t("pool.readers"), member, lambda c, _i: c, full, t)
    ev = d.numeric
    if cfg.mode == "avg":
        div = np.empty(cfg.planes * n_out, dtype=object)
        div[:] = [Text(str(n)) for n in avg_divisors(cfg)] * cfg.planes
        blocks += grids_of(t("pool.divisors"), div.reshape(out_shape), lambda c, _i: c, full, t)
        return [("grad", ("pool.section", {}), blocks)]
    if ev is None:
        blocks.append(Para(t("pool.routing_hint")))
        return [("grad", ("pool.section", {}), blocks)]
    x = ev.values["input"].reshape(-1).tolist()
    num = lambda v: number_text(v, ev.decimal)  # noqa: E731
    routed: list[list[int]] = [[] for _ in x]
    rows: list[tuple[Any, Any]] = []
    _where, cells_of, flats_of = _padded_windows(ev.values["input"], cfg)
    for o, (cells, flats) in enumerate(zip(cells_of, flats_of)):
        value, position = first_max([(v, j) for v, j in zip(cells, flats) if v is not None],
                                    key=lambda p: p[0])
        routed[position].append(o)
        shown = [num(v) for v in cells if v is not None]
        rows.append((
            Label("y", tuple(int(i) + 1 for i in np.unravel_index(o, out_shape))),
            Text(t("pool.route_line", cells=", ".join(shown), value=num(value),
                   g=_name("g", o, out_shape), x=_name("x", position, in_shape))),
        ))
    picture = object_array((Text(num(v) + (" ← " + " + ".join(_name("g", o, out_shape) for o in r) if r else ""))
                            for v, r in zip(x, routed)), in_shape)
    blocks += grids_of(t("pool.routed"), picture, lambda c, _i: c, full, t)
    limit = len(rows) if full else min(len(rows), MAX_EQUATIONS)
    note = t("pool.more", count=len(rows) - limit) if limit < len(rows) else ""
    blocks.append(Equations(rows[:limit], note))
    return [("grad", ("pool.section", {}), blocks)]
