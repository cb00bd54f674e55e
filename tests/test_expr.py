"""Tests of ``gradsym expr``: NumPy-semantics expressions over named tensors, their gradients,
the dual-number check, and hostile input through the CLI."""

from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.calculus import symbolic_gradient
from gradsym.errors import ExpressionError, SizeError, SpecError
from gradsym.layers.expr import DualScalars, declare, expr
from gradsym.numeric import Dual
from tests.conftest import require

# --------------------------------------------------------------------------------------------
# Seed 004: a = [2, 3], out = mean(3(a+3)²) → grad [15, 18]
# --------------------------------------------------------------------------------------------


def test_seed_004_gradient_symbolic_and_numeric() -> None:
    d = expr("mean(3*(a+3)**2)", shape=["a=2"], wrt=["a"], at=["a=[2,3]"])
    a1, a2 = sympy.symbols("a_1 a_2", real=True)
    assert sympy.expand(d.forward - sympy.Rational(3, 2) * ((a1 + 3) ** 2 + (a2 + 3) ** 2)) == 0
    assert list(d.gradients["a"]) == [3 * a1 + 9, 3 * a2 + 9]
    assert d.numeric is not None
    assert d.numeric.gradient_values["a"].tolist() == [15, 18]
    assert d.numeric.forward_values[()] == Fraction(183, 2)
    assert [c.name for c in d.all_checks()] == ["jacobian_matches_autodiff_numeric"]
    assert d.holds


def test_seed_004_cli_text_and_json(cli: Any) -> None:
    args = ["expr", "mean(3*(a+3)**2)", "--shape", "a=2", "--wrt", "a", "--at", "a=[2,3]"]
    text = cli(*args, "--format", "text")
    assert text.code == 0, text.err
    assert "∂f/∂a" in text.out and "15  18" in text.out
    result = cli(*args, "--format", "json")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["command"] == "expr"
    assert doc["gradients"]["a"] == {"expression": ["3*a_1 + 9", "3*a_2 + 9"], "numeric": [15, 18]}
    assert doc["shapes"] == {"a": [2]}
    assert doc["assumptions"]["a_1"] == {"real": True}
    assert doc["symbols"] == {"a": ["a_1", "a_2"]}
    assert doc["jacobian"]["a"]["shape"] == [2]
    assert doc["numeric"]["values"] == {"a": [2, 3]}
    assert [c["name"] for c in doc["checks"]] == ["jacobian_matches_autodiff_numeric"]
    assert all(c["holds"] for c in doc["checks"])
    loaded = gradsym.from_dict(doc)
    a1, a2 = sympy.symbols("a_1 a_2", real=True)
    assert sympy.expand(loaded.forward - sympy.Rational(3, 2) * ((a1 + 3) ** 2 + (a2 + 3) ** 2)) == 0


def test_python_api_evaluate_by_name() -> None:
    d = gradsym.expr("sum(a*b)", shape={"a": (2,), "b": "2"})
    assert d.numeric is None
    ev = d.evaluate(a=[1, 2], b="arange")
    assert ev.gradient_values["a"].tolist() == [1, 2]
    assert ev.gradient_values["b"].tolist() == [1, 2]
    assert all(c.holds for c in ev.checks)


# --------------------------------------------------------------------------------------------
# PyTorch as the oracle: random shapes and values
# --------------------------------------------------------------------------------------------

