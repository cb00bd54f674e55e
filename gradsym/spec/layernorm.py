"""Layer-norm options: ``gradsym layernorm``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.batchnorm import eps_json, eps_text, parse_eps
from gradsym.spec.values import parse_shape


@dataclass(frozen=True)
class LayerNormConfig:
    """The input shape, how many trailing dimensions are normalised, and ε (None: symbol)."""

    shape: tuple[int, ...]
    normalized: int
    eps: Fraction | int | None
    eps_decimal: bool = False

    @property
    def normalized_shape(self) -> tuple[int, ...]:
        return self.shape[len(self.shape) - self.normalized:]

    @property
    def per_group(self) -> int:
        """M: the values each statistic runs over."""
        return math.prod(self.normalized_shape)

    @property
    def groups(self) -> int:
        return math.prod(self.shape[: len(self.shape) - self.normalized])

    @property
    def eps_text(self) -> str:
        return eps_text(self.eps, self.eps_decimal)

    def to_json(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "normalized": self.normalized,
                "normalized_shape": list(self.normalized_shape), "eps": eps_json(self.eps),
                "elementwise_affine": True, "variance": "biased"}


def layernorm_config(shape: Any, normalized: Any = 1, eps: Any = None) -> LayerNormConfig:
    """Validate the options (torch.nn.functional.layer_norm's rules)."""
    if shape is None:
        raise SpecError("layernorm.shape_required", param="shape", example="2x4")
    if isinstance(shape, (tuple, list)):
        shape = "x".join(str(s) for s in shape)
    elif isinstance(shape, int) and not isinstance(shape, bool):
        shape = str(shape)
    dims = parse_shape(shape, "--shape", max_dims=4)
    if len(dims) < 2:
        raise SpecError("layernorm.shape_dims", shape=shape)
    if isinstance(normalized, bool) or not isinstance(normalized, int) or not 1 <= normalized <= len(dims):
        raise SpecError("layernorm.normalized", count=len(dims), got=normalized)
    value, decimal = parse_eps(eps)
    cfg = LayerNormConfig(dims, normalized, value, decimal)
    if cfg.per_group < 2:
        raise SpecError("layernorm.single", normalized=normalized)
    return cfg
