"""``gradsym deconv``: N-D transposed convolution, derived and proved."""

from __future__ import annotations

from typing import Annotated

import typer

from gradsym.cli.app import app
from gradsym.cli.common import (
    Animate,
    Format,
    Full,
    Lang,
    MaxTerms,
    Output,
    Plot,
    Seed,
    Show,
    derive_and_emit,
    value_option,
)
from gradsym.cli.conv import (
    Batch,
    Bias,
    Convention,
    Dilation,
    Dims,
    General,
    Groups,
    InChannels,
    Input,
    Kernel,
    OutChannels,
    Stride,
)

Padding = Annotated[
    str | None,
    typer.Option("--padding", help="Padding of the matching convolution: 1, 1x0 or valid (default 0); "
                 "with --convention tensorflow also same; with jax valid | same (default valid) or "
                 "numbers = lax.conv_transpose's padding of the stride-dilated input."),
]
OutputPadding = Annotated[
    str | None,
    typer.Option("--output-padding", help="Extra output positions at the end, per dimension "
                 "(PyTorch: below the stride or the dilation)."),
]
OutputSize = Annotated[
    str | None,
    typer.Option("--output-size", help="Output size (e.g. 6x6): picks output_padding as "
                 "ConvTranspose(x, output_size=...) does, or TensorFlow's output_shape."),
]


@app.command()
def deconv(
    input: Input = None,
    kernel: Kernel = None,
    stride: Stride = "1",
    padding: Padding = None,
    dilation: Dilation = "1",
    groups: Groups = 1,
    in_channels: InChannels = None,
    out_channels: OutChannels = None,
    batch: Batch = None,
    bias: Bias = False,
    output_padding: OutputPadding = None,
    output_size: OutputSize = None,
    x: Annotated[str | None, value_option("Input values.")] = None,
    k: Annotated[str | None, value_option("Kernel values, (C_in, C_out/groups, *k).")] = None,
    b: Annotated[str | None, value_option("Bias values (turns the bias on).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dy (default ones).")] = None,
    seed: Seed = None,
    convention: Convention = "torch",
    general: General = False,
    dims: Dims = 2,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    animate: Animate = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Transposed convolution: forward, Jacobians, gradients, and deconv = conv's input-gradient.

    Example: gradsym deconv --input 3x3 --kernel 2x2 --x arange --k 1,2,3,4
    """
    return derive_and_emit("deconv", locals())
