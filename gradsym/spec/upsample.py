"""Upsampling options: ``gradsym upsample`` (PyTorch's ``interpolate`` with ``scale_factor``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.values import parse_per_dim, parse_shape

LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}
"""PyTorch's interpolating mode for each dimensionality (input (N, C, *spatial))."""
MODES = ("nearest", "linear", "bilinear", "trilinear")


@dataclass(frozen=True)
class UpsampleConfig:
    """An upsampling layer fully specified: ``interpolate(x, scale_factor=scale, mode=…)``."""

    mode: str
    spatial: tuple[int, ...]
    scale: tuple[int, ...]
    align_corners: bool
    output: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def interpolating(self) -> bool:
        return self.mode != "nearest"

    def input_shape(self) -> tuple[int, ...]:
        return self.spatial

    def output_shape(self) -> tuple[int, ...]:
        return self.output

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "input": list(self.spatial),
            "scale": list(self.scale),
            "align_corners": self.align_corners,
            "output": list(self.output),
        }


def upsample_config(input: Any, scale: Any = 2, *, mode: str = "nearest",
                    align_corners: bool = False) -> UpsampleConfig:
    """Validate the options with PyTorch's rules; the output is ``input · scale`` per dimension."""
    spatial = parse_shape(input, "--input")
    nd = len(spatial)
    if not isinstance(mode, str) or mode.strip().lower() not in MODES:
        raise SpecError("upsample.mode", linear=LINEAR_MODE[nd], ndim=nd, got=repr(mode))
    mode = mode.strip().lower()
    if mode != "nearest" and mode != LINEAR_MODE[nd]:
        wanted = next(d for d, m in LINEAR_MODE.items() if m == mode)
        raise SpecError("upsample.mode_dims", mode=mode, wanted=wanted,
                        input="x".join(map(str, spatial)), ndim=nd, param="mode",
                        example=LINEAR_MODE[nd])
    if not isinstance(align_corners, bool):
        raise SpecError("upsample.align_type", got=repr(align_corners))
    if align_corners and mode == "nearest":
        raise SpecError("upsample.align_nearest", mode="nearest")
    factors = parse_per_dim(scale, nd, "--scale", minimum=1, what="factors")
    return UpsampleConfig(mode, spatial, factors, bool(align_corners),
                          tuple(n * s for n, s in zip(spatial, factors)))
