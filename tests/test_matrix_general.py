"""``gradsym matrix`` with letter sizes (``--shape X=nxn``): closed forms for every size, the
dimension check in letters, cross-checked element by element at concrete sizes."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SpecError
from gradsym.layers import matrix_general as general
from gradsym.layers.matrix_values import (
    lc_elements,
)
from tests.conftest import require

ON_CI = os.environ.get("CI") == "true"
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None and not ON_CI,
                                    reason="pdflatex is not installed")

LEAST_SQUARES = ["X=mxn", "w=n", "y=m"]

# expression, --shape, and J written independently in PyTorch (t: the tensors by name)
CASES: dict[str, tuple[list[str], Callable[[dict[str, Any]], Any]]] = {
    "x.T*A*x": (["x=n", "A=nxn"], lambda t: t["x"] @ t["A"] @ t["x"]),
    "(X*w - y).T*(X*w - y)": (LEAST_SQUARES,
                              lambda t: ((t["X"] @ t["w"] - t["y"]) ** 2).sum()),
    "trace(A*X)": (["A=nxm", "X=mxn"], lambda t: (t["A"] @ t["X"]).trace()),
    "det(X)": (["X=nxn"], lambda t: __import__("torch").linalg.det(t["X"])),
    "(A*x).T*(A*x) + s*sum(A)": (["A=mx3", "x=3", "s=scalar"],
                                 lambda t: ((t["A"] @ t["x"]) ** 2).sum() + t["s"] * t["A"].sum()),
    "sum(s + X)": (["s=scalar", "X=nxm"], lambda t: (t["s"] + t["X"]).sum()),
    "sum(exp(A*x)) + trace(inv(B))": (["A=mxn", "x=n", "B=kxk"],
                                      lambda t: (t["A"] @ t["x"]).exp().sum()
                                      + t["B"].inverse().trace()),
}
_DERIVED: dict[str, Any] = {}


def derived(expression: str) -> Any:
    if expression not in _DERIVED:
        _DERIVED[expression] = gradsym.matrix(expression, shape=CASES[expression][0])
    return _DERIVED[expression]


def closed_form_at(d: Any, name: str, sizes: dict[str, int], values: dict[str, np.ndarray]) -> Any:
    """The letter closed form with the sizes substituted, evaluated exactly at ``values``."""
    lc = general.at_sizes(d.forms[name].lc, sizes)
    env: dict[str, Any] = {}
    for n, x in d.declared.items():
        arr = values[n]
        if arr.ndim:
            env[n] = sympy.Matrix(arr.reshape(arr.shape[0], -1).tolist()).applyfunc(sympy.Rational)
        else:
            env[x.bare] = sympy.Rational(arr.item())
    out = lc_elements(lc, env)
    return np.array(list(out) if isinstance(out, sympy.MatrixBase) else [out], dtype=float)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_letter_closed_forms_match_pytorch_at_sizes_never_checked(data: st.DataObject) -> None:
    """Sizes up to 5 (the derivation checks 1, 2, 3): the letter form at those sizes equals
    PyTorch's gradient."""
    torch = require("torch")
    expression = data.draw(st.sampled_from(sorted(CASES)))
    shapes, forward = CASES[expression]
    d = derived(expression)
    sizes = {k: data.draw(st.integers(1, 5), label=k) for k in d.letters}
    rng = np.random.default_rng(data.draw(st.integers(0, 10**6), label="seed"))
    values: dict[str, np.ndarray] = {}
    tensors: dict[str, Any] = {}
    for name, shape in d.shapes.items():
        concrete = tuple(sizes.get(k, k) for k in shape)
        values[name] = rng.integers(-3, 4, size=concrete).astype(float) + rng.random(concrete)
        if name == "B":  # invertible
            values[name] = values[name] + 10 * np.eye(concrete[0])
        tensors[name] = torch.tensor(values[name], dtype=torch.float64, requires_grad=True)
    forward(tensors).backward()
    for name in d.wrt:
        got = closed_form_at(d, name, sizes, values)
        want = tensors[name].grad.numpy().reshape(-1)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=f"{expression} {name}")


