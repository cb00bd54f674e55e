"""``gradsym batchnorm``: batch normalisation in training mode, derived and proved."""

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

Batch = Annotated[int | None, typer.Option("--batch", help="Samples N (at least 2 in training mode).")]
Features = Annotated[int, typer.Option("--features", help="Features F (columns of x); default 1.")]
Eps = Annotated[str | None, typer.Option("--eps", help="ε > 0 (default 1e-5, kept exact as 1/100000), "
                                         "or the word eps for a symbol.")]


@app.command()
def batchnorm(
    batch: Batch = None,
    features: Features = 1,
    eps: Eps = None,
    x: Annotated[str | None, value_option("Input values, (batch, features).")] = None,
    gamma: Annotated[str | None, value_option("Scale γ, one per feature (default ones).")] = None,
    beta: Annotated[str | None, value_option("Shift β, one per feature (default zeros).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dy, (batch, features) "
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
    """Batch norm (training mode): forward, Jacobians, gradients, and the compact backward formula.

    Symbols: x_n_f (sample n, feature f), gamma_f, beta_f, upstream g_n_f, and, with
    --eps eps, the symbol eps. Proves dL/dx = γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂) per feature.

    Example: gradsym batchnorm --batch 3 --features 2 --x arange
    """
    return derive_and_emit("batchnorm", locals())
