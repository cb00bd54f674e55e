"""``gradsym matrix --hessian``: closed-form Hessians, the element-wise table, the checks."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradsym import GradsymError, from_dict, matrix
from gradsym.layers import matrix_hessian
from gradsym.layers.matrix_hessian import hessian_values

LEAST_SQUARES = "(X*w - y).T*(X*w - y)"
LOGISTIC = "sum(log(1 + exp(X*w))) - y.T*X*w"


def _sigmoid(z: Any, xp: Any) -> Any:
    return 1 / (1 + xp.exp(-z))


# objective text → (shapes given n, m; wrt; J(values, xp) for the oracle)
OBJECTIVES: dict[str, tuple[Any, str, Any]] = {
    "x.T*A*x": (lambda n, m: [f"x={n}", f"A={n}x{n}"], "x",
                lambda v, xp: (v["x"].T @ v["A"] @ v["x"]).sum()),
    LEAST_SQUARES: (lambda n, m: [f"X={m}x{n}", f"w={n}", f"y={m}"], "w",
                    lambda v, xp: ((v["X"] @ v["w"] - v["y"]) ** 2).sum()),
    LOGISTIC: (lambda n, m: [f"X={m}x{n}", f"w={n}", f"y={m}"], "w",
               lambda v, xp: xp.log(1 + xp.exp(v["X"] @ v["w"])).sum()
               - (v["y"] * (v["X"] @ v["w"])).sum()),
    "sum(log(1 + exp(-hadamard(y, X*w))))": (
        lambda n, m: [f"X={m}x{n}", f"w={n}", f"y={m}"], "w",
        lambda v, xp: xp.log(1 + xp.exp(-v["y"] * (v["X"] @ v["w"]))).sum()),
    "(x.T*x)**2 + sum(exp(A*x))": (lambda n, m: [f"x={n}", f"A={m}x{n}"], "x",
                                   lambda v, xp: (v["x"] ** 2).sum() ** 2
                                   + xp.exp(v["A"] @ v["x"]).sum()),
    # A*x has at least 2 entries, so that random values rarely meet the kink at A*x = 0 (the
    # 1x1 case, where norm is |u|, has its own test)
    "norm(A*x)": (lambda n, m: [f"x={n}", f"A={m + 1}x{n}"], "x",
                  lambda v, xp: xp.sqrt(((v["A"] @ v["x"]) ** 2).sum())),
}


def _shape_of(spec: str) -> tuple[int, ...]:
    size = spec.split("=")[1]
    return tuple(int(k) for k in size.split("x"))


def _random_values(shapes: list[str], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Small random rationals (k/4), as exact Fractions."""
    out = {}
    for spec in shapes:
        name = spec.split("=")[0]
        shape = _shape_of(spec)
        out[name] = np.array([Fraction(int(k), 4) for k in rng.integers(-6, 7, size=shape)
                              .reshape(-1)], dtype=object).reshape(shape)
    return out


def _at(values: dict[str, np.ndarray]) -> list[str]:
    return [f"{n}={','.join(str(v) for v in a.reshape(-1))}" for n, a in values.items()]


def _jax_hessian(fn: Any, values: dict[str, np.ndarray], wrt: str) -> np.ndarray:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def column(a: np.ndarray) -> Any:
        arr = jnp.asarray(a.astype(float))
        return arr.reshape(-1, 1) if arr.ndim == 1 else arr

    fixed = {n: column(a) for n, a in values.items()}
    shape = values[wrt].shape

    def objective(x: Any) -> Any:
        return fn({**fixed, wrt: column(x.reshape(shape))}, jnp)

    flat = jnp.asarray(values[wrt].astype(float).reshape(-1))
    return np.asarray(jax.hessian(objective)(flat)).reshape(shape * 2)


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(OBJECTIVES)), n=st.integers(1, 3), m=st.integers(1, 3),
       seed=st.integers(0, 10_000))
