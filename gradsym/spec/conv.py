"""The convolution family's options: conv, deconv, sizes, chain and ``--general``.

:class:`ConvOptions` holds the twelve options as given; :func:`conv_config` parses and
validates them once into a :class:`ConvConfig` (PyTorch layout, output shape computed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from gradsym.errors import SpecError
from gradsym.shapes import conv_output_shape, conv_remainder, same_padding, transposed_output_shape
from gradsym.spec.values import option_param, parse_padding, parse_per_dim, parse_shape


@dataclass(frozen=True)
class ConvOptions:
    """The convolution family's options as the user gave them (CLI strings or Python values).

    conv, deconv, sizes, chain and ``--general`` all take these twelve, and parse them in one
    place, :meth:`config` (:func:`conv_config`). ``padding`` and ``output_padding`` None mean
    the command's default (0; ``valid`` for a TensorFlow/JAX transposed convolution).

    >>> ConvOptions.of({"input": "4x4", "kernel": "3x3", "padding": 1, "x": "ones"}).config().output
    (4, 4)
    """

    input: Any = None
    kernel: Any = None
    stride: Any = 1
    padding: Any = None
    dilation: Any = 1
    groups: Any = 1
    in_channels: Any = None
    out_channels: Any = None
    batch: Any = None
    bias: bool = False
    output_padding: Any = None
    convention: str = "torch"

    @classmethod
    def of(cls, arguments: Mapping[str, Any], **override: Any) -> ConvOptions:
        """The convolution options among a function's arguments (e.g. its ``locals()``)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in {**arguments, **override}.items() if k in names})

    def changed(self, names: Sequence[str]) -> list[str]:
        """Which of ``names`` differ from their defaults, as options (``--in-channels``)."""
        defaults = ConvOptions()
        return [f"--{n.replace('_', '-')}" for n in names if getattr(self, n) != getattr(defaults, n)]

    def config(self, *, transposed: bool = False) -> ConvConfig:
        """Parse and validate every option; the output shape by PyTorch's rules."""
        input, kernel, stride, dilation = self.input, self.kernel, self.stride, self.dilation
        groups, in_channels, out_channels, batch = self.groups, self.in_channels, self.out_channels, self.batch
        bias, convention = self.bias, self.convention
        padding = 0 if self.padding is None else self.padding
        output_padding = 0 if self.output_padding is None else self.output_padding
        if convention not in CONVENTIONS:
            raise SpecError("conv.convention", convention=convention, choices=", ".join(CONVENTIONS))
        spatial = parse_shape(input, "--input")
        ndim = len(spatial)
        ksize = parse_shape(kernel, "--kernel")
        if len(ksize) != ndim:
            raise SpecError("conv.kernel_dims", kernel_dims=len(ksize), input_dims=ndim,
                            example="x".join(["2"] * ndim))
        stride_t = parse_per_dim(stride, ndim, "--stride")
        dilation_t = parse_per_dim(dilation, ndim, "--dilation")
        pads = parse_padding(padding, ndim=ndim)
        padding_word = None
        if pads == "same":
            padding_word = "same"
            if transposed:
                raise SpecError("conv.same_transposed", padding="same")
            if convention == "torch" and any(s != 1 for s in stride_t):
                raise SpecError("conv.same_stride", padding="same", stride=1, convention="tensorflow")
            pads = tuple(
                same_padding(k, d, stride=s, size=i, convention=convention)
                for i, k, s, d in zip(spatial, ksize, stride_t, dilation_t)
            )
        elif isinstance(padding, str) and padding.strip().lower() == "valid":
            padding_word = "valid"
        assert not isinstance(pads, str)
        channels = in_channels is not None or out_channels is not None or batch is not None
        cin = positive_count(in_channels, "--in-channels")
        cout = positive_count(out_channels, "--out-channels")
        nbatch = positive_count(batch, "--batch")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise SpecError("option.positive", param="groups", got=groups)
        if cin % groups or cout % groups:
            raise SpecError("conv.groups_divide", groups=groups, in_channels=cin, out_channels=cout)
        if groups > 1 and not channels:
            raise SpecError("conv.groups_channels")
        if transposed:
            op = parse_per_dim(output_padding, ndim, "--output-padding", minimum=0)
            out = transposed_output_shape(spatial, ksize, stride_t, pads, dilation_t, op)
        else:
            op = ()
            out = conv_output_shape(spatial, ksize, stride_t, pads, dilation_t)
        return ConvConfig(
            spatial, ksize, stride_t, pads, dilation_t, groups, cin, cout, nbatch, bool(bias),
            channels, out, transposed, op, convention, padding_word,
        )


