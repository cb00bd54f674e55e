"""Pooling options: ``gradsym pool``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.conv import positive_count
from gradsym.spec.values import parse_padding, parse_per_dim, parse_shape

MODES = ("max", "avg")


# ---------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class PoolConfig:
    """A pooling layer fully specified; padding is symmetric, as in PyTorch."""

    mode: str
    spatial: tuple[int, ...]
    size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool
    in_channels: int
    batch: int
    channels: bool
    output: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def planes(self) -> int:
        """Independent (batch, channel) slices; pooling never mixes them."""
        return self.batch * self.in_channels

    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.spatial) if self.channels else self.spatial

    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.output) if self.channels else self.output

    def axis_windows(self) -> list[list[list[int]]]:
        """Per dimension, per output index: the input positions (0-based) its window reads."""
        return [
            [[s * o - p + d * j for j in range(k) if 0 <= s * o - p + d * j < i] for o in range(n)]
            for i, k, s, p, d, n in zip(
                self.spatial, self.size, self.stride, self.padding, self.dilation, self.output
            )
        ]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "input": list(self.spatial),
            "size": list(self.size),
            "stride": list(self.stride),
            "padding": [[p, p] for p in self.padding],
            "dilation": list(self.dilation),
            "ceil_mode": self.ceil_mode,
        }
        if self.mode == "avg":
            out["count_include_pad"] = True
        out.update(
            {
                "in_channels": self.in_channels,
                "batch": self.batch,
                "layout": "channels" if self.channels else "plain",
                "output": list(self.output),
            }
        )
        return out


def pool_output_size(size: int, window: int, *, stride: int, padding: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: floor (or ceil) of (i + 2p − d(k−1) − 1)/s, plus 1;
    with ``ceil_mode`` the last window must start inside the input or the left padding.

    >>> pool_output_size(5, 2, stride=2, padding=0, dilation=1, ceil_mode=True)
    3
    >>> pool_output_size(4, 2, stride=2, padding=1, dilation=1, ceil_mode=True)
    3
    """
    span = size + 2 * padding - dilation * (window - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pool_config(
    input: Any,
    size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    mode: str = "max",
    in_channels: int | None = None,
    batch: int | None = None,
    max_terms: int | None = None,
) -> PoolConfig:
    """Validate every option with PyTorch's rules and compute the output shape."""
    if mode not in MODES:
        raise SpecError("pool.mode", mode=mode)
    spatial = parse_shape(input, "--input")
    nd = len(spatial)
    window = parse_shape(size, "--size")
    if len(window) == 1 and nd > 1:
        window = window * nd  # one number for every dimension, as PyTorch's kernel_size=2
    if len(window) != nd:
        # one size is spread over every dimension, so this is 2 or more sizes
        raise SpecError("pool.size_dims", count=len(window), ndim=nd, example="x".join(["2"] * nd))
    # PyTorch: the stride defaults to the window size.
    stride_t = window if stride is None else parse_per_dim(stride, nd, "--stride")
    dilation_t = parse_per_dim(dilation, nd, "--dilation")
    if mode == "avg" and any(d != 1 for d in dilation_t):
        raise SpecError("pool.dilation_avg", mode="max")
    pads = _parse_pool_padding(padding, nd)
    if mode == "avg" and nd == 3 and any(i < k for i, k in zip(spatial, window)):
        raise SpecError("pool.avg_small", input="x".join(map(str, spatial)),
                        window="x".join(map(str, window)))
    out = []
    for axis, (i, k, s, p, d) in enumerate(zip(spatial, window, stride_t, pads, dilation_t)):
        if p > k // 2:
            raise SpecError("pool.padding_half", padding=p, size=k, axis=axis + 1, half=k // 2)
        o = pool_output_size(i, k, stride=s, padding=p, dilation=d, ceil_mode=bool(ceil_mode))
        if o < 1:
            raise SpecError("pool.window_large", size=k, extent=d * (k - 1) + 1, padded=i + 2 * p,
                            axis=axis + 1)
        out.append(o)
    channels = in_channels is not None or batch is not None
    cfg = PoolConfig(
        mode, spatial, window, stride_t, pads, dilation_t, bool(ceil_mode),
        positive_count(in_channels, "--in-channels"), positive_count(batch, "--batch"), channels, tuple(out),
    )
    for axis, windows in enumerate(cfg.axis_windows()):
        for o, cells in enumerate(windows):
            if not cells:
                raise SpecError("pool.padding_only", output=o + 1, axis=axis + 1)
    return cfg


def _parse_pool_padding(padding: Any, nd: int) -> tuple[int, ...]:
    if isinstance(padding, str) and padding.strip().lower() == "same":
        raise SpecError("pool.padding_same", padding="same", param="padding", example=1)
    pads = parse_padding(padding, ndim=nd)
    assert not isinstance(pads, str)
    if any(a != b for a, b in pads):
        raise SpecError("pool.padding_sides")
    return tuple(a for a, _ in pads)
