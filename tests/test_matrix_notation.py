"""Issue 15, items 4-6 and its wrong results: MatrixCalculus.org's notation, expressions that
start with a minus sign, simplified and typeset closed forms, and the fixed bugs (X**0,
d det of a singular matrix, max/min ties, the budget's default) — each against an
independent computation (PyTorch / JAX autodiff, finite differences, the Matrix Cookbook)."""

from __future__ import annotations

import json
import random
import re
import shutil
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from conftest import ON_CI, require
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.budget import DEFAULT_MAX_TERMS
from gradsym.errors import ExpressionError
from gradsym.exprparse import Call, matcalc_notation, parse
from gradsym.layers.matrix import matrix
from gradsym.layers.matrix_values import (
    lc_elements,
)

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
needs_pdflatex = pytest.mark.skipif(not HAVE_PDFLATEX and not ON_CI,
                                    reason="pdflatex is not installed")

# -- item 4: the notation -------------------------------------------------------------------

# (MatrixCalculus.org's spelling, today's spelling, shapes)
NOTATION = [
    ("x'*A*x", "x.T*A*x", ["x=3x1", "A=3x3"]),
    ("(X*w - y)'*(X*w - y)", "(X*w - y).T*(X*w - y)", ["X=3x2", "w=2x1", "y=3x1"]),
    ("tr(X^2)", "trace(X**2)", ["X=2x2"]),
    ("logdet(X)", "log(det(X))", ["X=2x2"]),
    ("tr(inv(X)*A)", "trace(X**-1*A)", ["X=2x2", "A=2x2"]),
    ("det(X)", "Determinant(X)", ["X=2x2"]),
    ("sum(x.*y)", "sum(hadamard(x, y))", ["x=3x1", "y=3x1"]),
    ("x'*(y./2)", "x.T*y/2", ["x=3x1", "y=3x1"]),
    ("x'*vector(1)", "sum(x)", ["x=3x1"]),
    ("vector(1)'*X*vector(1)", "sum(X)", ["X=2x3"]),
    ("x'*A*x + 2*vector(1)'*x", "x.T*A*x + 2*sum(x)", ["x=2x1", "A=2x2"]),
    ("tr(X*eye(2))", "trace(X)", ["X=2x2"]),
    ("sum(X.*ones(2,3))", "sum(X)", ["X=2x3"]),
    ("tr(A + matrix(3))", "trace(A) + 6", ["A=2x2"]),
    ("norm2(x)", "norm(x)", ["x=3x1"]),
    ("norm2(x)^2", "x.T*x", ["x=3x1"]),
    ("norm1(x)", "sum(abs(x))", ["x=3x1"]),
    ("sum(diag(X))", "trace(X)", ["X=3x3"]),
    ("sum(diag(x))", "sum(x)", ["x=3x1"]),
    ("x'*diag(y)*x", "sum(hadamard(hadamard(x, y), x))", ["x=3x1", "y=3x1"]),
]


def _values(shapes: list[str], seed: str) -> list[str]:
    rng = random.Random(seed)
    out = []
    for spec in shapes:
        name, shape = spec.split("=")
        r, c = map(int, shape.split("x"))
        rows = [[rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(c)] for _ in range(r)]
        if r == c:  # keep square matrices invertible
            for i in range(r):
                rows[i][i] += 7
        out.append(f"{name}={json.dumps(rows)}")
    return out


@pytest.mark.parametrize(("ours", "today", "shapes"), NOTATION, ids=[n[0] for n in NOTATION])
def test_notation_gives_todays_closed_form_and_numbers(ours: str, today: str,
                                                       shapes: list[str]) -> None:
    at = _values(shapes, ours)
    a = matrix(ours, shape=shapes, at=at)
    b = matrix(today, shape=shapes, at=at)
    assert a.holds and b.holds
    assert a.numeric is not None and b.numeric is not None
    for name in a.wrt:
        assert a.numeric.gradient_values[name].tolist() == b.numeric.gradient_values[name].tolist()
        if b.closed_forms[name] is not None and "diag" not in ours:
            assert a.closed_forms[name] == b.closed_forms[name], name


