"""``gradsym attention``: scaled dot-product attention against PyTorch, the proofs, the CLI."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import SizeError, SpecError
from gradsym.layers import attention as attention_layer
from gradsym.layers.attention import attention_config, derive_row, prove
from tests.conftest import import_path, require, write_module

TORCH_CASES = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-2, 2),
    st.fractions(min_value=-2, max_value=2, max_denominator=3),
    st.sampled_from(["0.5", "-1.25"]),
)


def text_of(values) -> str:
    return ",".join(str(v) for v in values)


def as_float(arr) -> np.ndarray:
    return np.array([float(sympy.N(sympy.sympify(v) if not isinstance(v, Fraction) else
                                   sympy.Rational(v.numerator, v.denominator), 30))
                     for v in np.asarray(arr, dtype=object).reshape(-1)], dtype=np.float64)


def to_array(values, shape) -> np.ndarray:
    return np.array([float(Fraction(str(v))) for v in values], dtype=np.float64).reshape(shape)


def torch_attention(torch, q, k, v, g, causal: bool):
    """PyTorch's scaled_dot_product_attention in float64, grads by autograd."""
    qt, kt, vt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (q, k, v))
    out = torch.nn.functional.scaled_dot_product_attention(qt[None], kt[None], vt[None], is_causal=causal)[0]
    out.backward(torch.tensor(g, dtype=torch.float64))
    return out.detach().numpy(), qt.grad.numpy(), kt.grad.numpy(), vt.grad.numpy()


@TORCH_CASES
@given(st.integers(1, 3), st.integers(1, 3), st.booleans(), st.booleans(), st.data())
def test_matches_torch_scaled_dot_product_attention(seq: int, dim: int, causal: bool, with_g: bool,
                                                    data: st.DataObject) -> None:
    torch = require("torch")
    size = seq * dim
    q, k, v, g = (data.draw(st.lists(numbers, min_size=size, max_size=size)) for _ in range(4))
    d = gradsym.attention(seq=seq, dim=dim, causal=causal, q=text_of(q), k=text_of(k), v=text_of(v),
                          g=text_of(g) if with_g else None)
    assert all(c.holds for c in d.all_checks()), [c for c in d.all_checks() if not c.holds]
    names = [c.name for c in d.all_checks()]
    assert names[-1] == "jacobian_matches_autodiff_numeric"
    assert ("masked_scores_have_zero_gradient" in names) == causal
    shape = (seq, dim)
    g_values = to_array(g, shape) if with_g else np.ones(shape)
    out, gq, gk, gv = torch_attention(torch, to_array(q, shape), to_array(k, shape), to_array(v, shape),
                                      g_values, causal)
    ev = d.numeric
    np.testing.assert_allclose(as_float(ev.forward_values), out.reshape(-1), rtol=1e-9, atol=1e-12)
    for role, expected in (("q", gq), ("k", gk), ("v", gv)):
        np.testing.assert_allclose(as_float(ev.grad_values[role]), expected.reshape(-1), rtol=1e-9, atol=1e-9,
                                   err_msg=role)


@pytest.mark.parametrize("causal", [False, True])
def test_jacobians_match_torch_autograd(causal: bool) -> None:
    torch = require("torch")
    q, k, v = [[1, -1, 0], [2, "1/2", 1], [0, 1, -2]], "random", [[1, 2, 0], [0, -1, 3], [2, 2, 1]]
    d = gradsym.attention(seq=3, dim=3, causal=causal, q=q, k=k, v=v, seed=4)
    values = {role: np.array([[float(x) for x in row] for row in d.numeric.values[role]]) for role in "qkv"}
    args = [torch.tensor(values[role], dtype=torch.float64) for role in "qkv"]

    def forward(qq, kk, vv):
        scores = qq @ kk.T / np.sqrt(3)
        if causal:
            scores = scores.masked_fill(torch.ones(3, 3, dtype=torch.bool).triu(1), float("-inf"))
        return torch.softmax(scores, dim=-1) @ vv

    dense = torch.autograd.functional.jacobian(forward, tuple(args))
    for role, jac in zip("qkv", dense):
        got = np.zeros((9, 9))
        for (o, w), value in d.numeric.jacobian_values[role].items():
            got[o, w] = float(sympy.N(sympy.sympify(value), 30)) if not isinstance(value, (int, Fraction)) \
                else float(value)
        np.testing.assert_allclose(got, jac.numpy().reshape(9, 9), rtol=1e-9, atol=1e-12, err_msg=role)
        # Exactly the entries that are not identically zero are stored: o_ij reads row i of Q,
        # every unmasked row of K, and column j of the unmasked rows of V.
        allowed = {(i, c) for i in range(3) for c in range(3) if c <= i or not causal}
        pattern = {
            "q": {(i * 3 + j, i * 3 + b) for i in range(3) for j in range(3) for b in range(3)},
            "k": {(i * 3 + j, c * 3 + b) for i, c in allowed for j in range(3) for b in range(3)},
            "v": {(i * 3 + j, c * 3 + j) for i, c in allowed for j in range(3)},
        }[role]
        assert set(d.jacobians[role].entries) == pattern