def test_quadratic_form_and_least_squares_read_as_the_textbook() -> None:
    d = derived("x.T*A*x")
    assert d.closed_forms == {"x": "(A + A.T)*x", "A": "x*x.T"}
    assert d.holds and d.checked_sizes == [{"n": 1}, {"n": 2}, {"n": 3}]
    d = derived("(X*w - y).T*(X*w - y)")
    assert d.closed_forms == {"X": "2*(X*w - y)*w.T", "w": "2*X.T*(X*w - y)", "y": "-2*(X*w - y)"}
    assert derived("trace(A*X)").closed_forms["X"] == "A.T"
    assert derived("det(X)").closed_forms["X"] == "adjugate(X).T"
    assert gradsym.matrix("log(det(X))", shape=["X=nxn"]).closed_forms["X"] == "X.T**(-1)"
    assert gradsym.matrix("trace(X)", shape=["X=nxn"]).closed_forms["X"] == "Identity(n)"
    assert gradsym.matrix("sum(X)", shape=["X=mx3"]).closed_forms["X"] == "OneMatrix(m, 3)"


def test_a_size_in_a_coefficient_is_written_as_its_letter() -> None:
    # d/ds Σ(s + X) = n·m: the sentinel primes never show
    form = derived("sum(s + X)").closed_forms["s"]
    assert form is not None and "n" in form and not re.search(r"\d{4,}", form)
    p, q = general.SENTINELS[:2]
    X = general.Sym("X", (p, q))
    lc = general.LC((general.Term(general.Fraction(6 * p * p, q), (), (X,)),), (p, q))
    letters = general.to_letters(lc, {p: "n", q: "m"})
    assert general.lc_text(letters) == "6*n**2*X/m"
    back = general.at_sizes(letters, {"n": 3, "m": 2})
    assert back.terms[0].coef == 27 and back.shape == (3, 2) and not back.terms[0].scalars


def test_sizes_checked_cover_distinct_and_equal_letters() -> None:
    d = derived("(X*w - y).T*(X*w - y)")
    assert len(d.checked_sizes) >= 3
    assert any(s["m"] != s["n"] for s in d.checked_sizes)
    assert any(s["m"] == s["n"] for s in d.checked_sizes)
    assert {s["n"] for s in d.checked_sizes} >= {1, 2, 3}
    mixed = derived("(A*x).T*(A*x) + s*sum(A)")
    assert mixed.letters == ["m"] and mixed.checked_sizes == [{"m": 1}, {"m": 2}, {"m": 3}]
    assert mixed.closed_forms["x"] == "2*A.T*A*x"


def test_the_output_says_derived_for_letters_and_checked_at_sizes(cli: Any) -> None:
    args = ["matrix", "(X*w - y).T*(X*w - y)", "--shape", "X=mxn", "--shape", "w=n",
            "--shape", "y=m", "--wrt", "w"]
    result = cli(*args, "--format", "text")
    assert result.code == 0, result.err
    sizes = "m=1, n=2; m=2, n=3; m=3, n=1; m=2, n=2"
    assert f"Closed form for every size m, n; checked element by element at {sizes}" in result.out
    assert "factors: X.T nxm, (X*w - y) mx1 → nx1, the shape of w: consistent" in result.out
    assert "∂J/∂w = 2*X.T*(X*w - y)" in result.out
    doc = json.loads(cli(*args, "--format", "json").out)
    assert doc["config"]["shapes"] == {"X": "mxn", "w": "n", "y": "m"}
    assert doc["shapes"] == {"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]}
    entry = doc["gradients"]["w"]
    assert entry["expression"] == "2*X.T*(X*w - y)" and entry["verified"] is True
    assert entry["checked_sizes"] == [{"m": 1, "n": 2}, {"m": 2, "n": 3}, {"m": 3, "n": 1},
                                      {"m": 2, "n": 2}]
    zh = cli(*args, "--format", "text", "--lang", "zh").out
    assert "闭式对所有尺寸 m, n 成立" in zh and "逐元素检验" in zh


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "latex", "json"])
def test_every_format(cli: Any, fmt: str) -> None:
    result = cli("matrix", "x.T*A*x", "--shape", "x=n", "--shape", "A=nxn", "--format", fmt)
    assert result.code == 0 and result.out and not result.err
    if fmt == "latex":
        assert r"n \times n" in result.out and r"\left(A + A^{T}\right) x" in result.out
    # J with no SymPy matrix form (exp entry by entry): no forward section, the rest as usual
    result = cli("matrix", "sum(exp(A*x))", "--shape", "A=mxn", "--shape", "x=n", "--format", fmt)
    assert result.code == 0 and "exp" in result.out