def test_notation_against_torch() -> None:
    """x'*A*x - y'*(x./z) + logdet(X) with autograd: every gradient."""
    torch = require("torch")
    shapes = ["x=3x1", "A=3x3", "y=3x1", "z=3x1", "X=2x2"]
    at = ["x=[1,-2,3]", "A=[[2,1,0],[1,3,1],[0,1,4]]", "y=[1,2,-1]", "z=[2,4,5]",
          "X=[[3,1],[1,2]]"]
    d = matrix("x'*A*x - y'*(x./z) + logdet(X)", shape=shapes, at=at)
    assert d.holds and d.numeric is not None
    t = {k: torch.tensor(np.array(json.loads(v), dtype=float).reshape(-1, 1)
                         if k in "xyz" else json.loads(v), dtype=torch.float64,
                         requires_grad=True)
         for k, v in (s.split("=") for s in at)}
    J = (t["x"].T @ t["A"] @ t["x"] - t["y"].T @ (t["x"] / t["z"])).sum() + torch.logdet(t["X"])
    J.backward()
    for name, tensor in t.items():
        ours = np.array(d.numeric.gradient_values[name].tolist(), dtype=float).reshape(-1)
        assert np.allclose(ours, tensor.grad.numpy().reshape(-1), rtol=1e-12), name


def test_notation_in_expr() -> None:
    """``expr`` reads x', ^ and .* ./ (element-wise there already) the same way."""
    a = gradsym.expr("sum(a.*b ./ 2 + a^2)", shape=["a=3", "b=3"], at=["a=[1,2,3]", "b=[4,5,6]"])
    b = gradsym.expr("sum(a*b / 2 + a**2)", shape=["a=3", "b=3"], at=["a=[1,2,3]", "b=[4,5,6]"])
    assert a.numeric is not None and b.numeric is not None
    for n in ("a", "b"):
        assert a.numeric.gradient_values[n].tolist() == b.numeric.gradient_values[n].tolist()
    assert [float(v) for v in a.numeric.gradient_values["a"]] == [4.0, 6.5, 9.0]


@pytest.mark.parametrize("text", ["a // 2", "a % 2", "a ^^ 2", "'a'", "a'' '"])
def test_notation_does_not_open_the_parser(text: str) -> None:
    """The user's own // and % stay refused, and quotes are no way to strings."""
    with pytest.raises(ExpressionError):
        parse(text, names={"a"}, functions=(),
              elementwise={".*": lambda x, y: Call("hadamard", (x, y))})


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.*/^'+-() 12")), max_size=20))
def test_notation_rewrite_never_executes_and_keeps_safety(text: str) -> None:
    """Whatever the rewrite makes of arbitrary text, the parser sees only allowed nodes."""
    try:
        tree = parse(text, names={"a", "b"}, functions=(),
                     elementwise={".*": lambda x, y: Call("hadamard", (x, y)),
                                  "./": lambda x, y: Call("ediv", (x, y))})
    except ExpressionError:
        return
    assert tree is not None
    assert "'" not in matcalc_notation(text) or "'" in text


# -- leading minus from the CLI -------------------------------------------------------------

def test_leading_minus_from_the_cli(cli: Any) -> None:
    torch = require("torch")
    args = ["--shape", "y=2x1", "--shape", "W=2x2", "--shape", "x=2x1", "--at", "y=[1,2]",
            "--at", "W=[[1,2],[3,4]]", "--at", "x=[5,-1]", "--format", "json"]
    first = cli("matrix", "-y.T*W*x + x.T*x", *args)
    assert first.code == 0, first.err
    later = cli("matrix", *args, "-y'*W*x + x'*x")
    assert later.code == 0, later.err
    a, b = json.loads(first.out), json.loads(later.out)
    assert a["gradients"] == b["gradients"]
    y = torch.tensor([[1.0], [2.0]], dtype=torch.float64, requires_grad=True)
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([[5.0], [-1.0]], dtype=torch.float64, requires_grad=True)
    (-(y.T @ W @ x) + x.T @ x).sum().backward()
    for name, t in (("y", y), ("W", W), ("x", x)):
        assert np.array(a["gradients"][name]["numeric"], dtype=float).tolist() == \
            t.grad.numpy().tolist()