def test_symbolic_results_are_the_derivatives_of_the_forward_pass() -> None:
    d = gradsym.attention(seq=2, dim=2, causal=False)
    o = d.forward
    g = [[sympy.Symbol(f"g_{i}_{j}") for j in (1, 2)] for i in (1, 2)]
    point = {s: sympy.Rational(n % 5 - 2, n % 3 + 1) for n, s in enumerate(sorted(
        set().union(*(e.free_symbols for e in o)), key=str))}
    point.update({g[i][j]: i - j + 2 for i in range(2) for j in range(2)})
    for role in "qkv":
        for a in range(2):
            for b in range(2):
                x = sympy.Symbol(f"{role}_{a + 1}_{b + 1}")
                vjp = sum(g[i][j] * sympy.diff(o[i, j], x) for i in range(2) for j in range(2))
                stored = d.grad[role][a, b]
                assert abs(sympy.N((vjp - stored).xreplace(point), 30)) < 1e-25, (role, a, b)
                for i in range(2):
                    for j in range(2):
                        entry = d.jacobian[role][i, j, a, b]
                        assert abs(sympy.N((sympy.diff(o[i, j], x) - entry).xreplace(point), 30)) < 1e-25


def test_exact_values_of_a_small_case() -> None:
    # L = 2, D = 1, q = (1, 0), k = (0, 1), v = (1, 2): row 1 has scores (0, 1), row 2 (0, 0).
    d = gradsym.attention(seq=2, dim=1, q="1,0", k="0,1", v="1,2", g="1,0")
    e = sympy.E
    p11, p12 = 1 / (1 + e), e / (1 + e)
    assert sympy.simplify(d.numeric.forward[0, 0] - (p11 + 2 * p12)) == 0
    assert sympy.simplify(d.numeric.forward[1, 0] - sympy.Rational(3, 2)) == 0
    assert sympy.simplify(d.numeric.grad["v"][0, 0] - p11) == 0
    assert sympy.simplify(d.numeric.grad["v"][1, 0] - p12) == 0
    # dS_12 = P_12·(v_2 − o_1) = p12·(2 − o_1); dK_2 = dS_12·q_1 = dS_12.
    ds12 = p12 * (2 - (p11 + 2 * p12))
    assert sympy.simplify(d.numeric.grad["k"][1, 0] - ds12) == 0
    assert d.numeric.grad["q"][1, 0] == 0  # g row 2 is 0


@pytest.mark.parametrize("target", ["dv", "ds", "dq", "dk"])
@pytest.mark.parametrize("causal", [False, True])
def test_a_wrong_matrix_form_fails_its_proof(target: str, causal: bool) -> None:
    cfg = attention_config(3, 2, causal)
    templates = {n: derive_row(n, 3) for n in {cfg.allowed(i) for i in range(3)}}
    assert all(c.holds for c in prove(cfg, templates))
    name = {"dv": "grad_v_equals_pt_upstream", "ds": "grad_scores_equals_softmax_backward",
            "dq": "grad_q_equals_ds_k", "dk": "grad_k_equals_dst_q"}[target]

    def corrupt(rhs):
        rhs[target][2][1] = rhs[target][2][1] * 2 + 1

    checks = {c.name: c for c in prove(cfg, templates, corrupt=corrupt)}
    assert not checks[name].holds and checks[name].mismatch
    assert [n for n, c in checks.items() if not c.holds] == [name]


def test_a_wrong_derivative_fails_the_local_form_proof() -> None:
    cfg = attention_config(2, 1, False)
    template = derive_row(2, 2)
    template.dw[0] = template.dw[0] * 2
    checks = {c.name: c for c in prove(cfg, {2: template})}
    assert not checks["jacobian_equals_local_forms"].holds
    assert not checks["grad_v_equals_pt_upstream"].holds


