"""``gradsym groupnorm``: group normalisation, derived and proved."""

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
from gradsym.cli.layernorm import Eps, GValues, XValues

Shape = Annotated[str | None, typer.Option("--shape", help="Input shape N×C×(spatial), e.g. 1x4x2x2.")]
Groups = Annotated[int, typer.Option("--groups", help="Groups G (divides C); each (sample, group of C/G "
                                     "channels) is normalised on its own. Default 1.")]


@app.command()
def groupnorm(
    shape: Shape = None,
    groups: Groups = 1,
    eps: Eps = None,
    x: XValues = None,
    gamma: Annotated[str | None, value_option("Scale γ, one per channel (default ones).")] = None,
    beta: Annotated[str | None, value_option("Shift β, one per channel (default zeros).")] = None,
    g: GValues = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Group norm: forward, Jacobians, gradients, and the compact backward formula.

    Symbols: x_n_c_h_w (every index), gamma_c, beta_c, upstream g_n_c_h_w, and, with --eps eps,
    the symbol eps. Proves, per (sample, group), with ĝ = g∘γ,
    dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂), M = (C/G)·prod(spatial).

    Example: gradsym groupnorm --shape 1x4x2 --groups 2 --x arange
    """
    return derive_and_emit("groupnorm", locals())