# (expression, shapes from (n, m), PyTorch function of the named tensors)
TEMPLATES: list[tuple[str, Callable[[int, int], dict[str, tuple[int, ...]]], Callable[..., Any]]] = [
    ("mean(3*(a+3)**2)", lambda n, m: {"a": (n,)}, lambda t, T: (3 * (t["a"] + 3) ** 2).mean()),
    ("sum(softmax(a)*b)", lambda n, m: {"a": (n,), "b": (n,)},
     lambda t, T: (T.softmax(t["a"], -1) * t["b"]).sum()),
    ("logsumexp(X @ W)", lambda n, m: {"X": (n, m), "W": (m, 2)},
     lambda t, T: T.logsumexp((t["X"] @ t["W"]).reshape(-1), 0)),
    ("mean((X @ w - y)**2)", lambda n, m: {"X": (n, m), "w": (m,), "y": (n,)},
     lambda t, T: ((t["X"] @ t["w"] - t["y"]) ** 2).mean()),
    ("sum(tanh(X) * Y.T)", lambda n, m: {"X": (n, m), "Y": (m, n)},
     lambda t, T: (T.tanh(t["X"]) * t["Y"].T).sum()),
    ("norm(a - b)", lambda n, m: {"a": (n,), "b": (n,)}, lambda t, T: T.linalg.norm(t["a"] - t["b"])),
    ("dot(a, b) / (1 + dot(a, a))", lambda n, m: {"a": (n,), "b": (n,)},
     lambda t, T: T.dot(t["a"], t["b"]) / (1 + T.dot(t["a"], t["a"]))),
    ("sum(sigmoid(X) ** 2) + sum(log(1 + X**2))", lambda n, m: {"X": (n, m)},
     lambda t, T: (T.sigmoid(t["X"]) ** 2).sum() + T.log(1 + t["X"] ** 2).sum()),
    ("sum(relu(a) * b) + sum(abs(b))", lambda n, m: {"a": (n,), "b": (n,)},
     lambda t, T: (T.relu(t["a"]) * t["b"]).sum() + t["b"].abs().sum()),
    ("max(a) - min(b) + sum(maximum(a, b))", lambda n, m: {"a": (n,), "b": (n,)},
     lambda t, T: t["a"].max() - t["b"].min() + T.maximum(t["a"], t["b"]).sum()),
    ("mean(sum(X, 0) ** 2) + sum(max(X, 1))", lambda n, m: {"X": (n, m)},
     lambda t, T: (t["X"].sum(0) ** 2).mean() + t["X"].amax(1).sum()),
    ("sum(softmax(X, 0) * Y) + sum(sqrt(X**2 + 1))", lambda n, m: {"X": (n, m), "Y": (n, m)},
     lambda t, T: (T.softmax(t["X"], 0) * t["Y"]).sum() + T.sqrt(t["X"] ** 2 + 1).sum()),
    ("sum(sin(a) * cos(b)) + exp(-dot(a, b) / 4)", lambda n, m: {"a": (n,), "b": (n,)},
     lambda t, T: (T.sin(t["a"]) * T.cos(t["b"])).sum() + T.exp(-T.dot(t["a"], t["b"]) / 4)),
    ("s * sum(a) ** 2 + s ** 3", lambda n, m: {"s": (), "a": (n,)},
     lambda t, T: t["s"] * t["a"].sum() ** 2 + t["s"] ** 3),
]


def _distinct_values(draw: st.DrawFn, shape: tuple[int, ...], offset: int) -> list[Fraction]:
    """Values (2v+1)/4 + i/101: never 0 and never tied (relu, abs, max are smooth there)."""
    size = int(np.prod(shape)) if shape else 1
    raw = draw(st.lists(st.integers(-4, 4), min_size=size, max_size=size))
    return [Fraction(2 * v + 1, 4) + Fraction(offset + i, 101) for i, v in enumerate(raw)]


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_gradients_match_pytorch_autograd(data: st.DataObject) -> None:
    torch = require("torch")
    text, shapes_of, torch_fn = data.draw(st.sampled_from(TEMPLATES))
    n, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    shapes = shapes_of(n, m)
    values = {name: _distinct_values(data.draw, shape, 20 * k)
              for k, (name, shape) in enumerate(shapes.items())}
    d = expr(
        text,
        shape=[f"{name}={'x'.join(map(str, s)) or 'scalar'}" for name, s in shapes.items()],
        at=[f"{name}={','.join(map(str, v))}" for name, v in values.items()],
    )
    assert d.holds, [c.mismatch for c in d.all_checks()]
    tensors = {
        name: torch.tensor([float(v) for v in values[name]], dtype=torch.float64)
        .reshape(shape).requires_grad_(True)
        for name, shape in shapes.items()
    }
    out = torch_fn(tensors, torch)
    out.backward()
    assert d.numeric is not None
    assert float(sympy.N(d.numeric.forward_values[()], 30)) == pytest.approx(out.item(), rel=1e-9)
    for name, tensor in tensors.items():
        got = np.array([float(sympy.N(v, 30)) for v in d.numeric.gradient_values[name].reshape(-1)])
        want = tensor.grad.reshape(-1).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{text} / {name}")


