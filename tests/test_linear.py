"""``linear``: Y = X·Wᵀ + b, checked against SymPy matrices and PyTorch autograd."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.cli import app
from gradsym.cli.common import run
from gradsym.errors import SizeError, SpecError
from gradsym.layers.linear import linear_checks


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(app, ["linear", *args])
    out, err = capsys.readouterr()
    return code, out, err


def sympy_matrix(letter: str, rows: int, cols: int) -> sympy.Matrix:
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{letter}_{i + 1}_{j + 1}"))


# -- symbolic results against an independent SymPy matrix computation ------------------


@pytest.mark.parametrize("n, fin, fout, bias", [(1, 1, 1, False), (2, 3, 2, True), (3, 2, 4, True)])
def test_symbolic_matches_sympy_matrices(n: int, fin: int, fout: int, bias: bool) -> None:
    d = gradsym.linear(in_features=fin, out_features=fout, batch=n, bias=bias)
    X, W, G = sympy_matrix("x", n, fin), sympy_matrix("w", fout, fin), sympy_matrix("g", n, fout)
    b = sympy.Matrix(1, fout, lambda _i, j: sympy.Symbol(f"b_{j + 1}"))
    Y = X * W.T + (sympy.ones(n, 1) * b if bias else sympy.zeros(n, fout))
    assert sympy.Matrix(d.forward.tolist()) == Y
    # L = Σ G ⊙ Y differentiated with SymPy, element by element.
    L = sum((G[i, j] * Y[i, j] for i in range(n) for j in range(fout)), sympy.Integer(0))
    assert sympy.Matrix(d.grad["input"].tolist()) == X.applyfunc(lambda s: sympy.diff(L, s))
    assert sympy.Matrix(d.grad["weight"].tolist()) == W.applyfunc(lambda s: sympy.diff(L, s))
    assert sympy.Matrix(d.grad["input"].tolist()) == G * W
    assert sympy.Matrix(d.grad["weight"].tolist()) == G.T * X
    if bias:
        assert list(d.grad["bias"]) == [sympy.diff(L, s) for s in b]
    names = [c.name for c in d.checks]
    expected = ["grad_input_equals_upstream_weight", "grad_weight_equals_upstream_t_input"]
    assert names == expected + (["grad_bias_equals_upstream_sum"] if bias else [])
    assert all(c.holds for c in d.checks)


def test_jacobian_is_sparse_and_exact() -> None:
    d = gradsym.linear(in_features=3, out_features=2, batch=2)
    jac = d.jacobian["input"]
    assert jac.shape == (2, 2, 2, 3)
    # ∂y[n, o]/∂x[m, i] = w[o, i] when n == m, else 0.
    for n in range(2):
        for o in range(2):
            for m in range(2):
                for i in range(3):
                    expected = sympy.Symbol(f"w_{o + 1}_{i + 1}") if n == m else 0
                    assert jac[n, o, m, i] == expected
    assert len(d.jacobians["input"].entries) == 12


def test_checks_can_fail() -> None:
    """The proofs compare real right-hand sides: wrong gradients are caught."""
    d = gradsym.linear(in_features=2, out_features=2, batch=2, bias=True)
    x, w, g = (d.symbols[r].ids for r in ("input", "weight", "upstream"))
    flat = {role: list(arr.reshape(-1)) for role, arr in d.grad_elems.items()}
    swapped = {"input": flat["weight"], "weight": flat["input"], "bias": flat["bias"][::-1]}
    assert not any(c.holds for c in linear_checks(x, w, g, swapped))
    assert all(c.holds for c in linear_checks(x, w, g, flat))


# -- numbers against PyTorch autograd ---------------------------------------------------


small = st.integers(min_value=-4, max_value=4)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3), fin=st.integers(1, 4), fout=st.integers(1, 3), bias=st.booleans(),
    data=st.data(),
)
def test_matches_torch_autograd(n: int, fin: int, fout: int, bias: bool, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    x = data.draw(st.lists(small, min_size=n * fin, max_size=n * fin))
    w = data.draw(st.lists(small, min_size=fout * fin, max_size=fout * fin))
    b = data.draw(st.lists(small, min_size=fout, max_size=fout))
    g = data.draw(st.lists(small, min_size=n * fout, max_size=n * fout))
    d = gradsym.linear(
        in_features=fin, out_features=fout, batch=n, bias=bias,
        x=x, w=w, b=b if bias else None, g=g,
    )
    layer = torch.nn.Linear(fin, fout, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w, dtype=torch.float64).reshape(fout, fin))
        if bias:
            layer.bias.copy_(torch.tensor(b, dtype=torch.float64))
    tx = torch.tensor(x, dtype=torch.float64).reshape(n, fin).requires_grad_(True)
    y = layer(tx)
    y.backward(torch.tensor(g, dtype=torch.float64).reshape(n, fout))
    ev = d.numeric
    assert ev is not None
    assert np.array_equal(ev.forward_values.astype(float), y.detach().numpy())
    assert np.array_equal(ev.grad_values["input"].astype(float), tx.grad.numpy())
    assert np.array_equal(ev.grad_values["weight"].astype(float), layer.weight.grad.numpy())
    if bias:
        assert np.array_equal(ev.grad_values["bias"].astype(float), layer.bias.grad.numpy())
    assert d.holds
    assert [c.name for c in ev.checks] == ["jacobian_matches_autodiff_numeric"]


def test_fractions_and_decimals_stay_exact() -> None:
    d = gradsym.linear(in_features=2, out_features=1, x="1/3, 0.5", w="3, 2")
    assert d.numeric is not None
    assert d.numeric.forward_values[0, 0] == Fraction(2)
    doc = d.to_dict()
    assert doc["numeric"]["values"]["input"] == [["1/3", 0.5]]
    assert doc["numeric"]["grad"]["weight"] == [["1/3", 0.5]]


# -- JSON and CLI -------------------------------------------------------------------------


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--in-features", "3", "--out-features", "2", "--batch", "2",
                         "--bias", "--x", "arange", "--w", "arange", "--b", "1,1", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["command"] == "linear"
    assert doc["config"] == {"in_features": 3, "out_features": 2, "batch": 2, "bias": True,
                             "output": [2, 2]}
    assert doc["symbols"]["input"][1] == ["x_2_1", "x_2_2", "x_2_3"]
    assert doc["symbols"]["weight"][0] == ["w_1_1", "w_1_2", "w_1_3"]
    assert doc["symbols"]["bias"] == ["b_1", "b_2"]
    assert doc["symbols"]["upstream"][0] == ["g_1_1", "g_1_2"]
    assert set(doc["grad"]) == {"input", "weight", "bias"}
    assert doc["grad"]["bias"] == ["g_1_1 + g_2_1", "g_1_2 + g_2_2"]
    assert doc["jacobian"]["weight"]["shape"] == [2, 2, 2, 3]
    assert sympy.sympify(doc["forward"][0][1]) == sympy.sympify(
        "b_2 + w_2_1*x_1_1 + w_2_2*x_1_2 + w_2_3*x_1_3")
    # X = [[1,2,3],[4,5,6]], W = [[1,2,3],[4,5,6]], b = 1: Y = X·Wᵀ + 1.
    assert doc["numeric"]["forward"] == [[15, 33], [33, 78]]
    assert doc["numeric"]["grad"]["input"] == [[5, 7, 9], [5, 7, 9]]
    assert [c["name"] for c in doc["checks"]] == [
        "grad_input_equals_upstream_weight", "grad_weight_equals_upstream_t_input",
        "grad_bias_equals_upstream_sum", "jacobian_matches_autodiff_numeric"]
    assert all(c["holds"] for c in doc["checks"])


def test_text_shows_matrix_form(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--in-features", "2", "--out-features", "2", "--bias",
                       "--x", "1,2", "--w", "arange", "--format", "text", "--b", "0,1")
    assert code == 0
    assert "Gradients in matrix form" in out
    assert "dL/dX = G·W" in out and "dL/dW = Gᵀ·X" in out and "dL/db = Σ_n G[n, :]" in out
    assert "Y = X·Wᵀ + b" in out
    assert "✓ grad_input_equals_upstream_weight" in out


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--in-features is required"),
        (["--in-features", "0", "--out-features", "2"], "--in-features must be a whole number ≥ 1"),
        (["--in-features", "2", "--out-features", "-1"], "--out-features must be"),
        (["--in-features", "2", "--out-features", "2", "--batch", "0"], "--batch must be"),
        (["--in-features", "2", "--out-features", "2", "--x", "1,2,3"], "--x has 3 values"),
        (["--in-features", "2", "--out-features", "2", "--x", "1,2", "--w", "1,x,3,4"], "not a number"),
        (["--in-features", "5000", "--out-features", "2"], "too large"),
        (["--in-features", "2"], "--out-features is required"),
    ],
)
def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert out == ""


def test_partial_values_name_the_missing_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--in-features", "2", "--out-features", "2", "--x", "1,2",
                         "--format", "json")
    assert code == 2 and out == ""
    assert err == ("error: numeric values need --w as well (given: --x); give every value, "
                   "or none for the symbolic result only\n")
    code, _, err = cli(capsys, "--in-features", "2", "--out-features", "2", "--x", "1,2,3")
    assert code == 2 and "--x has 3 values" in err


def test_python_errors_and_budget() -> None:
    with pytest.raises(SpecError, match="in_features must be a whole number"):
        gradsym.linear(in_features=True, out_features=1)
    with pytest.raises(SizeError, match="max_terms=24"):
        gradsym.linear(in_features=4, out_features=3, batch=2, max_terms=10)
