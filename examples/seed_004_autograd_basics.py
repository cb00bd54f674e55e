"""Seed 004: what ``backward()`` computes (PyTorch autograd basics).

The article runs ``out = (3 * (a + 3) ** 2).mean()`` on a = [2, 3] and checks by hand that
``a.grad`` is [15, 18]; then a 1-2-1 MLP without activation, whose derivative of the output
with respect to the input is w1·w3 + w2·w4 (with its printed weights, −0.2377·0.4739 +
0.3578·(−0.2122) = −0.1886), and a 2-2-1 MLP whose output is
x1·w1·w6 + x1·w3·w5 + x2·w2·w6 + x2·w4·w5. This script derives all three with gradsym (expr,
mlp), compares with the article's formulas rebuilt in SymPy, asserts the numbers exactly,
and writes the derivations as Markdown and PDF.

    python examples/seed_004_autograd_basics.py [OUTPUT_FOLDER]     # default: examples/out/
"""

from __future__ import annotations

from fractions import Fraction

import sympy
from _common import output_folder, write_article

import gradsym

# The article's 1-2-1 network: input 2; w1, w2 from the input to the hidden units, w3, w4
# from the hidden units to the output (gradsym: w_1 is 1x2, w_2 is 2x1).
W1, W2, W3, W4 = "-0.2377", "0.3578", "0.4739", "-0.2122"


def check_expr() -> gradsym.Derivation:
    d = gradsym.expr("mean(3*(a+3)**2)", shape=["a=2"], wrt=["a"], at=["a=[2,3]"])
    assert d.holds, "an expr check failed"
    assert d.numeric.gradient_values["a"].tolist() == [15, 18]
    # The article's formula: out = (3(x1+3)² + 3(x2+3)²)/2, differentiated by SymPy.
    # expr declares its symbols real (its JSON lists them under "assumptions"): match them.
    assert d.to_dict()["assumptions"] == {"a_1": {"real": True}, "a_2": {"real": True}}
    a1, a2 = sympy.symbols("a_1 a_2", real=True)
    out = (3 * (a1 + 3) ** 2 + 3 * (a2 + 3) ** 2) / 2
    assert [sympy.expand(g - sympy.diff(out, v)) for g, v in
            zip(d.gradients["a"].tolist(), (a1, a2))] == [0, 0]
    print("mean(3*(a+3)**2) at a = [2, 3]: grad", d.numeric.gradient_values["a"].tolist())
    return d


def check_mlp_121() -> gradsym.Derivation:
    d = gradsym.mlp("1,2,1", at=["x=2", f"w_1=[[{W1},{W2}]]", f"w_2=[[{W3}],[{W4}]]"])
    assert d.holds, "an mlp check failed"
    w = {name: sympy.Symbol(name) for name in ("w_1_1_1", "w_1_1_2", "w_2_1_1", "w_2_2_1")}
    article = w["w_1_1_1"] * w["w_2_1_1"] + w["w_1_1_2"] * w["w_2_2_1"]  # w1·w3 + w2·w4
    assert sympy.expand(d.gradients["input"][0] - article) == 0
    value = d.numeric.gradient_values["input"][0]
    assert value == Fraction(W1) * Fraction(W3) + Fraction(W2) * Fraction(W4)
    assert round(float(value), 4) == -0.1886  # as the article rounds it
    print(f"1-2-1 MLP: d out/d input = w1*w3 + w2*w4 = {value} = {float(value):.8f}")
    return d


def check_mlp_221() -> gradsym.Derivation:
    d = gradsym.mlp("2,2,1")
    assert d.holds, "an mlp check failed"
    x = sympy.symbols("x_1 x_2")
    # Every path input i → hidden j → output: x_i · w_1_i_j · w_2_j_1, four terms.
    article = sum(x[i - 1] * sympy.Symbol(f"w_1_{i}_{j}") * sympy.Symbol(f"w_2_{j}_1")
                  for i in (1, 2) for j in (1, 2))
    forward = d.forward  # one output: a scalar expression
    assert sympy.expand(forward - article) == 0
    assert len(sympy.Add.make_args(sympy.expand(forward))) == 4
    print("2-2-1 MLP: out =", forward)
    return d


def main() -> None:
    folder = output_folder(__file__)
    expr, mlp_121, mlp_221 = check_expr(), check_mlp_121(), check_mlp_221()
    write_article(
        folder,
        "seed_004_autograd_basics",
        "Seed 004: what backward() computes",
        [
            "The article opens with $a = [2, 3]$, $b = a + 3$, $c = 3 b^2$ and "
            "out = c.mean(), so $\\mathrm{out} = (3(x_1+3)^2 + 3(x_2+3)^2)/2$ and "
            "$\\partial \\mathrm{out}/\\partial x_i = 3(x_i + 3)$: 15 and 18 at a = [2, 3], "
            "exactly what a.grad prints.",
            "Then a multi-layer perceptron with one input, two hidden units and one output, "
            "no activation: $\\mathrm{out} = \\mathrm{in} \\cdot w_1 w_3 + \\mathrm{in} \\cdot w_2 w_4$, so "
            "$\\partial \\mathrm{out}/\\partial \\mathrm{in} = w_1 w_3 + w_2 w_4$, with the printed weights "
            "$-0.2377 \\cdot 0.4739 + 0.3578 \\cdot (-0.2122) = -0.18857119$, the -0.1886 the "
            "article finds. gradsym names the weights by layer and units: $w_{1,1,1}, "
            "w_{1,1,2}$ from the input, $w_{2,1,1}, w_{2,2,1}$ into the output. With two "
            "inputs the output has four terms, one per path from an input to the output.",
        ],
        [
            ("$\\mathrm{mean}(3(a+3)^2)$ at a = [2, 3].", expr),
            ("The 1-2-1 network with the article's weights at input 2.", mlp_121),
            ("The 2-2-1 network, symbolic.", mlp_221),
        ],
    )


if __name__ == "__main__":
    main()
