"""Elman RNN options: ``gradsym rnn``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError


@dataclass(frozen=True)
class RnnConfig:
    """T steps, I inputs per step and H hidden units (one tanh layer, batch 1)."""

    steps: int
    input_size: int
    hidden: int

    @property
    def parameters(self) -> int:
        """Every differentiated element: x (T·I), W_ih (H·I), W_hh (H·H), b (H), h0 (H)."""
        t, i, h = self.steps, self.input_size, self.hidden
        return t * i + h * i + h * h + 2 * h

    def work(self) -> int:
        """Terms of the proof's forward-mode total derivatives: every (h_t, parameter) entry
        holds at most one term per path through the earlier steps (Σ_u H^(t−u) paths)."""
        t, h = self.steps, self.hidden
        paths = sum(h ** (t - u) for u in range(1, t + 1))
        return self.parameters * h * t * paths

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "input_size": self.input_size,
            "hidden": self.hidden,
            "nonlinearity": "tanh",
            "bias": "b = b_ih + b_hh",
        }


def rnn_config(steps: Any = None, input_size: Any = None, hidden: Any = None) -> RnnConfig:
    """Validate the sizes."""
    for value, param, example in ((steps, "steps", 3), (input_size, "input_size", 2),
                                  (hidden, "hidden", 2)):
        if value is None:
            raise SpecError("option.required", param=param, example=example)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError("option.positive", param=param, got=value)
    return RnnConfig(steps, input_size, hidden)