def test_leading_minus_expr_and_options_still_work(cli: Any) -> None:
    r = cli("expr", "-sum(a*a)", "--shape", "a=2", "--at", "a=[1,2]", "--seed", "-1",
            "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["gradients"]["a"]["numeric"] == [-2, -4]
    r = cli("expr", "--shape=a=2", "-a.T", "--format", "json")
    assert r.code == 0, r.err
    bad = cli("matrix", "-x.T*x", "--shape", "x=2x1", "--bogus")
    assert bad.code == 2 and bad.err.startswith("error: No such option: --bogus")
    assert len(bad.err.strip().splitlines()) == 1


# -- item 5: simplified results -------------------------------------------------------------

SIMPLIFIED = [
    ("trace(inv(inv(X))*A)", ["X=2x2", "A=2x2"], "X", "A.T"),
    ("sum(hadamard(X, OneMatrix(2, 3)))", ["X=2x3"], "X", "OneMatrix(2, 3)"),
    ("sum(X .* ones(2, 3))", ["X=2x3"], "X", "OneMatrix(2, 3)"),
    ("log(abs(det(X)))", ["X=3x3"], "X", "X.T**(-1)"),
    ("logdet(X)", ["X=3x3"], "X", "X.T**(-1)"),
    ("det(inv(X))", ["X=2x2"], "X", "-X.T**(-1)/Determinant(X)"),
    ("trace(X*(A*B)')", ["X=2x2", "A=2x2", "B=2x2"], "X", "A*B"),
    ("trace((A*B)'*X)", ["X=2x2", "A=2x2", "B=2x2"], "X", "A*B"),
    ("trace(C*X)", ["C=2x2", "X=2x2"], "X", "C.T"),
]


@pytest.mark.parametrize(("text", "shapes", "wrt", "closed"), SIMPLIFIED,
                         ids=[s[0] for s in SIMPLIFIED])
def test_simplified_closed_forms(text: str, shapes: list[str], wrt: str, closed: str) -> None:
    at = _values(shapes, text)
    d = matrix(text, shape=shapes, wrt=[wrt], at=at)
    assert d.holds, [c.mismatch for c in d.checks]
    assert d.closed_forms[wrt] == closed


def test_log_abs_det_against_the_cookbook_with_negative_determinant() -> None:
    """d log|det X| = X⁻ᵀ also where det X < 0 (Matrix Cookbook (57))."""
    d = matrix("log(abs(det(X)))", shape=["X=2x2"], at=["X=[[1,2],[3,4]]"])
    assert d.numeric is not None and d.holds
    X = sympy.Matrix([[1, 2], [3, 4]])
    assert sympy.Matrix(d.numeric.gradient_values["X"].tolist()) == X.inv().T


RESERVED = ["C", "I", "E", "N", "S", "O", "Q", "beta", "gamma", "zeta", "pi", "Symbol",
            "Matrix", "oo"]


@pytest.mark.parametrize("name", RESERVED)
def test_users_names_are_kept(name: str) -> None:
    d = matrix(f"trace({name}*X) + x.T*{name}*x", shape=[f"{name}=2x2", "X=2x2", "x=2x1"],
               at=[f"{name}=[[1,2],[3,4]]", "X=[[1,0],[2,1]]", "x=[1,2]"])
    assert d.holds
    assert d.closed_forms["X"] == f"{name}.T"
    assert d.closed_forms["x"] == f"{name}*x + {name}.T*x"
    doc = json.loads(json.dumps(d.to_dict()))
    for entry in doc["gradients"].values():
        assert not re.search(rf"\b{name}_(?!\d)", entry["expression"] + entry["scalar_rule"])
    back = gradsym.from_dict(doc)
    value = sympy.Matrix([[1, 2], [3, 4]])
    got = back.gradients["X"].subs({sympy.MatrixSymbol(name, 2, 2): value}).as_explicit()
    assert sympy.Matrix(got) == value.T
    text = d.to_latex()
    section = text[text.index("Gradients in matrix form"):]
    assert not re.search(rf"{name}\\_(?!\d)", section.split("Proofs")[0])


# -- item 6: typeset output -----------------------------------------------------------------

CODE = re.compile(r"\*\*|\.T\b|HadamardProduct|Determinant|OneMatrix|Identity\(|adjugate|"
                  r"Trace\(|sqrt\(|\w\*\w")
TYPESET = [
    ("log(det(X)) + sum(X.*A) + x'*X*x", ["X=2x2", "A=2x2", "x=2x1"]),
    ("det(x*x')", ["x=2x1"]),
    ("trace(inv(X)*A) + norm(X)", ["X=2x2", "A=2x2"]),
    ("(X*w - y)'*(X*w - y)", ["X=3x2", "w=2x1", "y=3x1"]),
    ("sum(hadamard(X, X)) + trace(X**3)/2", ["X=2x2"]),
]


def _matrix_section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


@pytest.mark.parametrize(("text", "shapes"), TYPESET, ids=[t for t, _ in TYPESET])
def test_latex_and_markdown_have_no_code_text(text: str, shapes: list[str]) -> None:
    d = matrix(text, shape=shapes)
    tex = d.to_latex()
    section = _matrix_section(tex, "Gradients in matrix form", r"\subsection*{Proofs}")
    assert not CODE.search(section), CODE.search(section)
    assert r"\partial J" in section
    md = d.to_markdown()
    section = _matrix_section(md, "Gradients in matrix form", "## Proofs")
    assert not CODE.search(section.replace(r"\*", "")), CODE.search(section)
    for form in d.closed_forms.values():
        assert form is not None and (form in d.to_dict()["gradients"][next(iter(d.wrt))]
                                     ["expression"] or True)


def test_typeset_forms() -> None:
    d = matrix("log(det(X)) + sum(X.*A) + trace(inv(X)*A)", shape=["X=2x2", "A=2x2"])
    tex = d.to_latex()
    assert "X^{-T}" in tex and r"\underbrace" in tex and r"2 \times 2" in tex
    d = matrix("trace(hadamard(X, A)*B)", shape=["X=2x2", "A=2x2", "B=2x2"])
    assert r"\odot" in d.to_latex()
    d = matrix("det(x*x.T)", shape=["x=2x1"])
    assert r"\operatorname{adj}" in d.to_latex()
    text = d.to_text() if hasattr(d, "to_text") else ""
    assert "X.T**(-1)" not in text


def test_terminal_keeps_the_code_form(cli: Any) -> None:
    r = cli("matrix", "log(det(X))", "--shape", "X=2x2", "--format", "text")
    assert r.code == 0
    assert "∂J/∂X = X.T**(-1)" in r.out


@needs_pdflatex
@pytest.mark.parametrize(("text", "shapes"), TYPESET[:3], ids=[t for t, _ in TYPESET[:3]])
def test_typeset_latex_compiles(text: str, shapes: list[str]) -> None:
    from gradsym.render.latex import compile_pdf

    pdf = compile_pdf(matrix(text, shape=shapes).to_latex())
    assert pdf.startswith(b"%PDF-")


# -- wrong results, fixed -------------------------------------------------------------------

def test_matrix_power_zero_is_the_identity(cli: Any) -> None:
    torch = require("torch")
    r = cli("matrix", "trace(A*X**0)", "--shape", "X=2x2", "--shape", "A=2x2", "--wrt", "A",
            "--at", "X=[[1,2],[3,5]]", "--at", "A=[[2,0],[1,1]]", "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert all(c["holds"] for c in doc["checks"])
    A = torch.tensor([[2.0, 0.0], [1.0, 1.0]], dtype=torch.float64, requires_grad=True)
    X = torch.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=torch.float64)
    torch.trace(A @ torch.linalg.matrix_power(X, 0)).backward()
    assert doc["gradients"]["A"]["numeric"] == A.grad.numpy().tolist() == [[1, 0], [0, 1]]
    assert doc["gradients"]["A"]["expression"] == "Identity(2)"


def _finite_difference(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=3, max_size=3))
def test_det_of_singular_products_has_a_closed_form_valid_everywhere(xs: list[int]) -> None:
    """d det(x xᵀ + 0) and d det(X Xᵀ) for a thin X: the products are singular, so a closed
    form with their inverse would not exist; the adjugate form holds, checked against finite
    differences at the same points."""
    d = matrix("det(x*x.T)", shape=["x=3x1"])
    form = d.forms["x"].lc
    assert form is not None and "**(-1)" not in d.closed_forms["x"]
    value = sympy.Matrix([[v] for v in xs])
    got = np.array(lc_elements(form, {"x": value}).tolist(), dtype=float)
    want = _finite_difference(lambda v: np.linalg.det(v @ v.T), np.array(xs, float).reshape(3, 1))
    assert np.allclose(got, want, atol=1e-6)
    X = matrix("det(X*X.T) + det(X.T*X)", shape=["X=3x2"])
    assert X.holds and "**(-1)" not in (X.closed_forms["X"] or "**(-1)")
    point = np.array(xs + xs[::-1], float).reshape(3, 2)
    got = np.array(lc_elements(X.forms["X"].lc, {"X": sympy.Matrix(point.astype(int).tolist())})
                   .tolist(), dtype=float)
    want = _finite_difference(lambda v: np.linalg.det(v @ v.T) + np.linalg.det(v.T @ v), point)
    assert np.allclose(got, want, atol=1e-4)


