"""A small multi-layer perceptron: symbolic output and its gradients by the chain rule.

Layer l (1-based) maps the n_{l−1} activations of the layer before to n_l
pre-activations, then (hidden layers only) applies the activation σ:

    z_l,j = Σ_i a_{l−1},i · w_l,i,j (+ b_l,j),    a_l,j = σ(z_l,j),    a_0 = x,
    out = z_L   (the output layer is linear, as in the usual nn.Sequential MLP)

``w_l_i_j`` is the weight of layer l from unit i to unit j: the weight matrix of
layer l is n_{l−1} × n_l, the transpose of ``torch.nn.Linear(n_{l−1}, n_l).weight``.

Backward, layer by layer, with d_l,j = ∂out/∂z_l,j:

    d_L = 1 (for each output),   d_l,j = σ′(z_l,j) · Σ_k w_{l+1},j,k · d_{l+1},k,
    ∂out/∂w_l,i,j = a_{l−1},i · d_l,j,   ∂out/∂b_l,j = d_l,j,   ∂out/∂x_i = Σ_j w_1,i,j · d_1,j.

Without an activation the network is a polynomial map and the engine's
:class:`~gradsym.poly.Poly` carries everything; with one, SymPy expressions do.
The check ``chain_rule_matches_differentiation`` compares every chain-rule
result with the derivative of the whole output expression; with values,
``jacobian_matches_autodiff_numeric`` compares them with forward-mode dual
numbers pushed through an independent plain-Python forward pass.

relu′(0) = 0, as in PyTorch: the derivative of ``Max(0, z)`` is ``Heaviside(z, 0)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import admit, mlp_cost
from gradsym.calculus import SparseJacobian, derivative
from gradsym.derivation import Derivation, Evaluation, LazyMapping, _sympy_array
from gradsym.errors import SpecError, Verbatim
from gradsym.numeric import (
    Dual,
    apply_rule,
    autodiff_check,
    object_array,
    simplify_number,
    tangent_jacobians,
    within,
)
from gradsym.poly import Poly, VarTable, differentiate, evaluate, multiply
from gradsym.proofs import Check
from gradsym.rules import RULES
from gradsym.spec import Values, parse_values
from gradsym.spec.mlp import MlpConfig as MlpConfig
from gradsym.spec.mlp import mlp_config as mlp_config
from gradsym.spec.mlp import parse_at
from gradsym.symbols import Tensor

# Working precision of the forward-mode check for sigmoid/tanh (decimal digits).
DUAL_DIGITS = 30
TOLERANCE = 1e-12


# ---------------------------------------------------------------------------
# Configuration


# ---------------------------------------------------------------------------
# The algebra of one derivation: Poly without an activation, SymPy with one


class PolyAlgebra:
    """Elements are :class:`Poly` (the network is a polynomial map)."""

    polynomial = True

    def var(self, v: int) -> Poly:
        return Poly({(v,): 1})

    def const(self, c: int) -> Poly:
        return Poly({(): c}) if c else Poly()

    def add(self, terms: Sequence[Poly]) -> Poly:
        out = Poly()
        for term in terms:
            out.add(term)
        return out

    def mul(self, a: Poly, b: Poly) -> Poly:
        return multiply(a, b)

    def act(self, z: Poly) -> Poly:
        return z

    def act_prime(self, z: Poly) -> Poly:
        return self.const(1)

    def diff(self, e: Poly, v: int) -> Poly:
        return differentiate(e, v)

    def equal(self, a: Poly, b: Poly) -> bool:
        return a == b

    def is_zero(self, e: Poly) -> bool:
        return not e


def sympy_rules() -> dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]]:
    """σ and σ′ per activation, from the rule table (the chain rule never asks SymPy to
    differentiate)."""
    return {name: (RULES[name].sympy_value, RULES[name].sympy_slope)
            for name in ("relu", "sigmoid", "tanh")}


class SympyAlgebra:
    """Elements are SymPy expressions over the derivation's symbols."""

    polynomial = False

    def __init__(self, activation: str, symbols: list[Any]) -> None:
        import sympy

        self.sympy = sympy
        self.symbols = symbols
        self.act, self.act_prime = sympy_rules()[activation]

    def var(self, v: int) -> Any:
        return self.symbols[v]

    def const(self, c: int) -> Any:
        return self.sympy.Integer(c)

    def add(self, terms: Sequence[Any]) -> Any:
        return self.sympy.Add(*terms)

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def diff(self, e: Any, v: int) -> Any:
        return derivative(e, self.symbols[v])  # relu′(0) = 0, as PyTorch

    def equal(self, a: Any, b: Any) -> bool:
        # The two sides differ only in how products of sums are grouped, so distributing
        # products (the mul hint) is enough; exp(a + b) → exp(a)·exp(b) and multinomial powers
        # would multiply the work many times over. Expanding never changes the value, so
        # fewer hints can only miss an equality, never invent one: then retry with all hints.
        expand = self.sympy.expand
        diff = a - b
        if diff == 0 or expand(diff, power_exp=False, power_base=False, multinomial=False, log=False) == 0:
            return True
        return bool(expand(diff) == 0)

    def is_zero(self, e: Any) -> bool:
        return bool(e == 0)


