"""``gradsym batchnorm``: batch normalisation (training or eval mode), derived and proved."""

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
Spatial = Annotated[str | None, typer.Option(
    "--spatial", help="Spatial sizes L, HxW or DxHxW: input (N, C, *spatial) as BatchNorm1d/2d/3d, "
    "statistics per channel over the batch and the positions; --features is C.")]
EvalMode = Annotated[bool, typer.Option(
    "--eval", help="Eval mode: normalise with --running-mean/--running-var instead of the batch's "
    "statistics.")]


@app.command()
def batchnorm(
    batch: Batch = None,
    features: Features = 1,
    spatial: Spatial = None,
    eval: EvalMode = False,
    eps: Eps = None,
    x: Annotated[str | None, value_option("Input values, (batch, features) or (batch, features, *spatial).")] = None,
    gamma: Annotated[str | None, value_option("Scale γ, one per feature (default ones).")] = None,
    beta: Annotated[str | None, value_option("Shift β, one per feature (default zeros).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dy, the shape of x (default ones).")] = None,
    running_mean: Annotated[str | None, value_option(
        "With --eval: running mean, one per feature (default zeros, PyTorch's initial buffer).")] = None,
    running_var: Annotated[str | None, value_option(
        "With --eval: running variance, one per feature (default ones, PyTorch's initial buffer).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Batch norm (training or eval mode): forward, Jacobians, gradients, and the compact backward formula.

    Symbols: x_n_f (sample n, feature f; with --spatial x_n_c_h_w, every index), gamma_f, beta_f,
    upstream g_n_f, with --eval running_mean_f and running_var_f, and, with --eps eps, the
    symbol eps. Proves dL/dx = γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂) per feature (M = N·prod(spatial));
    with --eval, dL/dx = γ·g/sqrt(running_var + ε).

    Example: gradsym batchnorm --batch 2 --features 3 --spatial 2x2 --x random
    """
    return derive_and_emit("batchnorm", locals())
