"""``--general``: convolution and transposed convolution for every size at once.

Oracles: the concrete engine (the grid cross-check, and the seed-002 instance printed
side by side), PyTorch's autograd at random sizes and values, and the seed-003 numbers.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.indexcalc import IsInteger, Term
from gradsym.instantiate import Instantiator, binder
from gradsym.layers.general import General, derive_conv_general, derive_deconv_general
from gradsym.layers.general_build import general_conv, general_deconv
from gradsym.layers.general_check import AxisConfig, compare_with_concrete, concrete
from gradsym.poly import evaluate
from gradsym.render.document import Equations, Para
from gradsym.render.layout import build_document
from gradsym.render.sections.general import say
from gradsym.render.text import CellFormatter
from gradsym.render.wording import Catalogue

CONV_CHECKS = ["grad_input_equals_full_conv_rot180_kernel", "grad_kernel_equals_conv_input_upstream",
               "grad_bias_equals_upstream_sum", "general_matches_concrete"]
DECONV_CHECKS = ["forward_equals_full_conv_rot180_kernel", "forward_equals_conv_grad_input",
                 "grad_input_equals_conv_upstream_kernel", "grad_kernel_equals_conv_upstream_input",
                 "general_matches_concrete"]


@pytest.fixture(scope="module")
def conv1():
    return general_conv(dims=1, bias=True)


@pytest.fixture(scope="module")
def deconv1():
    return general_deconv(dims=1, bias=True)


@pytest.fixture(scope="module")
def conv2():
    return gradsym.conv(general=True)


# -- the checks ------------------------------------------------------------------------


def test_checks_are_the_contracts_and_hold(conv1, deconv1, conv2):
    assert [c.name for c in conv1.checks] == CONV_CHECKS
    assert [c.name for c in conv2.checks] == [n for n in CONV_CHECKS if "bias" not in n]
    assert [c.name for c in deconv1.checks] == DECONV_CHECKS
    for d in (conv1, deconv1, conv2):
        assert all(c.holds for c in d.checks), [c.mismatch for c in d.checks]
        assert d.holds


def test_grid_covers_every_valid_1d_configuration(conv1):
    lines = conv1.checks[-1].detail["lines"]
    key, params = lines[0]
    valid = sum(1 for n in range(1, 6) for k in range(1, 4) for s in range(1, 4) for d in range(1, 3)
                for p in range(3) if n + 2 * p >= d * (k - 1) + 1)
    assert key == "general.grid" and params["count"] == valid


@pytest.fixture(scope="module")
def fresh_conv() -> General:
    return derive_conv_general(1, False)


def _with_last_step(gen: General, chain_name: str, series: tuple[Term, ...]) -> General:
    chains = {c.name: c for c in gen.chains()}
    chain = chains[chain_name]
    steps = list(chain.steps)
    steps[-1] = replace(steps[-1], series=series, instantiator=None)
    new_chain = replace(chain, steps=steps)
    grads = [new_chain if c.name == chain_name else c for c in gen.grads]
    return replace(gen, grads=grads, identities=[])


def test_cross_check_catches_a_missing_integrality_bracket(fresh_conv):
    closed = fresh_conv.grads[0].last
    no_bracket = tuple(replace(t, conds=tuple(c for c in t.conds if not isinstance(c, IsInteger)))
                       for t in closed)
    broken = _with_last_step(fresh_conv, "input", no_bracket)
    cfg = (AxisConfig(4, 2, 1, 2, 0),)  # dilation 2: (j + p − s·i)/d is often not whole
    message = compare_with_concrete(broken, cfg, concrete("conv", cfg, False))
    assert message is not None and message.startswith("input step 3") and "fractional" in message


def test_cross_check_catches_a_wrong_index(fresh_conv):
    closed = fresh_conv.grads[1].last  # Σ_i g[i]·x̂[s·i + d·a − p]
    ax = fresh_conv.axes[0]
    wrong = tuple(replace(t, reads=tuple(
        replace(r, index=(r.index[0] + 2 * ax.p,)) if r.tensor == "x" else r for r in t.reads))
        for t in closed)
    broken = _with_last_step(fresh_conv, "kernel", wrong)
    cfg = (AxisConfig(3, 2, 1, 1, 1),)
    message = compare_with_concrete(broken, cfg, concrete("conv", cfg, False))
    assert message is not None and "kernel step 3" in message and "≠" in message
    assert compare_with_concrete(fresh_conv, cfg, concrete("conv", cfg, False)) is None


def test_cross_check_reaches_intermediate_steps(fresh_conv):
    identity = fresh_conv.identities[0]
    steps = list(identity.chain.steps)
    # drop the first term's deltas in the "expand the definitions" step: every (v, i, a) counts
    expanded = steps[1].series
    assert expanded is not None
    steps[1] = replace(steps[1], series=(replace(expanded[0], deltas=()),), instantiator=None)
    broken = replace(fresh_conv, identities=[replace(identity, chain=replace(identity.chain, steps=steps))])
    cfg = (AxisConfig(3, 2, 1, 1, 0),)
    message = compare_with_concrete(broken, cfg, concrete("conv", cfg, False))
    assert message is not None and message.startswith("grad_input_equals_full_conv_rot180_kernel step 2")


# -- PyTorch as the oracle -------------------------------------------------------------------


def _instantiate(gen: General, chain_name: str, sizes: dict[Any, int], values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate one chain's closed form at concrete sizes and values, every free index."""
    chain = next(c for c in gen.chains() if c.name == chain_name)
    tensors, flat, first = {}, [], 0
    for name, arr in values.items():
        tensors[name] = (first, arr.shape)
        flat += arr.reshape(-1).tolist()
        first += arr.size
    inst = Instantiator(chain.last, set(chain.free) | set(chain.ctx.ranges))
    lengths = [int(sympy.sympify(chain.ctx.ranges[f][1] + 1).subs(sizes)) for f in chain.free]
    out = np.zeros(lengths, dtype=object)
    for point in np.ndindex(*lengths):
        poly = inst.poly(sizes, dict(zip(chain.free, point)), binder(tensors))
        out[point] = evaluate(poly, flat)
    return out


