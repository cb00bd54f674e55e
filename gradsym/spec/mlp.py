"""MLP options: ``gradsym mlp``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.expr import at_items

ACTIVATIONS = ("none", "relu", "sigmoid", "tanh")
# Expanding non-polynomial derivatives (the symbolic check) costs far more per term.
SYMPY_TERM_COST = 100
MAX_LAYERS = 16
MAX_WIDTH = 256


@dataclass(frozen=True)
class MlpConfig:
    """Widths n_0 (inputs) … n_L (outputs), the hidden activation, and whether biases exist."""

    widths: tuple[int, ...]
    activation: str
    bias: bool

    @property
    def depth(self) -> int:
        """Number of weight layers L."""
        return len(self.widths) - 1

    @property
    def out_shape(self) -> tuple[int, ...]:
        """``()`` for one output (a scalar ``out``), else ``(n_L,)``."""
        return () if self.widths[-1] == 1 else (self.widths[-1],)

    def terms(self) -> int:
        """Work estimate: expanded terms of every gradient, summed (paths × layers × outputs)."""
        paths = math.prod(n + (1 if self.bias else 0) for n in self.widths[:-1])
        per_term = 1 if self.activation == "none" else SYMPY_TERM_COST * 2 ** (self.depth - 1)
        return paths * (self.depth + 1) * self.widths[-1] * per_term

    def to_json(self) -> dict[str, Any]:
        return {
            "layers": list(self.widths),
            "activation": self.activation,
            "bias": self.bias,
            "output": list(self.out_shape),
        }


def parse_layers(text: Any) -> tuple[int, ...]:
    """``1,2,1`` (also ``1-2-1``, ``1x2x1``, ``[1, 2, 1]``) → widths, each ≥ 1.

    >>> parse_layers("2,3,1")
    (2, 3, 1)
    """
    if text is None:
        raise SpecError("mlp.layers_required", param="layers", example="1,2,1")
    if isinstance(text, (list, tuple)):
        parts = [str(p).strip() for p in text]
    elif isinstance(text, str):
        if re.search(r"(^|[,\s])-\s*\d", text.strip()):
            raise SpecError("mlp.negative", got=repr(text.strip()))
        parts = re.split(r"\s*[,\-xX×]\s*|\s+", text.strip())
        if len(parts) > 1 and "" in parts:
            raise SpecError("mlp.empty_width", text=repr(text.strip()))
    else:
        raise SpecError("mlp.layers_type", got=repr(text))
    if not parts:
        raise SpecError("mlp.layers_empty")
    widths = []
    for position, part in enumerate(parts, 1):
        if not re.fullmatch(r"[+-]?\d{1,9}", part):
            raise SpecError("mlp.not_int", part=part)
        width = int(part)
        if width < 1:
            raise SpecError("mlp.width_small", width=width, position=position, count=len(parts))
        if width > MAX_WIDTH:
            raise SpecError("mlp.width_large", width=width, limit=MAX_WIDTH)
        widths.append(width)
    if len(widths) < 2:
        raise SpecError("mlp.two_widths", got=str(text))
    if len(widths) - 1 > MAX_LAYERS:
        raise SpecError("mlp.layers_max", count=len(widths) - 1, limit=MAX_LAYERS)
    return tuple(widths)


def mlp_config(layers: Any, activation: str = "none", *, bias: bool = False) -> MlpConfig:
    """Validate the options."""
    widths = parse_layers(layers)
    act = activation.strip().lower() if isinstance(activation, str) else activation
    if act not in ACTIVATIONS:
        raise SpecError("mlp.activation", choices=", ".join(ACTIVATIONS), got=repr(activation))
    return MlpConfig(widths, act, bool(bias))


def parse_at(at: Any) -> dict[str, Any]:
    """``--at`` options (``["x=[1,2]", "w_1_1_2=3"]``, one such string, or a dict) → {name: values}.

    >>> parse_at(["x=[1,2]", "w_1 = ones"])
    {'x': '[1,2]', 'w_1': 'ones'}
    """
    out = at_items(at, ("mlp.at_form", {"at": "x=[1,2]", "param": "at", "example": "w_1_1_2=3"}))
    if isinstance(at, (str, list, tuple)):  # the names of NAME=VALUES texts
        for item, name in zip([at] if isinstance(at, str) else at, out):
            if not re.fullmatch(r"[A-Za-z]\w{0,40}", name):
                raise SpecError("mlp.at_name", item=repr(item[:40]))
    return out