CONVENTIONS = ("torch", "tensorflow", "jax")


@dataclass(frozen=True)
class ConvConfig:
    """A convolution (or transposed convolution) fully specified, PyTorch layout."""

    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int
    in_channels: int
    out_channels: int
    batch: int
    bias: bool
    channels: bool
    output: tuple[int, ...]
    transposed: bool = False
    output_padding: tuple[int, ...] = ()
    convention: str = "torch"
    padding_word: str | None = None

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.spatial) if self.channels else self.spatial

    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels, *self.output) if self.channels else self.output

    def weight_shape(self) -> tuple[int, ...]:
        """The weight in PyTorch's layout, always with its channel axes."""
        if self.transposed:
            return (self.in_channels, self.out_per_group, *self.kernel)
        return (self.out_channels, self.in_per_group, *self.kernel)

    def kernel_shape(self) -> tuple[int, ...]:
        return self.weight_shape() if self.channels else self.kernel

    def bias_shape(self) -> tuple[int, ...]:
        return (self.out_channels,) if self.channels else ()

    def with_padding(self, padding: tuple[tuple[int, int], ...]) -> ConvConfig:
        """This configuration with other (before, after) padding, which may be negative: a
        negative amount grows a transposed convolution's output by zeros (JAX's padding beyond
        d(k−1)) and crops a convolution's input; the output shape follows."""
        shape = transposed_output_shape if self.transposed else conv_output_shape
        args = (self.output_padding,) if self.transposed else ()
        output = shape(self.spatial, self.kernel, self.stride, padding, self.dilation, *args)
        return replace(self, padding=padding, output=output)

    def remainder(self) -> tuple[int, ...]:
        """Per dimension: input rows a (forward) convolution leaves unread at the end."""
        return tuple(
            conv_remainder(i, k, stride=s, padding=p, dilation=d)
            for i, k, s, p, d in zip(self.spatial, self.kernel, self.stride, self.padding, self.dilation)
        )

    def terms(self) -> int:
        """Number of x·w products in the forward pass (work estimate)."""
        per_output = math.prod(self.kernel) * self.in_per_group
        outputs = self.batch * self.out_channels * math.prod(self.output)
        if self.transposed:
            per_output = math.prod(self.kernel) * self.out_per_group
            outputs = self.batch * self.in_channels * math.prod(self.spatial)
        return per_output * outputs

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": list(self.spatial),
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": [list(p) for p in self.padding],
            "dilation": list(self.dilation),
            "groups": self.groups,
        }
        if self.transposed:
            out["output_padding"] = list(self.output_padding)
        out.update(
            {
                "in_channels": self.in_channels,
                "out_channels": self.out_channels,
                "batch": self.batch,
                "bias": self.bias,
                "layout": "channels" if self.channels else "plain",
                "convention": self.convention,
                "output": list(self.output),
            }
        )
        return out


def conv_config(input: Any, kernel: Any, *, transposed: bool = False, **options: Any) -> ConvConfig:
    """Validate every option and compute the output shape (PyTorch's rules): the
    :class:`ConvOptions` of these arguments, parsed (:meth:`ConvOptions.config`)."""
    return ConvOptions(input, kernel, **options).config(transposed=transposed)


def positive_count(value: int | None, option: str) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError("option.positive", param=option_param(option), got=value)
    if value > 4096:
        raise SpecError("option.at_most", param=option_param(option), got=value, limit=4096)
    return value


def require(value: Any, option: str, example: str) -> None:
    """A SpecError when a required option is missing."""
    if value is None:
        raise SpecError("option.required", param=option_param(option), example=example)
