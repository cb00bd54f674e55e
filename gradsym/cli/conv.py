"""``gradsym conv``: N-D convolution, derived and proved."""

from __future__ import annotations

from pathlib import Path
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

Input = Annotated[str | None, typer.Option("--input", "-i", help="Input size: L, HxW or DxHxW (e.g. 3x3).")]
Kernel = Annotated[str | None, typer.Option("--kernel", help="Kernel size, as many factors as the input (e.g. 2x2); "
                                               "the kernel's values are --k.")]
Stride = Annotated[str, typer.Option("--stride", help="Stride: one number or one per dimension (2 or 2x1).")]
Padding = Annotated[str, typer.Option("--padding", help="Zero padding per side: 1, 1x0, valid or same.")]
Dilation = Annotated[str, typer.Option("--dilation", help="Kernel dilation: one number or one per dimension.")]
Groups = Annotated[int, typer.Option("--groups", help="Channel groups (must divide both channel counts).")]
InChannels = Annotated[int | None, typer.Option("--in-channels", help="Input channels (switches to PyTorch layouts).")]
OutChannels = Annotated[int | None, typer.Option("--out-channels", help="Output channels (switches to PyTorch layouts).")]
Batch = Annotated[int | None, typer.Option("--batch", help="Batch size (switches to PyTorch layouts).")]
Bias = Annotated[bool, typer.Option("--bias", help="Add a bias (also implied by --b).")]
Convention = Annotated[str, typer.Option("--convention", help="Framework conventions: torch | tensorflow | jax.")]
General = Annotated[bool, typer.Option("--general", help="Prove it for every size: symbolic n, k, s, d, p "
                                       "(no --input/--kernel needed; with them, also checked at those sizes).")]
Dims = Annotated[int, typer.Option("--dims", help="With --general: 1, 2 or 3 dimensions (default 2).",
                                    show_default=False)]


@app.command()
def conv(
    input: Input = None,
    kernel: Kernel = None,
    stride: Stride = "1",
    padding: Padding = "0",
    dilation: Dilation = "1",
    groups: Groups = 1,
    in_channels: InChannels = None,
    out_channels: OutChannels = None,
    batch: Batch = None,
    bias: Bias = False,
    x: Annotated[str | None, value_option("Input values.")] = None,
    k: Annotated[str | None, value_option("Kernel values.")] = None,
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
    """Convolution: forward, Jacobians, gradients, and the flipped-kernel proofs.

    Example: gradsym conv --input 3x3 --kernel 2x2 --x arange --k 1,2,3,4
    """
    return derive_and_emit("conv", locals())


__all__ = ["conv", "Path"]
