"""``gradsym attention``: scaled dot-product attention, derived and proved."""

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

Seq = Annotated[int | None, typer.Option("--seq", help="Sequence length L (rows of Q, K and V).")]
Dim = Annotated[int | None, typer.Option("--dim", help="Head dimension D (columns of Q, K and V).")]
Causal = Annotated[bool, typer.Option("--causal", help="Mask the scores S_ij with j > i as −∞ before "
                                      "the softmax (is_causal=True).")]


@app.command()
def attention(
    seq: Seq = None,
    dim: Dim = None,
    causal: Causal = False,
    q: Annotated[str | None, value_option("Queries Q, (L, D).")] = None,
    k: Annotated[str | None, value_option("Keys K, (L, D).")] = None,
    v: Annotated[str | None, value_option("Values V, (L, D).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dO, (L, D) (default ones).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Scaled dot-product attention O = softmax(Q·Kᵀ/√D)·V: forward, Jacobians, gradients, proofs.

    Symbols: q_i_j, k_i_j, v_i_j (row i, column j), upstream g_i_j, output o_i_j. Proves
    dV = Pᵀ·G, dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ) with dP = G·Vᵀ, dQ = dS·K/√D, dK = dSᵀ·Q/√D.

    Example: gradsym attention --seq 2 --dim 2 --q arange --k ones --v arange
    """
    return derive_and_emit("attention", locals())
