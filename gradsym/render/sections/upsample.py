"""``upsample``: where each output samples the input, and the fixed kernel of the proofs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.upsample import axis_weights, kernel_grid, plans, source_index
from gradsym.render.document import Para, Text, grids_of
from gradsym.spec.upsample import UpsampleConfig

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def config_of(d: Derivation) -> UpsampleConfig:
    c = d.config
    return UpsampleConfig(c["mode"], tuple(c["input"]), tuple(c["scale"]), bool(c["align_corners"]),
                          tuple(c["output"]))


def _fraction(value: Any) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _taps(taps: list[tuple[int, Any]]) -> str:
    return " + ".join(("" if w == 1 else _fraction(w) + "·") + f"x[{i + 1}]" for i, w in taps)


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The sampling of every axis (source position and weights) and the kernel grid."""
    cfg = config_of(d)
    blocks: list[Any] = [Para(t("upsample.sampling_intro"))]
    axes: dict[tuple[int, int], list[int]] = {}  # axes with the same size and scale share a table
    for axis, size_scale in enumerate(zip(cfg.spatial, cfg.scale)):
        axes.setdefault(size_scale, []).append(axis + 1)
    for (n, s), numbers in axes.items():
        weights = axis_weights(n, s, cfg.mode, cfg.align_corners)
        cells = np.empty((len(weights), 1), dtype=object)
        if cfg.mode == "nearest":
            cells[:, 0] = [Text(_taps(w)) for w in weights]
        else:
            cells[:, 0] = [Text(f"{_fraction(source_index(o, n, s, cfg.align_corners) + 1)}: {_taps(w)}")
                           for o, w in enumerate(weights)]
        title = "upsample.axis_nearest" if cfg.mode == "nearest" else "upsample.axis_linear"
        blocks += grids_of(t(title, axis=", ".join(map(str, numbers))), cells, lambda c, _i: c, full, t)
    kernel = kernel_grid(plans(cfg))
    cells = np.empty(kernel.shape, dtype=object)
    for index in np.ndindex(kernel.shape):
        cells[index] = Text(_fraction(kernel[index]))
    blocks.append(Para(t("upsample.kernel_intro")))
    blocks += grids_of(t("upsample.kernel"), cells, lambda c, _i: c, full, t)
    return [("proof", ("upsample.section", {}), blocks)]
