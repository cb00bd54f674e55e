"""Elman RNN (tanh) against torch.nn.RNN, the BPTT proof, exact values, CLI, bad input.

gradsym's values are exact (tanh of rationals stays symbolic); PyTorch computes in float64
with b_ih = b and b_hh = 0 (gradsym's one bias is their sum). The numbers must agree to
float64 accuracy and every check must hold.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers.rnn import PARAMETERS, bptt, derive_rnn, mp_value, prove_bptt, rnn_config
from tests.conftest import load_module, require
from tests.test_latex import compile_pdf, needs_pdflatex
from tests.test_zh import english_runs

CASES = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
numbers = st.one_of(st.integers(-2, 2), st.fractions(min_value=-2, max_value=2, max_denominator=4))
SMALL = ["--steps", "2", "--input-size", "1", "--hidden", "2"]
VALUES = ["--x", "1,2", "--w-ih", "1,-1", "--w-hh", "[[1,2],[0,1]]", "--b", "0,1"]


def as_float(value) -> float:
    """An exact value as a float (mpmath on the expression tree: SymPy's N is slow on nested tanh)."""
    if isinstance(value, (int, Fraction)):
        return float(value)
    return float(mp_value(value))


def floats(arr) -> np.ndarray:
    return np.array([as_float(v) for v in np.asarray(arr, dtype=object).reshape(-1)])


def torch_rnn(values: dict[str, list], steps: int, n_in: int, n_hidden: int) -> dict[str, np.ndarray]:
    """torch.nn.RNN (tanh, one layer, batch 1, float64): the states and every gradient of
    Σ_t g_t·h_t by autograd."""
    torch = require("torch")
    rnn = torch.nn.RNN(n_in, n_hidden, nonlinearity="tanh", dtype=torch.float64)

    def tensor(name, shape):
        return torch.tensor([float(v) for v in values[name]], dtype=torch.float64).reshape(shape)

    with torch.no_grad():
        rnn.weight_ih_l0.copy_(tensor("w_ih", (n_hidden, n_in)))
        rnn.weight_hh_l0.copy_(tensor("w_hh", (n_hidden, n_hidden)))
        rnn.bias_ih_l0.copy_(tensor("b", (n_hidden,)))
        rnn.bias_hh_l0.zero_()
    x = tensor("x", (steps, 1, n_in)).requires_grad_()
    h0 = tensor("h0", (1, 1, n_hidden)).requires_grad_()
    out, _ = rnn(x, h0)
    (out * tensor("g", (steps, 1, n_hidden))).sum().backward()
    assert torch.allclose(rnn.bias_hh_l0.grad, rnn.bias_ih_l0.grad)  # b = b_ih + b_hh
    return {
        "forward": out.detach().numpy().reshape(-1),
        "input": x.grad.numpy().reshape(-1),
        "w_ih": rnn.weight_ih_l0.grad.numpy().reshape(-1),
        "w_hh": rnn.weight_hh_l0.grad.numpy().reshape(-1),
        "b": rnn.bias_ih_l0.grad.numpy().reshape(-1),
        "h0": h0.grad.numpy().reshape(-1),
    }


@st.composite
def configurations(draw):
    steps, n_in, n_hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sizes = {"x": steps * n_in, "w_ih": n_hidden * n_in, "w_hh": n_hidden * n_hidden, "b": n_hidden,
             "h0": n_hidden, "g": steps * n_hidden}
    values = {name: draw(st.lists(numbers, min_size=n, max_size=n)) for name, n in sizes.items()}
    return steps, n_in, n_hidden, values


@CASES
@given(configurations())
def test_forward_and_every_gradient_match_torch(case):
    steps, n_in, n_hidden, values = case
    text = {name: ",".join(str(v) for v in vals) for name, vals in values.items()}
    d = gradsym.rnn(steps=steps, input_size=n_in, hidden=n_hidden, **text)
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    expected = torch_rnn(values, steps, n_in, n_hidden)
    ev = d.numeric
    np.testing.assert_allclose(floats(ev.forward_values), expected["forward"], rtol=1e-9, atol=1e-12)
    for key in PARAMETERS:
        np.testing.assert_allclose(floats(ev.grad_values[key]), expected[key], rtol=1e-9, atol=1e-12,
                                   err_msg=key)


def test_symbolic_gradients_are_the_vjp_of_the_unrolled_forward():
    """An independent route: SymPy differentiates the fully unrolled forward (h_t in x, W, b,
    h0 only) and contracts with g; equal to the BPTT gradients with the states put in."""
    from gradsym.layers.rnn import unrolled

    d = gradsym.rnn(steps=2, input_size=1, hidden=2)
    whole = unrolled(d).reshape(-1)
    sym = d.table.symbols()
    g = [sym[d.symbols["upstream"].first + k] for k in range(whole.size)]
    loss = sum(gi * h for gi, h in zip(g, whole))
    states = {sym[d.symbols["hidden"].first + k]: whole[k] for k in range(whole.size)}
    point = {s: sympy.Rational(k % 5 - 2, 3) for k, s in enumerate(sym)}
    for key in PARAMETERS:
        tensor = d.symbols[key]
        for k, elem in enumerate(d.grad_elems[key].reshape(-1)):
            direct = sympy.diff(loss, sym[tensor.first + k])
            ours = elem.xreplace(states)
            assert abs(sympy.N((direct - ours).xreplace(point), 30)) < 1e-25, (key, k)


def test_proofs_hold_and_a_transposed_recurrent_weight_is_caught():
    cfg = rnn_config(3, 2, 2)
    check, _ = prove_bptt(cfg)
    assert check.holds

    def transposed(cfg, t, ops):
        """The classic bug: δ_t = g_t + W_hh·δ̃_(t+1) instead of W_hhᵀ."""
        n = cfg.hidden
        first = t.w_hh.first

        class Swapped:
            def var(self, v):
                if first <= v < first + n * n:
                    i, j = divmod(v - first, n)
                    v = first + j * n + i
                return ops.var(v)

            add, mul, slope = ops.add, ops.mul, ops.slope

        result = bptt(cfg, t, ops)
        result.grads["h0"] = bptt(cfg, t, Swapped()).grads["h0"]
        return result

    bad, _ = prove_bptt(cfg, transposed)
    assert not bad.holds and "h0_" in bad.mismatch

    def missing_slope(cfg, t, ops):
        class NoSlope:
            var, add, mul = ops.var, ops.add, ops.mul

            def slope(self, s, i):
                return ops.var(t.h.first) if s == 0 and i == 0 else ops.slope(s, i)

        return bptt(cfg, t, NoSlope())

    assert not prove_bptt(cfg, missing_slope)[0].holds
    d = derive_rnn(cfg, transposed)
    assert [c.name for c in d.checks if not c.holds] == ["bptt_equals_unrolled_vjp"]


def test_the_numeric_check_catches_a_wrong_stored_gradient():
    d = gradsym.rnn(steps=2, input_size=1, hidden=2)
    d.grad_elems["w_hh"][0, 0] = d.grad_elems["w_hh"][0, 0] * 2
    ev = d.evaluate(x="1,2", w_ih="1,-1", w_hh="[[1,2],[0,1]]", b="0,1")
    check = next(c for c in ev.checks if c.name == "jacobian_matches_autodiff_numeric")
    assert not check.holds and "dL/dw_hh_1_1 is " in check.mismatch


def test_the_numeric_check_catches_a_wrong_jacobian_entry():
    d = gradsym.rnn(steps=2, input_size=1, hidden=2)
    key = next(k for k, e in d.jacobians["input"].entries.items() if e != 0)
    d.jacobians["input"].entries[key] = d.jacobians["input"].entries[key] * 2
    ev = d.evaluate(x="1,2", w_ih="1,-1", w_hh="[[1,2],[0,1]]", b="0,1")
    check = next(c for c in ev.checks if c.name == "jacobian_matches_autodiff_numeric")
    assert not check.holds and f"∂output/∂input entry {key}" in check.mismatch


def test_values_stay_exact():
    d = gradsym.rnn(steps=2, input_size=1, hidden=1, x="1,0", w_ih="1", w_hh="0", b="0", g="1,1")
    t = sympy.tanh(1)
    assert d.numeric.forward.tolist() == [[t], [0]]
    # d_2 = g_2·(1 − 0²) = 1, d_1 = (g_1 + w_hh·d_2)·(1 − tanh(1)²): db = d_1 + d_2
    assert sympy.simplify(d.numeric.grad["b"][0] - (2 - t**2)) == 0
    assert d.numeric.grad["h0"].tolist() == [0]
    zero = gradsym.rnn(steps=1, input_size=1, hidden=1, x="2", w_ih="0", w_hh="0", b="0", g="3")
    assert zero.numeric.grad["w_ih"].tolist() == [[6]]  # tanh(0) = 0, tanh′(0) = 1: exact ints


def test_the_sizes_people_read_hold_and_larger_is_refused_before_any_work():
    # timings live in benchmarks/bench_budget.py; here: the documented size derives and holds,
    # and the refusal names the Python parameter that raises the limit
    d = gradsym.rnn(steps=4, input_size=3, hidden=3, x="random", w_ih="random", w_hh="random",
                    b="random", seed=3)
    assert d.holds
    with pytest.raises(SizeError, match="too large.*max_terms="):
        gradsym.rnn(steps=12, input_size=4, hidden=4)


def test_python_api_and_json_round_trip():
    d = gradsym.rnn(steps=2, input_size=1, hidden=2, x=[[1], [2]], w_ih=[[1], [-1]], w_hh=[[1, 2], [0, 1]], b=[0, 1])
    doc = d.to_dict()
    assert doc["command"] == "rnn"
    assert set(doc["grad"]) == {"input", "w_ih", "w_hh", "b", "h0"}
    assert doc["symbols"]["w_ih"] == [["w_ih_1_1"], ["w_ih_2_1"]]
    assert doc["symbols"]["hidden"][1] == ["h_2_1", "h_2_2"]
    assert doc["symbols"]["h0"] == ["h0_1", "h0_2"]
    assert doc["numeric"]["forward"][0] == ["tanh(1)", 0]
    assert set(doc["numeric"]["grad"]) == {"input", "w_ih", "w_hh", "b", "h0"}
    assert {c["name"] for c in doc["checks"]} == {
        "tanh_derivative_is_one_minus_square", "bptt_equals_unrolled_vjp", "jacobian_matches_autodiff_numeric"}
    back = gradsym.from_dict(json.loads(json.dumps(doc)))
    assert sympy.simplify(back.grad["b"][0] - d.grad["b"][0]) == 0
    assert back.to_dict()["grad"] == doc["grad"]
    # every symbol in the expressions is named in "symbols"
    names = {n for tensor in doc["symbols"].values() for n in np.asarray(tensor).reshape(-1)}
    for text in [*np.asarray(doc["grad"]["h0"]).reshape(-1), *np.asarray(doc["forward"]).reshape(-1)]:
        assert {str(s) for s in sympy.sympify(text).free_symbols} <= names


# -- the command line ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "json", "html"])
def test_every_format(cli, fmt):
    result = cli("rnn", *SMALL, *VALUES, "--format", fmt)
    assert result.code == 0, result.err
    assert "tanh" in result.out
    if fmt == "json":
        doc = json.loads(result.out)
        assert doc["numeric"]["forward"][1][1] == "-tanh(1)"
        assert set(doc["bptt"]) == {"delta", "delta_tilde"}
    if fmt == "html":
        assert 'data-symbol="w_hh_1_2"' in result.out


def test_text_shows_the_recursion_step_by_step(cli):
    out = cli("rnn", "--steps", "3", "--input-size", "1", "--hidden", "2", "--format", "text").out
    steps = [int(m) for m in re.findall(r"BPTT step t = (\d)", out)]
    assert steps == [3, 2, 1]
    assert "Unrolled:" in out  # H^(T−1) = 4: small enough
    args = ["rnn", "--steps", "3", "--input-size", "1", "--hidden", "3", "--format", "text"]
    assert "use --full" in cli(*args).out and "Unrolled:" not in cli(*args).out
    full = cli(*args, "--full").out
    assert "Unrolled:" in full and "tanh(b₁ + w_hh_1_1*tanh(" in full.replace("\n", "")


def test_show_filters_and_plot(cli, tmp_path):
    out = cli("rnn", *SMALL, "--format", "text", "--show", "proof").out
    assert "BPTT step" not in out and "bptt_equals_unrolled_vjp" in out
    png = tmp_path / "rnn.png"
    assert cli("rnn", *SMALL, *VALUES, "--format", "text", "--plot", str(png)).code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_chinese(cli):
    result = cli("rnn", *SMALL, *VALUES, "--format", "text", "--lang", "zh")
    assert result.code == 0 and "随时间反向传播" in result.out
    assert english_runs(result.out) == []
    help_text = cli("rnn", "--help", "--lang", "zh").out
    assert "循环神经网络" in help_text


@needs_pdflatex
def test_latex_compiles(cli, tmp_path):
    for lang in ("en", "zh"):
        pdf = tmp_path / f"rnn-{lang}.pdf"
        assert cli("rnn", *SMALL, *VALUES, "--output", str(pdf), "--lang", lang).code == 0
        assert pdf.read_bytes().startswith(b"%PDF-")
    latex = cli("rnn", "--steps", "3", "--input-size", "2", "--hidden", "2", "--format", "latex").out
    assert compile_pdf(latex).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--input-size", "1", "--hidden", "2"], "--steps"),
        (["--steps", "2", "--input-size", "1", "--hidden", "0"], "--hidden"),
        ([*SMALL, "--x", "1,2,3"], "--x"),
        ([*SMALL, "--x", "1,2", "--w-ih", "1,2,3", "--w-hh", "ones", "--b", "0,0"], "--w-ih"),
        ([*SMALL, "--x", "1,2"], "--w-ih"),
        ([*SMALL, *VALUES, "--g", "1,2"], "--g"),
        (["--steps", "12", "--input-size", "4", "--hidden", "4"], "--max-terms"),
        ([*SMALL, "--emit", "fortran"], "--emit"),
        ([*SMALL, "--animate", "x.gif"], "--animate"),
    ],
)
def test_bad_input_is_one_error_line(cli, args, expected):
    result = cli("rnn", *args)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.err
    chinese = cli("rnn", *args, "--lang", "zh")
    assert chinese.code == 2 and re.search(r"[\u4e00-\u9fff]", chinese.err), chinese.err