def test_a_wrong_form_at_one_size_fails_the_check(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    original = general.at_sizes

    def wrong_at_two(lc: Any, values: dict[str, int]) -> Any:
        out = original(lc, values)
        return general.LC(tuple(general.Term(t.coef * 2, t.scalars, t.mats) for t in out.terms),
                          out.shape) if values.get("n") == 2 else out

    monkeypatch.setattr(general, "at_sizes", wrong_at_two)
    result = cli("matrix", "x.T*A*x", "--shape", "x=n", "--shape", "A=nxn", "--wrt", "x",
                 "--format", "json")
    assert result.code == 1
    check = json.loads(result.out)["checks"][0]
    assert check["name"] == general.CHECK_NAME and not check["holds"]
    assert "at n=2" in check["mismatch"]
    assert json.loads(result.out)["gradients"]["x"]["verified"] is False


@pytest.mark.parametrize("args, message", [
    (["x.T*A*x", "--shape", "x=n", "--shape", "A=nxn", "--at", "x=1,2"], "--at needs concrete sizes"),
    (["x.T*A*x", "--shape", "x=n", "--shape", "A=nxn", "--emit", "numpy"], "--emit needs concrete"),
    (["A*x", "--shape", "x=n", "--shape", "A=mxn"], "J is mx1, not a scalar"),
    (["x.T*A*x", "--shape", "x=n", "--shape", "A=mxn"], "cannot multiply 1xn by mxn"),
    (["x.T*A*x", "--shape", "x=n", "--shape", "A=nxN"], "a size is a whole number or a lowercase"),
    (["x.T*A*x", "--shape", "x=n", "--shape", "A=nxn", "--shape", "n=scalar"], "both a name"),
])
def test_what_letters_cannot_do_is_one_error_line(cli: Any, args: list[str], message: str) -> None:
    result = cli("matrix", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not re.search(r"\d{6,}", lines[0])  # the sentinel sizes never show


def test_python_api_and_json_round_trip() -> None:
    d = gradsym.matrix("x.T*A*x", shape=["x=n", "A=nxn"])
    with pytest.raises(SpecError, match="concrete sizes"):
        d.evaluate(x=[1, 2])
    doc = d.to_dict()
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc and loaded.holds
    n = sympy.Symbol("n", integer=True, positive=True)
    grad = loaded.gradients["x"]
    assert grad.shape == (n, 1)
    A, x = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("x", n, 1)
    for expression in ("(X*w - y).T*(X*w - y)", "det(X)", "sum(s + X)"):
        doc = derived(expression).to_dict()
        assert gradsym.from_dict(doc).to_dict() == doc
    difference = (grad - (A + A.T) * x).subs(n, 2)
    assert sympy.simplify(difference.as_explicit()) == sympy.zeros(2, 1)


@needs_pdflatex
def test_latex_compiles() -> None:
    from gradsym.render.latex import compile_pdf

    d = gradsym.matrix("(X*w - y).T*(X*w - y) + log(det(A))", shape=[*LEAST_SQUARES, "A=kxk"])
    assert compile_pdf(d.to_latex()).startswith(b"%PDF")
    assert compile_pdf(d.to_latex(lang="zh"), lang="zh").startswith(b"%PDF")
