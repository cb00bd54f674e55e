"""The public ``conv`` and ``deconv``: pick the engine a call needs.

A concrete configuration goes to :mod:`gradsym.layers.conv` / :mod:`gradsym.layers.deconv`,
a framework's conventions to :mod:`gradsym.layers.conventions`, ``general=True`` to
:mod:`gradsym.layers.general`. Those modules never import this one, so the convolution
family has no import cycle.
"""

from __future__ import annotations

from typing import Any

from gradsym.derivation import Derivation
from gradsym.layers.conv import conv_config, derive_conv, require
from gradsym.layers.conventions import derive_conv_convention
from gradsym.layers.deconv import concrete_deconv
from gradsym.layers.general import general_conv, general_deconv


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
    general: bool = False,
    dims: int = 2,
) -> Derivation:
    """Derive an N-D convolution (cross-correlation, PyTorch semantics) and prove its gradients.

    ``general=True`` proves it for every size instead (symbolic n, k, s, d, p; ``dims``
    axes; see :mod:`gradsym.layers.general`).

    >>> d = conv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])
    >>> d.numeric.forward.tolist()
    [[37, 47], [67, 77]]
    """
    if general:
        return general_conv(input, kernel, dims=dims, stride=stride, padding=padding, dilation=dilation,
                            bias=bias, unused={"--groups": groups != 1, "--in-channels": in_channels,
                                               "--out-channels": out_channels, "--batch": batch,
                                               "--x": x, "--k": k, "--b": b, "--g": g,
                                               "--convention": convention != "torch"})
    require(input, "--input", "3x3")
    require(kernel, "--kernel", "2x2")
    cfg = conv_config(
        input, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
        in_channels=in_channels, out_channels=out_channels, batch=batch,
        bias=bias or b is not None, convention=convention, max_terms=max_terms,
    )
    if cfg.convention != "torch":  # layouts and padding words of TensorFlow / JAX
        return derive_conv_convention(cfg).with_values(seed=seed, x=x, k=k, b=b, g=g)
    return derive_conv(cfg).with_values(seed=seed, x=x, k=k, b=b, g=g)


def deconv(
    input: Any = None,
    kernel: Any = None,
    *,
    stride: Any = 1,
    padding: Any = None,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    output_padding: Any = None,
    output_size: Any = None,
    x: Any = None,
    k: Any = None,
    b: Any = None,
    g: Any = None,
    seed: int | None = None,
    convention: str = "torch",
    max_terms: int | None = None,
    general: bool = False,
    dims: int = 2,
) -> Derivation:
    """Derive an N-D transposed convolution (PyTorch semantics) and prove it, and its gradients.

    ``general=True`` proves it for every size instead (symbolic n, k, s, d, p, q; ``dims``
    axes; see :mod:`gradsym.layers.general`).

    ``padding`` defaults to 0 (PyTorch) or ``valid`` (TensorFlow, JAX); ``output_size``
    chooses ``output_padding`` as PyTorch's ``ConvTranspose(x, output_size=…)`` does, or
    the output shape of TensorFlow's ``conv2d_transpose``.

    >>> d = deconv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])
    >>> d.numeric.forward.tolist()[1]
    [7, 23, 33, 24]
    """
    if general:
        return general_deconv(
            input, kernel, dims=dims, stride=stride, padding=0 if padding is None else padding,
            dilation=dilation, output_padding=0 if output_padding is None else output_padding, bias=bias,
            unused={"--groups": groups != 1, "--in-channels": in_channels, "--out-channels": out_channels,
                    "--batch": batch, "--output-size": output_size, "--x": x, "--k": k, "--b": b, "--g": g,
                    "--convention": convention != "torch"})
    d = concrete_deconv(
        input, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
        in_channels=in_channels, out_channels=out_channels, batch=batch, bias=bias or b is not None,
        output_padding=output_padding, output_size=output_size, convention=convention,
        max_terms=max_terms,
    )
    return d.with_values(seed=seed, x=x, k=k, b=b, g=g)


__all__ = ["conv", "deconv"]