def test_causal_masks_are_zero_and_checked() -> None:
    d = gradsym.attention(seq=3, dim=2, causal=True, q="arange", k="ones", v="arange")
    check = next(c for c in d.checks if c.name == "masked_scores_have_zero_gradient")
    assert check.holds
    # Row 1 attends to key 1 only: o_1 = v_1 exactly, and nothing reaches k_2, k_3 from it.
    assert d.forward[0, 0] == sympy.Symbol("v_1_1")
    assert all(w < 2 for (o, w) in d.jacobians["k"].entries if o < 2)
    ev = d.numeric
    # K = ones: every row's unmasked scores are equal, so P_i· is uniform over j ≤ i; only o_3
    # reads v_3 (P_33 = 1/3) and dV_1 = P_11 + P_21 + P_31 = 1 + 1/2 + 1/3 (g = ones).
    assert sympy.simplify(sympy.sympify(ev.grad_values["v"][2, 0]) - sympy.Rational(1, 3)) == 0
    assert sympy.simplify(sympy.sympify(ev.grad_values["v"][0, 1]) - sympy.Rational(11, 6)) == 0


def test_dual_check_catches_a_corrupted_jacobian(monkeypatch) -> None:
    real = attention_layer.build
    corrupted = []

    def wrong(cfg, q, k, v, g, r, exp, **kw):
        pieces = real(cfg, q, k, v, g, r, exp, **kw)
        if kw.get("jacobians", True) and not isinstance(q[0][0], sympy.Basic):
            key = next(iter(pieces.jacobians["k"]))
            pieces.jacobians["k"][key] = pieces.jacobians["k"][key] * (1 + 1e-9) + 1e-9
            corrupted.append(key)
        return pieces

    monkeypatch.setattr(attention_layer, "build", wrong)
    d = gradsym.attention(seq=2, dim=2, q="arange", k="1,0,0,1", v="arange")
    check = d.numeric.checks[0]
    assert check.name == "jacobian_matches_autodiff_numeric" and not check.holds
    assert corrupted and f"∂output/∂k entry {corrupted[0]}" in check.mismatch


def test_eight_by_eight_holds_and_larger_is_refused_before_any_work() -> None:
    # timings live in benchmarks/bench_budget.py
    d = gradsym.attention(seq=8, dim=8, causal=True)
    assert all(c.holds for c in d.checks) and len(d.jacobians["k"].entries) == 36 * 64
    with pytest.raises(SizeError, match=r"max_terms=\d+"):
        gradsym.attention(seq=32, dim=32)


def test_python_errors() -> None:
    with pytest.raises(SpecError, match="seq is required"):
        gradsym.attention(dim=2)
    with pytest.raises(SpecError, match="dim must be a whole number"):
        gradsym.attention(seq=2, dim=0)
    with pytest.raises(SpecError, match="v as well"):
        gradsym.attention(seq=2, dim=2, q="ones", k="ones")
    with pytest.raises(SpecError, match="q has 3 values"):
        gradsym.attention(seq=2, dim=2, q="1,2,3", k="ones", v="ones")


# -- the command line --------------------------------------------------------------------------
def test_cli_json_keys_and_round_trip(cli) -> None:
    r = cli("attention", "--seq", "2", "--dim", "1", "--causal", "--q", "1,2", "--k", "1/2,1", "--v", "0.5,2",
            "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["command"] == "attention"
    assert doc["config"] == {"seq": 2, "dim": 1, "causal": True, "scale": "1/sqrt(1)"}
    assert doc["symbols"] == {"q": [["q_1_1"], ["q_2_1"]], "k": [["k_1_1"], ["k_2_1"]],
                              "v": [["v_1_1"], ["v_2_1"]], "upstream": [["g_1_1"], ["g_2_1"]]}
    assert set(doc["jacobian"]) == set(doc["grad"]) == {"q", "k", "v"}
    assert doc["forward"][0] == ["v_1_1"]
    assert [c["name"] for c in doc["checks"]] == [
        "jacobian_equals_local_forms", "grad_v_equals_pt_upstream", "grad_scores_equals_softmax_backward",
        "grad_q_equals_ds_k", "grad_k_equals_dst_q", "masked_scores_have_zero_gradient",
        "jacobian_matches_autodiff_numeric"]
    assert all(c["holds"] for c in doc["checks"])
    assert doc["numeric"]["values"]["v"] == [[0.5], [2]]
    assert set(doc["numeric"]["grad"]) == {"q", "k", "v"}
    assert doc["numeric"]["forward"][0] == [0.5]
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc
    assert sympy.sympify(doc["grad"]["v"][1][0]) == sympy.sympify(doc["jacobian"]["v"]["nonzeros"][-1][2]) \
        * sympy.Symbol("g_2_1")


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "html"])
def test_cli_every_format(cli, fmt: str) -> None:
    r = cli("attention", "--seq", "3", "--dim", "2", "--causal", "--q", "arange", "--k", "ones", "--v", "arange",
            "--format", fmt)
    assert r.code == 0, r.err
    plain = r.out.replace("\\allowbreak{}", "").replace("\\_", "_")
    assert "grad_scores_equals_softmax_backward" in plain and "masked_scores_have_zero_gradient" in plain
    if fmt == "text":
        assert "−∞" in r.out and "P ≈ (softmax)" in r.out and "--full" in r.out