Algebra = PolyAlgebra | SympyAlgebra


# ---------------------------------------------------------------------------
# Symbols


@dataclass
class MlpTensors:
    """The input x and, per layer, the weights w_l (n_{l−1} × n_l) and biases b_l."""

    table: VarTable
    input: Tensor
    weights: list[Tensor]
    biases: list[Tensor]

    def named(self) -> dict[str, Tensor]:
        """``{"x": …, "w_1": …, "b_1": …, "w_2": …}`` in id order."""
        out = {"x": self.input}
        for layer, w in enumerate(self.weights, 1):
            out[f"w_{layer}"] = w
            if self.biases:
                out[f"b_{layer}"] = self.biases[layer - 1]
        return out


def make_tensors(cfg: MlpConfig) -> MlpTensors:
    table = VarTable()
    x = Tensor.create(table, "x", (cfg.widths[0],))
    weights, biases = [], []
    for layer in range(1, cfg.depth + 1):
        n_in, n_out = cfg.widths[layer - 1], cfg.widths[layer]
        ids = table.block("w", [(layer, i, j) for i in range(1, n_in + 1) for j in range(1, n_out + 1)])
        weights.append(Tensor("w", (n_in, n_out), ids[0], table))
        if cfg.bias:
            ids = table.block("b", [(layer, j) for j in range(1, n_out + 1)])
            biases.append(Tensor("b", (n_out,), ids[0], table))
    return MlpTensors(table, x, weights, biases)


# ---------------------------------------------------------------------------
# The chain rule, layer by layer


@dataclass
class Network:
    """Every intermediate of the symbolic forward and backward passes.

    ``z[l]``/``a[l]`` are lists over units (``a[0]`` is the input, ``z[0]`` unused);
    ``d[k][l][j]`` = ∂out_k/∂z_l,j; ``grads[k]`` maps ``input`` and every weight/bias
    element name to ∂out_k/∂(that).
    """

    z: list[list[Any]]
    a: list[list[Any]]
    d: list[list[list[Any]]]
    grads: list[dict[str, Any]]


def chain_rule(cfg: MlpConfig, t: MlpTensors, alg: Algebra) -> Network:
    """Forward pass, then backward per output: d_l = σ′(z_l) ⊙ (W_{l+1} d_{l+1})."""
    names = t.table.names
    a: list[list[Any]] = [[alg.var(v) for v in t.input.flat_ids()]]
    z: list[list[Any]] = [[]]
    for layer in range(1, cfg.depth + 1):
        progress.report("forward pass", layer - 1, cfg.depth)
        w = t.weights[layer - 1].ids
        z_l = []
        for j in range(cfg.widths[layer]):
            terms = [alg.mul(a[layer - 1][i], alg.var(int(w[i, j]))) for i in range(cfg.widths[layer - 1])]
            if t.biases:
                terms.append(alg.var(int(t.biases[layer - 1].ids[j])))
            z_l.append(alg.add(terms))
        z.append(z_l)
        a.append([alg.act(v) for v in z_l] if layer < cfg.depth else z_l)
    ds: list[list[list[Any]]] = []
    grads: list[dict[str, Any]] = []
    for k in range(cfg.widths[-1]):
        d: list[list[Any]] = [[] for _ in range(cfg.depth + 1)]
        d[cfg.depth] = [alg.const(1 if j == k else 0) for j in range(cfg.widths[-1])]
        for layer in range(cfg.depth - 1, 0, -1):
            # per output, the layers from the top down
            progress.report("backward pass", k * cfg.depth + cfg.depth - 1 - layer, cfg.widths[-1] * cfg.depth)
            w_next = t.weights[layer].ids
            d[layer] = [
                alg.mul(alg.act_prime(z[layer][j]), alg.add([
                    alg.mul(alg.var(int(w_next[j, m])), d[layer + 1][m])
                    for m in range(cfg.widths[layer + 1]) if not alg.is_zero(d[layer + 1][m])
                ]))
                for j in range(cfg.widths[layer])
            ]
        grad: dict[str, Any] = {}
        w1 = t.weights[0].ids
        grad["input"] = [
            alg.add([alg.mul(alg.var(int(w1[i, j])), d[1][j])
                     for j in range(cfg.widths[1]) if not alg.is_zero(d[1][j])])
            for i in range(cfg.widths[0])
        ]
        for layer in range(1, cfg.depth + 1):
            w = t.weights[layer - 1].ids
            for i in range(cfg.widths[layer - 1]):
                for j in range(cfg.widths[layer]):
                    grad[names[int(w[i, j])]] = alg.mul(a[layer - 1][i], d[layer][j])
            if t.biases:
                for j, v in enumerate(t.biases[layer - 1].flat_ids()):
                    grad[names[v]] = d[layer][j]
        ds.append(d)
        grads.append(grad)
    return Network(z, a, ds, grads)


