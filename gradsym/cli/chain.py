"""``gradsym chain``: stacked convolutions and a loss, the chain rule layer by layer."""

from __future__ import annotations

from typing import Annotated

import typer

from gradsym.cli.app import app
from gradsym.cli.common import (
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
    Dilation,
    Groups,
    InChannels,
    Input,
    Kernel,
    OutChannels,
    Padding,
    Stride,
)

Depth = Annotated[int, typer.Option("--depth", help="Number of stacked convolution layers.")]
Loss = Annotated[str, typer.Option("--loss", help="Loss against the target: l1 | mse (mean over all elements).")]
Expand = Annotated[
    bool,
    typer.Option("--expand", help="Also substitute every result down to the network input "
                 "(small cases; bounded by --max-terms)."),
]


@app.command()
def chain(
    input: Input = None,
    kernel: Kernel = None,
    depth: Depth = 2,
    loss: Loss = "l1",
    target: Annotated[str | None, value_option("Target of the loss (default zeros).")] = None,
    expand: Expand = False,
    stride: Stride = "1",
    padding: Padding = "0",
    dilation: Dilation = "1",
    groups: Groups = 1,
    in_channels: InChannels = None,
    out_channels: OutChannels = None,
    batch: Batch = None,
    bias: Bias = False,
    x: Annotated[str | None, value_option("Network input values.")] = None,
    k: Annotated[list[str] | None, value_option(
        "Kernel values: once for every layer, or one per layer (repeat --k once per layer, "
        "or give D stacked kernels; random draws each layer separately).")] = None,
    b: Annotated[list[str] | None, value_option(
        "Bias values (turns the bias on): once for every layer, or one per layer (repeat --b "
        "once per layer, or give D stacked values).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Stacked convolutions + a loss: the chain rule layer by layer, every step proved.

    Example (seed 000): gradsym chain --input 4x4 --kernel 3x3 --padding 1 --depth 3 --loss l1 --x "[[1,2,3,4],[4,3,2,1],[1,2,3,4],[4,3,2,1]]" --k ones --b 1
    """  # noqa: E501
    options = dict(locals())
    from gradsym.layers.chain import PerLayer

    options.update(k=PerLayer.of(k), b=PerLayer.of(b))  # one value per layer when repeated
    return derive_and_emit("chain", options)
