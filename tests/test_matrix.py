"""Tests of ``gradsym matrix``: closed matrix forms by seed 001's method, each verified
element by element, against hand-written identities and PyTorch autograd."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import parse_expr

import gradsym
from gradsym.errors import ExpressionError, SpecError
from gradsym.layers import matrix as matrix_module
from gradsym.layers import matrix_adjoint
from gradsym.layers.matrix import LC, RationalField, equivalent, matrix
from gradsym.layers.matrix_algebra import lc_scale
from tests.conftest import require

SEED = ["X=3x2", "w=2x1", "y=3x1"]

# --------------------------------------------------------------------------------------------
# Seed 001: J = (Xw − y)ᵀ(Xw − y)
# --------------------------------------------------------------------------------------------


def test_seed_001_closed_forms() -> None:
    d = matrix("(X*w - y).T*(X*w - y)", shape=SEED, wrt=["X", "w", "y"])
    assert d.closed_forms == {"X": "2*(X*w - y)*w.T", "w": "2*X.T*(X*w - y)", "y": "-2*(X*w - y)"}
    assert [(c.name, c.holds) for c in d.checks] == [("closed_form_matches_elementwise", True)]
    # the objective is 1x1: a scalar, and every gradient has the shape of its variable
    assert d.scalar
    assert {n: g.shape for n, g in d.gradients.items()} == {"X": (3, 2), "w": (2, 1), "y": (3, 1)}


def test_seed_001_dimension_consistency_steps(cli: Any) -> None:
    result = cli("matrix", "(X*w - y).T*(X*w - y)", "--shape", "X=3x2", "--shape", "w=2x1",
                 "--shape", "y=3x1", "--wrt", "X", "--wrt", "w", "--wrt", "y", "--format", "text")
    assert result.code == 0, result.err
    out = result.out
    # step 1: the scalar rule, whose factors do not fit for X and w
    assert "∂J/∂X = 2*w*(X*w - y)" in out
    assert "factors: w 2x1, (X*w - y) 3x1 → not conformable" in out
    assert "∂J/∂w = 2*X*(X*w - y)" in out
    # step 2: reordered and transposed
    assert "∂J/∂X = 2*(X*w - y)*w.T" in out
    assert "factors: (X*w - y) 3x1, w.T 1x2 → 3x2, the shape of X: consistent" in out
    assert "∂J/∂w = 2*X.T*(X*w - y)" in out
    # y is consistent from the start
    assert "∂J/∂y = -2*(X*w - y)" in out
    assert "factors: (X*w - y) 3x1 → 3x1, the shape of y: consistent" in out
    assert out.count("the same factors, rearranged") == 3


def test_seed_001_json_and_numbers(cli: Any) -> None:
    torch = require("torch")
    result = cli("matrix", "(X*w - y).T*(X*w - y)", "--shape", "X=3x2", "--shape", "w=2x1",
                 "--shape", "y=3x1", "--at", "X=arange", "--at", "w=1,-2", "--at", "y=1/2,0,3",
                 "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["shapes"] == {"X": [3, 2], "w": [2, 1], "y": [3, 1]}
    grads = doc["gradients"]
    assert grads["X"]["expression"] == "2*(X*w - y)*w.T"
    assert grads["X"]["scalar_rule"] == "2*w*(X*w - y)"
    assert grads["y"]["scalar_rule"] == "-2*(X*w - y)"
    assert all(g["verified"] for g in grads.values())
    X = torch.arange(1.0, 7.0, dtype=torch.float64).reshape(3, 2).requires_grad_(True)
    w = torch.tensor([[1.0], [-2.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.5], [0.0], [3.0]], dtype=torch.float64, requires_grad=True)
    r = X @ w - y
    (r.T @ r).sum().backward()
    for name, tensor in (("X", X), ("w", w), ("y", y)):
        got = np.array(_floats(grads[name]["numeric"]))
        np.testing.assert_allclose(got, tensor.grad.numpy(), rtol=1e-12)
    assert [c["name"] for c in doc["checks"]] == [
        "closed_form_matches_elementwise", "jacobian_matches_autodiff_numeric"]
    # the JSON reads back (safely) with the same closed forms, by equivalence
    loaded = gradsym.from_dict(doc)
    Xs, ws, ys = (sympy.MatrixSymbol(n, *s) for n, s in (("X", (3, 2)), ("w", (2, 1)), ("y", (3, 1))))
    assert (loaded.gradients["y"] - (-2 * (Xs * ws - ys))).as_explicit() == sympy.zeros(3, 1)


def _floats(nested: Any) -> Any:
    if isinstance(nested, list):
        return [_floats(v) for v in nested]
    return float(Fraction(nested)) if isinstance(nested, str) else float(nested)


# --------------------------------------------------------------------------------------------
# Closed forms against identities written out by hand (The Matrix Cookbook)
# --------------------------------------------------------------------------------------------

M = sympy.Matrix
COOKBOOK: list[tuple[str, list[str], str, Callable[[dict[str, Any]], Any]]] = [
    ("trace(A*X*B)", ["A=2x3", "X=3x3", "B=3x2"], "X", lambda v: v["A"].T * v["B"].T),
    ("log(det(X))", ["X=3x3"], "X", lambda v: v["X"].inv().T),
    ("det(X)", ["X=3x3"], "X", lambda v: v["X"].det() * v["X"].inv().T),
    ("trace(inv(X))", ["X=2x2"], "X", lambda v: -(v["X"].inv() ** 2).T),
    ("trace(X**-1 * A)", ["X=2x2", "A=2x2"], "X", lambda v: -(v["X"].inv() * v["A"] * v["X"].inv()).T),
    ("w.T*A*w", ["A=3x3", "w=3x1"], "w", lambda v: (v["A"] + v["A"].T) * v["w"]),
    ("w.T*A*w", ["A=3x3", "w=3x1"], "A", lambda v: v["w"] * v["w"].T),
    ("norm(X)", ["X=2x3"], "X", lambda v: v["X"] / sympy.sqrt(sum(e**2 for e in v["X"]))),
    ("trace(X.T*X)", ["X=2x3"], "X", lambda v: 2 * v["X"]),
    ("trace(X**3)", ["X=2x2"], "X", lambda v: 3 * (v["X"] ** 2).T),
    ("sum(hadamard(X, Y))", ["X=2x3", "Y=2x3"], "X", lambda v: v["Y"]),
    ("trace(X*Y*X.T)", ["X=2x3", "Y=3x3"], "X", lambda v: v["X"] * (v["Y"] + v["Y"].T)),
    ("log(w.T*w)", ["w=3x1"], "w", lambda v: 2 * v["w"] / (v["w"].T * v["w"])[0, 0]),
    ("s*trace(X)", ["s=scalar", "X=2x2"], "s", lambda v: v["X"].trace()),
    ("s*trace(X)", ["s=scalar", "X=2x2"], "X", lambda v: v["s"] * sympy.eye(2)),
    ("trace(inv(X.T*X))", ["X=3x2"], "X", lambda v: -2 * v["X"] * ((v["X"].T * v["X"]).inv()) ** 2),
    ("sum(X)**2", ["X=2x3"], "X", lambda v: 2 * sum(v["X"]) * sympy.ones(2, 3)),
    ("exp(trace(X)) + sqrt(trace(X.T*X))", ["X=2x2"], "X",
     lambda v: sympy.exp(v["X"].trace()) * sympy.eye(2) + v["X"] / sympy.sqrt(sum(e**2 for e in v["X"]))),
    ("(w.T*w)*trace(X)", ["w=2x1", "X=2x2"], "w", lambda v: 2 * v["X"].trace() * v["w"]),
    ("trace(E*X)", ["E=2x2", "X=2x2"], "X", lambda v: v["E"].T),
]


def _explicit(declared: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in declared:
        name, shape = spec.split("=")
        if shape == "scalar":
            out[name] = sympy.Symbol(name, real=True)
            continue
        r, c = map(int, shape.split("x"))
        out[name] = M(r, c, lambda i, j, name=name: sympy.Symbol(f"{name}_{i + 1}_{j + 1}", real=True))
    return out


def _read_closed_form(text: str, declared: list[str], bare: dict[str, str]) -> Any:
    """Our own output, read back with SymPy's parser (a test oracle, never user text)."""
    # adj(M) = det(M)·M⁻¹ where M is invertible (the test points keep square matrices so)
    local: dict[str, Any] = {"adjugate": lambda m: sympy.Determinant(m) * sympy.Inverse(m)}
    for spec in declared:
        name, shape = spec.split("=")
        symbol_name = bare.get(name, name)
        if shape == "scalar":
            local[symbol_name] = sympy.Symbol(symbol_name, real=True)
        else:
            local[symbol_name] = sympy.MatrixSymbol(symbol_name, *map(int, shape.split("x")))
    return parse_expr(text, local_dict=local)


