"""Seed 003: the gradients of convolution and transposed convolution (TensorFlow).

The article takes X = 1..9 as a 3x3 input and K = [[1, 2], [3, 4]], and asks TensorFlow's
``tape.jacobian`` for every ∂y/∂x and ∂y/∂k of a VALID convolution (one 3x3 table per
output), notes that ``tape.gradient`` sums them, then does the same for the transposed
convolution (4x4 output), shows that it equals a VALID convolution of the zero-padded X with
the flipped kernel [[4, 3], [2, 1]] (TensorFlow implements it as ``conv2d_backprop_input``),
and recalls backprop through a fully connected layer. This script derives all of it with
gradsym (conv, deconv, linear), asserts the article's tables and numbers, recomputes the
flipped-kernel convolution and the fully connected gradients with NumPy, and writes the
derivations as Markdown and PDF.

    python examples/seed_003_conv_and_deconv.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

import numpy as np
import sympy
from _common import output_folder, write_article

import gradsym

K = [[1, 2], [3, 4]]
# tape.jacobian(y, x) and tape.jacobian(y, filters), one table per output y11, y12, y21, y22.
JACOBIAN_INPUT = [[[1, 2, 0], [3, 4, 0], [0, 0, 0]], [[0, 1, 2], [0, 3, 4], [0, 0, 0]],
                  [[0, 0, 0], [1, 2, 0], [3, 4, 0]], [[0, 0, 0], [0, 1, 2], [0, 3, 4]]]
JACOBIAN_KERNEL = [[[1, 2], [4, 5]], [[2, 3], [5, 6]], [[4, 5], [7, 8]], [[5, 6], [8, 9]]]
DECONV = [[1, 4, 7, 6], [7, 23, 33, 24], [19, 53, 63, 42], [21, 52, 59, 36]]
# The fully connected layer: Y = X·Wᵀ with an upstream gradient G = dL/dY.
FC_X, FC_W, FC_G = [[1, 2, 3]], [[1, 0, -1], [2, 1, 0]], [[1, 2]]


def dense(jacobian, out_shape, wrt_shape) -> list:
    """The sparse Jacobian as one dense table per output element, row-major."""
    return [np.array([jacobian[(*o, *w)] for w in np.ndindex(*wrt_shape)], dtype=int)
            .reshape(wrt_shape).tolist() for o in np.ndindex(*out_shape)]


def correlate_valid(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    rows, cols = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    return np.array([[(x[i : i + k.shape[0], j : j + k.shape[1]] * k).sum() for j in range(cols)]
                     for i in range(rows)])


def check_conv() -> gradsym.Derivation:
    d = gradsym.conv(input="3x3", kernel="2x2", x="arange", k=K)
    assert d.holds, "a conv check failed"
    r = d.numeric
    assert dense(r.jacobian["input"], (2, 2), (3, 3)) == JACOBIAN_INPUT
    assert dense(r.jacobian["kernel"], (2, 2), (2, 2)) == JACOBIAN_KERNEL
    # tape.gradient sums over the outputs: the gradient with an upstream of ones.
    assert r.grad["input"].tolist() == np.sum(JACOBIAN_INPUT, axis=0).tolist()
    assert r.grad["kernel"].tolist() == np.sum(JACOBIAN_KERNEL, axis=0).tolist()
    # x_2_2 takes part in all four outputs, so its gradient has four terms.
    assert len(sympy.Add.make_args(d.grad["input"][1, 1])) == 4
    print("conv: the article's 4 Jacobian tables wrt x and wrt k; dL/dx with g = ones:",
          r.grad["input"].tolist())
    return d


def check_deconv() -> gradsym.Derivation:
    d = gradsym.deconv(input="3x3", kernel="2x2", x="arange", k=K)
    assert d.holds, "a deconv check failed"
    names = {c.name for c in d.checks}
    assert {"forward_equals_full_conv_rot180_kernel", "forward_equals_conv_grad_input"} <= names
    r = d.numeric
    assert r.forward.tolist() == DECONV
    # The article's TensorFlow check: VALID conv of the zero-padded X with the flipped kernel.
    padded = np.pad(np.arange(1, 10).reshape(3, 3), 1)
    assert correlate_valid(padded, np.array(K)[::-1, ::-1]).tolist() == DECONV
    assert r.jacobian["input"][2, 1, 1, 1] == 3  # 0-based, as the article prints it
    assert r.jacobian["kernel"][2, 1, 1, 0] == 5
    print("deconv:", r.forward.tolist(), "= conv(pad(X), [[4, 3], [2, 1]])")
    return d


def check_linear() -> gradsym.Derivation:
    d = gradsym.linear(in_features=3, out_features=2, x=FC_X, w=FC_W, g=FC_G)
    assert d.holds, "a linear check failed"
    x, w, g = np.array(FC_X), np.array(FC_W), np.array(FC_G)
    assert d.numeric.forward.tolist() == (x @ w.T).tolist()
    assert d.numeric.grad["input"].tolist() == (g @ w).tolist()  # error passed down: G·W
    assert d.numeric.grad["weight"].tolist() == (g.T @ x).tolist()  # weight update: Gᵀ·X
    print("linear: dL/dX = G W =", (g @ w).tolist(), " dL/dW = G^T X =", (g.T @ x).tolist())
    return d


def main() -> None:
    folder = output_folder(__file__)
    conv, deconv, linear = check_conv(), check_deconv(), check_linear()
    write_article(
        folder,
        "seed_003_conv_and_deconv",
        "Seed 003: gradients of convolution and transposed convolution",
        [
            "The article's example: X = 1, 2, ..., 9 as a 3x3 input and the kernel "
            "$K = [[1, 2], [3, 4]]$. A VALID convolution gives a 2x2 output; TensorFlow's "
            "tape.jacobian keeps every $\\partial y/\\partial x$, one 3x3 table per output, "
            "starting with $[[1, 2, 0], [3, 4, 0], [0, 0, 0]]$, and every "
            "$\\partial y/\\partial k$, starting with $[[1, 2], [4, 5]]$; tape.gradient returns "
            "their sum.",
            "The transposed convolution of the same X and K has the 4x4 output "
            "$[[1, 4, 7, 6], [7, 23, 33, 24], [19, 53, 63, 42], [21, 52, 59, 36]]$, equal to a "
            "VALID convolution of the zero-padded X with the flipped kernel "
            "$[[4, 3], [2, 1]]$: a transposed convolution is the backward pass of a "
            "convolution to its input. Its Jacobians are 4x4x3x3 and 4x4x2x2, with "
            "$\\partial y[2,1]/\\partial x[1,1] = 3$ and $\\partial y[2,1]/\\partial k[1,0] = 5$ "
            "(0-based).",
            "gradsym derives both layers (1-based names: $x_{1,1}$ is the top-left input) and "
            "proves the identities entry by entry, then the fully connected layer the "
            "article uses to explain why: the error passed down is $G W$ and the weight "
            "gradient $G^T X$.",
        ],
        [
            ("The convolution: X = 1..9, K = [[1, 2], [3, 4]], VALID.", conv),
            ("The transposed convolution of the same X and K.", deconv),
            ("A fully connected layer $Y = X W^T$ with upstream gradient G.", linear),
        ],
    )


if __name__ == "__main__":
    main()