def test_elementwise_jacobian_matches_pytorch() -> None:
    torch = require("torch")
    d = expr("sigmoid(X) * w + X @ X", shape=["X=2x2", "w=2"], at=["X=[[1,-2],[3,1/2]]", "w=1,3"])
    assert not d.scalar and d.gradient_elems == {}
    assert d.holds
    X = torch.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=torch.float64)
    w = torch.tensor([1.0, 3.0], dtype=torch.float64)
    jx, jw = torch.autograd.functional.jacobian(lambda x, v: torch.sigmoid(x) * v + x @ x, (X, w))
    assert d.numeric is not None
    for role, oracle in (("X", jx), ("w", jw)):
        dense = np.zeros(oracle.shape)
        shape = d.jacobians[role].shape
        for (o, k), v in d.numeric.jacobian_values[role].items():
            index = np.unravel_index(o * int(np.prod(d.declared[role].shape)) + k, shape)
            dense[index] = float(sympy.N(v, 30))
        np.testing.assert_allclose(dense, oracle.numpy(), rtol=1e-12)
    doc = d.to_dict()
    assert doc["gradients"] == {} and "not a scalar" in doc["notes"][0]


def test_kink_conventions_match_pytorch() -> None:
    """relu′(0) = 0 and |x|′(0) = 0 as in PyTorch; a two-way tie of max splits 1/2 : 1/2."""
    torch = require("torch")
    d = expr("sum(relu(a)) + sum(abs(a)) + max(b)", shape=["a=3", "b=2"], at=["a=-1,0,2", "b=5,5"])
    assert d.holds and d.numeric is not None
    a = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([5.0, 5.0], dtype=torch.float64, requires_grad=True)
    (torch.relu(a).sum() + a.abs().sum() + b.max()).backward()
    assert d.numeric.gradient_values["a"].tolist() == a.grad.tolist()
    assert d.numeric.gradient_values["b"].tolist() == b.grad.tolist() == [0.5, 0.5]


# --------------------------------------------------------------------------------------------
# NumPy semantics
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shapes", "out_shape"),
    [
        ("a + b", ["a=2x3", "b=3"], (2, 3)),
        ("a * b", ["a=2x1", "b=3"], (2, 3)),
        ("a @ b", ["a=2x3", "b=3"], (2,)),
        ("a @ b", ["a=3", "b=3"], ()),
        ("a.T", ["a=2x3"], (3, 2)),
        ("sum(a, 0)", ["a=2x3"], (3,)),
        ("mean(a, -1)", ["a=2x3"], (2,)),
        ("softmax(a)", ["a=2x3"], (2, 3)),
        ("logsumexp(a, 1)", ["a=2x3"], (2,)),
        ("max(a, 0)", ["a=2x3"], (3,)),
        ("dot(a, b)", ["a=2x3", "b=3x4"], (2, 4)),
        ("norm(a)", ["a=2x3"], ()),
        ("maximum(a, 0)", ["a=2x3"], (2, 3)),
    ],
)
def test_numpy_shapes(text: str, shapes: list[str], out_shape: tuple[int, ...]) -> None:
    d = expr(text, shape=shapes)
    assert d.forward_elems.shape == out_shape
    # the same expression on numbers, evaluated by NumPy itself, has the same shape
    values = {s.split("=")[0]: np.arange(1.0, 1 + np.prod(d.declared[s.split("=")[0]].shape))
              .reshape(d.declared[s.split("=")[0]].shape) for s in shapes}
    numpy_value = _numpy_eval(text, values)
    assert np.shape(numpy_value) == out_shape
    ev = d.evaluate(**{k: v.astype(int).tolist() for k, v in values.items()})
    got = np.array([float(sympy.N(v, 30)) for v in ev.forward_values.reshape(-1)])
    np.testing.assert_allclose(got, np.ravel(numpy_value), rtol=1e-12)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


