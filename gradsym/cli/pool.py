"""``gradsym pool``: max and average pooling, derived and proved."""

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

Input = Annotated[str | None, typer.Option("--input", "-i", help="Input size: L, HxW or DxHxW (e.g. 4x4).")]
Size = Annotated[str | None, typer.Option("--size", help="Window size: one number for every dimension, or one per dimension (e.g. 2 or 2x2).")]
Stride = Annotated[str | None, typer.Option("--stride", help="Stride: one number or one per dimension (default: the window size, as PyTorch).")]
Padding = Annotated[str, typer.Option("--padding", help="Padding per side, at most half the window: 1 or 1x0.")]
Dilation = Annotated[str, typer.Option("--dilation", help="Window dilation (max pooling only).")]
CeilMode = Annotated[bool, typer.Option("--ceil-mode", help="Round the output size up (PyTorch's ceil_mode).")]
Mode = Annotated[str, typer.Option("--mode", help="max | avg (average counts padding, count_include_pad=True).")]
InChannels = Annotated[int | None, typer.Option("--in-channels", help="Channels (switches to the PyTorch layout (N, C, …)).")]
Batch = Annotated[int | None, typer.Option("--batch", help="Batch size (switches to the PyTorch layout (N, C, …)).")]


@app.command()
def pool(
    input: Input = None,
    size: Size = None,
    stride: Stride = None,
    padding: Padding = "0",
    dilation: Dilation = "1",
    ceil_mode: CeilMode = False,
    mode: Mode = "max",
    in_channels: InChannels = None,
    batch: Batch = None,
    x: Annotated[str | None, value_option("Input values.")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dy (default ones).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    animate: Animate = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Max / average pooling: forward, Jacobian, gradient, and where each gradient goes.

    Max pooling sends each g to its window's first maximum (PyTorch's tie rule);
    average pooling spreads g/n over the window.

    Example: gradsym pool --input 4x4 --size 2x2 --x arange
    """
    return derive_and_emit("pool", locals())
