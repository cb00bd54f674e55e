"""The public ``conv`` and ``deconv``: pick the engine a call needs.

A concrete configuration goes to :mod:`gradsym.layers.conv` / :mod:`gradsym.layers.deconv`,
a framework's conventions to :mod:`gradsym.layers.conventions`, ``general=True`` to
:mod:`gradsym.layers.general`. Those modules never import this one, so the convolution
family has no import cycle.
"""

from __future__ import annotations

from typing import Any

from gradsym.budget import admit, conv_cost, given
from gradsym.derivation import Derivation
from gradsym.layers.conv import derive_conv
from gradsym.layers.conventions import derive_conv_convention, with_framework
from gradsym.layers.deconv import derive_deconv, transposed_config
from gradsym.layers.general_build import general_derivation
from gradsym.spec import ConvOptions, require


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
        values = {"--x": x, "--k": k, "--b": b, "--g": g}
        return general_derivation("conv", ConvOptions.of(locals()), dims, values)
    require(input, "--input", "3x3")
    require(kernel, "--kernel", "2x2")
    cfg = ConvOptions.of(locals(), bias=bias or b is not None).config()
    admit(conv_cost(cfg, values=given(x, k, b, g)), max_terms)
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
        values = {"--output-size": output_size, "--x": x, "--k": k, "--b": b, "--g": g}
        return general_derivation("deconv", ConvOptions.of(locals()), dims, values)
    require(input, "--input", "3x3")
    require(kernel, "--kernel", "2x2")
    cfg, options = transposed_config(ConvOptions.of(locals(), bias=bias or b is not None), output_size)
    admit(conv_cost(cfg, values=given(x, k, b, g)), max_terms)
    d = derive_deconv(with_framework(cfg, options), options.framework)
    return d.with_values(seed=seed, x=x, k=k, b=b, g=g)


__all__ = ["conv", "deconv"]
