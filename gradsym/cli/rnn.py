"""``gradsym rnn``: an Elman RNN (tanh), unrolled, backpropagated through time and proved."""

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

Steps = Annotated[int | None, typer.Option("--steps", help="Time steps T.")]
InputSize = Annotated[int | None, typer.Option("--input-size", help="Inputs per step I (x_t has I values).")]
Hidden = Annotated[int | None, typer.Option("--hidden", help="Hidden units H.")]


@app.command()
def rnn(
    steps: Steps = None,
    input_size: InputSize = None,
    hidden: Hidden = None,
    x: Annotated[str | None, value_option("Inputs x_t, (steps, input-size).")] = None,
    w_ih: Annotated[str | None, value_option("Input weights W_ih, (hidden, input-size).")] = None,
    w_hh: Annotated[str | None, value_option("Recurrent weights W_hh, (hidden, hidden).")] = None,
    b: Annotated[str | None, value_option("Bias b = b_ih + b_hh, (hidden).")] = None,
    h0: Annotated[str | None, value_option("Initial state h0, (hidden) (default zeros).")] = None,
    g: Annotated[str | None, value_option("Upstream gradients dL/dh_t, (steps, hidden) "
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
    """Elman RNN (tanh, as torch.nn.RNN): unrolled forward, backpropagation through time, proofs.

    h_t = tanh(W_ih x_t + W_hh h_(t-1) + b) for t = 1..T from h0; the output is every h_t.
    Symbols x_t_i, w_ih_i_j, w_hh_i_j, b_i, h0_i, upstream g_t_i and the states h_t_i.
    Proves that the BPTT gradients equal the VJP of the differentiated unrolled graph.

    Example: gradsym rnn --steps 3 --input-size 2 --hidden 2
    """
    return derive_and_emit("rnn", locals())
