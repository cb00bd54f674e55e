"""The seeds' worked examples for convolution (seed 002 and 003), reproduced exactly."""

from __future__ import annotations

import json

import sympy

import gradsym

# Seed 003: X = 1..9 as 3x3, K = [[1,2],[3,4]], VALID convolution.
SEED003_INPUT_TABLES = [
    [[1, 2, 0], [3, 4, 0], [0, 0, 0]],
    [[0, 1, 2], [0, 3, 4], [0, 0, 0]],
    [[0, 0, 0], [1, 2, 0], [3, 4, 0]],
    [[0, 0, 0], [0, 1, 2], [0, 3, 4]],
]
SEED003_KERNEL_TABLES = [[[1, 2], [4, 5]], [[2, 3], [5, 6]], [[4, 5], [7, 8]], [[5, 6], [8, 9]]]


def dense(doc_jacobian: dict) -> list:
    """A dense nested list from the JSON's sparse (COO) Jacobian."""
    shape = doc_jacobian["shape"]
    size = 1
    for n in shape:
        size *= n
    flat = [0] * size
    for out_index, wrt_index, value in doc_jacobian["nonzeros"]:
        position = 0
        for i, n in zip(out_index + wrt_index, shape, strict=True):
            position = position * n + i
        flat[position] = value
    for n in reversed(shape[1:]):
        flat = [flat[i : i + n] for i in range(0, len(flat), n)]
    return flat


def test_seed003_jacobian_tables_from_the_cli(cli):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4",
                 "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    tables = dense(doc["numeric"]["jacobian"]["input"])
    assert [tables[0][0], tables[0][1], tables[1][0], tables[1][1]] == SEED003_INPUT_TABLES
    ktables = dense(doc["numeric"]["jacobian"]["kernel"])
    assert [ktables[0][0], ktables[0][1], ktables[1][0], ktables[1][1]] == SEED003_KERNEL_TABLES
    assert all(c["holds"] for c in doc["checks"])


def test_seed003_tables_appear_in_the_text_output(cli):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4",
                 "--format", "text", "--show", "jacobian")
    assert result.code == 0
    lines = [" ".join(line.split()) for line in result.out.splitlines()]
    for out_index in ("1,1", "1,2", "2,1", "2,2"):
        assert any(f"∂y[{out_index}]/∂x (values)" in line for line in lines)
    for table in SEED003_INPUT_TABLES:
        for row in table:
            assert any(" ".join(map(str, row)) in line for line in lines)


def test_seed002_identity_stride1_no_padding():
    """dL/dF = conv(X, dL/dO); dL/dX = full conv of dL/dO with F rotated 180° (3x3, 2x2)."""
    d = gradsym.conv(input=(3, 3), kernel=(2, 2))
    x = sympy.Matrix(3, 3, lambda i, j: sympy.Symbol(f"x_{i + 1}_{j + 1}"))
    f = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"k_{i + 1}_{j + 1}"))
    g = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"g_{i + 1}_{j + 1}"))
    # the seed's hand derivation, written with SymPy matrices (an independent second formula)
    d_f = sympy.Matrix(2, 2, lambda a, b: sum(x[a + i, b + j] * g[i, j] for i in range(2) for j in range(2)))
    g_padded = sympy.zeros(4, 4)
    g_padded[1:3, 1:3] = g
    f_rot = sympy.Matrix(2, 2, lambda i, j: f[1 - i, 1 - j])
    d_x = sympy.Matrix(3, 3, lambda a, b: sum(g_padded[a + i, b + j] * f_rot[i, j] for i in range(2) for j in range(2)))
    assert sympy.Matrix(d.grad["kernel"].tolist()) - d_f == sympy.zeros(2, 2)
    assert sympy.expand(sympy.Matrix(d.grad["input"].tolist()) - d_x) == sympy.zeros(3, 3)
    assert [c.name for c in d.checks] == [
        "grad_input_equals_full_conv_rot180_kernel",
        "grad_kernel_equals_conv_input_upstream",
    ]
    assert all(c.holds for c in d.checks)


def test_forward_expression_matches_the_contract_example():
    doc = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_dict()
    assert doc["forward"][0][0] == "k_1_1*x_1_1 + k_1_2*x_1_2 + k_2_1*x_2_1 + k_2_2*x_2_2"
    assert doc["jacobian"]["input"]["shape"] == [2, 2, 3, 3]
    assert doc["jacobian"]["input"]["nonzeros"][0] == [[0, 0], [0, 0], "k_1_1"]
    assert doc["config"]["padding"] == [[0, 0], [0, 0]]
    assert doc["symbols"]["input"][2][2] == "x_3_3"