def differentiation_check(cfg: MlpConfig, t: MlpTensors, alg: Algebra, net: Network) -> Check:
    """Every chain-rule result equals the derivative of the whole output expression."""
    names = t.table.names
    mismatch = None
    for k, out in enumerate(net.a[cfg.depth]):
        progress.report("proof: differentiation", k, cfg.widths[-1])
        grad = net.grads[k]
        for i, v in enumerate(t.input.flat_ids()):
            if not alg.equal(grad["input"][i], alg.diff(out, v)):
                mismatch = f"∂out/∂{names[v]} differs"
                break
        for v in range(t.input.first + t.input.size, len(names)):
            if mismatch is None and not alg.equal(grad[names[v]], alg.diff(out, v)):
                mismatch = f"∂out/∂{names[v]} differs"
        if mismatch:
            break
    return Check(
        "chain_rule_matches_differentiation",
        "every ∂out/∂(input, weight, bias) found by the chain rule, layer by layer, equals the "
        "derivative of the whole output expression",
        mismatch is None,
        mismatch,
    )


# ---------------------------------------------------------------------------
# Numbers: an independent plain-Python forward pass, and forward-mode dual numbers


def numeric_activation(name: str) -> Callable[[Any], Any]:
    """σ on numbers (exact Fractions, mpmath floats) and on dual numbers, from the rule table."""
    if name == "none":
        return lambda v: v
    return lambda v: apply_rule(name, v)


def network_forward(
    x: Sequence[Any], weights: Sequence[Any], biases: Sequence[Any] | None, act: Callable[[Any], Any]
) -> list[Any]:
    """out for plain numbers or dual numbers: a_l = σ(a_{l−1}·W_l + b_l), linear last layer."""
    a = list(x)
    for layer, w in enumerate(weights):
        z = []
        for j in range(len(w[0])):
            total: Any = biases[layer][j] if biases else 0
            for i in range(len(a)):
                total = total + a[i] * w[i][j]
            z.append(total)
        a = [act(v) for v in z] if layer < len(weights) - 1 else z
    return a


# ---------------------------------------------------------------------------
# The derivation


@dataclass
class MlpEvaluation(Evaluation):
    """Also ``gradient_values`` (as ``MlpDerivation.gradients``) and per-layer z, a, d values."""

    gradient_values: dict[str, np.ndarray] = field(default_factory=dict)
    layer_values: list[dict[str, np.ndarray]] = field(default_factory=list)

    @property
    def gradients(self) -> Any:
        """Exact ∂out/∂(input, every weight and bias element) at the given values."""
        from gradsym.derivation import _number_to_sympy

        return LazyMapping(
            list(self.gradient_values),
            lambda n: _sympy_array(self.gradient_values[n], _number_to_sympy),
        )