def test_det_cookbook_where_invertible() -> None:
    """∂det(X)/∂X = det(X) X⁻ᵀ (Matrix Cookbook (49)) where X is invertible."""
    d = matrix("det(X)", shape=["X=3x3"], at=["X=[[2,1,0],[1,3,1],[0,1,4]]"])
    X = sympy.Matrix([[2, 1, 0], [1, 3, 1], [0, 1, 4]])
    assert d.numeric is not None and d.holds
    assert sympy.Matrix(d.numeric.gradient_values["X"].tolist()) == X.det() * X.inv().T


@pytest.mark.parametrize(("values", "reduction"), [
    ([2, 2, 2], "max"), ([1, 3, 3], "max"), ([5, 1, 5, 5], "max"), ([0, 0, 4], "min"),
    ([-1, 2, -1, -1], "min"),
])
def test_tied_extrema_share_the_gradient(values: list[int], reduction: str) -> None:
    torch = require("torch")
    jax = require("jax")
    n = len(values)
    d = gradsym.expr(f"{reduction}(a)", shape=[f"a={n}"], at=[f"a={values}"])
    assert d.numeric is not None and d.holds
    ours = [Fraction(str(v)) for v in d.numeric.gradient_values["a"].tolist()]
    best = max(values) if reduction == "max" else min(values)
    assert ours == [Fraction(1, values.count(best)) if v == best else 0 for v in values]
    a = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (torch.amax(a) if reduction == "max" else torch.amin(a)).backward()
    assert [float(v) for v in ours] == a.grad.tolist()
    jnp = jax.numpy
    g = jax.grad(jnp.max if reduction == "max" else jnp.min)(jnp.array(values, dtype=float))
    assert np.allclose([float(v) for v in ours], np.asarray(g))


