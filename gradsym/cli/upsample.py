"""``gradsym upsample``: nearest / (bi/tri)linear upsampling, derived and proved."""

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

Input = Annotated[str | None, typer.Option("--input", "-i", help="Input size: L, HxW or DxHxW (e.g. 2x2).")]
Scale = Annotated[str, typer.Option("--scale", help="Integer scale factor ≥ 1: one for every dimension, or one per dimension (e.g. 2 or 2x3).")]
Mode = Annotated[str, typer.Option("--mode", help="nearest, or the interpolating mode of the input's dimensionality: linear (L), bilinear (HxW), trilinear (DxHxW).")]
AlignCorners = Annotated[bool, typer.Option("--align-corners", help="Align the corner pixels (PyTorch's align_corners=True; interpolating modes only).")]


@app.command()
def upsample(
    input: Input = None,
    scale: Scale = "2",
    mode: Mode = "nearest",
    align_corners: AlignCorners = False,
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
    """Upsampling (PyTorch's interpolate with scale_factor): forward, Jacobian, gradient.

    Proves the output a transposed convolution with a fixed kernel (ones for nearest,
    a tent for linear modes) and the gradient a strided convolution with it.

    Example: gradsym upsample --input 2x2 --scale 2 --mode bilinear --x arange
    """
    return derive_and_emit("upsample", locals())
