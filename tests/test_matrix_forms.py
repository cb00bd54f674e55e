"""``gradsym matrix``: closed forms through element-wise functions (Hadamard products),
checked against JAX / finite differences and the Matrix Cookbook's formulas."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from gradsym.layers import matrix as matrix_module
from gradsym.layers import matrix_adjoint
from gradsym.layers.matrix import matrix
from gradsym.layers.matrix_algebra import (
    LC,
    Sym,
    lc_atom,
)
from gradsym.layers.matrix_equivalence import equivalent
from gradsym.layers.matrix_values import (
    lc_elements,
)
from gradsym.rules import RULES

LOGISTIC = "sum(log(1 + exp(-hadamard(y, X*w))))"
SOFTMAX_CE = "log(sum(exp(W*x))) - t.T*W*x"


def _closed_value(d: Any, name: str, values: dict[str, np.ndarray]) -> np.ndarray:
    """The closed form of ∂J/∂name evaluated at ``values`` (floats)."""
    env: dict[str, Any] = {}
    for n, x in d.declared.items():
        v = values[n]
        env[x.bare] = sympy.Matrix(v.reshape(v.shape[0], -1).tolist()) if v.ndim else v
    got = lc_elements(d.forms[name].lc, env)
    return np.array(sympy.N(got).tolist(), dtype=float).reshape(values[name].shape)


def _central(f: Any, values: dict[str, np.ndarray], name: str, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(values[name])
    for index in np.ndindex(*values[name].shape):
        plus = {k: v.copy() for k, v in values.items()}
        minus = {k: v.copy() for k, v in values.items()}
        plus[name][index] += h
        minus[name][index] -= h
        out[index] = (f(plus) - f(minus)) / (2 * h)
    return out


# --------------------------------------------------------------------------------------------
# The Matrix Cookbook's / MatrixCalculus.org's forms


@pytest.mark.parametrize(("text", "shapes", "wrt", "expected"), [
    ("sum(exp(A*x))", ["A=2x3", "x=3"], "x", "A.T*exp(A*x)"),
    ("sum(tanh(W*x))", ["W=2x3", "x=3"], "x",
     "W.T*(OneMatrix(2, 1) - HadamardProduct(tanh(W*x), tanh(W*x)))"),
    ("sin(x).T*x", ["x=3"], "x", "HadamardProduct(x, cos(x)) + sin(x)"),
    (LOGISTIC, ["X=3x2", "w=2", "y=3"], "w",
     "-X.T*HadamardProduct(sigmoid(-HadamardProduct(y, X*w)), y)"),
    (SOFTMAX_CE, ["W=3x2", "x=2", "t=3"], "x",
     "W.T*(exp(W*x)/Trace(OneMatrix(1, 3)*exp(W*x)) - t)"),
    ("sum(sigmoid(A*x))", ["A=2x3", "x=3"], "x",
     "A.T*HadamardProduct(sigmoid(A*x), OneMatrix(2, 1) - sigmoid(A*x))"),
])
def test_elementwise_functions_have_hadamard_closed_forms(
    text: str, shapes: list[str], wrt: str, expected: str
) -> None:
    d = matrix(text, shape=shapes, wrt=[wrt])
    assert d.closed_forms[wrt] == expected
    assert [(c.name, c.holds) for c in d.checks] == [("closed_form_matches_elementwise", True)]


def test_softmax_cross_entropy_is_w_t_times_softmax_minus_target() -> None:
    d = matrix(SOFTMAX_CE, shape=["W=3x2", "x=2", "t=3"], wrt=["x", "W"])
    rng = np.random.default_rng(0)
    for _ in range(3):
        W, x = rng.normal(size=(3, 2)), rng.normal(size=(2, 1))
        t = np.zeros((3, 1))
        t[rng.integers(3)] = 1
        z = W @ x
        p = np.exp(z) / np.exp(z).sum()
        values = {"W": W, "x": x, "t": t}
        np.testing.assert_allclose(_closed_value(d, "x", values), W.T @ (p - t), rtol=1e-10)
        np.testing.assert_allclose(_closed_value(d, "W", values), (p - t) @ x.T, rtol=1e-10)


def test_logistic_loss_matches_the_cookbook_form() -> None:
    """−Xᵀ(y∘σ(−y∘(Xw)))."""
    d = matrix(LOGISTIC, shape=["X=4x2", "w=2", "y=4"], wrt=["w"])
    rng = np.random.default_rng(1)
    X, w = rng.normal(size=(4, 2)), rng.normal(size=(2, 1))
    y = rng.choice([-1.0, 1.0], size=(4, 1))
    sigma = 1 / (1 + np.exp(y * (X @ w)))
    np.testing.assert_allclose(_closed_value(d, "w", {"X": X, "w": w, "y": y}),
                               -X.T @ (y * sigma), rtol=1e-10)


OBJECTIVES = {
    "sum(exp(A*x))": lambda v, xp: xp.sum(xp.exp(v["A"] @ v["x"])),
    "sum(tanh(A*x)) + x.T*x": lambda v, xp: xp.sum(xp.tanh(v["A"] @ v["x"])) + xp.sum(v["x"] ** 2),
    "sin(x).T*x": lambda v, xp: xp.sum(xp.sin(v["x"]) * v["x"]),
    "sum(log(1 + exp(hadamard(y, A*x))))":
        lambda v, xp: xp.sum(xp.log(1 + xp.exp(v["y"] * (v["A"] @ v["x"])))),
    "sum(sqrt(hadamard(A*x, A*x) + 1))":
        lambda v, xp: xp.sum(xp.sqrt((v["A"] @ v["x"]) ** 2 + 1)),
    "sum(sigmoid(A*x)) + sum(cos(x))":
        lambda v, xp: xp.sum(1 / (1 + xp.exp(-(v["A"] @ v["x"])))) + xp.sum(xp.cos(v["x"])),
    "log(sum(exp(A*x))) - y.T*A*x":
        lambda v, xp: xp.log(xp.sum(xp.exp(v["A"] @ v["x"]))) - xp.sum(v["y"] * (v["A"] @ v["x"])),
}


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_closed_forms_match_jax_grad(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(sorted(OBJECTIVES)))
    m, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    seed = data.draw(st.integers(0, 10_000))
    d = matrix(text, shape=[f"A={m}x{n}", f"x={n}", f"y={m}"], wrt=["x", "A"])
    rng = np.random.default_rng(seed)
    values = {"A": rng.normal(size=(m, n)), "x": rng.normal(size=(n, 1)),
              "y": rng.normal(size=(m, 1))}
    f = OBJECTIVES[text]
    try:
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        grads = jax.grad(lambda v: f(v, jnp))({k: jnp.asarray(v) for k, v in values.items()})
        oracle = {k: np.asarray(g) for k, g in grads.items()}
    except pytest.skip.Exception:  # pragma: no cover - JAX is a test extra
        oracle = {k: _central(lambda v: f(v, np), values, k) for k in ("x", "A")}
    for name in ("x", "A"):
        assert d.forms[name].lc is not None
        np.testing.assert_allclose(_closed_value(d, name, values), oracle[name],
                                   rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------------------------
# f′ agrees with the rule table; a wrong f′ is caught


@pytest.mark.parametrize("func", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs"])
def test_slopes_agree_with_the_rule_table(func: str) -> None:
    u = lc_atom(Sym("u", (2, 1)))
    z = sympy.Matrix(sympy.symbols("u_1 u_2", positive=True))
    got = lc_elements(matrix_module.slope(func, u), {"u": z})
    for entry, zi in zip(got, z):
        assert equivalent(entry, RULES[func].sympy_slope(zi))


def test_a_wrong_elementwise_slope_is_refuted(monkeypatch: pytest.MonkeyPatch) -> None:
    real = matrix_adjoint.slope

    def broken(func: str, arg: LC) -> LC:
        return real("cos" if func == "exp" else func, arg)

    monkeypatch.setattr(matrix_adjoint, "slope", broken)
    d = matrix("sum(exp(A*x))", shape=["A=2x2", "x=2"], wrt=["x"])
    assert not d.checks[0].holds


def test_a_number_plus_a_matrix_is_on_every_entry(cli: Any) -> None:
    result = cli("matrix", "sum(log(1 + exp(X*w)))", "--shape", "X=2x2", "--shape", "w=2",
                 "--wrt", "w", "--at", "X=[[1,2],[0,1]]", "--at", "w=[0,0]", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["gradients"]["w"]["expression"] == "X.T*sigmoid(X*w)"
    # σ(0) = 1/2 on both entries: Xᵀ·(1/2, 1/2)
    assert doc["gradients"]["w"]["numeric"] == ["1/2", "3/2"]
    assert all(c["holds"] for c in doc["checks"])


def test_elementwise_forms_emit_runnable_code(cli: Any, tmp_path: Any) -> None:
    import subprocess
    import sys

    result = cli("matrix", LOGISTIC + " + sum(tanh(X*w))", "--shape", "X=3x2", "--shape", "w=2",
                 "--shape", "y=3", "--wrt", "w", "--wrt", "X", "--emit", "numpy")
    assert result.code == 0, result.err
    path = tmp_path / "m.py"
    path.write_text(result.out)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_fraction_values_stay_exact() -> None:
    d = matrix("sum(exp(A*x))", shape=["A=1x1", "x=1"], wrt=["x"], at=["A=[[2]]", "x=[0]"])
    assert d.numeric is not None
    assert d.numeric.gradient_values["x"].tolist() == [2]
    assert Fraction(2) == d.numeric.gradient_values["x"][0]


# --------------------------------------------------------------------------------------------
# Large determinants and inverses: checked exactly at random rational points, nothing expanded


def _spd_like(n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    m = rng.integers(-3, 4, size=(n, n)) + 12 * np.eye(n, dtype=int)
    return [[int(v) for v in row] for row in m]


@pytest.mark.parametrize(("text", "cookbook"), [
    ("log(det(X))", lambda X: np.linalg.inv(X).T),
    ("det(X)", lambda X: np.linalg.det(X) * np.linalg.inv(X).T),
    ("trace(inv(X))", lambda X: -np.linalg.matrix_power(np.linalg.inv(X), 2).T),
])
def test_8x8_closed_forms_are_checked_at_random_exact_points(text: str, cookbook: Any) -> None:
    X = _spd_like(8, 3)
    d = matrix(text, shape=["X=8x8"], wrt=["X"], at=[f"X={X}"])
    assert d.points == 3
    assert all(c.holds for c in d.checks)
    assert "3 random exact rational points" in d.checks[0].statement
    assert d.numeric is not None
    got = np.array(d.numeric.gradient_values["X"].tolist(), dtype=float)
    np.testing.assert_allclose(got, cookbook(np.array(X, dtype=float)), rtol=1e-9)


def test_the_point_check_refutes_a_wrong_closed_form(monkeypatch: pytest.MonkeyPatch) -> None:
    from gradsym.layers import matrix_points

    real = matrix_points.closed_value

    def off_by_one(lc: LC, env: Any, size: int) -> list[Any]:
        values = real(lc, env, size)
        return [values[0] + 1, *values[1:]]

    monkeypatch.setattr(matrix_points, "closed_value", off_by_one)
    d = matrix("det(X)", shape=["X=5x5"], wrt=["X"])
    assert d.points == 3 and not d.checks[0].holds


def test_8x8_log_det_cli_json_and_round_trip(cli: Any) -> None:
    import gradsym

    X = _spd_like(8, 5)
    result = cli("matrix", "log(det(X))", "--shape", "X=8x8", "--wrt", "X", "--at", f"X={X}",
                 "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    entry = doc["gradients"]["X"]
    assert entry["expression"] == "X.T**(-1)"
    assert entry["check"] == "exact at 3 random rational points"
    assert doc["forward"] == "log(Determinant(X))"
    assert gradsym.from_dict(doc).to_dict() == doc
    text = cli("matrix", "log(det(X))", "--shape", "X=6x6", "--wrt", "X", "--format", "text").out
    assert "Checked exactly at 3 random rational points" in text


def test_small_determinants_stay_symbolic() -> None:
    d = matrix("log(det(X))", shape=["X=3x3"], wrt=["X"])
    assert d.points == 0
    assert "expanded into element symbols" in d.checks[0].statement
