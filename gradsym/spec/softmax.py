"""Softmax options: ``gradsym softmax``.

Logits are always laid out (N, K) — N rows (samples) of K classes, as PyTorch's
``softmax(x, dim=-1)`` and ``cross_entropy`` take them; without ``--batch``, N = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.values import option_param, parse_number

LOSSES = ("ce",)


@dataclass(frozen=True)
class SoftmaxConfig:
    """K classes, N rows, temperature T, log-softmax or not, and the cross-entropy loss
    (``loss`` None: no loss, the upstream gradient g is given instead)."""

    classes: int
    batch: int
    temperature: Fraction | int = 1
    temperature_decimal: bool = False
    log: bool = False
    loss: str | None = None
    target: tuple[int, ...] = ()
    smoothing: Fraction | int = 0
    smoothing_decimal: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return (self.batch, self.classes)

    def number_text(self, value: Fraction | int, decimal: bool) -> str:
        from gradsym.numeric import number_text

        return number_text(value, decimal)

    @property
    def temperature_text(self) -> str:
        return self.number_text(self.temperature, self.temperature_decimal)

    @property
    def smoothing_text(self) -> str:
        return self.number_text(self.smoothing, self.smoothing_decimal)

    def target_distribution(self) -> list[list[Fraction]]:
        """q = (1 − ε)·one-hot(target) + ε/K per row (PyTorch's label_smoothing)."""
        eps = Fraction(self.smoothing)
        return [[(1 - eps) * (k == t) + eps / self.classes for k in range(self.classes)]
                for t in self.target]

    def to_json(self) -> dict[str, Any]:
        def exact(v: Fraction | int) -> Any:
            return v if isinstance(v, int) else f"{v.numerator}/{v.denominator}"

        doc: dict[str, Any] = {
            "classes": self.classes,
            "batch": self.batch,
            "layout": [self.batch, self.classes],
            "temperature": exact(self.temperature),
            "log": self.log,
            "loss": self.loss,
        }
        if self.loss is not None:
            doc["target"] = list(self.target)
            doc["smoothing"] = exact(self.smoothing)
            doc["reduction"] = "mean"
        return doc


def _whole(value: Any, option: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError("option.at_least", param=option_param(option), minimum=low, got=value)
    return value


def _exact(value: Any, option: str) -> tuple[Fraction | int, bool]:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Fraction)):
        raise SpecError("option.number", param=option_param(option), got=repr(value))
    if isinstance(value, float):
        value = repr(value)
    elif isinstance(value, Fraction):
        value = f"{value.numerator}/{value.denominator}"
    number, decimal = parse_number(str(value), option)
    if isinstance(number, Fraction) and number.denominator == 1:
        number = int(number)
    return number, decimal


def parse_target(target: Any, classes: int, batch: int) -> tuple[int, ...]:
    """``--target 2,0``: one class index per row, 0-based (PyTorch's cross_entropy).

    >>> parse_target("2,0", 3, 2)
    (2, 0)
    """
    if isinstance(target, str):
        items: list[Any] = [t.strip() for t in target.strip().strip("[]").split(",")]
    elif isinstance(target, int) and not isinstance(target, bool):
        items = [target]
    elif isinstance(target, (list, tuple)):
        items = list(target)
    else:
        raise SpecError("softmax.target_type", got=repr(target))
    out = []
    for item in items:
        text = str(item)
        if isinstance(item, bool) or not text.lstrip("-").isdigit():
            raise SpecError("softmax.target_int", got=repr(text))
        index = int(text)
        if not 0 <= index < classes:
            raise SpecError("softmax.target_range", target=index, last=classes - 1, classes=classes)
        out.append(index)
    if len(out) != batch:
        raise SpecError("softmax.target_count", count=len(out), batch=batch, param="target",
                        example=",".join(["0"] * batch))
    return tuple(out)


def softmax_config(
    classes: Any,
    batch: Any = None,
    *,
    temperature: Any = None,
    log: bool = False,
    loss: Any = None,
    target: Any = None,
    smoothing: Any = None,
) -> SoftmaxConfig:
    """Validate the options (PyTorch's rules for cross_entropy and label_smoothing)."""
    if classes is None:
        raise SpecError("option.required", param="classes", example=3)
    k = _whole(classes, "--classes", 2)
    n = 1 if batch is None else _whole(batch, "--batch", 1)
    temp: Fraction | int = 1
    temp_decimal = False
    if temperature is not None:
        temp, temp_decimal = _exact(temperature, "--temperature")
        if temp <= 0:
            raise SpecError("softmax.temperature", got=temperature)
    if loss is not None and loss not in LOSSES:
        raise SpecError("softmax.loss", got=repr(loss))
    if loss is None:
        if target is not None:
            raise SpecError("softmax.target_loss", loss="ce")
        if smoothing is not None:
            raise SpecError("softmax.smoothing_loss", loss="ce")
        return SoftmaxConfig(k, n, temp, temp_decimal, bool(log))
    if log:
        raise SpecError("softmax.log_loss", loss="ce")
    if target is None:
        raise SpecError("softmax.loss_target", loss="ce", param="target", example=2)
    targets = parse_target(target, k, n)
    eps: Fraction | int = 0
    eps_decimal = False
    if smoothing is not None:
        eps, eps_decimal = _exact(smoothing, "--smoothing")
        if not 0 <= eps < 1:
            raise SpecError("softmax.smoothing", got=smoothing)
    return SoftmaxConfig(k, n, temp, temp_decimal, False, loss, targets, eps, eps_decimal)
