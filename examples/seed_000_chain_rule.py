"""Seed 000: the chain rule through one, two and three stacked convolutions (PyTorch).

The article feeds a 4x4 input through 1, 2 or 3 ``conv2d(..., padding=1)`` layers (3x3
kernels of ones, bias 1), takes the L1 loss against zeros, works out each layer's weight
gradient by hand with the chain rule and compares it with ``loss.backward()``. This script
derives the same stacks symbolically with ``gradsym.chain``, proves every step, asserts the
numbers PyTorch printed in the article (exactly: 1.3125 is 21/16), and writes the whole
derivation as Markdown and PDF.

    python examples/seed_000_chain_rule.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

from fractions import Fraction

from _common import output_folder, write_article

import gradsym

X = [[1, 2, 3, 4], [4, 3, 2, 1], [1, 2, 3, 4], [4, 3, 2, 1]]

# What the article's PyTorch runs printed: each layer's output (x2, x3, x4) ...
OUTPUTS = [
    [[11, 16, 16, 11], [14, 22, 25, 18], [18, 25, 22, 14], [11, 16, 16, 11]],
    [[64, 105, 109, 71], [107, 170, 170, 107], [107, 170, 170, 107], [71, 109, 105, 64]],
    [[447, 726, 733, 458], [724, 1173, 1180, 735], [735, 1180, 1173, 724], [458, 733, 726, 447]],
]
# ... and w1.grad, w2.grad, w3.grad for a stack of depth 1, 2 and 3 (first layer first).
WEIGHT_GRADS = {
    1: [[[1.3125, 1.875, 1.5], [1.875, 2.5, 1.875], [1.5, 1.875, 1.3125]]],
    2: [[[9.375, 12.5, 10.625], [12.5, 15.625, 12.5], [10.625, 12.5, 9.375]],
        [[10.5625, 13.25, 10.5625], [13.25, 16.625, 13.25], [10.5625, 13.25, 10.5625]]],
    3: [[[64.6875, 85.3125, 73.125], [85.3125, 105.625, 85.3125], [73.125, 85.3125, 64.6875]],
        [[72.4375, 90.3125, 73.375], [90.3125, 111.875, 90.3125], [73.375, 90.3125, 72.4375]],
        [[73.25, 91.0625, 73.6875], [91.0625, 112.875, 91.0625], [73.6875, 91.0625, 73.25]]],
}
# Bias gradients (seed README, verified with PyTorch): depth 1 and depth 3.
BIAS_GRADS = {1: [1], 3: [42.25, 6.25, 1]}


def exact(nested: list) -> list:
    """PyTorch's printed float32 values are binary fractions: read them exactly."""
    if isinstance(nested, list):
        return [exact(v) for v in nested]
    return Fraction(str(nested))


def derive(depth: int) -> gradsym.Derivation:
    d = gradsym.chain(input="4x4", kernel="3x3", depth=depth, padding=1, bias=True, loss="l1",
                      x=X, k="ones", b=1)
    assert d.holds, f"depth {depth}: a check failed"
    layers = d.numeric.layers
    assert len(layers) == depth
    for i, layer in enumerate(layers):
        assert layer.forward_values.tolist() == exact(OUTPUTS[i]), f"depth {depth}: x{i + 2}"
        assert layer.grad_values["kernel"].tolist() == exact(WEIGHT_GRADS[depth][i]), (
            f"depth {depth}: w{i + 1}.grad")
    if depth in BIAS_GRADS:
        biases = [layer.grad_values["bias"][()] for layer in layers]
        assert biases == exact(BIAS_GRADS[depth]), f"depth {depth}: bias grads {biases}"
    return d


def main() -> None:
    folder = output_folder(__file__)
    stacks = {depth: derive(depth) for depth in (1, 2, 3)}

    # The headline numbers, as exact fractions: 1.3125 = 21/16, 42.25 = 169/4.
    one = stacks[1].numeric.layers[0].grad_values["kernel"]
    assert one[0, 0] == Fraction(21, 16) and one[1, 1] == Fraction(5, 2)
    three = [layer.grad_values["bias"][()] for layer in stacks[3].numeric.layers]
    assert three == [Fraction(169, 4), Fraction(25, 4), 1]
    print("depth 1: dL/dk_1 =", [[str(v) for v in row] for row in one.tolist()],
          "= PyTorch's", WEIGHT_GRADS[1][0])
    print("depth 3: dL/db_l =", [str(v) for v in three], "= PyTorch's", BIAS_GRADS[3])

    write_article(
        folder,
        "seed_000_chain_rule",
        "Seed 000: the chain rule through stacked convolutions",
        [
            "The article's question: how does loss.backward() reach the kernels of the first "
            "layers of a stack of convolutions? It feeds the 4x4 input "
            "$[[1,2,3,4],[4,3,2,1],[1,2,3,4],[4,3,2,1]]$ through one, two and three PyTorch "
            "convolutions (3x3 kernels of ones, bias 1, padding 1), takes the L1 loss against "
            "zeros, the mean absolute value of the last output, and derives each weight "
            "gradient by hand with the chain rule.",
            "Below, gradsym derives the same stacks symbolically, layer by layer: the loss "
            "gradient $d_L = \\partial L/\\partial a_{L+1}$ enters the last layer, and every "
            "layer turns the gradient at its output into its kernel and bias gradients and the "
            "gradient it passes down, a full convolution with the 180 degree rotated kernel. "
            "Every step is proved, and the numbers equal PyTorch's, exactly: with one layer "
            "the weight gradient is $[[21/16, 15/8, 3/2], [15/8, 5/2, 15/8], [3/2, 15/8, "
            "21/16]]$ (PyTorch prints 1.3125, 1.875, 1.5, ...) and the bias gradient 1; with "
            "three layers the bias gradients are $169/4, 25/4, 1$ = 42.25, 6.25, 1.",
        ],
        [(f"A stack of {depth} convolution{'s' if depth > 1 else ''}: the article's "
          f"{['first', 'second', 'third'][depth - 1]} example.", d)
         for depth, d in stacks.items()],
    )


if __name__ == "__main__":
    main()
