"""Batch-norm options: ``gradsym batchnorm``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.values import parse_number, parse_shape

DEFAULT_EPS = Fraction(1, 100_000)  # PyTorch's default 1e-5, exact


@dataclass(frozen=True)
class BatchNormConfig:
    """N samples, F features (channels C), spatial sizes (none for the 2-D (N, F) input), ε
    (None: the symbol ``eps``) and the mode (training: batch statistics; eval: running ones)."""

    batch: int
    features: int
    eps: Fraction | int | None
    eps_decimal: bool = False
    spatial: tuple[int, ...] = ()
    eval: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.batch, self.features, *self.spatial)

    @property
    def per_channel(self) -> int:
        """M: the values each channel's statistics run over (N·prod(spatial))."""
        out = self.batch
        for s in self.spatial:
            out *= s
        return out

    @property
    def eps_text(self) -> str:
        return eps_text(self.eps, self.eps_decimal)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"batch": self.batch, "features": self.features}
        if self.spatial:
            out["spatial"] = list(self.spatial)
        out["eps"] = eps_json(self.eps)
        out["mode"] = "eval" if self.eval else "training"
        out["variance"] = "running" if self.eval else "biased"
        return out


def eps_text(eps: Fraction | int | None, decimal: bool) -> str:
    """ε for display: ``eps`` for the symbol, else the number as the user wrote it."""
    if eps is None:
        return "eps"
    from gradsym.numeric import number_text

    return number_text(eps, decimal)


def eps_json(eps: Fraction | int | None) -> Any:
    """ε in the JSON config: ``"eps"``, an integer, or an exact ``"p/q"`` string."""
    if eps is None:
        return "eps"
    return eps if isinstance(eps, int) else f"{eps.numerator}/{eps.denominator}"


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
        raise SpecError("batchnorm.eps_type", got=str(eps))
    if isinstance(eps, float):
        eps = repr(eps)
    elif isinstance(eps, Fraction):
        eps = f"{eps.numerator}/{eps.denominator}"
    elif not isinstance(eps, (str, int)):
        raise SpecError("batchnorm.eps_type", got=repr(eps))
    value, decimal = parse_number(str(eps), "--eps")
    if value <= 0:
        raise SpecError("batchnorm.eps_positive", got=eps)
    return value, decimal


def parse_spatial(spatial: Any) -> tuple[int, ...]:
    """``--spatial``: ``L``, ``HxW`` or ``DxHxW`` (BatchNorm1d on 3-D input, 2d, 3d)."""
    if spatial is None:
        return ()
    if isinstance(spatial, int) and not isinstance(spatial, bool):
        spatial = str(spatial)
    elif isinstance(spatial, (tuple, list)):
        spatial = "x".join(str(s) for s in spatial)
    return parse_shape(spatial, "--spatial")


def batchnorm_config(batch: Any, features: Any = 1, eps: Any = None, spatial: Any = None,
                     eval: bool = False) -> BatchNormConfig:
    """Validate the options (PyTorch's rules: training mode needs more than one value per
    channel)."""
    if batch is None:
        raise SpecError("option.required", param="batch", example=4)
    for value, option in ((batch, "batch"), (features, "features")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError("option.positive", param=option, got=value)
    dims = parse_spatial(spatial)
    count = batch
    for s in dims:
        count *= s
    if dims and count == 1 and not eval:
        raise SpecError("batchnorm.one_value", batch=batch)
    if batch == 1 and not dims and not eval:
        raise SpecError("batchnorm.one_sample", batch=batch, param="batch", example=2)
    value, decimal = parse_eps(eps)
    return BatchNormConfig(batch, features, value, decimal, dims, bool(eval))
