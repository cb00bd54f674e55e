"""Linear-layer options: ``gradsym linear``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError

MAX_FEATURES = 4096


@dataclass(frozen=True)
class LinearConfig:
    """A linear layer fully specified (PyTorch layouts)."""

    in_features: int
    out_features: int
    batch: int
    bias: bool

    def terms(self) -> int:
        """Number of x·w products in the forward pass (work estimate)."""
        return self.batch * self.out_features * self.in_features

    def to_json(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "batch": self.batch,
            "bias": self.bias,
            "output": [self.batch, self.out_features],
        }


def linear_config(
    in_features: Any, out_features: Any, *, batch: Any = 1, bias: bool = False
) -> LinearConfig:
    """Validate the sizes."""
    return LinearConfig(
        _count(in_features, "in_features", 3),
        _count(out_features, "out_features", 2),
        _count(1 if batch is None else batch, "batch", 1),
        bool(bias),
    )


def _count(value: Any, param: str, example: int) -> int:
    if value is None:
        raise SpecError("option.required", param=param, example=example)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError("option.positive", param=param, got=repr(value))
    if value > MAX_FEATURES:
        raise SpecError("option.at_most", param=param, got=value, limit=MAX_FEATURES)
    return value
