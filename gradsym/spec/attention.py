"""Attention options: ``gradsym attention``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError


@dataclass(frozen=True)
class AttentionConfig:
    """Sequence length L, head dimension D, and the causal mask."""

    seq: int
    dim: int
    causal: bool = False

    def allowed(self, i: int) -> int:
        """How many keys row i (0-based) attends to: i + 1 with the causal mask, else L."""
        return i + 1 if self.causal else self.seq

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "dim": self.dim, "causal": self.causal, "scale": f"1/sqrt({self.dim})"}


def attention_config(seq: Any, dim: Any, causal: Any = False) -> AttentionConfig:
    """Validate the options.

    >>> attention_config(2, 3).to_json()["scale"]
    '1/sqrt(3)'
    """
    if seq is None:
        raise SpecError("attention.seq_required", param="seq", example=3)
    if dim is None:
        raise SpecError("attention.dim_required", param="dim", example=2)
    for value, param in ((seq, "seq"), (dim, "dim")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError("option.positive", param=param, got=repr(value))
    if not isinstance(causal, bool):
        raise SpecError("attention.causal", got=repr(causal))
    return AttentionConfig(seq, dim, causal)
