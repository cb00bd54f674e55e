"""The Python API: one function per CLI command, with the same parameters.

>>> import gradsym
>>> d = gradsym.conv(input=(3, 3), kernel=(2, 2))
>>> all(c.holds for c in d.checks)
True
"""

from __future__ import annotations

from typing import Any

from gradsym.derivation import Derivation


def conv(
    input: Any = None,
    kernel: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    x: Any = None,
    k: Any = None,
    b: Any = None,
    g: Any = None,
    seed: int | None = None,
    convention: str = "torch",
    max_terms: int | None = None,
) -> Derivation:
    """Derive an N-D convolution (cross-correlation, PyTorch semantics) and prove its gradients.

    >>> d = conv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])
    >>> d.numeric.forward.tolist()
    [[37, 47], [67, 77]]
    """
    from gradsym.layers.conv import conv_config, derive_conv

    _require(input, "--input", "3x3")
    _require(kernel, "--kernel", "2x2")
    cfg = conv_config(
        input, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
        in_channels=in_channels, out_channels=out_channels, batch=batch,
        bias=bias or b is not None, convention=convention, max_terms=max_terms,
    )
    return derive_conv(cfg).with_values(seed=seed, x=x, k=k, b=b, g=g)


def _require(value: Any, option: str, example: str) -> None:
    from gradsym.errors import SpecError

    if value is None:
        raise SpecError(f"{option} is required (e.g. {option} {example})")
