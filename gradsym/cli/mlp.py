"""``gradsym mlp``: a small network's output and its gradients by the chain rule."""

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
)

Layers = Annotated[
    str | None,
    typer.Option("--layers", help="Widths from input to output, e.g. 1,2,1 (1 input, 2 hidden "
                 "units, 1 output); any number of layers."),
]
Activation = Annotated[
    str,
    typer.Option("--activation", help="none | relu | sigmoid | tanh, applied to the hidden layers "
                 "(the output layer is linear). relu′(0) = 0, as in PyTorch."),
]
Bias = Annotated[bool, typer.Option("--bias", help="Give every unit a bias b_l_j (also implied by "
                                    "an --at value for a bias).")]
At = Annotated[
    list[str] | None,
    typer.Option("--at", help="Values by name, NAME=VALUES, repeatable. Names: x (the input, "
                 "n_0 values); w_l (layer l's weights, n_(l-1) x n_l: row i = from unit i, the "
                 "transpose of torch.nn.Linear.weight); b_l (n_l biases); or single elements "
                 "x_i, w_l_i_j (layer l, from unit i to unit j), b_l_j, which override their "
                 "tensor's value. VALUES: '[[1,2]]', '1,2', or arange | ones | zeros | random. "
                 "Numbers are computed once every tensor has values."),
]


@app.command()
def mlp(
    layers: Layers = None,
    activation: Activation = "none",
    bias: Bias = False,
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
    """Small MLP: symbolic output, d out/d input and d out/d every weight and bias, layer by layer.

    Symbols: inputs x_i, weights w_l_i_j (layer l, from unit i to unit j), biases b_l_j.

    Example: gradsym mlp --layers 1,2,1 --activation tanh --at x=2 --at "w_1=[[1,-1]]" --at "w_2=[[3],[4]]"
    """
    return derive_and_emit("mlp", locals())