@pytest.mark.parametrize(("text", "shapes", "wrt", "expected"), COOKBOOK,
                         ids=[f"{t} d/d{w}" for t, _s, w, _e in COOKBOOK])
def test_closed_forms_match_hand_written_identities(
    text: str, shapes: list[str], wrt: str, expected: Callable[[dict[str, Any]], Any]
) -> None:
    d = matrix(text, shape=shapes, wrt=[wrt])
    assert d.holds, [c.mismatch for c in d.checks]
    closed = d.closed_forms[wrt]
    assert closed is not None
    bare = {n: (n if x.shape else x.bare) for n, x in d.declared.items()}
    read = _read_closed_form(closed, shapes, bare)
    # both sides at one random exact point (square matrices kept invertible, det > 0)
    rng = random.Random(text + wrt)
    values: dict[str, Any] = {}
    for name, symbolic in _explicit(shapes).items():
        if not isinstance(symbolic, sympy.MatrixBase):
            values[name] = sympy.Rational(rng.randint(-9, 9), rng.randint(1, 5))
            continue
        values[name] = symbolic.applyfunc(lambda _e: sympy.Rational(rng.randint(-9, 9),
                                                                    rng.randint(1, 5)))
        if symbolic.is_square:
            values[name] += 11 * sympy.eye(symbolic.rows)
    substitution: dict[Any, Any] = {}
    for name, value in values.items():
        if isinstance(value, sympy.MatrixBase):
            substitution[sympy.MatrixSymbol(bare[name], *value.shape)] = sympy.ImmutableMatrix(value)
        else:
            substitution[sympy.Symbol(bare[name], real=True)] = value
    for special in read.atoms(sympy.OneMatrix, sympy.Identity):
        substitution[special] = sympy.ImmutableMatrix(special.as_explicit())
    ours = read.xreplace(substitution)
    ours = ours.doit() if hasattr(ours, "doit") else ours
    ours_m = M(ours) if hasattr(ours, "shape") else M([[ours]])
    want = expected(values)
    want_m = want if isinstance(want, sympy.MatrixBase) else M([[want]])
    assert ours_m.shape == want_m.shape
    for a, b in zip(ours_m, want_m):
        assert abs(sympy.N(a - b, 50)) < sympy.Float("1e-40"), (a, b)