def test_hessians_equal_jax_hessian_at_random_rational_points(name: str, n: int, m: int,
                                                              seed: int) -> None:
    shapes_of, wrt, fn = OBJECTIVES[name]
    shapes = shapes_of(n, m)
    values = _random_values(shapes, np.random.default_rng(seed))
    try:
        d = matrix(name, shape=shapes, wrt=[wrt], at=_at(values), hessian=True)
    except GradsymError as exc:
        # a point outside the domain (norm(A*x) where A*x = 0 has no derivative): gradsym
        # refuses it, and there is no Hessian to compare
        assume(exc.key != "expr.at_evaluate")
        raise
    assert all(c.holds for c in d.checks), [c for c in d.checks if not c.holds]
    assert {"hessian_closed_form_matches_elementwise", "hessian_is_symmetric"} <= {
        c.name for c in d.checks}
    exact = hessian_values(d, wrt)
    assert exact is not None and exact.shape == (n, n)
    got = np.array([float(v) for v in exact.reshape(-1)]).reshape(exact.shape)
    np.testing.assert_allclose(got, _jax_hessian(fn, values, wrt), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("text", "shapes", "wrt", "expected", "independent"), [
    ("x.T*A*x", ["x=2", "A=2x2"], "x", "A + A.T", lambda v: v["A"] + v["A"].T),
    (LEAST_SQUARES, ["X=3x2", "w=2", "y=3"], "w", "2*X.T*X", lambda v: 2 * v["X"].T @ v["X"]),
    (LOGISTIC, ["X=3x2", "w=2", "y=3"], "w",
     "X.T*diag(HadamardProduct(sigmoid(X*w), OneMatrix(3, 1) - sigmoid(X*w)))*X",
     lambda v: v["X"].T @ np.diag((_sigmoid(v["X"] @ v["w"], np)
                                   * (1 - _sigmoid(v["X"] @ v["w"], np))).reshape(-1)) @ v["X"]),
])
def test_the_textbook_closed_forms(text: str, shapes: list[str], wrt: str, expected: str,
                                   independent: Any) -> None:
    """x'Ax → A + Aᵀ, ‖Xw − y‖² → 2XᵀX, logistic loss → Xᵀdiag(σ∘(1−σ))X; the closed form's
    values equal the textbook formula computed independently (NumPy)."""
    d = matrix(text, shape=shapes, wrt=[wrt], hessian=True)
    h = d.hessians[wrt]
    assert h.expression == expected
    assert h.mismatch is None and h.asymmetry is None
    values = _random_values(shapes, np.random.default_rng(3))
    exact = hessian_values(matrix(text, shape=shapes, wrt=[wrt], at=_at(values), hessian=True),
                           wrt)
    floats = {k: (a.astype(float).reshape(-1, 1) if a.ndim == 1 else a.astype(float))
              for k, a in values.items()}
    assert exact is not None
    np.testing.assert_allclose(exact.astype(float), independent(floats), rtol=1e-12)


def test_a_corrupted_closed_form_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real = matrix_hessian._slope

    def broken(func: str, arg: Any, slope: Any) -> Any:
        return real("exp" if func == "sigmoid" else func, arg, slope)

    monkeypatch.setattr(matrix_hessian, "_slope", broken)
    d = matrix(LOGISTIC, shape=["X=2x2", "w=2", "y=2"], wrt=["w"], hessian=True)
    check = next(c for c in d.checks if c.name == "hessian_closed_form_matches_elementwise")
    assert not check.holds and check.mismatch and "∂²J/∂w²" in check.mismatch


def test_an_asymmetric_table_is_reported() -> None:
    import sympy

    from gradsym.layers.matrix_equivalence import RationalField

    a, b = sympy.symbols("a b", real=True)
    table = np.array([[a, b], [a, b]], dtype=object)
    message = matrix_hessian._asymmetry(table, np.array([a, b], dtype=object),
                                        RationalField([a, b]))
    assert message is not None and "∂²J/∂a∂b" in message
    assert matrix_hessian._asymmetry(np.array([[a, b], [b, a]], dtype=object),
                                     np.array([a, b], dtype=object), RationalField([a, b])) is None