NUMPY_ORACLE: dict[str, Callable[..., Any]] = {
    "a + b": lambda a, b: a + b,
    "a * b": lambda a, b: a * b,
    "a @ b": lambda a, b: a @ b,
    "a.T": lambda a: a.T,
    "sum(a, 0)": lambda a: a.sum(0),
    "mean(a, -1)": lambda a: a.mean(-1),
    "softmax(a)": lambda a: _softmax(a),
    "logsumexp(a, 1)": lambda a: np.log(np.exp(a).sum(1)),
    "max(a, 0)": lambda a: a.max(0),
    "dot(a, b)": lambda a, b: np.dot(a, b),
    "norm(a)": lambda a: np.linalg.norm(a),
    "maximum(a, 0)": lambda a: np.maximum(a, 0),
}


def _numpy_eval(text: str, values: dict[str, np.ndarray]) -> Any:
    fn = NUMPY_ORACLE[text]
    names = [n for n in ("a", "b") if n in values]
    return fn(*[values[n] for n in names])


def test_reduction_with_axis_and_broadcast_gradient() -> None:
    d = expr("sum(mean(X, 0) * w)", shape=["X=2x3", "w=3"], at=["X=arange", "w=1,2,3"])
    assert d.numeric is not None
    assert d.numeric.gradient_values["X"].tolist() == [[Fraction(1, 2), 1, Fraction(3, 2)]] * 2
    assert d.numeric.gradient_values["w"].tolist() == [Fraction(5, 2), Fraction(7, 2), Fraction(9, 2)]


def test_default_wrt_is_every_used_name_and_unused_names_have_zero_gradient() -> None:
    d = expr("sum(a)", shape=["a=2", "b=2"])
    assert d.wrt == ["a"]
    d = expr("sum(a)", shape=["a=2", "b=2"], wrt=["a", "b"], at=["a=1,2"])
    assert d.numeric is not None
    assert d.numeric.gradient_values["b"].tolist() == [0, 0]
    assert list(d.gradients["b"]) == [0, 0]


def test_exact_and_irrational_values() -> None:
    d = expr("sum(sqrt(a)) + sigmoid(b)", shape=["a=2", "b=scalar"], at=["a=[4, 9/4]", "b=0.5"])
    assert d.numeric is not None and d.holds
    assert d.numeric.gradient_values["a"].tolist() == [Fraction(1, 4), Fraction(1, 3)]
    value = d.numeric.gradient_values["b"][()]
    assert isinstance(value, sympy.Expr)
    assert float(sympy.N(value)) == pytest.approx(np.exp(-0.5) / (1 + np.exp(-0.5)) ** 2)
    doc = d.to_dict()
    assert doc["gradients"]["a"]["numeric"] == [0.25, "1/3"]
    assert isinstance(doc["gradients"]["b"]["numeric"], str)
    # an exact value that SymPy can prove rational becomes a number
    d = expr("sum(softmax(a))", shape=["a=3"], at=["a=1,2,3"])
    assert d.numeric is not None and d.numeric.gradient_values["a"].tolist() == [0, 0, 0]
    assert d.holds


# --------------------------------------------------------------------------------------------
# The pieces: reverse-mode symbolic gradient and dual numbers, against independent oracles
# --------------------------------------------------------------------------------------------


