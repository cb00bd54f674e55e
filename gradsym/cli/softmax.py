"""``gradsym softmax``: softmax, log-softmax and cross-entropy, derived and proved."""

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

Classes = Annotated[int | None, typer.Option("--classes", help="Classes K (entries of a row of x).")]
Batch = Annotated[int | None, typer.Option("--batch", help="Rows N (samples); default 1.")]
Loss = Annotated[str | None, typer.Option(
    "--loss", help="ce: the mean cross-entropy of PyTorch's cross_entropy (needs --target).")]
Target = Annotated[str | None, typer.Option("--target", help="Target class per row, 0-based (e.g. 2,0).")]
Smoothing = Annotated[str | None, typer.Option(
    "--smoothing", help="Label smoothing ε in [0, 1) (PyTorch's label_smoothing).")]
Temperature = Annotated[str | None, typer.Option(
    "--temperature", help="Temperature T > 0: softmax(x/T) (default 1).")]
Log = Annotated[bool, typer.Option("--log", help="Log-softmax instead of softmax.")]


@app.command()
def softmax(
    classes: Classes = None,
    batch: Batch = None,
    loss: Loss = None,
    target: Target = None,
    smoothing: Smoothing = None,
    temperature: Temperature = None,
    log: Log = False,
    x: Annotated[str | None, value_option("Logits, (batch, classes).")] = None,
    g: Annotated[str | None, value_option("Upstream gradient dL/dy, (batch, classes) "
                                          "(default ones; not with --loss).")] = None,
    seed: Seed = None,
    format: Format = None,
    output: Output = None,
    show: Show = None,
    full: Full = False,
    plot: Plot = None,
    lang: Lang = "en",
    max_terms: MaxTerms = None,
) -> int:
    """Softmax, log-softmax or softmax cross-entropy: forward, Jacobian, gradient, proofs.

    Symbols: logits x_n_k (row n, class k; layout (N, K), N = 1 without --batch), upstream
    g_n_k. Proves the Jacobian (diag(s) − s·sᵀ)/T (log-softmax: (I − 1·sᵀ)/T), the
    cross-entropy gradient (softmax − q)/N and the shift invariance of the stable form.

    Example: gradsym softmax --classes 3 --x 1,2,3
    """
    return derive_and_emit("softmax", locals())