def test_a_matrix_variable_has_only_the_element_table(cli: Any) -> None:
    d = matrix("trace(X.T*A*X)", shape=["X=2x2", "A=2x2"], wrt=["X"], hessian=True)
    h = d.hessians["X"]
    assert h.lc is None and h.reason[0] == "matrix_hessian.reason_tensor"
    assert h.elements.shape == (2, 2, 2, 2)
    assert [c.name for c in d.checks if c.name.startswith("hessian")] == ["hessian_is_symmetric"]
    result = cli("matrix", "trace(X.T*X)", "--shape", "X=2x2", "--wrt", "X", "--hessian",
                 "--emit", "numpy")
    assert result.code == 2 and result.err.startswith("error: --emit with --hessian")
    assert len(result.err.strip().splitlines()) == 1


def test_scalar_variables_and_unsupported_nodes() -> None:
    d = matrix("s**3 + s*t", shape=["s=scalar", "t=scalar"], wrt=["s", "t"], hessian=True)
    assert d.hessians["s"].expression == "6*s" and d.hessians["t"].expression == "0"
    assert all(c.holds for c in d.checks)
    d = matrix("log(det(A + x*x.T))", shape=["x=2", "A=2x2"], wrt=["x"], hessian=True)
    assert d.hessians["x"].lc is None and d.hessians["x"].reason[0] == "matrix_hessian.reason_node"
    assert all(c.holds for c in d.checks)


def test_json_hessians_and_round_trip(cli: Any) -> None:
    base = ["matrix", "x.T*A*x", "--shape", "x=2", "--shape", "A=2x2", "--wrt", "x", "--hessian",
            "--format", "json"]
    result = cli(*base)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    entry = doc["hessians"]["x"]
    assert entry["expression"] == "A + A.T" and entry["numeric"] is None
    assert entry["shape"] == [2, 2] and entry["symmetric"] and entry["verified"]
    with_values = json.loads(cli(*base, "--at", "x=1,2", "--at", "A=[[1,2],[3,4]]").out)
    assert with_values["hessians"]["x"]["numeric"] == [[2, 5], [5, 8]]  # A + Aᵀ
    loaded = from_dict(with_values)
    assert loaded.to_dict() == with_values
    assert str(loaded.hessians["x"][0, 1]) == "A_1_2 + A_2_1"
    assert "hessians" not in json.loads(cli(*base[:-3], "--format", "json").out)


def test_a_non_scalar_objective_is_refused(cli: Any) -> None:
    args = ["matrix", "X*w", "--shape", "X=2x2", "--shape", "w=2", "--wrt", "w", "--hessian"]
    for lang, word in (("en", "scalar objective"), ("zh", "标量")):
        result = cli(*args, "--lang", lang)
        assert result.code == 2 and result.err.startswith("error: --hessian")
        assert word in result.err and len(result.err.strip().splitlines()) == 1


def test_every_format_and_chinese(cli: Any, tmp_path: Any) -> None:
    from test_zh import english_runs

    args = ["matrix", LOGISTIC, "--shape", "X=3x2", "--shape", "w=2", "--shape", "y=3",
            "--wrt", "w", "--hessian", "--at", "X=arange", "--at", "w=0,0", "--at", "y=1,0,1"]
    text = cli(*args, "--format", "text")
    assert text.code == 0 and "Hessians (second derivatives)" in text.out
    assert "diag(" in text.out and "Symmetric" in text.out
    for fmt in ("markdown", "html", "latex"):
        out = cli(*args, "--format", fmt)
        assert out.code == 0, out.err
    assert r"\operatorname{diag}" in cli(*args, "--format", "latex").out
    zh = cli(*args, "--format", "text", "--lang", "zh")
    assert zh.code == 0 and "Hessian 矩阵（二阶导数）" in zh.out
    assert english_runs(zh.out) == []
    plot = tmp_path / "h.png"
    assert cli(*args, "--plot", str(plot)).code == 0 and plot.exists()


