"""An Elman RNN (tanh, one layer, batch 1, as ``torch.nn.RNN``), unrolled and proved.

For t = 1 … T, from the initial state h0:

    a_t = W_ih·x_t + W_hh·h_{t−1} + b,    h_t = tanh(a_t),

with x_t ∈ R^I, W_ih (H×I), W_hh (H×H) and one bias b (H). PyTorch has two biases,
b_ih and b_hh; they only ever appear as their sum, so gradsym uses b = b_ih + b_hh (and
dL/db_ih = dL/db_hh = dL/db). The output is every hidden state h_1 … h_T (T×H); the
upstream gradient g_t = dL/dh_t is given for every step.

The forward pass is stored step by step: ``h_t_i = tanh(a_t_i)`` with a_t_i written in
the symbols h_{t−1} of the step before (``h_t_i`` are symbols of their own, listed as the
tensor ``hidden``); substituting them one into the next gives the unrolled expressions,
which grow like H^(T−1).

Backpropagation through time (BPTT), from t = T down to 1, with tanh′ = 1 − tanh²:

    δ_t = g_t + W_hhᵀ·δ̃_{t+1}   (δ_T = g_T),    δ̃_t = δ_t ∘ (1 − h_t²),
    dL/dW_ih = Σ_t δ̃_t·x_tᵀ,  dL/dW_hh = Σ_t δ̃_t·h_{t−1}ᵀ,  dL/db = Σ_t δ̃_t,
    dL/dh0 = W_hhᵀ·δ̃_1,  dL/dx_t = W_ihᵀ·δ̃_t.

The proof ``bptt_equals_unrolled_vjp`` differentiates the unrolled graph the other way
round: forward, by the chain rule through every step, dh_t/dp = diag(s_t)·(∂a_t/∂p +
W_hh·dh_{t−1}/dp) for every parameter p (the step Jacobians ∂a_t/∂· from
:func:`gradsym.calculus.jacobian`), then Σ_t g_tᵀ·dh_t/dp. Both sides are polynomials in
independent symbols — x, W_ih, W_hh, b, h0, g, the states h_t and s_t standing for
tanh′(a_t) — and are compared exactly, term by term. An identity in independent symbols
holds at every value, in particular at h_t = tanh(a_t) and s_t = tanh′(a_t); the check
``tanh_derivative_is_one_minus_square`` proves tanh′(a) = 1 − tanh(a)² (SymPy's derivative
against the rule table), which is how s_t = 1 − h_t² enters the stored gradients.

>>> d = rnn(steps=1, input_size=1, hidden=1)
>>> d.grad["b"].tolist()
[g_1_1*(1 - h_1_1**2)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from gradsym import progress
from gradsym.budget import CHECK_ENTRY, MLP_TERM, Cost, admit, given, render_cost
from gradsym.calculus import SparseJacobian, derivative, jacobian
from gradsym.derivation import Derivation, Evaluation, NumericModel
from gradsym.errors import SpecError
from gradsym.layers.mlp import PolyAlgebra
from gradsym.numeric import (
    Dual,
    apply_rule,
    autodiff_check,
    first_mismatch,
    object_array,
    simplify_number,
    tangent_jacobians,
    within,
)
from gradsym.poly import Poly, VarTable, multiply, to_sympy
from gradsym.proofs import Check
from gradsym.rules import RULES
from gradsym.spec import Values, parse_values
from gradsym.spec.rnn import RnnConfig as RnnConfig
from gradsym.spec.rnn import rnn_config as rnn_config
from gradsym.symbols import Tensor

DUAL_DIGITS = 30  # working precision (decimal digits) of the dual-number check
TOLERANCE = 1e-12
PARAMETERS = ("input", "w_ih", "w_hh", "b", "h0")  # the differentiated tensors, in id order
OPTIONS = {"x": "input", "w_ih": "w_ih", "w_hh": "w_hh", "b": "b", "h0": "h0", "g": "upstream"}
DEFAULTS = {"h0": "zeros", "g": "ones"}


def option_name(option: str) -> str:
    """The command-line spelling of a value option: ``w_ih`` → ``--w-ih``."""
    return "--" + option.replace("_", "-")


# ---------------------------------------------------------------------------
# Symbols


@dataclass
class RnnTensors:
    """x (T×I), W_ih (H×I), W_hh (H×H), b (H), h0 (H), upstream g (T×H), the hidden states
    h (T×H) and, for the proof only, s (T×H) standing for tanh′(a_t)."""

    table: VarTable
    x: Tensor
    w_ih: Tensor
    w_hh: Tensor
    b: Tensor
    h0: Tensor
    g: Tensor
    h: Tensor
    s: Tensor | None = None

    def as_dict(self) -> dict[str, Tensor]:
        return {"input": self.x, "w_ih": self.w_ih, "w_hh": self.w_hh, "b": self.b,
                "h0": self.h0, "upstream": self.g, "hidden": self.h}

    @property
    def n_parameters(self) -> int:
        return self.g.first  # x, W_ih, W_hh, b, h0 come first, consecutively

    def prev(self, t: int, j: int) -> int:
        """The id of h_{t−1, j} (0-based t; h0 before the first step)."""
        return self.h0.first + j if t == 0 else self.h.first + (t - 1) * self.h.shape[1] + j


def make_tensors(cfg: RnnConfig, slopes: bool = False) -> RnnTensors:
    table = VarTable()
    steps, n_in, n_hidden = cfg.steps, cfg.input_size, cfg.hidden
    x = Tensor.create(table, "x", (steps, n_in))
    w_ih = Tensor.create(table, "w_ih", (n_hidden, n_in))
    w_hh = Tensor.create(table, "w_hh", (n_hidden, n_hidden))
    b = Tensor.create(table, "b", (n_hidden,))
    h0 = Tensor.create(table, "h0", (n_hidden,))
    g = Tensor.create(table, "g", (steps, n_hidden))
    h = Tensor.create(table, "h", (steps, n_hidden))
    s = Tensor.create(table, "s", (steps, n_hidden)) if slopes else None
    return RnnTensors(table, x, w_ih, w_hh, b, h0, g, h, s)


# ---------------------------------------------------------------------------
# One recursion, two algebras: polynomials with s_t (the proof), SymPy with 1 − h_t² (stored)


class Ops(Protocol):
    def var(self, v: int) -> Any: ...
    def add(self, terms: Sequence[Any]) -> Any: ...
    def mul(self, a: Any, b: Any) -> Any: ...
    def slope(self, t: int, i: int) -> Any: ...


class PolyOps(PolyAlgebra):
    """Polynomials in independent symbols (mlp's algebra); tanh′(a_t_i) is the symbol s_t_i."""

    def __init__(self, tensors: RnnTensors) -> None:
        assert tensors.s is not None
        self.s = tensors.s

    def slope(self, t: int, i: int) -> Poly:
        return self.var(self.s.first + t * self.s.shape[1] + i)


class SympyOps:
    """SymPy expressions in the derivation's symbols; tanh′(a_t_i) = 1 − h_t_i² (the rule
    table's tanh slope, written in the output h = tanh(a))."""

    def __init__(self, tensors: RnnTensors) -> None:
        import sympy

        self.sympy = sympy
        self.symbols = tensors.table.symbols()
        self.h = tensors.h

    def var(self, v: int) -> Any:
        return self.symbols[v]

    def add(self, terms: Sequence[Any]) -> Any:
        return self.sympy.Add(*terms)

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def slope(self, t: int, i: int) -> Any:
        return 1 - self.symbols[self.h.first + t * self.h.shape[1] + i] ** 2


@dataclass
class Bptt:
    """δ_t and δ̃_t per step (lists over t, then i) and the gradients per key (nested lists)."""

    delta: list[list[Any]]
    delta_tilde: list[list[Any]]
    grads: dict[str, Any]


def bptt(cfg: RnnConfig, t: RnnTensors, ops: Ops) -> Bptt:
    """Backpropagation through time, from the last step down (see the module docstring)."""
    steps, n_in, n_hidden = cfg.steps, cfg.input_size, cfg.hidden

    def w_ih(i: int, j: int) -> Any:
        return ops.var(t.w_ih.first + i * n_in + j)

    def w_hh(i: int, j: int) -> Any:
        return ops.var(t.w_hh.first + i * n_hidden + j)

    delta: list[list[Any]] = [[] for _ in range(steps)]
    tilde: list[list[Any]] = [[] for _ in range(steps)]
    for s in reversed(range(steps)):
        for i in range(n_hidden):
            terms = [ops.var(t.g.first + s * n_hidden + i)]
            if s + 1 < steps:
                terms += [ops.mul(w_hh(k, i), tilde[s + 1][k]) for k in range(n_hidden)]
            delta[s].append(ops.add(terms))
        tilde[s] = [ops.mul(ops.slope(s, i), delta[s][i]) for i in range(n_hidden)]
    grads = {
        "input": [[ops.add([ops.mul(w_ih(i, j), tilde[s][i]) for i in range(n_hidden)])
                   for j in range(n_in)] for s in range(steps)],
        "w_ih": [[ops.add([ops.mul(tilde[s][i], ops.var(t.x.first + s * n_in + j)) for s in range(steps)])
                  for j in range(n_in)] for i in range(n_hidden)],
        "w_hh": [[ops.add([ops.mul(tilde[s][i], ops.var(t.prev(s, j))) for s in range(steps)])
                  for j in range(n_hidden)] for i in range(n_hidden)],
        "b": [ops.add([tilde[s][i] for s in range(steps)]) for i in range(n_hidden)],
        "h0": [ops.add([ops.mul(w_hh(i, j), tilde[0][i]) for i in range(n_hidden)]) for j in range(n_hidden)],
    }
    return Bptt(delta, tilde, grads)


def preactivations(cfg: RnnConfig, t: RnnTensors, ops: Ops) -> list[list[Any]]:
    """a_t_i = Σ_j w_ih_i_j·x_t_j + Σ_j w_hh_i_j·h_{t−1}_j + b_i, in the symbols h_{t−1}."""
    steps, n_in, n_hidden = cfg.steps, cfg.input_size, cfg.hidden
    return [[ops.add(
        [ops.mul(ops.var(t.w_ih.first + i * n_in + j), ops.var(t.x.first + s * n_in + j)) for j in range(n_in)]
        + [ops.mul(ops.var(t.w_hh.first + i * n_hidden + j), ops.var(t.prev(s, j))) for j in range(n_hidden)]
        + [ops.var(t.b.first + i)]
    ) for i in range(n_hidden)] for s in range(steps)]


# ---------------------------------------------------------------------------
# The proofs


@dataclass
class Unrolled:
    """The forward-mode total derivatives dh_t/dp (per step: per unit, {parameter: Poly})
    and the VJP Σ_t g_tᵀ·dh_t/dp of the unrolled graph (flat over the parameters)."""

    total: list[list[dict[int, Poly]]]
    vjp: list[Poly]


def unrolled_vjp(cfg: RnnConfig, t: RnnTensors) -> Unrolled:
    """Differentiate the unrolled graph forward, step by step, with the calculus's Jacobians of
    each step's pre-activation: dh_t/dp = s_t ∘ (∂a_t/∂p + ∂a_t/∂h_{t−1}·dh_{t−1}/dp)."""
    ops = PolyOps(t)
    n_hidden, n_params = cfg.hidden, t.n_parameters
    pre = preactivations(cfg, t, ops)
    total: list[list[dict[int, Poly]]] = []
    vjp = [Poly() for _ in range(n_params)]
    for s in range(cfg.steps):
        progress.report("proof: unrolled graph", s, cfg.steps)
        direct = jacobian(pre[s], (n_hidden,), 0, (n_params,))
        rows: list[dict[int, Poly]] = [{} for _ in range(n_hidden)]
        for (i, p), poly in direct.entries.items():
            rows[i][p] = Poly(poly)
        if s > 0:
            through = jacobian(pre[s], (n_hidden,), t.prev(s, 0), (n_hidden,))
            for (i, j), poly in through.entries.items():
                for p, earlier in total[s - 1][j].items():
                    rows[i].setdefault(p, Poly()).add(multiply(poly, earlier))
        step = []
        for i in range(n_hidden):
            slope, up = ops.slope(s, i), ops.var(t.g.first + s * n_hidden + i)
            entry = {p: multiply(slope, poly) for p, poly in rows[i].items() if poly}
            for p, poly in entry.items():
                vjp[p].add(multiply(up, poly))
            step.append(entry)
        total.append(step)
    return Unrolled(total, vjp)


def flat_grads(grads: dict[str, Any]) -> list[Any]:
    """The gradients in parameter-id order (x, W_ih, W_hh, b, h0, each row-major)."""
    return [e for key in PARAMETERS for e in np.asarray(as_array(grads[key])).reshape(-1)]


def prove_bptt(cfg: RnnConfig, recursion: Callable[[RnnConfig, RnnTensors, Ops], Bptt] = bptt) -> tuple[Check, Unrolled]:
    """BPTT (``recursion``, in polynomials) against the unrolled graph's VJP, exactly."""
    t = make_tensors(cfg, slopes=True)
    unrolled = unrolled_vjp(cfg, t)
    progress.report("proof: BPTT", 0, 1)
    ours = flat_grads(recursion(cfg, t, PolyOps(t)).grads)
    names = t.table.names
    mismatch = next((f"dL/d{names[p]} from BPTT differs from the unrolled graph's VJP"
                     for p, (a, b) in enumerate(zip(ours, unrolled.vjp)) if Poly(a) != b), None)
    check = Check(
        "bptt_equals_unrolled_vjp",
        "every gradient by backpropagation through time (δ_t = g_t + W_hhᵀ·δ̃_{t+1}, δ̃_t = "
        "δ_t ∘ tanh′(a_t); dW_ih = Σ δ̃_t·x_tᵀ, dW_hh = Σ δ̃_t·h_{t−1}ᵀ, db = Σ δ̃_t, dh0 = "
        "W_hhᵀ·δ̃_1, dx_t = W_ihᵀ·δ̃_t) equals Σ_t g_tᵀ·dh_t/dp, the VJP of the unrolled graph "
        "differentiated forward by the chain rule, dh_t/dp = diag(tanh′(a_t))·(∂a_t/∂p + "
        "W_hh·dh_{t−1}/dp): identical polynomials in independent symbols x, W_ih, W_hh, b, h0, "
        "g, h_t and s_t = tanh′(a_t), so equal at h_t = tanh(a_t) for every value",
        mismatch is None,
        mismatch,
    )
    return check, unrolled


def tanh_check() -> Check:
    """SymPy's d/da tanh(a) is the rule table's tanh′ = 1 − tanh(a)²."""
    import sympy

    a = sympy.Symbol("a", real=True)
    rule = RULES["tanh"]
    holds = sympy.simplify(derivative(rule.sympy_value(a), a) - rule.sympy_slope(a)) == 0
    holds = holds and rule.sympy_slope(a) == 1 - sympy.tanh(a) ** 2
    return Check(
        "tanh_derivative_is_one_minus_square",
        "d tanh(a)/da = 1 − tanh(a)², so tanh′(a_t) = 1 − h_t² (SymPy's derivative equals the "
        "rule table's slope)",
        bool(holds),
        None if holds else "d tanh(a)/da differs from 1 − tanh(a)²",
    )


# ---------------------------------------------------------------------------
# Numbers: exact values, and an independent plain pass with forward-mode dual numbers


def rnn_numbers(values: dict[str, np.ndarray], make: Callable[[Any, str, int], Any]) -> list[list[Any]]:
    """h_1 … h_T for numbers or dual numbers: ``make(value, role, flat index)`` lifts each
    given number (x, W_ih, W_hh, b, h0); tanh from the rule table."""
    lifted = {role: [make(v, role, k) for k, v in enumerate(values[role].reshape(-1))] for role in PARAMETERS}
    steps, n_in = values["input"].shape
    n_hidden = values["h0"].shape[0]
    h = lifted["h0"]
    out = []
    for s in range(steps):
        a = []
        for i in range(n_hidden):
            total = lifted["b"][i]
            for j in range(n_in):
                total = total + lifted["w_ih"][i * n_in + j] * lifted["input"][s * n_in + j]
            for j in range(n_hidden):
                total = total + lifted["w_hh"][i * n_hidden + j] * h[j]
            a.append(total)
        h = [apply_rule("tanh", v) for v in a]
        out.append(h)
    return out


def mp_value(value: Any, cache: dict[Any, Any] | None = None) -> Any:
    """An exact number (int, Fraction or SymPy expression of rationals, +, ·, powers and tanh)
    as an mpmath number at the working precision; shared subexpressions (the nested states)
    are evaluated once."""
    import mpmath

    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if isinstance(value, (int, mpmath.mpf)):
        return mpmath.mpf(value)
    if cache is None:
        cache = {}
    found = cache.get(value)
    if found is not None:
        return found
    if value.is_Rational:
        out = mpmath.mpf(int(value.p)) / int(value.q)
    elif value.is_Add:
        out = mpmath.fsum(mp_value(a, cache) for a in value.args)
    elif value.is_Mul:
        out = mpmath.fprod(mp_value(a, cache) for a in value.args)
    elif value.is_Pow:
        out = mp_value(value.base, cache) ** mp_value(value.exp, cache)
    elif isinstance(value, exact_tanh()):
        out = value.mp(mpmath.mp.prec)
    elif value.func.__name__ == "tanh":
        out = mpmath.tanh(mp_value(value.args[0], cache))
    else:
        import sympy

        out = mpmath.mpf(sympy.N(value, DUAL_DIGITS + 5))
    cache[value] = out
    return out


_EXACT_TANH: list[Any] = []


def exact_tanh() -> Any:
    """SymPy's tanh for exact non-rational arguments (the nested states), with its numeric
    value remembered: printing sorts terms by their numeric values, and SymPy's evalf would
    otherwise evaluate every nested state again at every level. Prints as ``tanh``."""
    if not _EXACT_TANH:
        import mpmath
        import sympy

        remembered: dict[tuple[Any, int], Any] = {}

        class tanh(sympy.tanh):  # noqa: N801  (the printed name)
            def mp(self, prec: int) -> Any:
                key = (self, prec)
                found = remembered.get(key)
                if found is None:
                    if len(remembered) > 100_000:
                        remembered.clear()
                    with mpmath.workprec(prec + 20):
                        found = mpmath.tanh(mp_value(self.args[0]))
                    remembered[key] = found
                return found

            def _eval_evalf(self, prec: int) -> Any:
                return sympy.Float(self.mp(prec), precision=prec)

        _EXACT_TANH.append(tanh)
    return _EXACT_TANH[0]


def folded_value(expr: Any, point: dict[Any, Any], cache: dict[Any, Any]) -> Any:
    """``expr`` with every symbol replaced by its exact value from ``point``, the rational
    parts folded and the rest kept unevaluated: tanh of a non-rational argument stays
    ``tanh(…)``. (SymPy's own substitution would ask the sign of every nested tanh, which
    costs a numeric evaluation each time.) Shared subexpressions are built once."""
    import sympy
    from sympy.core.mul import _keep_coeff

    found = cache.get(expr)
    if found is not None:
        return found
    out: Any
    if expr.is_Symbol:
        out = point[expr]
    elif expr.is_Number:
        out = expr
    elif expr.is_Add or expr.is_Mul:
        args = [folded_value(a, point, cache) for a in expr.args]
        rational = [a for a in args if a.is_Rational]
        other = [a for a in args if not a.is_Rational]
        if expr.is_Add:
            c = sympy.Add(*rational)
            parts = other + ([c] if c != 0 else [])
            out = c if not other else sympy.Add(*parts)
        else:
            c = sympy.Mul(*rational)
            if c == 0 or not other:
                out = c
            elif len(other) == 1:
                out = _keep_coeff(c, other[0])
            else:
                out = _keep_coeff(c, sympy.Mul(*other, evaluate=False))
    elif expr.is_Pow:
        base, exp = folded_value(expr.base, point, cache), folded_value(expr.exp, point, cache)
        rational = base.is_Rational and exp.is_Integer and (base != 0 or exp >= 0)
        out = base**exp if rational else sympy.Pow(base, exp)
    elif expr.func == sympy.tanh:
        arg = folded_value(expr.args[0], point, cache)
        out = sympy.tanh(arg) if arg.is_Rational else exact_tanh()(arg, evaluate=False)
    else:
        out = expr.xreplace(point)
    cache[expr] = out
    return out


@dataclass
class RnnEvaluation(Evaluation):
    """Also the exact values of every symbol (the hidden states included) as ``point``."""

    point: dict[Any, Any] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)

    def exact(self, elem: Any) -> Any:
        """The exact value of a symbolic element at the point (int, Fraction or SymPy)."""
        import sympy

        return simplify_number(folded_value(sympy.sympify(elem), self.point, self.cache))


