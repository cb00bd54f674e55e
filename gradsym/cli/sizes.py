"""``gradsym sizes``: output-size arithmetic with the formula filled in."""

from __future__ import annotations

from typing import Annotated

import typer

from gradsym.cli.app import app
from gradsym.cli.common import Format, Full, Lang, Output, Plot, Show, derive_and_emit
from gradsym.cli.conv import (
    Batch,
    Bias,
    Convention,
    Dilation,
    Groups,
    InChannels,
    Input,
    Kernel,
    OutChannels,
    Stride,
)
from gradsym.cli.deconv import OutputPadding, OutputSize

Padding = Annotated[
    str | None,
    typer.Option("--padding", help="Zero padding per side: 1, 1x0, valid or same (default 0; "
                 "with --transposed and --convention jax, lax.conv_transpose's padding)."),
]
Transposed = Annotated[bool, typer.Option("--transposed", help="A transposed convolution (deconv).")]


@app.command()
def sizes(
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
    transposed: Transposed = False,
    output_padding: OutputPadding = None,
    output_size: OutputSize = None,
    convention: Convention = "torch",
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
) -> int:
    """Output sizes: the formula filled in, unread positions, and the inverting output_padding.

    Example: gradsym sizes --input 5x5 --kernel 3x3 --stride 2 --padding 1
    """
    return derive_and_emit("sizes", locals())