def test_symbolic_gradient_equals_sympy_diff() -> None:
    x, y, z = sympy.symbols("x y z", real=True)
    exprs = [
        (x * y + sympy.exp(x * z)) ** 3 / (1 + y**2),
        sympy.Max(x, y * z, 2) + sympy.Min(x, -z) + sympy.Abs(x - y),
        sympy.log(1 + x**2) * sympy.tanh(y) ** x,
        sympy.sqrt(x**2 + y**2 + z**2) * sympy.sin(x) * sympy.cos(z),
        x ** y,
        (x + 1) * (x + 1) * (x - y),
    ]
    for e in exprs:
        grad = symbolic_gradient(e, {x, y, z})
        for s in (x, y, z):
            want = sympy.diff(e, s)
            got = grad.get(s, sympy.Integer(0))
            point = {x: sympy.Rational(3, 7), y: sympy.Rational(5, 4), z: sympy.Rational(-2, 3)}
            assert abs(sympy.N((got - want).subs(point), 40)) < 1e-30, (e, s)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=7), min_size=9,
                max_size=9), st.integers(0, 8))
def test_dual_det_and_inverse_match_difference_quotients(entries: list[Fraction], k: int) -> None:
    """d det / d a_k and d inv / d a_k by duals equal exact central differences (det is
    multilinear, so those are exact); inverse checked through inv·A = I."""
    scalars = DualScalars()
    a = np.array(entries, dtype=object).reshape(3, 3) + np.diag([7, 7, 7])  # invertible
    seeded = np.empty((3, 3), dtype=object)
    for i, v in enumerate(a.reshape(-1)):
        seeded.reshape(-1)[i] = Dual(v, {0: 1} if i == k else {})
    det = scalars.det(seeded)

    def plain_det(m: np.ndarray) -> Fraction:
        return Dual.lift(scalars.det(m)).value

    up, down = a.copy(), a.copy()
    up.reshape(-1)[k] += 1
    down.reshape(-1)[k] -= 1
    assert det.value == plain_det(a)
    assert det.partial(0) == (plain_det(up) - plain_det(down)) / 2
    inverse = scalars.inv(seeded)
    product = np.array([[sum((Dual.lift(inverse[i, t]) * seeded[t, j] for t in range(3)),
                             Dual(0)) for j in range(3)] for i in range(3)], dtype=object)
    for i in range(3):
        for j in range(3):
            assert product[i, j].value == (1 if i == j else 0)
            assert product[i, j].partial(0) == 0


def test_dual_det_at_a_singular_matrix_uses_the_adjugate() -> None:
    scalars = DualScalars()
    m = np.array([[Dual(1, {0: 1}), Dual(2)], [Dual(2), Dual(4)]], dtype=object)  # d/d m11
    det = scalars.det(m)
    assert det.value == 0 and det.partial(0) == 4  # d det / d m11 = m22


def test_dual_numbers_are_exact_on_fractions() -> None:
    x = Dual(Fraction(1, 3), {0: 1})
    y = (x**3 - 2 * x) / (1 + x * x)
    assert isinstance(y.value, Fraction) and isinstance(y.partial(0), Fraction)
    f = lambda t: (t**3 - 2 * t) / (1 + t * t)  # noqa: E731
    t = sympy.Symbol("t")
    assert y.partial(0) == Fraction(str(sympy.diff(f(t), t).subs(t, sympy.Rational(1, 3))))
    assert (Dual(Fraction(9, 4), {0: 1}) ** Fraction(1, 2)).value == Fraction(3, 2)


# --------------------------------------------------------------------------------------------
# The check can fail
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["sum(a**3)", "sum(exp(a))"])
def test_a_wrong_jacobian_is_caught_by_the_numeric_check(text: str) -> None:
    method = "dual numbers"  # one sparse forward-mode pass, polynomial or not
    d = expr(text, shape=["a=2"])
    key = next(iter(d.jacobians["a"].entries))
    d.jacobians["a"].entries[key] = d.jacobians["a"].entries[key] + 1
    ev = d.evaluate(a=[1, 2])
    check = ev.checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds
    assert f"∂output/∂a entry {key} is" in (check.mismatch or "") and method in check.statement