class MlpDerivation(Derivation):
    """A :class:`Derivation` with ``gradients`` (per name) and ``--at`` style evaluation.

    ``d.gradients["input"]`` is ∂out/∂x (shape output + (n_0,)); ``d.gradients["w_1_1_2"]``
    is ∂out/∂w_1_1_2 (shape of the output). ``d.evaluate(x=[2], w_1=[[1, 2]], w_2_1_1=3, …)``
    takes the ``--at`` names as keywords.
    """

    def __init__(
        self, *, cfg: MlpConfig, tensors: MlpTensors, algebra: Algebra, network: Network,
        gradient_elems: dict[str, np.ndarray], **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cfg = cfg
        self.tensors = tensors
        self.algebra = algebra
        self.network = network
        self.gradient_elems = gradient_elems
        self.numeric: MlpEvaluation | None = None

    @property
    def gradients(self) -> Any:
        """SymPy ∂out/∂(input, every weight and bias element), built on first access."""
        return LazyMapping(
            list(self.gradient_elems),
            lambda n: _sympy_array(self.gradient_elems[n], self.to_sympy),
        )

    # -- values ------------------------------------------------------------------
    def value_names(self) -> dict[str, tuple[str, int | None]]:
        """Every name ``--at`` accepts → (tensor name, flat element index or None)."""
        out: dict[str, tuple[str, int | None]] = {}
        for name, tensor in self.tensors.named().items():
            out[name] = (name, None)
            for i, v in enumerate(tensor.flat_ids()):
                out[self.table.names[v]] = (name, i)
        return out

    def evaluate_given(self, seed: int | None = None, **given: Any) -> MlpEvaluation:
        """Evaluate exactly at ``--at`` values: whole tensors (``x``, ``w_1``, ``b_2``) or
        elements (``w_1_1_2``); an element's value overrides its tensor's. Every
        element needs a value."""
        parsed, missing = self._parse_at(given, seed)
        if missing:
            raise SpecError("mlp.needs", **self._missing_facts(missing))
        return self._evaluate_at(parsed)

    def with_at(self, seed: int | None = None, **given: Any) -> MlpDerivation:
        """Attach a numeric evaluation when values are given (``mlp(at=…)`` and the CLI).

        Given values are always validated; when some tensor still lacks values, a
        SpecError names them (as the other commands do with partial values).
        """
        if not given:
            return self
        parsed, missing = self._parse_at(given, seed)
        if missing:
            raise SpecError("mlp.needs_also", **self._missing_facts(missing))
        return self.attach_numeric(lambda: self._evaluate_at(parsed))

    def _parse_at(self, given: dict[str, Any], seed: int | None) -> tuple[dict[str, Values], list[str]]:
        """Validated values per tensor name, and the tensors that still lack some."""
        known = self.value_names()
        named = self.tensors.named()
        flat: dict[str, list[Any]] = {name: [None] * t.size for name, t in named.items()}
        decimal = False
        # Whole tensors first, so that single elements can override them.
        for name, text in sorted(given.items(), key=lambda kv: kv[0] in known and known[kv[0]][1] is not None):
            if name not in known:
                label = Verbatim(f"--at {name}")
                raise SpecError("mlp.at_unknown" if self.cfg.bias else "mlp.at_unknown_bias",
                                param=label, **self._names_facts())
            tensor_name, index = known[name]
            shape = named[tensor_name].shape if index is None else ()
            layout = None
            if index is None and tensor_name.startswith("w"):
                rows, cols = shape
                layout = (tensor_name, rows, cols)
            values = parse_values(text, shape, f"--at {name}", seed=seed, weight_layout=layout)
            decimal = decimal or values.decimal
            if index is None:
                flat[tensor_name] = list(values.flat)
            else:
                flat[tensor_name][index] = values.flat[0]
        missing = [name for name, vals in flat.items() if any(v is None for v in vals)]
        parsed = {name: Values(named[name].shape, tuple(vals), decimal) for name, vals in flat.items()}
        return parsed, missing

    def _missing_facts(self, missing: list[str]) -> dict[str, object]:
        """The facts of a "needs values" error: the missing tensors, and an element of the first."""
        named = self.tensors.named()
        example = self.table.names[named[missing[0]].first]
        return {"at_params": [Verbatim(f"--at {name}=…") for name in missing],
                "example_param": Verbatim(f"--at {example}=…")}

    def _names_facts(self) -> dict[str, object]:
        """The facts of an "unknown name" error: the tensors this network takes."""
        parts = [f"{name} ({'x'.join(map(str, t.shape))})" for name, t in self.tensors.named().items()]
        return {"names": ", ".join(parts), "example": self.table.names[self.tensors.weights[0].first]}

    def _evaluate_at(self, parsed: dict[str, Values]) -> MlpEvaluation:
        named = self.tensors.named()
        point: list[Any] = [None] * len(self.table)
        values: dict[str, np.ndarray] = {}
        for name, val in parsed.items():
            tensor = named[name]
            values["input" if name == "x" else name] = object_array(val.flat, tensor.shape)
            for i, v in enumerate(val.flat):
                point[tensor.first + i] = v
        decimal = any(v.decimal for v in parsed.values())
        value = self._valuer(point)
        jac = self.jacobians["input"]
        ev = MlpEvaluation(
            values,
            _map(self.forward_elems, value),
            {"input": {key: value(e) for key, e in jac.entries.items()}},
            {},
            {"input": (jac.out_shape, jac.wrt_shape)},
            decimal,
            gradient_values={n: _map(arr, value) for n, arr in self.gradient_elems.items()},
            layer_values=[
                {
                    "z": _map(object_array(self.network.z[layer], (-1,)), value),
                    "a": _map(object_array(self.network.a[layer], (-1,)), value),
                    "d": _map(_d_array(self, layer), value),
                }
                for layer in range(1, self.cfg.depth + 1)
            ],
        )
        ev.checks.append(self._dual_check(parsed, ev))
        return ev

    def _valuer(self, point: list[Any]) -> Callable[[Any], Any]:
        """Exact value of one element at the point (SymPy numbers stay exact: tanh(1))."""
        subs: dict[Any, Any] = {}
        if not self.algebra.polynomial:
            import sympy

            subs = {
                s: sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sympy.Integer(v)
                for s, v in zip(self.table.symbols(), point)
            }

        def value(elem: Any) -> Any:
            if isinstance(elem, Poly):
                return simplify_number(evaluate(elem, point))
            if isinstance(elem, (int, Fraction)):
                return simplify_number(elem)
            return simplify_number(elem.xreplace(subs))

        return value

    def _dual_check(self, parsed: dict[str, Values], ev: MlpEvaluation) -> Check:
        """Forward-mode dual numbers through :func:`network_forward`, every element of every
        tensor seeded ``(tensor, flat index)``: the sparse Jacobians of the outputs, compared
        with the symbolic gradients by :func:`autodiff_check` (exact for none/relu, else at
        ``DUAL_DIGITS`` digits within ``TOLERANCE``)."""
        import mpmath

        exact = self.cfg.activation in ("none", "relu")
        with mpmath.workdps(DUAL_DIGITS):
            def number(v: Any) -> Any:
                if exact:
                    return v
                if isinstance(v, Fraction):
                    return mpmath.mpf(v.numerator) / v.denominator
                if isinstance(v, int):
                    return mpmath.mpf(v)
                import sympy

                return mpmath.mpf(sympy.N(v, DUAL_DIGITS))

            equal = None if exact else within(TOLERANCE, mpmath.mpf(10) ** (-DUAL_DIGITS // 2))
            named = self.tensors.named()
            progress.report("numeric check", 0, 1)
            # one forward-mode pass, every variable seeded at once (sparse tangents)
            seeded = {
                name: [Dual.variable(number(c), (name, j)) for j, c in enumerate(parsed[name].flat)]
                for name in named
            }
            out = [Dual.lift(o) for o in self._numeric_forward(seeded, numeric_activation(self.cfg.activation))]
            same = equal or (lambda a, b: bool(a == b))
            outputs = ev.forward_values.reshape(-1).tolist()
            differs = any(not same(number(v), o.value) for v, o in zip(outputs, out))
            n_out = len(out)
            symbolic: dict[str, dict[tuple[int, int], Any]] = {}
            for name, tensor in named.items():
                if name == "x":
                    rows = ev.gradient_values["input"].reshape(n_out, -1)
                    columns = [rows[:, i].tolist() for i in range(tensor.size)]
                else:
                    columns = [ev.gradient_values[self.table.names[v]].reshape(-1).tolist()
                               for v in tensor.flat_ids()]
                symbolic[name] = {(k, i): number(g) for i, col in enumerate(columns) for k, g in enumerate(col)}
            how = "exact" if exact else f"within {TOLERANCE:g} relative"
            return autodiff_check(
                f"∂out/∂(input, every weight and bias) at the given values equal forward-mode dual-number "
                f"differentiation of an independent numeric forward pass ({how})",
                symbolic, tangent_jacobians(out, named), equal,
                known_mismatch="the output differs from the numeric forward pass" if differs else None,
            )

    def _numeric_forward(self, flat: dict[str, list[Any]], act: Callable[[Any], Any]) -> list[Any]:
        cfg = self.cfg
        weights = [
            [flat[f"w_{layer}"][i * cfg.widths[layer] : (i + 1) * cfg.widths[layer]] for i in range(cfg.widths[layer - 1])]
            for layer in range(1, cfg.depth + 1)
        ]
        biases = [flat[f"b_{layer}"] for layer in range(1, cfg.depth + 1)] if cfg.bias else None
        return network_forward(flat["x"], weights, biases, act)


def _map(arr: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        out[index] = fn(arr[index])
    return out


def derive_mlp(cfg: MlpConfig) -> MlpDerivation:
    """The network's output, its gradients by the chain rule, and the checks."""
    t = make_tensors(cfg)
    alg: Algebra = PolyAlgebra() if cfg.activation == "none" else SympyAlgebra(cfg.activation, t.table.symbols())
    net = chain_rule(cfg, t, alg)
    out_shape = cfg.out_shape
    n_out = cfg.widths[-1]
    forward = object_array(net.a[cfg.depth], out_shape)
    names = [n for n in net.grads[0] if n != "input"]
    gradient_elems = {"input": object_array(
        [g for k in range(n_out) for g in net.grads[k]["input"]], out_shape + (cfg.widths[0],))}
    for name in names:
        gradient_elems[name] = object_array([net.grads[k][name] for k in range(n_out)], out_shape)
    entries = {
        (k, i): g
        for k in range(n_out)
        for i, g in enumerate(net.grads[k]["input"])
        if not alg.is_zero(g)
    }
    jac = SparseJacobian(out_shape, (cfg.widths[0],), entries)
    d = MlpDerivation(
        cfg=cfg, tensors=t, algebra=alg, network=net, gradient_elems=gradient_elems,
        command="mlp",
        config=cfg.to_json(),
        table=t.table,
        symbols={"input": t.input},
        forward=forward,
        jacobians={"input": jac},
        grads={},
        checks=[differentiation_check(cfg, t, alg, net)],
    )
    d.title = ("title.mlp", {"layers": "-".join(map(str, cfg.widths)), "activation": cfg.activation})
    d.setup = setup_lines(cfg)
    d.output_letter = "out"
    return d


def setup_lines(cfg: MlpConfig) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = [
        ("setup.mlp", {
            "layers": " → ".join(map(str, cfg.widths)), "depth": cfg.depth,
            "activation": cfg.activation, "bias": "on" if cfg.bias else "off",
        }),
        ("setup.mlp_names", {}),
    ]
    if cfg.activation != "none":
        if cfg.depth == 1:
            lines.append(("setup.mlp_no_hidden", {"activation": cfg.activation}))
        else:
            # relu′(0) = 0 also shows in every expression: Heaviside(z, 0).
            lines.append((f"setup.mlp_{cfg.activation}", {}))
    return lines


def _d_array(d: MlpDerivation, layer: int) -> np.ndarray:
    """d_l as an array: (n_l,) for one output, (n_L, n_l) otherwise."""
    rows = [dk[layer] for dk in d.network.d]
    return object_array([e for row in rows for e in row], d.cfg.out_shape + (d.cfg.widths[layer],))


# ---------------------------------------------------------------------------
# The public function


def mlp(
    layers: Any = None,
    activation: str = "none",
    *,
    bias: bool = False,
    at: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> MlpDerivation:
    """Derive a small MLP: its output and ∂out/∂(input, every weight and bias), layer by layer.

    ``at`` gives values by name: ``x``, ``w_l`` (n_{l−1} × n_l, row i = from unit i, the
    transpose of ``torch.nn.Linear.weight``), ``b_l``, or single elements ``w_l_i_j``,
    ``b_l_j``, ``x_i`` (an element overrides its tensor). Naming a bias turns biases on.

    >>> d = mlp("1,2,1")
    >>> d.gradients["input"][0]
    w_1_1_1*w_2_1_1 + w_1_1_2*w_2_2_1
    >>> mlp("1,2,1", "relu", at=["x=2", "w_1=[[1,-1]]", "w_2=[[3],[4]]"]).numeric.forward
    6
    """
    values = parse_at(at)
    has_bias = bias or any(re.fullmatch(r"b(_\d+)*", name) for name in values)
    cfg = mlp_config(layers, activation, bias=has_bias)
    admit(mlp_cost(cfg.terms(), cfg.widths, values=bool(values)), max_terms, "this network")
    return derive_mlp(cfg).with_at(seed=seed, **values)