class RnnDerivation(Derivation):
    """The RNN: the BPTT pieces and pre-activations; exact evaluation by substitution."""

    rnn_cfg: RnnConfig
    bptt: Bptt
    preactivation: np.ndarray  # a_t = W_ih x_t + W_hh h_{t-1} + b, per step
    value_options = tuple(OPTIONS)

    def _parse(self, given: dict[str, Any], seed: int | None) -> tuple[dict[str, Values], list[str]]:
        unknown = sorted(set(given) - set(OPTIONS))
        if unknown:
            raise SpecError("values.unknown_option", got=repr(unknown[0]), command="rnn",
                            choices=", ".join(sorted(OPTIONS)))
        parsed: dict[str, Values] = {}
        missing = []
        for option, role in OPTIONS.items():
            text = given.get(option, DEFAULTS.get(option))
            if text is None:
                missing.append(option)
                continue
            parsed[role] = parse_values(text, self.symbols[role].shape, option_name(option), seed=seed)
        return parsed, missing

    def evaluate_given(self, seed: int | None = None, **given: Any) -> Evaluation:
        """Evaluate exactly at the given values (``x``, ``w_ih``, ``w_hh``, ``b``; ``h0``
        defaults to zeros and ``g`` to ones); also the dual-number check."""
        remembered: tuple[dict[str, Any], int | None] = getattr(self, "_given_values", ({}, None))
        built, built_seed = remembered
        given = {**built, **{k: v for k, v in given.items() if v is not None}}
        parsed, missing = self._parse(given, built_seed if seed is None else seed)
        if missing:
            raise SpecError("values.needs", params=missing)
        return self._evaluate(parsed)

    def with_values(self, seed: int | None = None, **given: Any) -> Derivation:
        values = {k: v for k, v in given.items() if v is not None}
        if not values:
            return self
        self._given_values = (values, seed)
        _, missing = self._parse(values, seed)
        if missing:
            raise SpecError("values.needs_also", params=missing, given_params=list(values))
        with progress.step("numeric check at the given values"):
            self.numeric = self.evaluate_given(seed=seed)
        return self

    def _evaluate(self, parsed: dict[str, Values]) -> RnnEvaluation:
        values, point = self.exact_point(parsed)
        symbols = self.table.symbols()
        # The hidden states, exactly: tanh of exact numbers stays symbolic (tanh(1)).
        ev = RnnEvaluation(values, np.empty(0), {}, {}, {}, any(v.decimal for v in parsed.values()), point=point)
        hidden = self.symbols["hidden"]
        for k, elem in enumerate(self.forward_elems.reshape(-1)):
            point[symbols[hidden.first + k]] = folded_value(elem, point, ev.cache)
        value = ev.exact

        def each(arr: np.ndarray) -> np.ndarray:
            out = np.empty(arr.shape, dtype=object)
            for index in np.ndindex(arr.shape):
                out[index] = value(arr[index])
            return out

        ev.forward_values = each(self.forward_elems)
        ev.jacobian_values = {role: {key: value(e) for key, e in jac.entries.items()}
                              for role, jac in self.jacobians.items()}
        ev.grad_values = {role: each(arr) for role, arr in self.grad_elems.items()}
        ev.jacobian_shapes = {r: (j.out_shape, j.wrt_shape) for r, j in self.jacobians.items()}
        ev.checks.append(self._dual_check(ev))
        return ev

    def _dual_check(self, ev: RnnEvaluation) -> Check:
        """Forward-mode dual numbers (every x, W_ih, W_hh, b, h0 seeded) through
        :func:`rnn_numbers`: the states, ∂h/∂x, and every gradient Σ_t g_t·∂h_t/∂p as the
        tangent of the dual L = Σ g·h (a difference there is the known mismatch)."""
        import mpmath

        progress.report("numeric check", 0, 1)
        cache: dict[Any, Any] = {}
        with mpmath.workdps(DUAL_DIGITS):
            near = within(TOLERANCE, mpmath.mpf(10) ** (-DUAL_DIGITS // 2))

            def close(symbolic: Any, numeric: Any) -> bool:
                return near(mp_value(symbolic, cache), mpmath.mpf(numeric))

            states = rnn_numbers(ev.values, lambda v, role, k: Dual(mp_value(v), {(role, k): 1}))
            flat = [Dual.lift(h) for row in states for h in row]
            forward = ev.forward_values.reshape(-1)
            mismatch = ("the hidden states differ from the numeric forward pass"
                        if any(not close(forward[o], d.value) for o, d in enumerate(flat))
                        else self._gradient_mismatch(ev, flat, close))
            return autodiff_check(
                f"the hidden states, ∂h/∂x and every gradient at the given values equal forward-mode "
                f"dual-number differentiation of an independent numeric RNN pass ({DUAL_DIGITS}-digit "
                f"mpmath, within {TOLERANCE:g} relative)",
                ev.jacobian_values,
                tangent_jacobians(flat, ev.jacobian_values),
                close,
                known_mismatch=mismatch,
            )

    def _gradient_mismatch(self, ev: RnnEvaluation, flat: list[Dual],
                           close: Callable[[Any, Any], bool]) -> str | None:
        """The first gradient dL/dp (every parameter p) that differs from the tangent of the
        dual L = Σ g·h, keyed by the parameter's symbol id, or None."""
        upstream = [mp_value(v) for v in ev.values["upstream"].reshape(-1)]
        loss = Dual(0)
        for u, d in zip(upstream, flat):
            loss = loss + d * u
        numeric = tangent_jacobians([loss], PARAMETERS)
        symbolic: dict[tuple[int, int], Any] = {}
        dual: dict[tuple[int, int], Any] = {}
        for role in PARAMETERS:
            first = self.symbols[role].first
            symbolic.update({(0, first + k): g for k, g in enumerate(ev.grad_values[role].reshape(-1))})
            dual.update({(0, first + k): v for (_, k), v in numeric[role].items()})
        bad = first_mismatch(symbolic, dual, close)
        if bad is None:
            return None
        (_, v), a, b = bad
        return f"dL/d{self.table.names[v]} is {a} symbolically but {b} numerically"


def as_array(nested: Any) -> np.ndarray:
    flat: list[Any] = []
    shape: list[int] = []

    def walk(item: Any, depth: int) -> None:
        if isinstance(item, list):
            if len(shape) <= depth:
                shape.append(len(item))
            for sub in item:
                walk(sub, depth + 1)
        else:
            flat.append(item)

    walk(nested, 0)
    return object_array(flat, shape)


def unrolled(d: RnnDerivation) -> np.ndarray:
    """The fully expanded forward: each h_t in x, W_ih, W_hh, b and h0 only (grows like
    H^(t−1); for small sizes or ``--full``)."""
    symbols = d.table.symbols()
    hidden = d.symbols["hidden"]
    known: dict[Any, Any] = {}
    out = np.empty(d.forward_elems.shape, dtype=object)
    for k, elem in enumerate(d.forward_elems.reshape(-1)):
        known[symbols[hidden.first + k]] = out.reshape(-1)[k] = elem.xreplace(known)
    return out


def derive_rnn(cfg: RnnConfig, recursion: Callable[[RnnConfig, RnnTensors, Ops], Bptt] = bptt) -> RnnDerivation:
    """Forward (step form), ∂h/∂x, BPTT gradients, and the proofs."""
    t = make_tensors(cfg)
    ops = SympyOps(t)
    tanh = RULES["tanh"].sympy_value
    pre = preactivations(cfg, t, ops)
    forward = as_array([[tanh(a) for a in row] for row in pre])
    check, unrolled_graph = prove_bptt(cfg, recursion)
    back = bptt(cfg, t, ops)
    # ∂h_t/∂x_s from the proof's total derivatives, with s → 1 − h² (the proved tanh′).
    proof_tensors = make_tensors(cfg, slopes=True)
    assert proof_tensors.s is not None
    names = [*ops.symbols, *(ops.slope(s, i) for s in range(cfg.steps) for i in range(cfg.hidden))]
    n_x = t.x.size
    entries = {}
    for s, step in enumerate(unrolled_graph.total):
        for i, row in enumerate(step):
            for p, poly in sorted(row.items()):
                if p < n_x:
                    entries[(s * cfg.hidden + i, p)] = to_sympy(poly, names)
    shape = (cfg.steps, cfg.hidden)
    d = RnnDerivation(
        command="rnn",
        config=cfg.to_json(),
        table=t.table,
        symbols=t.as_dict(),
        forward=forward,
        jacobians={"input": SparseJacobian(shape, t.x.shape, dict(sorted(entries.items())))},  # type: ignore[arg-type]
        grads={key: as_array(back.grads[key]) for key in PARAMETERS},
        checks=[tanh_check(), check],
        model=NumericModel({option_name(o)[2:]: r for o, r in OPTIONS.items()},
                           lambda pt: as_array(rnn_numbers(pt, lambda v, _r, _k: v)), degree=None,
                           defaults={"h0": "zeros", "upstream": "ones"}),
        title=("title.rnn", {"steps": cfg.steps, "input_size": cfg.input_size, "hidden": cfg.hidden}),
        setup=[
            ("rnn.setup", {"steps": cfg.steps, "input_size": cfg.input_size, "hidden": cfg.hidden}),
            ("rnn.bias", {}),
            ("rnn.names", {}),
            ("rnn.defaults", {}),
        ],
        output_letter="h",
    )
    d.preactivation = as_array(pre)
    d.rnn_cfg = cfg
    d.bptt = back
    return d


# ---------------------------------------------------------------------------
# The public function


def rnn_cost(cfg: RnnConfig, *, values: bool = False) -> Cost:
    """The proof's path terms (:meth:`RnnConfig.work`); with values, the exact evaluation
    substitutes into expressions of the same size and the check seeds every parameter."""
    work = cfg.work()
    cost = MLP_TERM * work
    if values:
        cost += MLP_TERM * work + CHECK_ENTRY * (cfg.steps * cfg.hidden * cfg.parameters)
    return cost + render_cost(work)


def rnn(
    steps: int | None = None,
    input_size: int | None = None,
    hidden: int | None = None,
    *,
    x: Any = None,
    w_ih: Any = None,
    w_hh: Any = None,
    b: Any = None,
    h0: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive an Elman RNN (tanh) over ``steps`` steps: forward, BPTT gradients wrt the
    inputs, W_ih, W_hh, b and h0, and the proof that BPTT is the unrolled graph's VJP.

    Values: ``x`` (T×I), ``w_ih`` (H×I), ``w_hh`` (H×H), ``b`` (H, = PyTorch's b_ih + b_hh),
    ``h0`` (H, default zeros), ``g`` (T×H, dL/dh_t, default ones).

    >>> rnn(steps=2, input_size=1, hidden=1, x=[[1], [0]], w_ih=[[1]], w_hh=[[0]], b=[0]).numeric.forward.tolist()
    [[tanh(1)], [0]]
    """
    cfg = rnn_config(steps, input_size, hidden)
    admit(rnn_cost(cfg, values=given(x, w_ih, w_hh, b, h0, g)), max_terms, "this RNN")
    return derive_rnn(cfg).with_values(seed=seed, x=x, w_ih=w_ih, w_hh=w_hh, b=b, h0=h0, g=g)
