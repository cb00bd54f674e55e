"""``gradsym layernorm``: layer normalisation, derived and proved."""

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

Shape = Annotated[str | None, typer.Option("--shape", help="Input shape with 2 to 4 dimensions, e.g. 2x4 "
                                           "(N samples × D features) or 2x3x4.")]
Normalized = Annotated[int, typer.Option("--normalized", help="How many trailing dimensions of --shape to "
                                         "normalise (PyTorch's normalized_shape); default 1.")]
Eps = Annotated[str | None, typer.Option("--eps", help="ε > 0 (default 1e-5, kept exact as 1/100000), "
                                         "or the word eps for a symbol.")]
XValues = Annotated[str | None, value_option("Input values, of --shape.")]
GValues = Annotated[str | None, value_option("Upstream gradient dL/dy, of --shape (default ones).")]


@app.command()
def layernorm(
    shape: Shape = None,
    normalized: Normalized = 1,
    eps: Eps = None,
    x: XValues = None,
    gamma: Annotated[str | None, value_option("Scale γ, of the normalised shape (default ones).")] = None,
    beta: Annotated[str | None, value_option("Shift β, of the normalised shape (default zeros).")] = None,
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
    """Layer norm: forward, Jacobians, gradients, and the compact backward formula.

    Symbols: x_n_d (every index), gamma_d and beta_d (indices of the normalised dimensions),
    upstream g_n_d, and, with --eps eps, the symbol eps. Proves, per sample, with ĝ = g∘γ,
    dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) (M values normalised together).

    Example: gradsym layernorm --shape 2x3 --x arange
    """
    return derive_and_emit("layernorm", locals())