def test_python_errors():
    with pytest.raises(SpecError, match="hidden must"):
        gradsym.rnn(steps=1, input_size=1, hidden=-1)
    with pytest.raises(SpecError, match=r"needs b\b"):
        gradsym.rnn(steps=1, input_size=1, hidden=1).evaluate(x="1", w_ih="1", w_hh="1")


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax"])
def test_emitted_module_passes_its_self_test(tmp_path, framework):
    # torch's self-test compares the emitted BPTT with autograd through torch.rnn_tanh_cell
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax"}[framework])
    import subprocess
    import sys

    path = tmp_path / f"rnn_{framework}.py"
    path.write_text(gradsym.rnn(steps=3, input_size=2, hidden=3).to_code(framework))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "OK" in out.stdout, out.stdout + out.stderr


def test_emitted_backward_equals_the_exact_bptt(tmp_path):

    import numpy as np

    values = {"x": [[1], [-2]], "w_ih": [[1], [1 / 2]], "w_hh": [[1, -1], [1 / 4, 1]], "b": [0, 1],
              "h0": [1 / 2, 0]}
    g = [[1, 2], [-1, 1]]
    d = gradsym.rnn(steps=2, input_size=1, hidden=2, g=g, **values)
    module = load_module(d.to_code("numpy"), tmp_path, "rnn_exact")
    args = [np.array(values[k], dtype=float) for k in ("x", "w_ih", "w_hh", "b", "h0")]
    grads = module.backward(np.array(g, dtype=float), *args)
    for got, key in zip(grads, ("input", "w_ih", "w_hh", "b", "h0")):
        expected = np.vectorize(float, otypes=[float])(d.numeric.grad[key])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
