"""``net``: the layer string's layers with their shapes, parameters and configurations.

:func:`build_layers` walks the parsed layer specs (:mod:`gradsym.spec.net`) from the input
shape, configuring each conv/deconv/pool layer with its own engine's options and naming the
layer at fault when a shape does not fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym.derivation import Derivation
from gradsym.errors import SpecError
from gradsym.spec import ConvConfig, PoolConfig, conv_config, pool_config
from gradsym.spec.net import (
    POOLS,
    LayerSpec,
)
from gradsym.symbols import Tensor

EPS = Fraction(1, 100_000)  # batch norm's ε, PyTorch's default 1e-5, exact
DIGITS = 40  # working precision of mpmath numbers
TOLERANCE = 1e-12  # relative, where the numbers are not exact
POLY_KINDS = ("conv", "deconv", "linear")
PARAM_NAMES = {"kernel": "weight", "weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"}


# ---------------------------------------------------------------------------
# Layers and shapes


@dataclass
class NetLayer:
    """One layer: its spec, shapes, parameter shapes and (conv/deconv/linear) symbolic part."""

    spec: LayerSpec
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: dict[str, tuple[int, ...]] = field(default_factory=dict)
    conv: ConvConfig | None = None
    pool: PoolConfig | None = None
    tensors: dict[str, Tensor] = field(default_factory=dict)
    forward_elems: np.ndarray | None = None
    grad_elems: dict[str, np.ndarray] = field(default_factory=dict)
    formula: list[tuple[str, Any]] = field(default_factory=list)
    rule: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    owner: Derivation | None = field(default=None, repr=False)

    @property
    def forward(self) -> Any:
        """conv/deconv/linear: the output as a SymPy array in this layer's symbols; the other
        layers: their element formula (SymPy)."""
        from gradsym.derivation import _sympy_array

        if self.forward_elems is None:
            return dict(self.formula).get("y", dict(self.formula).get("ℓ"))
        assert self.owner is not None
        return _sympy_array(self.forward_elems, self.owner.to_sympy)

    @property
    def grad(self) -> dict[str, Any]:
        """conv/deconv/linear: ∂L/∂(input, kernel or weight, bias) as SymPy arrays in the layer's
        symbols (d_l the incoming gradient); the other layers: their rule, when it is a formula."""
        from gradsym.derivation import _sympy_array

        if self.forward_elems is None:
            rules = [e for label, e in self.formula if label.startswith(("∂L/∂", "∂ℓ/∂"))]
            return {"input": rules[0]} if rules else {}
        owner = self.owner
        assert owner is not None
        return {role: _sympy_array(arr, owner.to_sympy) for role, arr in self.grad_elems.items()}

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def number(self) -> int:
        """1-based, as in the symbols (a_l is layer l's input)."""
        return self.spec.position + 1

    def param_name(self, role: str) -> str:
        """The parameter's name in PyTorch's state_dict (``0.weight``)."""
        return f"{self.spec.position}.{PARAM_NAMES[role]}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _layer_error(spec: LayerSpec, shape: tuple[int, ...], why: str | SpecError,
                 **facts: object) -> SpecError:
    """The error of one layer: ``why`` (a key with its ``facts``, or the error of
    the layer's configuration) with the layer and the shape it reads."""
    reason = why if isinstance(why, SpecError) else SpecError(why, **facts)
    return SpecError("net.layer_shape", layer=spec.position + 1, text=repr(spec.text),
                     shape=_shape_text(shape), why=reason)


def _needs_channels(spec: LayerSpec, shape: tuple[int, ...]) -> None:
    if len(shape) < 3:
        raise _layer_error(spec, shape, "net.needs_channels", kind=spec.kind)


def build_layers(input_shape: tuple[int, ...], specs: list[LayerSpec]) -> list[NetLayer]:
    """Every layer with its shapes and configuration; errors name the layer at fault."""
    layers: list[NetLayer] = []
    shape = input_shape
    for spec in specs:
        kind, o = spec.kind, spec.options
        layer = NetLayer(spec, shape, shape)
        if kind in ("conv", "deconv"):
            _needs_channels(spec, shape)
            n, c, spatial = shape[0], shape[1], shape[2:]
            if len(o["kernel"]) != len(spatial):
                raise _layer_error(spec, shape, "net.kernel_dims", kernel=_shape_text(o["kernel"]),
                                   count=len(o["kernel"]), spatial=len(spatial),
                                   example=_shape_text((3,) * len(spatial)))
            try:
                cfg = conv_config(_shape_text(spatial), _shape_text(o["kernel"]), stride=o["stride"],
                                  padding=o["padding"], in_channels=c, out_channels=o["out_channels"],
                                  batch=n, bias=o["bias"], transposed=kind == "deconv")
            except SpecError as exc:
                raise _layer_error(spec, shape, exc) from None
            layer.conv = cfg
            layer.out_shape = (n, o["out_channels"], *cfg.output)
            kshape = (o["out_channels"], c) if kind == "conv" else (c, o["out_channels"])
            layer.params = {"kernel": (*kshape, *o["kernel"])}
            if o["bias"]:
                layer.params["bias"] = (o["out_channels"],)
        elif kind in POOLS:
            _needs_channels(spec, shape)
            try:
                pcfg = pool_config(_shape_text(shape[2:]), _shape_text(o["size"]), stride=o["stride"],
                                   in_channels=shape[1], batch=shape[0], mode=kind[:3])
            except SpecError as exc:
                raise _layer_error(spec, shape, exc) from None
            layer.pool = pcfg
            layer.out_shape = (shape[0], shape[1], *pcfg.output)
        elif kind == "batchnorm":
            if shape[0] * math.prod(shape[2:]) < 2:
                raise _layer_error(spec, shape, "net.batchnorm_values")
            layer.params = {"gamma": (shape[1],), "beta": (shape[1],)}
        elif kind == "flatten":
            layer.out_shape = (shape[0], math.prod(shape[1:]))
        elif kind == "linear":
            if len(shape) != 2:
                raise _layer_error(spec, shape, "net.linear_shape")
            layer.out_shape = (shape[0], o["out_features"])
            layer.params = {"weight": (o["out_features"], shape[1])}
            if o["bias"]:
                layer.params["bias"] = (o["out_features"],)
        elif kind == "softmax_ce":
            if len(shape) != 2:
                raise _layer_error(spec, shape, "net.softmax_shape")
            layer.out_shape = ()
        elif kind in ("mse", "l1"):
            layer.out_shape = ()
        layers.append(layer)
        shape = layer.out_shape
    return layers