@pytest.mark.parametrize("text", ["sum(a**3)", "sum(exp(a))"])
def test_a_wrong_forward_value_is_caught_by_the_numeric_check(text: str) -> None:
    d = expr(text, shape=["a=2"])
    ev = d.evaluate(a=[1, 2])
    assert ev.checks[0].holds
    ev.forward_values[()] = ev.forward_values[()] + 1
    dual = d._dual_jacobians(ev.values)
    check = d._dual_check(ev, dual)
    assert not check.holds and check.mismatch == "the forward value differs from the dual-number evaluation"


@pytest.mark.parametrize(("text", "degree"), [
    ("mean(3*(a+3)**2)", 2), ("sum(a @ X) * 2 / 3", 2), ("dot(a, a) ** 2", 4),
    ("sum(a) / sum(a)", None), ("sum(exp(a))", None), ("max(a)", None), ("2 ** sum(a)", None),
])
def test_polynomial_degree_bound(text: str, degree: int | None) -> None:
    assert expr(text, shape=["a=2", "X=2x2"]).degree == degree


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def test_reserved_names_are_renamed_visibly() -> None:
    d = expr("E * sum(beta) + I", shape=["E=scalar", "beta=2", "I=scalar"],
             at=["E=2", "beta=1,2", "I=0"])
    assert d.table.names == ["E_", "beta_1", "beta_2", "I_"]
    doc = d.to_dict()
    assert doc["renamed"] == {"E": "E_", "beta": "beta_", "I": "I_"}
    assert doc["symbols"]["E"] == "E_"
    assert doc["gradients"]["E"] == {"expression": "beta_1 + beta_2", "numeric": 3}
    assert "E_" in d.to_text()
    # the rename never collides with a declared name
    assert declare(["E=scalar", "E_=scalar"], functions=[])["E"].bare == "E__"


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (["a=2", "a_1=scalar"], r"shape a and shape a_1 both use the name 'a_1'"),
        (["X=2x2", "X_1=2"], r"both use the name 'X_1_1'"),
        (["sum=2"], r"'sum' is the name of a function"),
        (["if=2"], r"'if' is a Python keyword"),
        (["1a=2"], r"a name must start with a letter"),
        (["_a=2"], r"a name must start with a letter"),
        (["a=2", "a=3"], r"shape a is declared twice"),
        (["a"], r"expected NAME=SHAPE"),
        (["a=0"], r"--shape a=0 sizes must be ≥ 1"),
        (["a=2x2x2x2"], r"at most 3 are supported"),
        (["a=1000x1000"], r"1,000,000 elements"),
        ([], r"^shape is required"),
    ],
)
def test_bad_declarations(shapes: list[str], message: str) -> None:
    with pytest.raises((SpecError, SizeError), match=message):
        expr("1", shape=shapes)


# --------------------------------------------------------------------------------------------
# Bad input: one error line, exit 2
# --------------------------------------------------------------------------------------------

BAD = [
    (["sum(z)", "--shape", "a=2"], r"unknown name 'z'.*--shape z="),
    (["foo(a)", "--shape", "a=2"], r"function 'foo' is not allowed"),
    (["sum(a)", "--shape", "a=2", "--wrt", "b"], r"--wrt b: no such name"),
    (["sum(a)", "--shape", "a=2", "--at", "a=1,2,3"], r"--at a has 3 values"),
    (["sum(a)", "--shape", "a=2", "--at", "b=1"], r"--at b: no such name"),
    (["sum(a*b)", "--shape", "a=2", "--shape", "b=2", "--at", "a=1,2"], r"missing b"),
    (["a + b", "--shape", "a=2", "--shape", "b=3"], r"shapes 2 and 3 do not broadcast"),
    (["a @ b", "--shape", "a=2", "--shape", "b=3"], r"matrix product of shapes 2 and 3"),
    (["a @ 2", "--shape", "a=2"], r"@ needs arrays"),
    (["sum(a, b)", "--shape", "a=2", "--shape", "b=2"], r"second argument of sum is an axis"),
    (["max(a, b)", "--shape", "a=2", "--shape", "b=2"], r"use maximum\(x, y\)"),
    (["sum(a, 1)", "--shape", "a=2"], r"axis 1 is out of range"),
    (["sum(a, 1, 2)", "--shape", "a=2"], r"sum takes 1 or 2 arguments, got 3"),
    (["exp()", "--shape", "a=2"], r"exp takes 1 argument, got 0"),
    (["sum(log(a))", "--shape", "a=2", "--at", "a=1,-1"], r"log of a number ≤ 0"),
    (["sum(a/b)", "--shape", "a=2", "--shape", "b=2", "--at", "a=1,2", "--at", "b=0,1"],
     r"division by zero"),
    (["sum(sqrt(a))", "--shape", "a=2", "--at", "a=0,1"], r"has no derivative"),
    (["sum(a)/0", "--shape", "a=2"], r"is undefined"),
    (["sum(a @ a @ a @ a)", "--shape", "a=40x40"], r"too large.*--max-terms"),
    (["sum(a)", "--shape", "a=2", "--max-terms", "0"], r"--max-terms"),
    ([], r"the expression is required"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[:1]) or "empty" for a, _ in BAD])
