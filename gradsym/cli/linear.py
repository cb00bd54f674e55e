"""``gradsym linear``: a fully connected layer Y = X·Wᵀ + b, derived and proved."""

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

InFeatures = Annotated[int | None, typer.Option("--in-features", help="Input features (columns of X and W).")]
OutFeatures = Annotated[int | None, typer.Option("--out-features", help="Output features (rows of W).")]
Batch = Annotated[int, typer.Option("--batch", help="Samples (rows of X); default 1.")]
Bias = Annotated[bool, typer.Option("--bias", help="Add a bias b (also implied by --b).")]


@app.command()
def linear(
    in_features: InFeatures = None,
    out_features: OutFeatures = None,
    batch: Batch = 1,
    bias: Bias = False,
    x: Annotated[str | None, value_option("Input values X, (batch, in_features).")] = None,
    w: Annotated[str | None, value_option("Weight values W, (out_features, in_features) "
                                          "as torch.nn.Linear.weight.")] = None,
    b: Annotated[str | None, value_option("Bias values, out_features of them (turns the bias on).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dY, (batch, out_features) "
                                          "(default ones).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Fully connected layer Y = X·Wᵀ + b: forward, Jacobians, gradients, matrix-form proofs.

    Symbols: x_n_i (sample n, feature i), w_o_i (output o, input i), b_o, and the
    upstream gradient g_n_o. Proves dL/dX = G·W, dL/dW = Gᵀ·X, dL/db = Σ_n G.

    Example: gradsym linear --in-features 3 --out-features 2 --batch 2 --bias --x arange --w arange --b 1,1
    """
    return derive_and_emit("linear", locals())
