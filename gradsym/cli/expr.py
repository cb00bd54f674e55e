"""``gradsym expr``: the gradient of any scalar or element-wise expression (NumPy semantics)."""

from __future__ import annotations

from typing import Annotated

import typer

from gradsym.cli.app import app
from gradsym.cli.common import (
    ExpressionCommand,
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

Expression = Annotated[
    str | None,
    typer.Argument(help="The expression, e.g. 'mean(3*(a+3)**2)'. Parsed, never executed."),
]
ShapeOpt = Annotated[
    list[str] | None,
    typer.Option("--shape", help="Declare a name: NAME=SHAPE (a=2, X=3x2, s=scalar); "
                 "repeatable. Elements are NAME_i(_j…), 1-based: a_1, X_2_1."),
]
Wrt = Annotated[
    list[str] | None,
    typer.Option("--wrt", help="Differentiate with respect to NAME; repeatable "
                 "(default: every name the expression uses)."),
]
At = Annotated[
    list[str] | None,
    typer.Option("--at", help="Values: NAME=VALUES, repeatable, e.g. --at 'a=[2,3]'. VALUES: "
                 "'[[1,2],[3,4]]', '1,2,3,4', or arange | ones | zeros | random. Exact: 1/2 "
                 "and 0.5 stay exact."),
]


@app.command(cls=ExpressionCommand)
def expr(
    expression: Expression = None,
    shape: ShapeOpt = None,
    wrt: Wrt = None,
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
    """Gradient of an expression over named tensors, NumPy semantics (* element-wise, @ matrix product).

    Functions: sum mean exp log sqrt abs sin cos tanh sigmoid relu softmax logsumexp max min maximum minimum dot norm (sum/mean/max/min/softmax/logsumexp take an optional axis).

    Example: gradsym expr "mean(3*(a+3)**2)" --shape a=2 --wrt a --at "a=[2,3]"
    """
    return derive_and_emit("expr", locals())