def test_bad_input_is_one_error_line_and_exit_2(cli: Any, args: list[str], message: str) -> None:
    result = cli("expr", *args)
    assert result.code == 2, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert re.search(message, lines[0]), lines[0]
    assert result.out == ""


def test_max_terms_raises_the_budget(cli: Any) -> None:
    small = cli("expr", "sum(a @ a)", "--shape", "a=6x6", "--max-terms", "100")
    assert small.code == 2 and "--max-terms" in small.err
    assert cli("expr", "sum(a @ a)", "--shape", "a=6x6", "--max-terms", "10000000").code == 0


# --------------------------------------------------------------------------------------------
# Hostile expressions: rejected cleanly, nothing executed
# --------------------------------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('echo pwned')",
    "a.__class__.__mro__[1].__subclasses__()",
    "exec('print(1)')",
    "eval('1+1')",
    "open('/etc/passwd')",
    "sum(a).__globals__",
    "(lambda: 1)()",
    "[x for x in a]",
    "a if a else a",
    "sum(a)\nimport os",
    "sum(a); import os",
    "import os",
    "f'{a}'",
    "'a' * 3",
    "b'a'",
    "a[0]",
    "a.real",
    "a.T.__dict__",
    "sum(*a)",
    "sum(a, axis=0)",
    "getattr(a, 'T')",
    "().__class__",
    "{}",
    "a := 1",
    "(a := 1)",
    "~a",
    "a // 2",
    "a == a",
    "not a",
    "a and a",
    "await a",
    "yield a",
    "...",
    "None",
    "1j * a",
    "9**9**9**9",
    "\x00",
    "a" * 100_000,
    "(" * 100_000,
    "sum(" * 50_000 + "a" + ")" * 50_000,
    "-" * 5_000 + "a",
    "a" + "+a" * 5_000,
    "(" * 300 + "a" + ")" * 300,
    "exp(" * 80 + "a" + ")" * 80,
]


class Guard:
    """Makes eval/exec/compile/sympify/open fail when handed the user's text (Typer itself
    evaluates its own annotations, which is fine); os.system and subprocess always fail."""

    def __init__(self) -> None:
        self.text = ""
        self.calls: list[str] = []

    def touches(self, args: tuple[Any, ...]) -> bool:
        text = self.text.strip()
        probe = text[:40]
        return bool(text) and any(
            str(a).strip() == text or (len(probe) >= 12 and probe in str(a)) for a in args[:1]
        )

    def wrap(self, name: str, real: Callable[..., Any], always: bool = False) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if always or self.touches(args):
                self.calls.append(name)
                raise AssertionError(f"{name} was called on the user's text")
            return real(*args, **kwargs)

        return guarded