def test_logsumexp_minus_max_at_a_tie_is_zero(cli: Any) -> None:
    jax = require("jax")
    r = cli("expr", "logsumexp(a) - max(a)", "--shape", "a=3", "--at", "a=[3,3,3]",
            "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["gradients"]["a"]["numeric"] == [0, 0, 0]
    jnp = jax.numpy
    g = jax.grad(lambda v: jax.scipy.special.logsumexp(v) - jnp.max(v))(jnp.array([3.0] * 3))
    assert np.allclose(np.asarray(g), 0)


def test_max_with_axis_ties_and_pool_keeps_first_argmax(cli: Any) -> None:
    d = gradsym.expr("sum(max(A, 1))", shape=["A=2x3"], at=["A=[[1,4,4],[2,2,2]]"])
    assert d.numeric is not None
    got = [[str(v) for v in row] for row in d.numeric.gradient_values["A"].tolist()]
    assert got == [["0", "1/2", "1/2"], ["1/3", "1/3", "1/3"]]
    pool = gradsym.pool(input=(2, 2), size=2, x=[[3, 3], [3, 3]])
    grads = pool.evaluate().grad["input"] if hasattr(pool, "evaluate") else None
    assert grads is not None
    assert [[int(v) for v in row] for row in np.array(grads.tolist()).tolist()] == [[1, 0], [0, 0]]


def test_budget_default_is_one_constant(cli: Any) -> None:
    default = f"{DEFAULT_MAX_TERMS:,}"
    help_text = cli("matrix", "--help").out
    assert default in " ".join(help_text.split())
    r = cli("matrix", "det(X)", "--shape", "X=40x40")
    assert r.code == 2 and f"over the budget of {default} terms" in r.err
    assert "3,000,000" not in help_text + r.err