@pytest.mark.parametrize(("text", "shapes"), [
    ("trace(X) + sum(X)**2", ["X=2x2"]), ("trace(E*X)", ["E=2x2", "X=2x2"]),
    ("log(det(X)) + trace(inv(X))", ["X=2x2"]), ("trace(X)", ["X=2x2", "Y=2x2"]),
])
def test_json_reads_back_with_gradsym_from_dict(text: str, shapes: list[str]) -> None:
    names = [spec.split("=")[0] for spec in shapes]
    d = matrix(text, shape=shapes, wrt=names)
    loaded = gradsym.from_dict(json.loads(json.dumps(d.to_dict())))
    bare = {n: (n if x.shape else x.bare) for n, x in d.declared.items()}
    for name in names:
        closed = d.closed_forms[name]
        assert closed is not None
        ours = _read_closed_form(closed, shapes, bare)
        got = loaded.gradients[name]
        assert sympy.Matrix(got.as_explicit()) == sympy.Matrix(ours.as_explicit())


def test_sympy_pitfalls_are_avoided() -> None:
    """MatrixSymbol.diff returns 4-D arrays for 1x1 objectives and 0 for log(det(A)); here the
    1x1 objective has a 3x2 gradient and log(det(A)) has A⁻ᵀ, both checked element-wise."""
    d = matrix("log(det(A))", shape=["A=2x2"], at=["A=[[2,1],[1,3]]"])
    assert d.closed_forms == {"A": "A.T**(-1)"}
    assert d.numeric is not None
    assert d.numeric.gradient_values["A"].tolist() == [[Fraction(3, 5), Fraction(-1, 5)],
                                                         [Fraction(-1, 5), Fraction(2, 5)]]
    assert d.holds


