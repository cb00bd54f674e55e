"""Batch-norm options: ``gradsym batchnorm``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.values import parse_number

DEFAULT_EPS = Fraction(1, 100_000)  # PyTorch's default 1e-5, exact


@dataclass(frozen=True)
class BatchNormConfig:
    """N samples, F features and ε (None: the symbol ``eps``)."""

    batch: int
    features: int
    eps: Fraction | int | None
    eps_decimal: bool = False

    @property
    def eps_text(self) -> str:
        if self.eps is None:
            return "eps"
        from gradsym.numeric import number_text

        return number_text(self.eps, self.eps_decimal)

    def to_json(self) -> dict[str, Any]:
        eps: Any = "eps"
        if self.eps is not None:
            eps = self.eps if isinstance(self.eps, int) else f"{self.eps.numerator}/{self.eps.denominator}"
        return {
            "batch": self.batch,
            "features": self.features,
            "eps": eps,
            "mode": "training",
            "variance": "biased",
        }


def parse_eps(eps: Any) -> tuple[Fraction | int | None, bool]:
    """``--eps``: a positive exact number, or the word ``eps`` for a symbol. Default 1e-5.

    >>> parse_eps("1e-5")
    (Fraction(1, 100000), True)
    >>> parse_eps("eps")
    (None, False)
    """
    if eps is None:
        return DEFAULT_EPS, True
    if isinstance(eps, str) and eps.strip() == "eps":
        return None, False
    if isinstance(eps, bool):
        raise SpecError(f"--eps must be a number or the word eps, got {eps}")
    if isinstance(eps, float):
        eps = repr(eps)
    elif isinstance(eps, Fraction):
        eps = f"{eps.numerator}/{eps.denominator}"
    elif not isinstance(eps, (str, int)):
        raise SpecError(f"--eps must be a number or the word eps, got {eps!r}")
    value, decimal = parse_number(str(eps), "--eps")
    if value <= 0:
        raise SpecError(
            f"--eps must be > 0 (it keeps σ = sqrt(σ² + ε) away from 0), got {eps}; PyTorch's "
            f"default is 1e-5"
        )
    return value, decimal


def batchnorm_config(batch: Any, features: Any = 1, eps: Any = None) -> BatchNormConfig:
    """Validate the options (PyTorch's training-mode rules)."""
    if batch is None:
        raise SpecError("--batch is required (e.g. --batch 4)")
    for value, option in ((batch, "--batch"), (features, "--features")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError(f"{option} must be a whole number ≥ 1, got {value}")
    if batch == 1:
        raise SpecError(
            "--batch 1: batch norm in training mode needs at least 2 samples per feature (with "
            "one, x − μ = 0 and PyTorch raises 'Expected more than 1 value per channel when "
            "training'); use --batch 2 or more"
        )
    value, decimal = parse_eps(eps)
    return BatchNormConfig(batch, features, value, decimal)
