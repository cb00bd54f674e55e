"""Seed 001: matrix calculus by dimension consistency.

The article differentiates J = ||Xw − y||² = (Xw − y)ᵀ(Xw − y) as if every matrix were a
number, then reorders and transposes the factors until the shapes agree:
dJ/dX = 2(Xw − y)wᵀ, dJ/dw = 2Xᵀ(Xw − y), dJ/dy = −2(Xw − y). This script lets
``gradsym.matrix`` do the same, asserts those closed forms and that they equal the
element-by-element derivative, evaluates them at numbers and compares with NumPy, and writes
the derivation as Markdown and PDF.

    python examples/seed_001_matrix_calculus.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from _common import output_folder, write_article

import gradsym

EXPRESSION = "(X*w - y).T*(X*w - y)"
SHAPES = {"X": (3, 2), "w": (2, 1), "y": (3, 1)}  # or ["X=3x2", ...] as on the CLI
# The article's answers, in gradsym's matrix syntax (* is the matrix product).
CLOSED_FORMS = {"X": "2*(X*w - y)*w.T", "w": "2*X.T*(X*w - y)", "y": "-2*(X*w - y)"}
VALUES = {"X": [[1, 2], [3, 4], [5, 6]], "w": [["1/2"], [-1]], "y": [[1], [0], [2]]}  # "1/2" stays exact


def main() -> None:
    folder = output_folder(__file__)
    d = gradsym.matrix(EXPRESSION, shape=SHAPES, wrt=["X", "w", "y"], at=VALUES)
    assert d.holds, "a check failed"
    assert d.closed_forms == CLOSED_FORMS, d.closed_forms
    assert "closed_form_matches_elementwise" in [c.name for c in d.checks]

    # The closed forms at numbers, computed independently with exact NumPy object arrays.
    X, w, y = (np.array([[Fraction(v) for v in row] for row in VALUES[n]], dtype=object)
               for n in ("X", "w", "y"))
    r = X @ w - y
    expected = {"X": 2 * r @ w.T, "w": 2 * X.T @ r, "y": -2 * r}
    got = d.numeric.gradient_values
    for name, value in expected.items():
        assert got[name].shape == value.shape and (got[name] == value).all(), (name, got[name])
        print(f"dJ/d{name} = {CLOSED_FORMS[name]} =", [[str(v) for v in row] for row in value])

    write_article(
        folder,
        "seed_001_matrix_calculus",
        "Seed 001: matrix calculus by dimension consistency",
        [
            "The article's rule for guessing matrix derivatives: differentiate as if every "
            "matrix were a number, then reorder and transpose the factors until the "
            "dimensions agree; the derivative of a scalar with respect to an m x n matrix is "
            "an m x n matrix. Its example is $J = (Xw - y)^T (Xw - y) = \\|Xw - y\\|^2$ with "
            "$X \\in R^{m \\times n}$, $w \\in R^{n \\times 1}$, $y \\in R^{m \\times 1}$.",
            "gradsym follows the same two steps for m = 3, n = 2 and proves each closed form "
            "entry by entry against the derivative of the expanded J: "
            "$\\partial J/\\partial X = 2(Xw - y)w^T$, $\\partial J/\\partial w = 2X^T(Xw - y)$ "
            "and $\\partial J/\\partial y = -2(Xw - y)$. At the values below they also equal "
            "the same formulas computed with NumPy.",
        ],
        [("$J = (Xw - y)^T(Xw - y)$ for X 3x2, w 2x1, y 3x1, with numbers.", d)],
    )


if __name__ == "__main__":
    main()