def test_cli_small_sizes_show_elements_and_full_shows_everything(cli) -> None:
    small = cli("attention", "--seq", "2", "--dim", "1", "--format", "text")
    assert small.code == 0 and "o₁,₁ = " in small.out and "∂L/∂k₂,₁ = " in small.out
    large = cli("attention", "--seq", "2", "--dim", "2", "--format", "text")
    assert "o₁,₁ = " not in large.out and "--full prints them" in large.out
    full = cli("attention", "--seq", "2", "--dim", "2", "--format", "text", "--full")
    assert "o₁,₁ = " in full.out and "∂L/∂k₂,₂ = " in full.out


def test_cli_plot_show_and_output_files(cli, tmp_path) -> None:
    png = tmp_path / "a.png"
    r = cli("attention", "--seq", "2", "--dim", "2", "--plot", str(png), "--show", "proof", "--format", "text")
    assert r.code == 0, r.err
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "Forward pass" not in r.out and "grad_q_equals_ds_k" in r.out


def test_cli_chinese(cli) -> None:
    from tests.test_zh import english_runs

    r = cli("attention", "--seq", "3", "--dim", "2", "--causal", "--q", "arange", "--k", "ones", "--v", "arange",
            "--format", "text", "--lang", "zh")
    assert r.code == 0, r.err
    assert "因果缩放点积注意力" in r.out
    assert not english_runs(r.out.replace("scaled_dot_product_attention", ""))
    err = cli("attention", "--dim", "2", "--lang", "zh")
    assert err.code == 2 and err.err.startswith("error: 需要 --seq")
    assert "序列长度" in cli("attention", "--help", "--lang", "zh").out


@pytest.mark.parametrize(("args", "message"), [
    ([], "--seq is required"),
    (["--seq", "2"], "--dim is required"),
    (["--seq", "-1", "--dim", "2"], "--seq must be a whole number"),
    (["--seq", "2", "--dim", "2", "--q", "ones"], "need --k, --v as well"),
    (["--seq", "2", "--dim", "2", "--g", "ones"], "need --q, --k, --v as well"),
    (["--seq", "2", "--dim", "2", "--q", "1,2", "--k", "ones", "--v", "ones"], "--q has 2 values"),
    (["--seq", "2", "--dim", "2", "--v", "1,a,2,3", "--q", "ones", "--k", "ones"], "--v contains 'a'"),
    (["--seq", "64", "--dim", "64"], "too large"),
    (["--seq", "8", "--dim", "8", "--full"], "--max-terms"),
    (["--seq", "10", "--dim", "10", "--format", "json"], "--max-terms"),
    (["--seq", "2", "--dim", "2", "--animate", "x.gif"], "--animate"),
])
def test_bad_input_exits_2_with_one_line(cli, args: list[str], message: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("attention", *args)
    assert r.code == 2, r.out
    assert r.err.startswith("error: ") and message in r.err, r.err
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("framework", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("causal", [False, True])
def test_emitted_module_matches_torch_and_passes_its_self_test(framework: str, causal: bool, tmp_path) -> None:
    import subprocess
    import sys

    torch = require("torch")
    if framework == "jax":
        require("jax")
    code = gradsym.attention(seq=3, dim=2, causal=causal).to_code(framework)
    assert "import gradsym" not in code
    path = write_module(code, tmp_path, f"attention_{framework}")
    if causal:  # the module's own self-test, once per framework (a subprocess is slow)
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr
    module = import_path(path)
    rng = np.random.default_rng(1)
    q, k, v, g = (rng.standard_normal((3, 2)) for _ in range(4))
    if framework == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    convert = {"numpy": np.asarray, "torch": torch.tensor, "jax": lambda a: __import__("jax.numpy").numpy.asarray(a)}
    grads = module.backward(*(convert[framework](a) for a in (g, q, k, v)))
    _, gq, gk, gv = torch_attention(torch, q, k, v, g, causal)
    for got, expected in zip(grads, (gq, gk, gv)):
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-9, atol=1e-12)


def test_latex_compiles(tmp_path, cli) -> None:
    import shutil

    from tests.conftest import ON_CI

    if not ON_CI and shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    pdf = tmp_path / "attention.pdf"
    r = cli("attention", "--seq", "2", "--dim", "2", "--causal", "--q", "arange", "--k", "ones", "--v", "arange",
            "--full", "--output", str(pdf))
    assert r.code == 0, r.err
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
