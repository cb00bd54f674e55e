"""``gradsym expr --emit``: the derived element gradients as runnable code, checked against
gradsym's own exact evaluation and against each framework's autodiff (the self-test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

import gradsym
from tests.conftest import load_module, unformatted, write_module

CASES = [
    ("sum(exp(a)*b) + max(a) + sum(relu(a)) + sum(abs(b))/2", ["a=3", "b=3"]),
    ("logsumexp(a) + sum(sigmoid(a)*tanh(b)) + sum(sqrt(b*b + 1))", ["a=3", "b=3"]),
    ("mean(softmax(X @ w)) + sum(sin(X)*cos(X))", ["X=2x3", "w=3"]),
    ("min(a) + s*max(a) + norm(a)", ["a=3", "s=scalar"]),
    ("sum(max(X, 0)) + sum(logsumexp(X, 1))", ["X=2x2"]),
    ("mean(abs(X - 1/2)**3) + sum(log(X*X + 1))", ["X=2x2"]),
]


def _load(code: str, folder: Path) -> Any:
    return load_module(code, folder, "emitted_expr")


def _values(shapes: list[str], seed: int) -> tuple[list[str], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    at, arrays = [], {}
    for item in shapes:
        name, text = item.split("=")
        shape = () if text == "scalar" else tuple(int(v) for v in text.split("x"))
        # distinct quarters: no ties at a max, nothing at a kink
        values = (rng.permutation(np.arange(1, 40))[: max(1, int(np.prod(shape)))] / 8 - 2)
        arrays[name] = values.reshape(shape)
        at.append(f"{name}={arrays[name].tolist()}")
    return at, arrays


@pytest.mark.parametrize(("expression", "shapes"), CASES)
def test_numpy_module_equals_the_exact_evaluation(expression: str, shapes: list[str],
                                                  tmp_path: Path) -> None:
    at, arrays = _values(shapes, len(expression))
    d = gradsym.expr(expression, shapes, at=at)
    module = _load(d.to_code("numpy"), tmp_path)
    assert module.EXPRESSION == expression
    assert float(module.value(**arrays)) == pytest.approx(float(d.numeric.forward_values[()]), rel=1e-12)
    grads = module.gradient(**arrays)
    for name, exact in d.to_dict()["gradients"].items():
        # gradsym's exact numbers ("3/4", "exp(1/2)") read back by SymPy: an independent path
        expected = np.vectorize(lambda v: float(sympy.sympify(str(v))), otypes=[float])(
            np.array(exact["numeric"], dtype=object))
        assert grads[name].shape == arrays[name].shape
        np.testing.assert_allclose(grads[name], expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax"])
def test_self_tests_pass_in_every_framework(framework: str, tmp_path: Path) -> None:
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax"}[framework])
    for expression, shapes in CASES[:3] + LONG[:1]:
        code = gradsym.expr(expression, shapes).to_code(framework)
        path = write_module(code, tmp_path, "run")
        run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0 and "OK" in run.stdout, (expression, run.stdout + run.stderr)


def test_a_wrong_gradient_fails_the_self_test(tmp_path: Path) -> None:
    code = gradsym.expr("sum(exp(a)*b)", ["a=2", "b=2"]).to_code("numpy")
    broken = code.replace("grads[\"a\"] = stack([(b_1 * np.exp(a_1))", "grads[\"a\"] = stack([(2 * b_1 * np.exp(a_1))")
    assert broken != code
    path = tmp_path / "broken.py"
    path.write_text(broken, encoding="utf-8")
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "FAILED" in run.stdout


def test_same_command_same_bytes_and_clean_errors(cli: Any) -> None:
    first = cli("expr", "sum(a*b)", "--shape", "a=2", "--shape", "b=2", "--emit", "torch")
    second = cli("expr", "sum(a*b)", "--shape", "a=2", "--shape", "b=2", "--emit", "torch")
    assert first.code == 0 and first.out == second.out and "import gradsym" not in first.out
    refused = cli("expr", "exp(a)", "--shape", "a=2", "--emit", "numpy")
    assert refused.code == 2 and refused.err.startswith("error: ") and refused.err.count("\n") == 1


# Long derived entries: computed in parts (tmp1, …, df_da_1_1) so that every line stays within
# 100 columns and the formatter leaves the module as it is.
LONG = [
    ("sum(relu(a*b) + exp(a)*b/(1+a**2))", ["a=3x3", "b=3x3"]),
    ("sum(softmax(a)*b)", ["a=8", "b=8"]),
    ("sum(a)**2*sum(b) + sum(sin(a)*cos(b)) / (1 + sum(a*a))", ["a=4x3", "b=4x3"]),
    ("logsumexp(a) + sum(maximum(a, b)) + sum(exp(a))**(1/2)", ["a=2x5", "b=2x5"]),
]


@pytest.mark.parametrize(("expression", "shapes"), LONG)
def test_long_entries_are_computed_in_parts_and_formatted(expression: str, shapes: list[str],
                                                         tmp_path: Path) -> None:
    at, arrays = _values(shapes, 3)
    d = gradsym.expr(expression, shapes, at=at)
    code = d.to_code("numpy")
    assert "df_da_1" in code and max(len(line) for line in code.splitlines()[2:]) <= 100
    module = _load(code, tmp_path)
    assert float(module.value(**arrays)) == pytest.approx(float(sympy.sympify(
        str(d.numeric.forward_values[()]))), rel=1e-12)
    grads = module.gradient(**arrays)
    for name, exact in d.to_dict()["gradients"].items():
        expected = np.vectorize(lambda v: float(sympy.sympify(str(v))), otypes=[float])(
            np.array(exact["numeric"], dtype=object))
        np.testing.assert_allclose(grads[name], expected, rtol=1e-10, atol=1e-12)
    for framework in ("numpy", "torch", "jax"):
        assert unformatted(d.to_code(framework)) == ""