@pytest.mark.skipif(not __import__("shutil").which("pdflatex"), reason="pdflatex is not installed")
def test_latex_compiles() -> None:
    from test_latex import _is_pdf, _latex_of

    from gradsym.render.latex import compile_pdf

    tex = _latex_of(["matrix", LOGISTIC, "--shape", "X=3x2", "--shape", "w=2", "--shape", "y=3",
                     "--wrt", "w", "--hessian", "--at", "X=arange", "--at", "w=0,0",
                     "--at", "y=1,0,1"])
    assert _is_pdf(compile_pdf(tex))


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax"])
def test_emitted_hessian_runs_and_matches(cli: Any, tmp_path: Any, framework: str) -> None:
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax"}[framework])
    result = cli("matrix", LOGISTIC, "--shape", "X=3x2", "--shape", "w=2", "--shape", "y=3",
                 "--wrt", "w", "--wrt", "y", "--hessian", "--emit", framework)
    assert result.code == 0, result.err
    path = tmp_path / f"h_{framework}.py"
    path.write_text(result.out)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "self-test hessian" in run.stdout and "OK" in run.stdout
    if framework != "numpy":
        return
    namespace: dict[str, Any] = {}
    exec(compile(result.out, str(path), "exec"), namespace)  # noqa: S102 - our own module
    values = _random_values(["X=3x2", "w=2", "y=3"], np.random.default_rng(7))
    hess = namespace["hessian"](**{k: a.astype(float) for k, a in values.items()})
    d = matrix(LOGISTIC, shape=["X=3x2", "w=2", "y=3"], wrt=["w", "y"], at=_at(values),
               hessian=True)
    for name in ("w", "y"):
        exact = hessian_values(d, name)
        assert exact is not None and hess[name].shape == exact.shape
        np.testing.assert_allclose(hess[name], exact.astype(float), rtol=1e-12, atol=1e-12)


def test_a_large_hessian_is_refused_at_once_with_an_estimate(cli: Any) -> None:
    args = ["matrix", "sum(exp(A*x))", "--shape", "x=4", "--shape", "A=4x4", "--wrt", "x"]
    assert cli(*args, "--max-terms", "3000").code == 0  # the gradient alone fits
    result = cli(*args, "--hessian", "--max-terms", "3000")
    assert result.code == 2 and result.err.startswith("error: the Hessian is too large")
    assert "--max-terms" in result.err and len(result.err.strip().splitlines()) == 1


def test_norm_of_a_one_by_one_is_an_absolute_value_and_its_hessian_vanishes():
    # |A·x|: the gradient A²x/(|A||x|) = |A|·sign(x) and, away from x = 0, a zero Hessian;
    # the checks must see these equal (t = |z| obeys t² = z²), exactly
    d = matrix("norm(A*x)", shape=["A=1x1", "x=1"], wrt=["x"], hessian=True,
               at=["A=[[-3]]", "x=[2]"])
    assert all(c.holds for c in d.all_checks()), [c.name for c in d.all_checks() if not c.holds]
    doc = d.to_dict()
    assert [[Fraction(str(v)) for v in row] for row in doc["hessians"]["x"]["numeric"]] == [[0]]
    assert [Fraction(str(v)) for v in np.array(doc["gradients"]["x"]["numeric"]).reshape(-1)] == [3]


def test_one_by_one_hessians_read_without_traces_of_their_own_variable():
    # x⁴ for a 1x1 x: d²/dx² = 12x² (at x = 2: 48); Xᵀ = X and tr(X)·I₁ = X are used
    d = matrix("(x.T*x)**2", shape=["x=1"], hessian=True, at=["x=[2]"])
    form = d.to_dict()["hessians"]["x"]["expression"]
    assert "Trace(x)" not in form and "x.T" not in form.replace("Trace(x.T*x)", "")
    assert all(c.holds for c in d.all_checks())
    assert [[Fraction(str(v)) for v in row] for row in d.to_dict()["hessians"]["x"]["numeric"]] == [[48]]