@pytest.fixture
def nothing_executes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    guard = Guard()
    real_compile = builtins.compile

    def compile_guard(source: Any, filename: Any, mode: str, flags: int = 0, *a: Any,
                      **k: Any) -> Any:
        import ast

        if guard.touches((source,)) and not flags & ast.PyCF_ONLY_AST:
            guard.calls.append("compile")
            raise AssertionError("compile was called to produce code from the user's text")
        return real_compile(source, filename, mode, flags, *a, **k)

    monkeypatch.setattr(builtins, "eval", guard.wrap("eval", builtins.eval))
    monkeypatch.setattr(builtins, "exec", guard.wrap("exec", builtins.exec))
    monkeypatch.setattr(builtins, "compile", compile_guard)
    monkeypatch.setattr(builtins, "open", guard.wrap("open", builtins.open))
    monkeypatch.setattr(os, "system", guard.wrap("os.system", os.system, always=True))
    monkeypatch.setattr(subprocess, "Popen", guard.wrap("Popen", subprocess.Popen, always=True))
    monkeypatch.setattr(sympy, "sympify", guard.wrap("sympify", sympy.sympify))
    yield guard
    assert guard.calls == []


@pytest.mark.parametrize("command", ["expr", "matrix"])
@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:24]))
def test_hostile_expressions_are_rejected_and_never_executed(
    cli: Any, command: str, text: str, nothing_executes: Guard
) -> None:
    # (texts as short as "None" also occur in Typer's own annotations, which it evaluates)
    nothing_executes.text = text if len(text.strip()) >= 5 else ""
    result = cli(command, text, "--shape", "a=2x2")
    assert result.code == 2, (result.out[:200], result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err and "pwned" not in result.out
    assert result.out == ""
    assert nothing_executes.calls == []


def test_redundant_parentheses_are_fine(cli: Any) -> None:
    result = cli("expr", "(" * 150 + "sum(a)" + ")" * 150, "--shape", "a=2", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["forward"] == "a_1 + a_2"


def test_hostile_input_leaves_no_output_file(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = cli("expr", "__import__('os')", "--shape", "a=2", "--output", str(target))
    assert result.code == 2 and not target.exists() and list(tmp_path.iterdir()) == []


def test_help_does_not_import_sympy() -> None:
    code = "import sys; import gradsym.cli; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_help_texts_run(cli: Any) -> None:
    result = cli("expr", "--help")
    assert result.code == 0 and "--shape" in result.out and "NumPy" in result.out


def test_every_format_renders(cli: Any) -> None:
    args = ["expr", "sum(softmax(a) * b)", "--shape", "a=2", "--shape", "b=2",
            "--at", "a=0,1", "--at", "b=1,0"]
    for fmt in ("text", "markdown", "json"):
        result = cli(*args, "--format", fmt)
        assert result.code == 0, (fmt, result.err)
    text = cli(*args, "--format", "text").out
    assert "∂f/∂a (values) ≈" in text and "0.196612" in text
    assert cli(*args, "--format", "text", "--lang", "zh").code == 0


def test_expression_is_never_evaluated_with_python() -> None:
    """Static check of the two modules: no eval/exec/sympify/parse_expr on anything."""
    import ast

    for module in ("expr", "matrix"):
        path = Path(gradsym.__file__).parent / "layers" / f"{module}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
        plain = {f.id for f in calls if isinstance(f, ast.Name)}
        methods = {f.attr for f in calls if isinstance(f, ast.Attribute)}
        assert not plain & {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "S"}
        assert not methods & {"eval", "exec", "sympify", "parse_expr", "S"}, module


def test_expression_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        expr("a +", shape=["a=2"])
    with pytest.raises(ExpressionError):
        expr("a +", shape=["a=2"])


def test_tensors_keep_the_users_names_never_a_layers_role_title():
    # q, k, v, b are also roles of attention and rnn ("queries Q", "bias b"); here they are names
    text = gradsym.expr("sum(q*k*v*b)", shape=["q=2", "k=2", "v=2", "b=2"]).to_text()
    setup = text.split("Forward", 1)[0]
    assert "queries" not in setup and "bias" not in setup and "keys" not in setup
    matrix_text = gradsym.matrix("trace(b*q.T)", shape=["q=2x2", "b=2x2"]).to_text()
    assert "queries" not in matrix_text.split("Forward", 1)[0]
