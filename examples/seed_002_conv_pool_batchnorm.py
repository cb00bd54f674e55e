"""Seed 002: backpropagation in a convolution, a max pooling and a batch norm layer.

The article convolves a 3x3 input X with a 2x2 filter F into a 2x2 output O and shows, entry
by entry, that dL/dF = conv(X, dL/dO) and that dL/dX is the full convolution of dL/dO with F
rotated by 180 degrees; then that max pooling passes the gradient only to the maximum of each
window; batch norm is announced. This script derives all three with gradsym (conv, pool,
batchnorm), re-builds both convolution identities independently with SymPy, routes the
pooling gradient with NumPy, checks batch norm against the textbook formula in floating
point, and writes the derivations as Markdown and PDF.

    python examples/seed_002_conv_pool_batchnorm.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

import math

import numpy as np
import sympy
from _common import output_folder, write_article

import gradsym

POOL_X = [[1, 3, 2, 1], [4, 2, 0, 1], [3, 1, 1, 5], [2, 0, 6, 2]]
POOL_G = [[1, 2], [3, 4]]
BN_X = [[1], [2], [4]]  # a batch of 3 samples of one feature
BN_G = [[1], [0], [2]]


def grid(letter: str, rows: int, cols: int) -> sympy.Matrix:
    """gradsym's element names (``x_1_2``): plain SymPy symbols."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{letter}_{i + 1}_{j + 1}"))


def check_conv() -> gradsym.Derivation:
    d = gradsym.conv(input="3x3", kernel="2x2")
    assert d.holds, "a conv check failed"
    names = {c.name for c in d.checks}
    assert {"grad_input_equals_full_conv_rot180_kernel", "grad_kernel_equals_conv_input_upstream"} <= names

    # The article's two identities, built here from scratch.
    X, F, G = grid("x", 3, 3), grid("k", 2, 2), grid("g", 2, 2)
    grad_F = sympy.Matrix(2, 2, lambda p, q: sum(X[p + i, q + j] * G[i, j]
                                                 for i in range(2) for j in range(2)))
    padded = sympy.zeros(4, 4)
    padded[1:3, 1:3] = G
    rot180 = sympy.Matrix(2, 2, lambda i, j: F[1 - i, 1 - j])
    grad_X = sympy.Matrix(3, 3, lambda r, c: sum(padded[r + i, c + j] * rot180[i, j]
                                                 for i in range(2) for j in range(2)))
    assert sympy.expand(sympy.Matrix(d.grad["kernel"].tolist()) - grad_F) == sympy.zeros(2, 2)
    assert sympy.expand(sympy.Matrix(d.grad["input"].tolist()) - grad_X) == sympy.zeros(3, 3)
    print("dL/dF = conv(X, dL/dO) and dL/dX = full_conv(dL/dO, rot180(F)): both hold")
    return d


def check_pool() -> gradsym.Derivation:
    d = gradsym.pool(input="4x4", size=2, x=POOL_X, g=POOL_G)
    assert d.holds, "a pool check failed"
    x = np.array(POOL_X)
    expected = np.zeros((4, 4), dtype=int)
    for i in range(2):
        for j in range(2):
            window = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            expected[2 * i + r, 2 * j + c] = POOL_G[i][j]
    got = d.numeric.grad["input"].tolist()
    assert got == expected.tolist(), got
    print("max pooling routes dL/dO to the maxima:", got)
    return d


def check_batchnorm() -> gradsym.Derivation:
    d = gradsym.batchnorm(batch=3, features=1, x=BN_X, g=BN_G)
    assert d.holds, "a batchnorm check failed"
    # The compact textbook backward pass, in floats: dx = (g − mean g − x̂·mean(g·x̂))/σ.
    x, g = np.array(BN_X, dtype=float), np.array(BN_G, dtype=float)
    sigma = np.sqrt(x.var(axis=0) + 1e-5)  # PyTorch's default eps; gradsym keeps it as 1/100000
    x_hat = (x - x.mean(axis=0)) / sigma
    expected = {"input": (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)) / sigma,
                "gamma": (g * x_hat).sum(axis=0), "beta": g.sum(axis=0)}
    for role, want in expected.items():
        exact = d.numeric.grad[role]  # exact SymPy numbers (square roots stay symbolic)
        got = np.array([float(v) for v in np.array(exact.tolist()).reshape(-1)]).reshape(want.shape)
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
                   for a, b in zip(got.reshape(-1), want.reshape(-1))), (role, got, want)
    floats = [round(float(v), 6) for v in np.array(d.numeric.grad["input"].tolist()).reshape(-1)]
    print("batch norm dL/dx, exact (shown rounded):", floats, "= the textbook formula")
    return d


def main() -> None:
    folder = output_folder(__file__)
    conv, pool, batchnorm = check_conv(), check_pool(), check_batchnorm()
    write_article(
        folder,
        "seed_002_conv_pool_batchnorm",
        "Seed 002: backpropagation in convolution, pooling and batch norm",
        [
            "The article starts from the chain rule: a layer receives $\\partial L/\\partial O$ "
            "from the layer above and must produce $\\partial L/\\partial F$ to update its "
            "filter and $\\partial L/\\partial X$ to pass down. For a 3x3 input X and a 2x2 "
            "filter F with a 2x2 output O it expands every entry and finds two convolutions: "
            "$\\partial L/\\partial F = \\mathrm{conv}(X, \\partial L/\\partial O)$, and "
            "$\\partial L/\\partial X$ = the full convolution of $\\partial L/\\partial O$ with "
            "F rotated by 180 degrees. Both the forward and the backward pass of a "
            "convolution are convolutions.",
            "gradsym derives the same layer with symbols (x for X, k for F, g for "
            "$\\partial L/\\partial O$) and proves both identities entry by entry. Max pooling "
            "has no parameters: its backward pass sends each upstream gradient to the position "
            "of its window's maximum and nothing elsewhere. Batch norm, announced at the end "
            "of the article, follows in training mode, proved equal to the compact textbook "
            "formula.",
        ],
        [
            ("The article's convolution: 3x3 input, 2x2 filter, symbolic.", conv),
            ("Max pooling 2x2 on a 4x4 input: the gradient goes to each maximum.", pool),
            ("Batch norm (training mode) on a batch of 3 samples of one feature.", batchnorm),
        ],
    )


if __name__ == "__main__":
    main()