# --------------------------------------------------------------------------------------------
# PyTorch as the oracle for random shapes and values
# --------------------------------------------------------------------------------------------

TORCH_TEMPLATES: list[tuple[str, Callable[[int, int], dict[str, tuple[int, int]]], Callable[..., Any]]] = [
    ("(X*w - y).T*(X*w - y)", lambda n, m: {"X": (n, m), "w": (m, 1), "y": (n, 1)},
     lambda t, T: ((t["X"] @ t["w"] - t["y"]).T @ (t["X"] @ t["w"] - t["y"])).sum()),
    ("trace(A@X@B)", lambda n, m: {"A": (m, n), "X": (n, m), "B": (m, m)},
     lambda t, T: T.trace(t["A"] @ t["X"] @ t["B"])),
    ("log(det(S))", lambda n, m: {"S": (n, n)}, lambda t, T: T.logdet(t["S"])),
    ("trace(inv(S)) + det(S)", lambda n, m: {"S": (n, n)},
     lambda t, T: T.trace(T.linalg.inv(t["S"])) + T.det(t["S"])),
    ("norm(X*w - y)**2 + norm(X)", lambda n, m: {"X": (n, m), "w": (m, 1), "y": (n, 1)},
     lambda t, T: T.linalg.norm(t["X"] @ t["w"] - t["y"]) ** 2 + T.linalg.norm(t["X"])),
    ("w.T*S*w + trace(S**2)", lambda n, m: {"S": (n, n), "w": (n, 1)},
     lambda t, T: (t["w"].T @ t["S"] @ t["w"]).sum() + T.trace(t["S"] @ t["S"])),
    ("sum(hadamard(X, Y))**2 + trace(X.T*Y)/2", lambda n, m: {"X": (n, m), "Y": (n, m)},
     lambda t, T: (t["X"] * t["Y"]).sum() ** 2 + T.trace(t["X"].T @ t["Y"]) / 2),
    ("sigmoid(trace(S)/9) + exp(w.T*w/20) + tanh(sum(w))", lambda n, m: {"S": (n, n), "w": (n, 1)},
     lambda t, T: T.sigmoid(T.trace(t["S"]) / 9) + T.exp((t["w"].T @ t["w"]).sum() / 20)
     + T.tanh(t["w"].sum())),
    ("sum(exp(X*w/9))", lambda n, m: {"X": (n, m), "w": (m, 1)},
     lambda t, T: T.exp(t["X"] @ t["w"] / 9).sum()),
]


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_gradients_match_pytorch_autograd(data: st.DataObject) -> None:
    torch = require("torch")
    text, shapes_of, torch_fn = data.draw(st.sampled_from(TORCH_TEMPLATES))
    n, m = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    shapes = shapes_of(n, m)
    values: dict[str, np.ndarray] = {}
    primes = {"X": 101, "w": 107, "y": 103}
    for name, (r, c) in shapes.items():
        raw = data.draw(st.lists(st.integers(-4, 4), min_size=r * c, max_size=r * c))
        # (2v+1)/4 + (i+1)/p: never 0, never tied, and X*w - y never 0 (p differs per name)
        prime = primes.get(name, 109)
        arr = np.array([Fraction(2 * v + 1, 4) + Fraction(i + 1, prime) for i, v in enumerate(raw)],
                       dtype=object).reshape(r, c)
        if name == "S":  # diagonally dominant: invertible, positive determinant
            arr = arr + np.diag([Fraction(10)] * r)
        values[name] = arr
    d = matrix(text, shape=[f"{k}={r}x{c}" for k, (r, c) in shapes.items()],
               at=[f"{k}={','.join(str(v) for v in arr.reshape(-1))}" for k, arr in values.items()])
    assert d.holds, [c.mismatch for c in d.all_checks()]
    tensors = {k: torch.tensor(np.vectorize(float)(arr).astype(float), dtype=torch.float64,
                               requires_grad=True) for k, arr in values.items()}
    torch_fn(tensors, torch).backward()
    assert d.numeric is not None
    for name, tensor in tensors.items():
        got = np.vectorize(lambda v: float(sympy.N(v, 30)))(d.numeric.gradient_values[name])
        np.testing.assert_allclose(got.astype(float), tensor.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{text} / {name}")


# --------------------------------------------------------------------------------------------
# No closed form; not a scalar; the check can fail
# --------------------------------------------------------------------------------------------


def test_symbolic_exponent_has_no_closed_form_but_an_elementwise_result(cli: Any) -> None:
    result = cli("matrix", "trace(X)**trace(X)", "--shape", "X=2x2", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    entry = doc["gradients"]["X"]
    assert entry["expression"] is None
    assert "has a symbolic exponent" in entry["reason"]
    s = sympy.Symbol("X_1_1") + sympy.Symbol("X_2_2")
    got = sympy.sympify(entry["elementwise"][0][0])
    assert sympy.simplify(got - sympy.diff(s**s, sympy.Symbol("X_1_1"))) == 0
    text = cli("matrix", "trace(X)**trace(X)", "--shape", "X=2x2", "--format", "text").out
    assert "No closed matrix form found for ∂J/∂X" in text


def test_non_scalar_objective_gives_the_jacobian(cli: Any) -> None:
    result = cli("matrix", "X*w", "--shape", "X=3x2", "--shape", "w=2x1", "--format", "json")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["gradients"] == {} and "not a scalar" in doc["notes"][0]
    assert doc["jacobian"]["X"]["shape"] == [3, 1, 3, 2]
    text = cli("matrix", "X*w", "--shape", "X=3x2", "--shape", "w=2x1", "--format", "text").out
    assert "J is 3x1, not a scalar" in text


def test_a_wrong_closed_form_is_refuted() -> None:
    d = matrix("(X*w - y).T*(X*w - y)", shape=SEED, wrt=["X"])
    form = d.forms["X"].lc
    assert form is not None
    env = {x.bare: sympy.Matrix(d.arrays[n].tolist()) for n, x in d.declared.items()}
    field = RationalField(d.table.symbols())
    assert matrix_module._verify(form, d.jacobians["X"], d.arrays["X"], env, field) is None
    wrong = lc_scale(form, 2)
    mismatch = matrix_module._verify(wrong, d.jacobians["X"], d.arrays["X"], env, field)
    assert mismatch is not None and "X_1_1" in mismatch


def test_a_broken_rule_fails_the_check_and_exits_1(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    original = matrix_adjoint.lc_transpose

    def forgets_square_transposes(lc: LC) -> LC:
        return lc if len(lc.shape) == 2 and lc.shape[0] == lc.shape[1] else original(lc)

    monkeypatch.setattr(matrix_adjoint, "lc_transpose", forgets_square_transposes)
    result = cli("matrix", "trace(A*X*B)", "--shape", "A=2x2", "--shape", "X=2x2",
                 "--shape", "B=2x2", "--wrt", "X", "--format", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    check = doc["checks"][0]
    assert check["name"] == "closed_form_matches_elementwise" and not check["holds"]
    assert doc["gradients"]["X"]["verified"] is False


def test_rational_field_equality_matches_cancel() -> None:
    x, y, z = sympy.symbols("x y z", real=True)
    field = RationalField([x, y, z])
    rng = random.Random(7)
    atoms = [x, y, z, sympy.Integer(2), sympy.Rational(-1, 3)]
    for _ in range(40):
        def build(depth: int) -> Any:
            if depth == 0:
                return rng.choice(atoms)
            a, b = build(depth - 1), build(depth - 1)
            op = rng.choice("+*/-")
            if op == "/" and b == 0:
                op = "+"
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / (b + 5 if b.is_number else b)}[op]
        a = build(3)
        b = sympy.together(a) if rng.random() < 0.5 else a + build(1)
        if a.has(sympy.zoo, sympy.nan) or b.has(sympy.zoo, sympy.nan):
            continue
        assert equivalent(a, b, field) == (sympy.cancel(a - b) == 0), (a, b)


# --------------------------------------------------------------------------------------------
# Shapes, coercions, names
# --------------------------------------------------------------------------------------------


def test_a_1x1_matrix_used_as_a_number_is_read_as_its_trace() -> None:
    d = matrix("(w.T*w)*X + log(w.T*w)*X", shape=["w=2x1", "X=2x2"], wrt=["w"])
    assert not d.scalar
    d = matrix("trace((w.T*w)*X) + log(w.T*w)", shape=["w=2x1", "X=2x2"], wrt=["w", "X"])
    assert d.closed_forms == {"w": "2*(1/Trace(w.T*w) + Trace(X))*w",
                              "X": "Trace(w.T*w)*Identity(2)"}
    assert d.holds
    setup = d.to_text()
    assert "Read as: J = trace(trace(w.T*w)*X) + log(trace(w.T*w))" in setup


def test_column_vectors_declared_one_dimensional() -> None:
    d = matrix("norm(X*w - y)**2", shape=["X=3x2", "w=2", "y=3"], at=["X=arange", "w=1,1", "y=0,0,0"])
    assert d.closed_forms["w"] == "2*X.T*(X*w - y)"
    assert d.gradients["w"].shape == (2,)
    X, w = np.arange(1, 7).reshape(3, 2), np.array([1, 1])
    assert d.numeric is not None
    assert d.numeric.gradient_values["w"].tolist() == (2 * X.T @ (X @ w)).tolist()
    assert d.to_dict()["shapes"]["w"] == [2, 1]


def test_reserved_matrix_names_are_kept_in_closed_forms() -> None:
    """A matrix named E or N keeps its name (issue 15: a C must not come out as C_); JSON's
    shapes list it, so from_dict reads it back as a matrix, not as Euler's E."""
    d = matrix("trace(E*N)", shape=["E=2x2", "N=2x2"])
    assert d.closed_forms == {"E": "N.T", "N": "E.T"}
    doc = d.to_dict()
    assert "renamed" not in doc
    assert doc["shapes"] == {"E": [2, 2], "N": [2, 2]}
    assert doc["symbols"]["E"][0] == ["E_1_1", "E_1_2"]


def test_matrix_powers_and_inverses_print_compactly() -> None:
    assert matrix("trace(X**3)", shape=["X=2x2"]).closed_forms == {"X": "3*X.T**2"}
    assert matrix("trace(inv(X))", shape=["X=2x2"]).closed_forms == {"X": "-X.T**(-2)"}
    assert matrix("trace(X**-2)", shape=["X=2x2"]).closed_forms == {"X": "-2*X.T**(-3)"}


BAD = [
    (["X*w", "--shape", "X=3x2", "--shape", "w=3x1"], r"cannot multiply 3x2 by 3x1"),
    (["trace(X)", "--shape", "X=3x2"], r"trace needs a square matrix"),
    (["det(X)", "--shape", "X=3x2"], r"det needs a square matrix"),
    (["X + Y", "--shape", "X=3x2", "--shape", "Y=2x3"], r"cannot add 3x2 and 2x3"),
    (["X**0.5", "--shape", "X=2x2"], r"a matrix power needs a whole-number exponent"),
    (["X**2", "--shape", "X=3x2"], r"only a square matrix has powers"),
    (["X**20", "--shape", "X=2x2"], r"matrix powers are limited to ±12"),
    (["trace(X)/X", "--shape", "X=2x2"], r"the divisor must be a number"),
    (["hadamard(X, Y)", "--shape", "X=2x2", "--shape", "Y=2x3"], r"needs equal shapes"),
    (["trace(X)", "--shape", "X=2x2x2"], r"at most 2 are supported"),
    (["trace(X)", "--shape", "X=2x2", "--at", "X=1,2,3"], r"--at X has 3 values"),
    (["trace(X)", "--shape", "X=2x2", "--wrt", "Y"], r"--wrt Y: no such name"),
    (["softmax(X)", "--shape", "X=2x2"], r"function 'softmax' is not allowed"),
    (["log(det(X))", "--shape", "X=2x2", "--at", "X=[[1,2],[2,1]]"], r"log of a number ≤ 0"),
    (["trace(inv(X))", "--shape", "X=2x2", "--at", "X=ones"], r"singular"),
    (["det(X)*X", "--shape", "X=9x9"], r"too large.*--max-terms"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[a[0] for a, _ in BAD])
def test_bad_input_is_one_error_line_and_exit_2(cli: Any, args: list[str], message: str) -> None:
    result = cli("matrix", *args)
    assert result.code == 2, result.out[:300]
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and re.search(message, lines[0]), lines


@pytest.mark.parametrize(("text", "degree"), [
    ("(X*w - y).T*(X*w - y)", 4), ("trace(X**3)", 3), ("det(S)", 2), ("sum(hadamard(X, X))", 2),
    ("log(det(S))", None), ("trace(inv(S))", None), ("norm(X)", None), ("trace(S)/trace(S)", None),
])
def test_objectives_are_checked_by_sparse_dual_numbers(text: str, degree: Any) -> None:
    d = matrix(text, shape=["X=2x2", "w=2x1", "y=2x1", "S=2x2"], at=["X=[[1,2],[3,4]]", "w=1,2",
                                                                    "y=0,1", "S=[[3,1],[1,2]]"])
    assert d.degree == degree and d.holds
    statement = d.all_checks()[-1].statement
    assert "dual numbers with sparse tangents" in statement


def test_errors_are_value_errors() -> None:
    with pytest.raises(ExpressionError, match="cannot multiply"):
        matrix("X*X", shape=["X=3x2"])
    with pytest.raises(SpecError, match="the expression is required"):
        matrix(None, shape=["X=2x2"])


def test_help_and_formats(cli: Any) -> None:
    assert "closed matrix form" in cli("matrix", "--help").out
    args = ["matrix", "log(det(X)) + trace(X.T*X)", "--shape", "X=2x2", "--at", "X=[[2,1],[1,2]]"]
    for fmt in ("text", "markdown", "json"):
        assert cli(*args, "--format", fmt).code == 0, fmt
    assert cli(*args, "--format", "text", "--lang", "zh").code == 0


# --------------------------------------------------------------------------------------------
# The numeric check fails on a corrupted Jacobian entry
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["(X*w - y).T*(X*w - y)", "exp(w.T*w)"])
def test_numeric_check_catches_a_corrupted_jacobian_entry(text: str) -> None:
    d = matrix(text, shape=SEED, wrt=["w"])
    at = {"X": "arange", "w": "1,-2", "y": "1/2,0,3"}
    def numeric(ev: Any) -> Any:
        return next(c for c in ev.checks if c.name == "jacobian_matches_autodiff_numeric")
    assert numeric(d.evaluate_at(at)).holds
    entries = d.jacobians["w"].entries
    key = next(iter(entries))
    entries[key] = entries[key] + sympy.Rational(1, 10**6)
    check = numeric(d.evaluate_at(at))
    assert not check.holds and f"∂output/∂w entry {key} is" in (check.mismatch or "")
