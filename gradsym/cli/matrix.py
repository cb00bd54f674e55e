"""``gradsym matrix``: matrix calculus in closed matrix form, checked element by element."""

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
from gradsym.cli.expr import Wrt

Expression = Annotated[
    str | None,
    typer.Argument(help="The scalar objective, e.g. '(X*w - y).T*(X*w - y)'. Parsed, never "
                   "executed."),
]
ShapeOpt = Annotated[
    list[str] | None,
    typer.Option("--shape", help="Declare a name: NAME=SHAPE (X=3x2, w=2x1, w=2 for a column, "
                 "s=scalar); repeatable. Elements are X_1_1, X_1_2, … Sizes may be letters "
                 "(X=nxn, x=n, A=mx3): closed forms for every size, checked at several."),
]
At = Annotated[
    list[str] | None,
    typer.Option("--at", help="Values: NAME=VALUES, repeatable, e.g. --at 'X=[[1,2],[3,4]]'. "
                 "VALUES: a nested list, '1,2,3,4' (row-major), or arange | ones | zeros | "
                 "random. Exact: 1/2 and 0.5 stay exact."),
]

Hessian = Annotated[
    bool,
    typer.Option("--hessian", help="Also derive the Hessian ∂²J/∂X² of each --wrt name (scalar J): "
                 "a closed matrix form where one exists (x'Ax → A + A', least squares → 2X'X, "
                 "logistic loss → X'diag(σ∘(1−σ))X), the element-wise table, and the checks "
                 "that they agree and are symmetric."),
]


@app.command(cls=ExpressionCommand)
def matrix(
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
    hessian: Hessian = False,
) -> int:
    """Matrix calculus: dJ/dX in closed matrix form (* and @ are matrix products), with the dimension-consistency steps, verified element by element.

    Functions: trace (tr), det, inv (or X**-1), norm (Frobenius), hadamard, sum; exp log sqrt sin cos tanh sigmoid abs of a scalar, or element-wise on a matrix (closed forms with Hadamard products; a number added to a matrix goes on every entry).

    MatrixCalculus.org's notation too: x' ^ .* ./ logdet eye(n) ones(m,n) vector(1) diag norm1 norm2. The expression may start with '-'.

    Example: gradsym matrix "(X*w - y).T*(X*w - y)" --shape X=3x2 --shape w=2x1 --shape y=3x1 --wrt X --wrt w --wrt y
    """
    return derive_and_emit("matrix", locals())
