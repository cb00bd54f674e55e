"""``gradsym net``: a whole small network from a layer string, the chain rule layer by layer."""

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

Input = Annotated[
    str | None,
    typer.Option("--input", help="Input shape, samples first: NxCxHxW (or NxCxL, NxCxDxHxW, NxF)."),
]
Layers = Annotated[
    str | None,
    typer.Option("--layers", help="The layers, comma-separated, ending in a loss: conv "
                 "COUTxKHxKW, optionally followed by stride S, pad P, bias; deconv likewise; relu; "
                 "sigmoid; tanh; maxpool K or avgpool K, optionally stride S; batchnorm; flatten; "
                 "linear OUT, optionally nobias; softmax_ce | mse | l1."),
]
At = Annotated[
    list[str] | None,
    typer.Option("--at", help="A parameter's values by its PyTorch state_dict name, NAME=VALUES, "
                 "repeatable: --at 0.weight=[[...]] --at 4.bias=0,1,2 (the number is the layer's "
                 "0-based position). Parameters not given are drawn with --seed."),
]


@app.command()
def net(
    input: Input = None,
    layers: Layers = None,
    x: Annotated[str | None, value_option("Network input values (default: random, with --seed).")] = None,
    target: Annotated[str | None, value_option(
        "Target: class indices (one per sample) for softmax_ce, values of the output's shape for "
        "mse and l1 (default: random, with --seed).")] = None,
    at: At = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """A small network: every layer's formula and backward rule, the numbers forward and backward,
    and the chain rule checked against an independent differentiation of the whole network.

    Example: gradsym net --input 1x1x6x6 --layers "conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce"
    """  # noqa: E501
    return derive_and_emit("net", locals())
