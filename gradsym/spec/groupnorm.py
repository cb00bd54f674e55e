"""Group-norm options: ``gradsym groupnorm``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.batchnorm import eps_json, eps_text, parse_eps
from gradsym.spec.values import parse_shape


@dataclass(frozen=True)
class GroupNormConfig:
    """Input (N, C, *spatial), G groups of C/G channels, ε (None: symbol)."""

    shape: tuple[int, ...]
    groups: int
    eps: Fraction | int | None
    eps_decimal: bool = False

    @property
    def channels(self) -> int:
        return self.shape[1]

    @property
    def per_group(self) -> int:
        """M: the values each statistic runs over ((C/G)·prod(spatial))."""
        return self.channels // self.groups * math.prod(self.shape[2:])

    @property
    def eps_text(self) -> str:
        return eps_text(self.eps, self.eps_decimal)

    def to_json(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "groups": self.groups, "eps": eps_json(self.eps), "affine": True,
                "variance": "biased"}


def groupnorm_config(shape: Any, groups: Any = 1, eps: Any = None) -> GroupNormConfig:
    """Validate the options (torch.nn.functional.group_norm's rules)."""
    if shape is None:
        raise SpecError("groupnorm.shape_required", param="shape", example="1x4x2x2")
    if isinstance(shape, (tuple, list)):
        shape = "x".join(str(s) for s in shape)
    dims = parse_shape(shape, "--shape", max_dims=5)
    if len(dims) < 2:
        raise SpecError("groupnorm.shape_dims", shape=shape)
    channels = dims[1]
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or channels % groups:
        raise SpecError("groupnorm.groups", channels=channels, got=groups)
    value, decimal = parse_eps(eps)
    cfg = GroupNormConfig(dims, groups, value, decimal)
    if cfg.per_group < 2:
        raise SpecError("groupnorm.single", groups=groups, shape=shape)
    return cfg