def _sizes(gen: General, cfgs: tuple[AxisConfig, ...], outs: tuple[int, ...]) -> dict[Any, int]:
    sizes: dict[Any, int] = {}
    for ax, c, o in zip(gen.axes, cfgs, outs):
        sizes.update({ax.n: c.n, ax.k: c.k, ax.s: c.s, ax.d: c.d, ax.p: c.p, ax.q: c.q, ax.o: o})
    return sizes


@pytest.fixture(scope="module")
def gens() -> dict[str, General]:
    return {"conv1": derive_conv_general(1, True), "deconv1": derive_deconv_general(1, True),
            "conv2": derive_conv_general(2, False)}


def _ints(rng: random.Random, shape: tuple[int, ...]) -> np.ndarray:
    return np.array([rng.randint(-4, 4) for _ in range(int(np.prod(shape)))], dtype=object).reshape(shape)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2),
       st.integers(0, 10**6))
def test_conv_closed_forms_match_torch(gens, n, k, s, d, p, seed):
    torch = pytest.importorskip("torch")
    if n + 2 * p < d * (k - 1) + 1:
        return
    rng = random.Random(seed)
    x, w = _ints(rng, (n,)), _ints(rng, (k,))
    b = rng.randint(-4, 4)
    xt = torch.tensor(x.astype(float), dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w.astype(float), dtype=torch.float64, requires_grad=True)
    bt = torch.tensor([float(b)], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv1d(xt[None, None], wt[None, None], bt, stride=s, padding=p, dilation=d)[0, 0]
    g = _ints(rng, tuple(y.shape))
    y.backward(torch.tensor(g.astype(float), dtype=torch.float64))
    gen = gens["conv1"]
    sizes = _sizes(gen, (AxisConfig(n, k, s, d, p),), tuple(y.shape))
    values = {"x": x, "w": w, "g": g, "b": np.array(b, dtype=object)}
    assert _instantiate(gen, "forward", sizes, values).tolist() == [int(v) for v in y.detach().tolist()]
    assert _instantiate(gen, "input", sizes, values).tolist() == [int(v) for v in xt.grad.tolist()]
    assert _instantiate(gen, "kernel", sizes, values).tolist() == [int(v) for v in wt.grad.tolist()]
    assert _instantiate(gen, "bias", sizes, values)[()] == int(bt.grad[0])


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.integers(0, 2), st.integers(0, 10**6))
def test_deconv_closed_forms_match_torch(gens, n, k, s, d, p, q, seed):
    torch = pytest.importorskip("torch")
    if not (q < s or q < d) or s * (n - 1) - 2 * p + d * (k - 1) + q + 1 < 1:
        return
    rng = random.Random(seed)
    x, w = _ints(rng, (n,)), _ints(rng, (k,))
    xt = torch.tensor(x.astype(float), dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w.astype(float), dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv_transpose1d(xt[None, None], wt[None, None], stride=s, padding=p,
                                             output_padding=q, dilation=d)[0, 0]
    g = _ints(rng, tuple(y.shape))
    y.backward(torch.tensor(g.astype(float), dtype=torch.float64))
    gen = gens["deconv1"]
    sizes = _sizes(gen, (AxisConfig(n, k, s, d, p, q),), tuple(y.shape))
    values = {"x": x, "w": w, "g": g, "b": np.array(0, dtype=object)}
    assert _instantiate(gen, "forward", sizes, values).tolist() == [int(v) for v in y.detach().tolist()]
    assert _instantiate(gen, "input", sizes, values).tolist() == [int(v) for v in xt.grad.tolist()]
    assert _instantiate(gen, "kernel", sizes, values).tolist() == [int(v) for v in wt.grad.tolist()]


def test_conv2d_closed_forms_match_torch(gens):
    torch = pytest.importorskip("torch")
    rng = random.Random(7)
    gen = gens["conv2"]
    for (n1, k1, s1, d1, p1), (n2, k2, s2, d2, p2) in [((5, 2, 2, 1, 1), (4, 3, 1, 2, 2)),
                                                       ((3, 2, 1, 1, 0), (3, 2, 1, 1, 0))]:
        x, w = _ints(rng, (n1, n2)), _ints(rng, (k1, k2))
        xt = torch.tensor(x.astype(float), dtype=torch.float64, requires_grad=True)
        wt = torch.tensor(w.astype(float), dtype=torch.float64, requires_grad=True)
        y = torch.nn.functional.conv2d(xt[None, None], wt[None, None], stride=(s1, s2), padding=(p1, p2),
                                       dilation=(d1, d2))[0, 0]
        g = _ints(rng, tuple(y.shape))
        y.backward(torch.tensor(g.astype(float), dtype=torch.float64))
        cfgs = (AxisConfig(n1, k1, s1, d1, p1), AxisConfig(n2, k2, s2, d2, p2))
        sizes = _sizes(gen, cfgs, tuple(y.shape))
        values = {"x": x, "w": w, "g": g}
        assert _instantiate(gen, "input", sizes, values).tolist() == xt.grad.to(torch.int64).tolist()
        assert _instantiate(gen, "kernel", sizes, values).tolist() == wt.grad.to(torch.int64).tolist()


# -- the seeds -------------------------------------------------------------------------------


def _rows(doc: Any, section_key: str) -> list[list[tuple[str, str]]]:
    fmt = CellFormatter(doc.derivation)
    section = next(s for s in doc.sections if s.key == section_key)
    return [[(fmt.cell(lhs), fmt.cell(rhs)) for lhs, rhs in block.rows]
            for block in section.blocks if isinstance(block, Equations)]


def test_seed002_instance_prints_as_the_concrete_derivation():
    general = gradsym.conv(input="3x3", kernel="2x2", general=True)
    plain = gradsym.conv(input="3x3", kernel="2x2")
    instance = _rows(build_document(general), "instance")
    want = _rows(build_document(plain), "forward") + _rows(build_document(plain), "grad")
    assert instance == want
    assert all(c.holds for c in general.checks)
    # …and every step of every chain, expanded at 3x3 / 2x2, is the concrete engine's expression
    gen = general.general
    cfg = (AxisConfig(3, 2, 1, 1, 0), AxisConfig(3, 2, 1, 1, 0))
    assert compare_with_concrete(gen, cfg, plain) is None
    text = general.to_text()
    assert "∂L/∂x₂,₂ = g₁,₁·k₂,₂ + g₁,₂·k₂,₁ + g₂,₁·k₁,₂ + g₂,₂·k₁,₁" in text


def test_seed003_numbers_from_the_general_forward_passes(gens):
    x = np.arange(1, 10, dtype=object).reshape(3, 3)
    w = np.array([[1, 2], [3, 4]], dtype=object)
    conv2 = gens["conv2"]
    cfg = AxisConfig(3, 2, 1, 1, 0)
    y = _instantiate(conv2, "forward", _sizes(conv2, (cfg, cfg), (2, 2)), {"x": x, "w": w})
    assert y.tolist() == [[37, 47], [67, 77]]
    deconv2 = derive_deconv_general(2, False)
    y = _instantiate(deconv2, "forward", _sizes(deconv2, (cfg, cfg), (4, 4)), {"x": x, "w": w})
    assert y.tolist() == [[1, 4, 7, 6], [7, 23, 33, 24], [19, 53, 63, 42], [21, 52, 59, 36]]


# -- the document, JSON and API --------------------------------------------------------------


def test_every_step_is_justified(conv1, deconv1):
    english = Catalogue("en")
    for d in (conv1, deconv1):
        gen = d.general
        for chain in gen.chains():
            for step in chain.steps:
                assert say(english, step.message), (chain.name, step.rule)
    eliminate = say(english, conv1.general.grads[0].steps[-1].message)
    assert "keeps only a = (-i·s + j + p)/d" in eliminate and "∈ {0, …, k - 1}" in eliminate
    # i = j: 0 ≤ j ≤ n − 1 always holds
    dropped = say(english, deconv1.general.grads[0].steps[2].message)
    assert "keeps only i = j" in dropped and "always true here" in dropped


def test_document_sections_and_renderers(conv2):
    doc = build_document(conv2)
    keys = [s.key for s in doc.sections]
    assert keys.index("jacobian") < keys.index("grad") < keys.index("proof")
    grad = [s for s in doc.sections if s.key == "grad"]
    assert grad and all(isinstance(b, (Para, Equations)) for s in grad for b in s.blocks)
    text = conv2.to_text()
    assert "Kronecker" in text and "general_matches_concrete" in text and "✓ All 3 checks hold." in text
    assert "∂y[i" in text and "δ(j" in text
    assert "\\sum" in conv2.to_latex() and "Kronecker" in conv2.to_markdown()


def test_api_forward_is_the_definition(conv1):
    i, a = sympy.symbols("i a", integer=True)
    s, d, k = sympy.symbols("s d k", integer=True, positive=True)
    p = sympy.Symbol("p", integer=True, nonnegative=True)
    w, xhat = sympy.IndexedBase("w"), sympy.IndexedBase("xhat")
    assert conv1.forward == sympy.Sum(w[a] * xhat[s * i + d * a - p], (a, 0, k - 1)) + sympy.Symbol("b")


def test_json_strings_read_back_with_the_recorded_assumptions(deconv1):
    doc = json.loads(deconv1.to_json())
    assert doc["command"] == "deconv" and doc["config"]["general"] is True
    assert doc["symbols"] == {"input": "x", "kernel": "w", "upstream": "g", "bias": "b"}
    assert [c["name"] for c in doc["checks"]] == DECONV_CHECKS and all(c["holds"] for c in doc["checks"])
    names = {name: sympy.Symbol(name, **flags) for name, flags in doc["assumptions"].items()}
    names.update({name: sympy.IndexedBase(name) for name in doc["indexed"]})
    read = lambda text: sympy.sympify(text, locals=names)  # noqa: E731
    gen = deconv1.general
    assert read(doc["forward"]) == deconv1.forward
    for role, text in doc["general"]["closed_forms"].items():
        assert read(text) == gen.closed[role]
    steps = doc["general"]["steps"]["input"]
    assert [s["rule"] for s in steps] == ["chain", "differentiate", "eliminate", "eliminate", "absorb"]
    assert read(steps[-1]["expression"]) == gen.closed["input"]
    assert doc["general"]["sizes"]["o"] == "d*(k - 1) + s*(n - 1) - 2*p + q + 1"


# -- the command line ------------------------------------------------------------------------


def test_cli_general_json(cli):
    result = cli("conv", "--general", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["general"]["dims"] == 2 and all(c["holds"] for c in doc["checks"])
    assert "jacobian" not in doc and "grad" not in doc


def test_cli_deconv_general_text(cli):
    result = cli("deconv", "--general", "--format", "text", "--show", "proof")
    assert result.code == 0, result.err
    assert "2-D transposed convolution for every size" in result.out
    assert "forward_equals_conv_grad_input" in result.out and "✓ All 5 checks hold." in result.out


@pytest.mark.parametrize("args, message", [
    (["conv", "--general", "--dims", "4"], "--dims must be 1, 2 or 3, got 4"),
    (["conv", "--general", "--stride", "2"], "--stride is a symbol in a --general proof"),
    (["conv", "--general", "--padding", "1"], "--padding is the symbol p"),
    (["conv", "--general", "--input", "3x3"], "also needs --kernel"),
    (["conv", "--general", "--x", "1,2"], "--x cannot be used with --general"),
    (["conv", "--general", "--in-channels", "2"], "--in-channels cannot be used with --general"),
    (["conv", "--general", "--input", "3x3", "--kernel", "2x2", "--dims", "3"], "--dims 3 does not match"),
    (["deconv", "--general", "--output-size", "5"], "--output-size cannot be used with --general"),
    (["deconv", "--general", "--output-padding", "1"], "--output-padding is a symbol"),
])
def test_cli_general_errors(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    assert result.err.startswith("error: ") and message in result.err


@pytest.mark.parametrize(("command", "dims", "fmt"), [("conv", "1", "text"), ("deconv", "2", "text"),
                                                      ("conv", "2", "rich")])
def test_terminal_prints_readable_maths_not_sympy_syntax(cli, command, dims, fmt):
    result = cli(command, "--general", "--dims", dims, "--format", fmt)
    assert result.code == 0
    for raw in ("Sum(", "KroneckerDelta(", "Piecewise(", "Contains(", "Derivative("):
        assert raw not in result.out
    assert "Σ[" in result.out and "δ(" in result.out and "otherwise}" in result.out


def test_readable_printer_matches_the_sympy_expression():
    from gradsym.render.text import readable_text

    a, k, i = sympy.symbols("a k i", integer=True)
    w = sympy.IndexedBase("w")
    delta = sympy.KroneckerDelta(i, a)
    expr = sympy.Sum(delta * w[a], (a, 0, k - 1))
    first, second = delta.args
    assert readable_text(expr) in (f"Σ[a=0..k - 1] (δ({first}, {second})*w[a])",
                                   f"Σ[a=0..k - 1] (w[a]*δ({first}, {second}))")
    cond = sympy.Contains(i, sympy.Range(0, k))
    assert readable_text(sympy.Piecewise((w[i], cond), (0, True))) == "{w[i] if i ∈ {0, …, k - 1}; 0 otherwise}"
