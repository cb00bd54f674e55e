"""Softmax, log-softmax and cross-entropy against PyTorch; the proofs; the CLI; bad input.

gradsym's values are exact (exp of rationals stays symbolic); PyTorch computes in float64.
The numbers must agree to float64 accuracy, and every check must hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers.softmax import closed_forms, derive_softmax, shift_invariance, softmax_config
from tests.conftest import load_module, require

CASES = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-4, 4),
    st.fractions(min_value=-3, max_value=3, max_denominator=4),
    st.sampled_from(["0.5", "-1.25", "2.75", "0.1"]),
)
temperatures = st.sampled_from([None, "1", "2", "1/2", "0.7"])


def text_of(values) -> str:
    return ",".join(str(v) for v in values)


def floats(values) -> np.ndarray:
    return np.array([float(Fraction(str(v))) for v in values], dtype=np.float64)


def as_float(arr) -> np.ndarray:
    return np.array([float(sympy.N(sympy.sympify(v), 30)) for v in np.asarray(arr, dtype=object).reshape(-1)],
                    dtype=np.float64)


def check_names(d) -> list[str]:
    return [c.name for c in d.all_checks()]


def assert_all_hold(d) -> None:
    assert all(c.holds for c in d.all_checks()), [(c.name, c.mismatch) for c in d.all_checks() if not c.holds]


@CASES
@given(st.integers(2, 4), st.integers(1, 3), temperatures, st.booleans(), st.data())
def test_matches_torch_softmax_and_log_softmax(classes, batch, temperature, log, data) -> None:
    torch = require("torch")
    size = batch * classes
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    g = data.draw(st.lists(numbers, min_size=size, max_size=size))
    d = gradsym.softmax(classes, batch, temperature=temperature, log=log, x=text_of(x), g=text_of(g))
    assert_all_hold(d)
    first = "jacobian_equals_identity_minus_one_st" if log else "jacobian_equals_diag_s_minus_s_st"
    assert check_names(d) == [first, "grad_input_equals_vjp_closed_form", "softmax_shift_invariant",
                              "jacobian_matches_autodiff_numeric"]
    t = float(Fraction(temperature or "1"))
    xt = torch.tensor(floats(x).reshape(batch, classes), requires_grad=True)
    fn = torch.log_softmax if log else torch.softmax
    y = fn(xt / t, dim=-1)
    y.backward(torch.tensor(floats(g).reshape(batch, classes)))
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), y.detach().numpy().reshape(-1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), xt.grad.numpy().reshape(-1),
                               rtol=1e-9, atol=1e-12)
    # The symbolic gradient, evaluated independently by SymPy at the same point, agrees too.
    point = {sympy.Symbol(n): sympy.Rational(str(v)) for n, v in
             zip(np.array(d.symbols["input"].names()).reshape(-1), x)}
    point.update({sympy.Symbol(n): sympy.Rational(str(v)) for n, v in
                  zip(np.array(d.symbols["upstream"].names()).reshape(-1), g)})
    first_grad = sympy.N(d.grad["input"][0, 0].xreplace(point), 30)
    assert abs(float(first_grad) - xt.grad.numpy()[0, 0]) <= 1e-9 * max(1.0, abs(float(first_grad)))


@CASES
@given(st.integers(2, 4), st.integers(1, 3), temperatures,
       st.sampled_from([None, "0", "0.1", "1/3", "0.9"]), st.data())
def test_matches_torch_cross_entropy_with_label_smoothing(classes, batch, temperature, smoothing, data) -> None:
    torch = require("torch")
    size = batch * classes
    x = data.draw(st.lists(numbers, min_size=size, max_size=size))
    target = data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    d = gradsym.softmax(classes, batch, loss="ce", target=text_of(target), smoothing=smoothing,
                        temperature=temperature, x=text_of(x))
    assert_all_hold(d)
    assert check_names(d) == ["grad_input_equals_softmax_minus_target", "softmax_shift_invariant",
                              "jacobian_matches_autodiff_numeric"]
    t = float(Fraction(temperature or "1"))
    eps = float(Fraction(smoothing or "0"))
    xt = torch.tensor(floats(x).reshape(batch, classes), requires_grad=True)
    loss = torch.nn.functional.cross_entropy(xt / t, torch.tensor(target), label_smoothing=eps,
                                             reduction="mean")
    loss.backward()
    ev = d.numeric
    assert ev.forward_values.shape == ()
    np.testing.assert_allclose(as_float(ev.forward_values), [loss.item()], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(as_float(ev.grad_values["input"]), xt.grad.numpy().reshape(-1),
                               rtol=1e-9, atol=1e-12)
    doc = d.to_dict()
    assert abs(float(sympy.N(sympy.sympify(str(doc["numeric"]["loss"])), 30)) - loss.item()) <= 1e-12
    # The Jacobian of the scalar loss is its gradient.
    assert doc["jacobian"]["input"]["shape"] == [batch, classes]


def test_jacobian_matches_torch_autograd() -> None:
    torch = require("torch")
    d = gradsym.softmax(3, 2, temperature="3/2", x=[[1, 2, "1/2"], [0, -1, 4]])
    xt = torch.tensor([[1, 2, 0.5], [0, -1, 4]], dtype=torch.float64)
    dense = torch.autograd.functional.jacobian(lambda v: torch.softmax(v / 1.5, dim=-1), xt).numpy().reshape(6, 6)
    got = np.zeros((6, 6))
    for (o, w), v in d.numeric.jacobian_values["input"].items():
        got[o, w] = float(sympy.N(sympy.sympify(v), 30))
    np.testing.assert_allclose(got, dense, rtol=1e-12, atol=1e-15)
    # Rows never interact: exactly the same-row entries are stored.
    assert set(d.jacobians["input"].entries) == {(o, w) for o in range(6) for w in range(6) if o // 3 == w // 3}


def test_exact_values_of_small_cases() -> None:
    # Equal logits: s = 1/K exactly; with g = ones the softmax gradient is exactly 0.
    d = gradsym.softmax(2, x="3,3")
    assert d.numeric.forward_values.reshape(-1).tolist() == [Fraction(1, 2), Fraction(1, 2)]
    assert d.numeric.grad_values["input"].reshape(-1).tolist() == [0, 0]
    assert d.numeric.jacobian_values["input"] == {(0, 0): Fraction(1, 4), (0, 1): Fraction(-1, 4),
                                                  (1, 0): Fraction(-1, 4), (1, 1): Fraction(1, 4)}
    # Cross-entropy at x = 0: s = 1/2, L = log 2, dL/dx = s − onehot(1) = (1/2, −1/2).
    d = gradsym.softmax(2, loss="ce", target="1", x="0,0")
    assert sympy.simplify(d.numeric.forward_values[()] - sympy.log(2)) == 0
    assert d.numeric.grad_values["input"].reshape(-1).tolist() == [Fraction(1, 2), Fraction(-1, 2)]
    # exp of a rational stays exact: s_1 = e/(e + e²) = 1/(1 + e).
    d = gradsym.softmax(2, x="1,2")
    assert sympy.simplify(d.numeric.forward_values[0, 0] - 1 / (1 + sympy.E)) == 0
    assert not d.numeric.forward_values[0, 0].is_Float


def test_symbolic_forms_and_names() -> None:
    d = gradsym.softmax(2, temperature=2)
    x1, x2 = sympy.symbols("x_1_1 x_1_2")
    s1 = sympy.exp(x1 / 2) / (sympy.exp(x1 / 2) + sympy.exp(x2 / 2))
    assert sympy.simplify(d.forward[0, 0] - s1) == 0
    assert sympy.simplify(d.jacobian["input"][0, 0, 0, 1] - sympy.diff(s1, x2)) == 0
    assert d.symbols["input"].names() == [["x_1_1", "x_1_2"]]
    assert d.symbols["upstream"].names() == [["g_1_1", "g_1_2"]]
    assert d.symbols["probabilities"].names() == [["s_1_1", "s_1_2"]]  # names only, shown in the closed forms
    assert not any(e.has(sympy.Symbol("s_1_1")) for e in d.jacobians["input"].entries.values())
    d = gradsym.softmax(3, 2, loss="ce", target="0,2")
    assert set(d.symbols) == {"input", "probabilities"} and d.forward_elems.shape == ()
    assert sympy.simplify(sympy.diff(d.forward, sympy.Symbol("x_2_3")) - d.grad["input"][1, 2]) == 0


def _corrupt(part: str):
    def forms(es, gs, q, inv_t, log):
        out = closed_forms(es, gs, q, inv_t, log)
        if part == "jac":
            out["jac"][0][1] = out["jac"][0][1] + sympy.Rational(1, 1000)
        elif part == "grad":
            out["grad"][-1] = out["grad"][-1] * 2
        else:
            out["ce"][0] = out["ce"][0] + es[0] / sympy.Add(*es) ** 2
        return out

    return forms


@pytest.mark.parametrize(("part", "options", "name"), [
    ("jac", {}, "jacobian_equals_diag_s_minus_s_st"),
    ("jac", {"log": True}, "jacobian_equals_identity_minus_one_st"),
    ("grad", {}, "grad_input_equals_vjp_closed_form"),
    ("grad", {"log": True, "temperature": "1/2"}, "grad_input_equals_vjp_closed_form"),
    ("ce", {"loss": "ce", "target": "1,0", "smoothing": "0.1"}, "grad_input_equals_softmax_minus_target"),
])
def test_a_corrupted_right_hand_side_fails_the_proof(part, options, name) -> None:
    cfg = softmax_config(3, 2, **options)
    good = {c.name: c.holds for c in derive_softmax(cfg).checks}
    assert good[name]
    bad = {c.name: c for c in derive_softmax(cfg, forms=_corrupt(part)).checks}
    assert not bad[name].holds and bad[name].mismatch


def test_shift_invariance_is_proved() -> None:
    assert shift_invariance(2) is None and shift_invariance(4) is None


def test_corrupted_numeric_value_fails_the_autodiff_check(monkeypatch) -> None:
    d = gradsym.softmax(2, x="1,2")
    entries = dict(d.numeric.jacobian_values["input"])
    entries[(0, 1)] = entries[(0, 1)] * (1 + sympy.Rational(1, 10**9))
    check = d._dual_check(d.numeric.values, entries)
    assert not check.holds and "∂output/∂input entry (0, 1)" in check.mismatch


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"classes": None}, "--classes is required"),
    ({"classes": 1}, "--classes must be a whole number ≥ 2"),
    ({"classes": 3, "batch": 0}, "--batch must be a whole number ≥ 1"),
    ({"classes": 3, "temperature": "0"}, "--temperature must be > 0"),
    ({"classes": 3, "temperature": "-1/2"}, "--temperature must be > 0"),
    ({"classes": 3, "loss": "mse"}, "--loss must be ce"),
    ({"classes": 3, "loss": "ce"}, "--loss ce needs --target"),
    ({"classes": 3, "target": "1"}, "--target needs --loss ce"),
    ({"classes": 3, "smoothing": "0.1"}, "--smoothing needs --loss ce"),
    ({"classes": 3, "loss": "ce", "target": "3"}, "--target 3 is out of range"),
    ({"classes": 3, "loss": "ce", "target": "-1"}, "--target -1 is out of range"),
    ({"classes": 3, "loss": "ce", "target": "a"}, "--target must be whole class indices"),
    ({"classes": 3, "loss": "ce", "target": "1.5"}, "--target must be whole class indices"),
    ({"classes": 3, "batch": 2, "loss": "ce", "target": "1"}, "--target has 1 class indices"),
    ({"classes": 3, "loss": "ce", "target": "1", "smoothing": "1"}, "--smoothing must be in [0, 1)"),
    ({"classes": 3, "loss": "ce", "target": "1", "smoothing": "-0.1"}, "--smoothing must be in [0, 1)"),
    ({"classes": 3, "loss": "ce", "target": "1", "log": True}, "--log does not go with --loss ce"),
    ({"classes": 3, "loss": "ce", "target": "1", "g": "1,2,3"}, "--g does not apply with --loss ce"),
    ({"classes": 3, "x": "1,2"}, "--x"),
])
def test_bad_options_are_spec_errors(kwargs, message) -> None:
    classes = kwargs.pop("classes")
    import inspect

    from gradsym.errors import api_message
    from gradsym.layers.softmax import softmax

    with pytest.raises(SpecError, match=None) as info:
        gradsym.softmax(classes, **kwargs)
    # The Python API names parameters where the CLI names options: a keyed error is worded
    # for each caller, a finished sentence is renamed.
    if info.value.key is not None:
        assert message in info.value.render(caller="cli") and "--" not in str(info.value)
    else:
        assert api_message(message, set(inspect.signature(softmax).parameters)) in str(info.value)


def test_large_work_is_refused_at_once_with_an_estimate() -> None:
    start = time.perf_counter()
    with pytest.raises(SizeError, match=r"about .* raise it with max_terms=\d+"):
        gradsym.softmax(200, 50)
    assert time.perf_counter() - start < 1.0
    with pytest.raises(SizeError):
        gradsym.softmax(3, max_terms=10)


def test_from_dict_round_trip() -> None:
    for d in (gradsym.softmax(3, 2, x="arange"), gradsym.softmax(2, loss="ce", target="1", x="1,2"),
              gradsym.softmax(2, log=True, temperature="0.5")):
        doc = json.loads(d.to_json())
        loaded = gradsym.from_dict(doc)
        assert loaded.to_dict() == doc
        first = d.forward if d.forward_elems.shape == () else d.forward[0, 0]
        back = loaded.forward if d.forward_elems.shape == () else loaded.forward[0, 0]
        assert sympy.simplify(back - first) == 0


# -- the command line --------------------------------------------------------------------------
ARGS = ["softmax", "--classes", "3", "--batch", "2", "--loss", "ce", "--target", "2,0",
        "--smoothing", "0.1", "--x", "1,2,3,0,0,1/2"]


@pytest.mark.parametrize("fmt", ["text", "rich", "latex", "markdown", "json", "html"])
@pytest.mark.parametrize("args", [ARGS, ["softmax", "--classes", "3", "--log", "--x", "1,2,3"],
                                  ["softmax", "--classes", "2", "--temperature", "2"]])
def test_every_format(cli, fmt, args) -> None:
    result = cli(*args, "--format", fmt)
    assert result.code == 0, result.err
    assert result.out.strip()
    if fmt == "json":
        doc = json.loads(result.out)
        assert doc["command"] == "softmax" and set(doc["grad"]) == {"input"}
        assert [c["holds"] for c in doc["checks"]] == [True] * len(doc["checks"])
        if "--loss" in args:
            assert set(doc["numeric"]) >= {"values", "forward", "jacobian", "grad", "loss"}
            assert doc["config"]["target"] == [2, 0] and doc["config"]["layout"] == [2, 3]
            assert "upstream" not in doc["symbols"]
    if fmt in ("text", "markdown"):
        assert "softmax_shift_invariant" in result.out


def test_show_full_and_plot(cli, tmp_path) -> None:
    plot = tmp_path / "s.png"
    result = cli("softmax", "--classes", "2", "--x", "1,2", "--show", "proof", "--full", "--plot", str(plot),
                 "--format", "text")
    assert result.code == 0, result.err
    assert "Forward pass" not in result.out and "jacobian_equals_diag_s_minus_s_st" in result.out
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_chinese(cli) -> None:
    from tests.test_zh import english_runs

    for args in (ARGS, ["softmax", "--classes", "3", "--log", "--x", "1,2,3"]):
        result = cli(*args, "--format", "text", "--lang", "zh")
        assert result.code == 0, result.err
        assert "交叉熵" in result.out or "log-softmax" in result.out
        assert english_runs(result.out) == []
    result = cli("softmax", "--classes", "3", "--loss", "ce", "--target", "5", "--lang", "zh")
    assert result.code == 2 and "超出范围" in result.err


@pytest.mark.parametrize(("args", "message"), [
    (["--loss", "ce", "--target", "7"], "error: --target 7 is out of range"),
    (["--loss", "ce", "--target", "x"], "error: --target must be whole class indices"),
    (["--loss", "ce", "--target", "1", "--smoothing", "1.5"], "error: --smoothing must be in [0, 1)"),
    (["--temperature", "0"], "error: --temperature must be > 0"),
    (["--temperature", "-2"], "error: --temperature must be > 0"),
    (["--x", "1,2"], "error: --x"),
])
def test_cli_errors_are_one_line_and_exit_2(cli, args, message) -> None:
    result = cli("softmax", "--classes", "3", *args)
    assert result.code == 2
    assert result.err.startswith(message), result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_animate_is_refused_cleanly(cli) -> None:
    result = cli("softmax", "--classes", "3", "--animate", "a.gif")
    assert result.code == 2 and result.err.startswith("error: --animate") and result.err.count("\n") == 1


def _run_module(code: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "emitted.py"
    path.write_text(code, encoding="utf-8")
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)


def _load(code: str, tmp_path):
    return load_module(code, tmp_path)


# One subprocess run (the module alone, as a user runs it); the rest in-process.
def test_emitted_module_runs_alone(tmp_path) -> None:
    code = gradsym.softmax(3, 2, loss="ce", target="2,0", smoothing="0.1", temperature=2).to_code("numpy")
    assert "gradsym" not in code.split('"""', 2)[2]  # imports only the framework
    result = _run_module(code, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


@pytest.mark.parametrize(("framework", "options"), [
    ("numpy", {"log": True, "temperature": "1/2"}),
    ("torch", {"batch": 2}),
    ("torch", {"batch": 2, "loss": "ce", "target": "1,0", "smoothing": "0.2"}),
    ("jax", {"loss": "ce", "target": "2", "temperature": "0.5"}),
])
def test_emitted_module_passes_its_self_test(framework, options, tmp_path, capsys) -> None:
    require(framework)
    module = _load(gradsym.softmax(3, **options).to_code(framework), tmp_path)
    assert module._self_test() == 0, capsys.readouterr().out


def test_broken_emitted_backward_fails_its_self_test(tmp_path) -> None:
    code = gradsym.softmax(3, loss="ce", target="1").to_code("numpy")
    broken = code.replace("/ (BATCH * TEMPERATURE)", "/ (2 * BATCH * TEMPERATURE)")
    assert broken != code
    result = _run_module(broken, tmp_path)
    assert result.returncode == 1 and "FAILED" in result.stdout


def test_emit_matches_the_exact_values(tmp_path) -> None:
    d = gradsym.softmax(3, 2, log=True, temperature="0.5", x="1,2,3,0,-1,1/2", g="1,0,2,1,1,-1")
    module = _load(d.to_code("numpy"), tmp_path)
    x = np.array([[1, 2, 3], [0, -1, 0.5]])
    g = np.array([[1, 0, 2], [1, 1, -1.0]])
    np.testing.assert_allclose(module.forward(x).reshape(-1), as_float(d.numeric.forward_values), rtol=1e-12)
    np.testing.assert_allclose(module.backward(g, x).reshape(-1), as_float(d.numeric.grad_values["input"]),
                               rtol=1e-12, atol=1e-14)


def test_latex_compiles(tmp_path, cli) -> None:
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    pdf = tmp_path / "softmax.pdf"
    result = cli(*ARGS, "--output", str(pdf))
    assert result.code == 0, result.err
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
