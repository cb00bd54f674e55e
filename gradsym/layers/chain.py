"""A stack of convolutions and a loss: the chain rule, layer by layer.

Layer l (1-based) reads its input activation ``a_l``, has kernel ``k_l`` and bias
``b_l``, and writes ``a_{l+1} = conv(a_l, k_l) + b_l``; the loss compares the last
output with a target ``t`` (mean over all elements, as PyTorch's ``L1Loss`` /
``MSELoss``). Backwards, ``d_l = ∂L/∂a_{l+1}`` is the gradient arriving at layer l's
output: ``d_D`` comes from the loss, and every layer turns its ``d_l`` into

    ∂L/∂k_l = conv(a_l, d_l)             ∂L/∂b_l = Σ d_l
    ∂L/∂a_l = full_conv(d_l, rot180(k_l)) = d_{l-1}, passed down to layer l−1.

Each layer is derived in its own symbols with the conv engine (forward from the
definition, gradients by differentiation, the same three proofs); ``expand``
substitutes everything down to the network input and proves that the composed
result equals differentiating the whole network at once. With values, every
layer's numbers are checked against an independent NumPy forward pass and exact
differences of each layer, from the loss down.

>>> d = chain(input="4x4", kernel="3x3", depth=1, padding=1, x="arange", k="ones")
>>> d.numeric.layers[0].grad_values["kernel"][0, 0]  # (1+2+3 + 5+6+7 + 9+10+11)/16
Fraction(27, 8)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import admit, chain_cost, given
from gradsym.calculus import derivative, jacobian, vjp
from gradsym.derivation import Derivation, Evaluation, LazyMapping, _number_to_sympy, _sympy_array
from gradsym.errors import SizeError, SpecError
from gradsym.layers.conv import (
    ConvConfig,
    conv_checks,
    conv_forward,
    conv_layout,
    numeric_conv,
    require,
    setup_lines,
)
from gradsym.numeric import autodiff_check, object_array, sparse_jacobians
from gradsym.poly import Poly, VarTable, evaluate, substitute
from gradsym.proofs import Check, compare
from gradsym.rules import RULES
from gradsym.spec import WORDS, ConvOptions, Values, parse_values
from gradsym.spec.values import option_param
from gradsym.symbols import Tensor

LOSSES = ("l1", "mse")
LOSS_NAMES = {"l1": "L1", "mse": "MSE"}
MAX_DEPTH = 64
# Expanded monomials --expand may write (layer results plus the direct-differentiation
# proof) unless --max-terms says otherwise: about a few seconds of work.
EXPAND_BUDGET = 250_000


# ---------------------------------------------------------------------------
# Configuration


def chain_configs(options: ConvOptions, depth: int) -> list[ConvConfig]:
    """One validated :class:`ConvConfig` per layer; layer l+1 reads layer l's output."""
    in_channels, out_channels = options.in_channels, options.out_channels
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise SpecError("option.positive", param="depth", got=depth)
    if depth > MAX_DEPTH:
        raise SpecError("option.at_most", param="depth", got=depth, limit=MAX_DEPTH)
    if in_channels is not None and out_channels is not None and in_channels != out_channels:
        raise SpecError("chain.channels", in_channels=in_channels, out_channels=out_channels,
                        same_param="out_channels", example=in_channels)
    # One of the two given: the other must match it.
    channels = in_channels if in_channels is not None else out_channels
    cfgs: list[ConvConfig] = []
    spatial = options.input
    for layer in range(1, depth + 1):
        try:
            layer_options = replace(options, input=spatial, in_channels=channels, out_channels=channels)
            cfg = layer_options.config()
        except SpecError as exc:
            if layer == 1:
                raise
            size = "x".join(map(str, spatial))
            raise SpecError("chain.layer", layer=layer, depth=depth, size=size, previous=layer - 1,
                            inner=exc) from None
        cfgs.append(cfg)
        spatial = cfg.output
    return cfgs


# ---------------------------------------------------------------------------
# Layers


@dataclass
class ChainLayer:
    """One layer of the stack, derived in its own symbols (a_l, k_l, b_l, d_l)."""

    index: int
    config: ConvConfig
    input: Tensor
    kernel: Tensor
    bias: Tensor | None
    upstream: Tensor
    output: Tensor
    forward_elems: np.ndarray
    grad_elems: dict[str, np.ndarray]
    expanded_elems: dict[str, Any] | None = None
    owner: ChainDerivation | None = field(default=None, repr=False)

    def symbols(self) -> dict[str, Tensor]:
        """The layer's tensors by role: input, kernel, (bias,) upstream, output."""
        out = {"input": self.input, "kernel": self.kernel}
        if self.bias is not None:
            out["bias"] = self.bias
        out.update(upstream=self.upstream, output=self.output)
        return out

    @property
    def forward(self) -> Any:
        """a_{l+1} as a SymPy array, in this layer's symbols."""
        assert self.owner is not None
        return _sympy_array(self.forward_elems, self.owner.to_sympy)

    @property
    def grad(self) -> Mapping[str, Any]:
        """∂L/∂(input, kernel, bias) as SymPy arrays, in a_l, k_l and d_l."""
        owner = self.owner
        assert owner is not None
        return LazyMapping(
            list(self.grad_elems), lambda r: _sympy_array(self.grad_elems[r], owner.to_sympy)
        )

    @property
    def expanded(self) -> dict[str, Any] | None:
        """With ``expand``: forward and gradients in the network input, all parameters and d_D."""
        if self.expanded_elems is None:
            return None
        owner = self.owner
        assert owner is not None
        grads = self.expanded_elems["grad"]
        return {
            "forward": _sympy_array(self.expanded_elems["forward"], owner.to_sympy),
            "grad": LazyMapping(list(grads), lambda r: _sympy_array(grads[r], owner.to_sympy)),
        }


def _layer_tensor(table: VarTable, letter: str, layer: int, shape: tuple[int, ...]) -> Tensor:
    """A tensor whose names carry the layer first: ``k_2_1_3`` is layer 2's k[1,3]."""
    indices = np.ndindex(*shape) if shape else iter([()])
    ids = table.block(letter, [(layer, *(i + 1 for i in idx)) for idx in indices])
    return Tensor(letter, shape, ids[0], table)


def _derive_layer(
    table: VarTable, cfg: ConvConfig, index: int, a_in: Tensor, a_out: Tensor, upstream: Tensor,
    kernel: Tensor, bias: Tensor | None,
) -> tuple[ChainLayer, list[Check]]:
    """Forward, gradients (by differentiation, as in conv) and conv's proofs for one layer."""
    xshape, wshape, yshape = conv_layout(cfg)
    x, w = a_in.ids.reshape(xshape), kernel.ids.reshape(wshape)
    g = upstream.ids.reshape(yshape)
    b = bias.ids.reshape(-1) if bias is not None else None
    forward = conv_forward(x, w, b, cfg)
    roles = {"input": a_in, "kernel": kernel}
    if bias is not None:
        roles["bias"] = bias
    grads = {
        role: vjp(jacobian(forward, upstream.shape, tensor.first, tensor.shape), upstream.flat_ids())
        for role, tensor in roles.items()
    }
    checks = conv_checks(cfg, x, w, g, grads)
    for check in checks:
        check.statement = f"layer {index}: {check.statement}"
        check.detail.setdefault("lines", []).append(("chain.check_layer", {"layer": index}))
    layer = ChainLayer(
        index, cfg, a_in, kernel, bias, upstream, a_out,
        object_array(forward, upstream.shape),
        {role: object_array(polys, roles[role].shape) for role, polys in grads.items()},
    )
    return layer, checks


# ---------------------------------------------------------------------------
# The loss (SymPy: |u| is not a polynomial)


def _loss_rule(loss: str, u: Any, v: Any, n: int, *, evaluate: bool = False) -> tuple[Any, Any]:
    """One element's loss term ℓ(u − v)/n and its known derivative in u.

    Built unevaluated by default: SymPy's automatic evaluation of Abs/sign queries
    assumptions and costs milliseconds per element, and changes nothing for plain symbols.
    """
    import sympy

    if loss == "l1":
        # SymPy's sign(0) = 0, as PyTorch's.
        return (sympy.Abs(u - v, evaluate=evaluate) / n,
                sympy.sign(u - v, evaluate=evaluate) / n)
    return (u - v) ** 2 / n, 2 * (u - v) / n


def _loss(
    loss: str, output: Tensor, target: Tensor, symbols: list[Any]
) -> tuple[Any, list[Any]]:
    """L = Σ ℓ(a − t)/n (the mean) and ∂L/∂a = ℓ′(a − t)/n, written from the known rule."""
    import sympy

    n = output.size
    pairs = [_loss_rule(loss, symbols[a], symbols[t], n)
             for a, t in zip(output.flat_ids(), target.flat_ids())]
    return sympy.Add(*[term for term, _ in pairs]), [grad for _, grad in pairs]


def _loss_check(loss: str, output: Tensor, total: Any, symbols: list[Any]) -> Check:
    """SymPy differentiates the loss term (real symbols) and must give the stated rule;
    every output element must occur in exactly one term of L."""
    import sympy

    u, v = sympy.Symbol("u", real=True), sympy.Symbol("v", real=True)
    term, rule = _loss_rule(loss, u, v, output.size, evaluate=True)
    derived = derivative(term, u)
    outputs = {symbols[i] for i in output.flat_ids()}
    seen: dict[Any, int] = {}
    for t in sympy.Add.make_args(total):
        for s in t.free_symbols & outputs:
            seen[s] = seen.get(s, 0) + 1
    structure = len(seen) == len(outputs) and set(seen.values()) == {1}
    rule_text = "sign(a − t)/n, with sign(0) = 0 as in PyTorch" if loss == "l1" else "2(a − t)/n"
    form = "mean |a − t|" if loss == "l1" else "mean (a − t)²"
    check = compare(
        "loss_grad_equals_derivative",
        f"∂L/∂a = {rule_text} equals the derivative of L = {form}: SymPy differentiates the "
        f"term ℓ(a − t)/n (a, t real), and each a occurs in exactly one term of L",
        [sympy.expand(derived)],
        [sympy.expand(rule)],
    )
    if not structure:
        check.holds, check.mismatch = False, "an output element does not occur in exactly one term of L"
    return check


# ---------------------------------------------------------------------------
# Expansion down to the network input


def _expansion_size(layers: list[ChainLayer], table: VarTable) -> tuple[int, int, int]:
    """Exact number of monomials --expand writes; the most, and the total, of the last layer.

    Every expanded coefficient is positive and every path through the network gives
    its own monomial, so evaluating the layer-wise polynomials with every parameter 1
    and every activation set to its own monomial count counts them exactly.
    """
    point: list[Any] = [1] * len(table)
    total = 0
    for layer in layers:
        counts = [evaluate(p, point) for p in layer.forward_elems.reshape(-1)]
        for var, c in zip(layer.output.flat_ids(), counts):
            point[var] = c
        total += sum(counts)
    widest, last_total = max(counts), sum(counts)
    for layer in reversed(layers):
        for role, arr in layer.grad_elems.items():
            counts = [evaluate(p, point) for p in arr.reshape(-1)]
            total += sum(counts)
            if role == "input" and layer.index > 1:
                below = layers[layer.index - 2].upstream
                for var, c in zip(below.flat_ids(), counts):
                    point[var] = c
    return total, widest, last_total


def _expand(layers: list[ChainLayer], budget: int) -> Check:
    """Substitute activations and incoming gradients down to a_1 and d_D; prove the result."""
    table = layers[0].input.table
    total, widest, last_total = _expansion_size(layers, table)
    # The proof builds Σ d·y from the expanded network output and differentiates it again.
    work = 2 * total + last_total
    if work > budget:
        raise SizeError(
            "chain.expand_budget", work=f"{work:,}", widest=f"{widest:,}", budget=f"{budget:,}",
            max_terms=work
        )
    substitutions: dict[int, Poly] = {}
    for layer in layers:
        # forward then backward: 2·D steps in all
        progress.report("expanding layers", layer.index - 1, 2 * len(layers))
        flat = layer.forward_elems.reshape(-1)
        expanded = [substitute(p, substitutions) if substitutions else p for p in flat]
        layer.expanded_elems = {"forward": object_array(expanded, layer.output.shape), "grad": {}}
        substitutions.update(zip(layer.output.flat_ids(), expanded))
    # substitutions now map every activation a_2 … a_{D+1}; add the incoming gradients d_{l}.
    for layer in reversed(layers):
        progress.report("expanding layers", 2 * len(layers) - layer.index, 2 * len(layers))
        assert layer.expanded_elems is not None
        grads: dict[str, np.ndarray] = {}
        for role, arr in layer.grad_elems.items():
            polys = [substitute(p, substitutions) for p in arr.reshape(-1)]
            grads[role] = object_array(polys, arr.shape)
            if role == "input" and layer.index > 1:
                substitutions.update(zip(layers[layer.index - 2].upstream.flat_ids(), polys))
        layer.expanded_elems["grad"] = grads
    return _direct_check(layers)


def _direct_check(layers: list[ChainLayer]) -> Check:
    """Σ_o d_D,o·y_o with y expanded to the input, differentiated directly, equals the chain."""
    last = layers[-1]
    assert last.expanded_elems is not None
    # L's first-order change: the loss gradient d_D times the expanded network output.
    total = Poly()
    for g, y in zip(last.upstream.flat_ids(), last.expanded_elems["forward"].reshape(-1)):
        total.add(y.times_var(g))
    wrt: list[tuple[ChainLayer, str, Tensor]] = []
    for layer in layers:
        wrt += [(layer, "kernel", layer.kernel)]
        wrt += [(layer, "bias", layer.bias)] if layer.bias is not None else []
    wrt.append((layers[0], "input", layers[0].input))
    # One pass over the terms for every tensor at once (their ids span one block).
    lo = min(t.first for _, _, t in wrt)
    hi = max(t.first + t.size for _, _, t in wrt)
    direct = jacobian([total], (), lo, (hi - lo,))
    lhs: list[Poly] = []
    rhs: list[Poly] = []
    for layer, role, tensor in wrt:
        assert layer.expanded_elems is not None
        lhs.extend(layer.expanded_elems["grad"][role].reshape(-1))
        rhs.extend(direct.entries.get((0, v - lo), Poly()) for v in tensor.flat_ids())
    return compare(
        "chain_rule_equals_direct_differentiation",
        "every layer's expanded gradients (chain rule, layer by layer) equal the derivatives of "
        "Σ_o d_D,o·y_o with the network output y expanded down to the input",
        lhs,
        rhs,
    )


# ---------------------------------------------------------------------------
# Numbers


@dataclass
class LayerValues:
    """One layer at numbers: its kernel, bias, input, incoming gradient, output and gradients."""

    kernel: np.ndarray
    bias: np.ndarray | None
    input: np.ndarray
    upstream: np.ndarray
    forward_values: np.ndarray
    grad_values: dict[str, np.ndarray]

    @property
    def forward(self) -> Any:
        return _sympy_array(self.forward_values, _number_to_sympy)

    @property
    def grad(self) -> Mapping[str, Any]:
        return LazyMapping(
            list(self.grad_values), lambda r: _sympy_array(self.grad_values[r], _number_to_sympy)
        )


@dataclass
class ChainEvaluation(Evaluation):
    """A chain at numbers: per-layer values (``layers``), the loss and its gradient."""

    layers: list[LayerValues] = field(default_factory=list)
    loss_grad_values: np.ndarray | None = None

    @property
    def loss(self) -> Any:
        return _number_to_sympy(self.forward_values[()])


def _exact(value: Any) -> Any:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def _sympy_number(expr: Any) -> Any:
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    raise SpecError("chain.loss_rational", expr=expr)  # pragma: no cover


class PerLayer(tuple[str, ...]):
    """A value option repeated on the command line (``--k 1,-1 --k 2,1``): one per layer."""

    @classmethod
    def of(cls, texts: list[str] | None) -> Any:
        """``None``, the single text, or a PerLayer of the repeated texts."""
        if not texts:
            return None
        return texts[0] if len(texts) == 1 else cls(texts)


def per_layer_values(
    text: Any, shape: tuple[int, ...], depth: int, option: str, seed: int | None
) -> list[Values]:
    """A value option given once for every layer, or once per layer (D stacked tensors, or
    a :class:`PerLayer` of D texts, first layer first).

    The words ``ones``, ``zeros`` and ``arange`` give every layer the same values;
    ``random`` draws each layer's values separately.
    """
    size = math.prod(shape)
    if isinstance(text, PerLayer):
        if len(text) != depth:
            raise SpecError("chain.per_layer_count", param=option_param(option), count=len(text),
                            depth=depth)
        return [
            parse_values(t, shape, f"{option} (layer {i})", seed=seed)
            for i, t in enumerate(text, 1)
        ]
    if isinstance(text, str) and text.strip().lower() in WORDS:
        word = text.strip().lower()
        if word != "random":
            return [parse_values(word, shape, option, seed=seed)] * depth
        stacked = parse_values(word, (depth, *shape), option, seed=seed)
        return [Values(shape, stacked.flat[i * size : (i + 1) * size]) for i in range(depth)]
    try:
        return [parse_values(text, shape, option, seed=seed)] * depth
    except SpecError as once:
        if depth == 1:
            raise
        try:
            stacked = parse_values(text, (depth, *shape), option, seed=seed)
        except SpecError:
            raise SpecError("chain.per_layer" if shape else "chain.per_layer_one", once=once,
                            each="x".join(map(str, shape)), total=depth * size,
                            depth=depth) from None
        return [
            Values(shape, stacked.flat[i * size : (i + 1) * size], stacked.decimal)
            for i in range(depth)
        ]


def _loss_prime(loss: str, y: np.ndarray, t: np.ndarray) -> tuple[list[Any], Any]:
    """ℓ′(y − t)/n for every element and the loss value, from the rule table (l1: |·| and
    its slope sign, with sign(0) = 0 as in PyTorch; mse: (·)² and 2(·))."""
    diff = [Fraction(a) - Fraction(b) for a, b in zip(y.reshape(-1).tolist(), t.reshape(-1).tolist())]
    n = len(diff)
    if loss == "l1":
        rule = RULES["abs"]
        prime = [Fraction(rule.slope(v, rule.value(v)), n) for v in diff]
        return prime, sum((rule.value(v) for v in diff), Fraction(0)) / n
    return [2 * v / n for v in diff], sum((v * v for v in diff), Fraction(0)) / n


def _numeric_check(d: ChainDerivation, ev: ChainEvaluation, target: np.ndarray) -> Check:
    """Every value against an independent NumPy pass and forward-mode differentiation.

    Each layer's NumPy forward runs once on sparse dual numbers (every input, kernel and bias
    entry seeded: the layer's exact Jacobian, linear in its non-zeros) from the previous
    layer's numeric output; the loss and ℓ′ = ∂L/∂a_{D+1} come from the last output; then,
    from the last layer down, each layer's ∂L/∂v = Σ_o d_o·∂a_o/∂v with d the incoming
    gradient just verified — so the whole chain is covered. The gradients of the one output
    L are compared as row 0 of the Jacobians wrt a_{D+1} and every a_i, k_i, b_i; a differing
    output or loss is a known mismatch.
    """
    cfgs = [layer.config for layer in d.layers]
    layouts = [conv_layout(cfg) for cfg in cfgs]
    symbolic: dict[str, dict[tuple[int, int], Any]] = {}
    numeric: dict[str, dict[tuple[int, int], Any]] = {}

    def verdict(what: str = "") -> Check:
        return autodiff_check(
            "every layer's output and gradients at the given values equal an independent NumPy "
            "pass: the loss gradient from its outputs, and each layer's Σ_o d_o·∂a_o/∂v with ∂a/∂v "
            "by forward-mode dual numbers through that layer (exact)",
            symbolic, numeric,
            known_mismatch=f"{what} differs from the independent numeric pass" if what else None,
        )

    def same(ours: np.ndarray, theirs: list[Any]) -> bool:
        return [_exact(v) for v in ours.reshape(-1).tolist()] == [_exact(v) for v in theirs]

    def row(values: list[Any]) -> dict[tuple[int, int], Any]:
        return {(0, w): v for w, v in enumerate(values)}

    act = ev.layers[0].input.reshape(layouts[0][0])
    jacobians = []
    for i, (lv, cfg, (xshape, wshape, _)) in enumerate(zip(ev.layers, cfgs, layouts)):
        progress.report("numeric check", i, len(cfgs))
        point = {"input": act.reshape(xshape), "kernel": lv.kernel.reshape(wshape)}
        if lv.bias is not None:
            point["bias"] = lv.bias.reshape(-1)

        def forward(p: dict[str, np.ndarray], cfg: ConvConfig = cfg) -> np.ndarray:
            return numeric_conv(p["input"], p["kernel"], p.get("bias"), cfg)

        values, jac = sparse_jacobians(forward, point, list(point))
        if not same(lv.forward_values, values):
            return verdict(f"layer {i + 1}'s output")
        jacobians.append(jac)
        act = object_array(values, lv.forward_values.shape)
    prime, loss_value = _loss_prime(d.loss, act, target)
    if _exact(loss_value) != ev.forward_values[()]:
        return verdict("the loss")
    assert ev.loss_grad_values is not None
    last = f"a_{len(cfgs) + 1}"
    symbolic[last], numeric[last] = row(ev.loss_grad_values.reshape(-1).tolist()), row(prime)
    names = {"input": "a", "kernel": "k", "bias": "b"}
    for i in reversed(range(len(cfgs))):
        lv = ev.layers[i]
        incoming = lv.upstream.reshape(-1).tolist()
        for role, entries in jacobians[i].items():
            found: list[Any] = [0] * lv.grad_values[role].size
            for (o, w), v in entries.items():
                found[w] = found[w] + incoming[o] * v
            name = f"{names[role]}_{i + 1}"
            symbolic[name], numeric[name] = row(lv.grad_values[role].reshape(-1).tolist()), row(found)
    return verdict()


# ---------------------------------------------------------------------------
# The derivation


class ChainDerivation(Derivation):
    """A chain's derivation: ``layers`` (first layer first), the loss, and the usual checks.

    ``forward`` is the loss L (in the last layer's output a_{D+1} and the target t);
    each layer's own forward and gradients are in ``layers[i].forward`` /
    ``layers[i].grad``.
    """

    layers: list[ChainLayer]
    value_options = ("x", "k", "b", "target")
    loss: str
    target: Tensor
    output: Tensor
    loss_grad_elems: np.ndarray
    numeric: ChainEvaluation | None  # type: ignore[assignment]

    @property
    def loss_expression(self) -> Any:
        """L as a SymPy expression."""
        return self.to_sympy(self.forward_elems[()])

    @property
    def loss_grad(self) -> Any:
        """∂L/∂a_{D+1} (= d_D, the last layer's incoming gradient) as a SymPy array."""
        return _sympy_array(self.loss_grad_elems, self.to_sympy)

    def evaluate_given(self, seed: int | None = None, **given: Any) -> ChainEvaluation:
        """Evaluate every layer exactly: ``x`` (network input), ``k`` and ``b`` (once for every
        layer, or one per layer), ``target`` (default zeros)."""
        options = ["x", "k", "b", "target"]
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise SpecError("chain.value_option", got=repr(unknown[0]))
        first = self.layers[0]
        needed = ["x", "k"] + (["b"] if first.bias is not None else [])
        missing = [o for o in needed if given.get(o) is None]
        if missing:
            raise SpecError("values.needs", params=missing)
        depth = len(self.layers)
        x = parse_values(given["x"], first.input.shape, "--x", seed=seed)
        ks = per_layer_values(given["k"], first.kernel.shape, depth, "--k", seed)
        bs = (
            per_layer_values(given["b"], first.bias.shape, depth, "--b", seed)
            if first.bias is not None
            else None
        )
        t = parse_values(
            given.get("target") if given.get("target") is not None else "zeros",
            self.target.shape, "--target", seed=seed,
        )
        decimal = any(v.decimal for v in [x, t, *ks, *(bs or [])])
        return self._evaluate_chain(x, ks, bs, t, decimal)

    def _evaluate_chain(
        self, x: Values, ks: list[Values], bs: list[Values] | None, t: Values, decimal: bool
    ) -> ChainEvaluation:
        point: list[Any] = [None] * len(self.table)

        def put(tensor: Tensor, flat: Any) -> None:
            point[tensor.first : tensor.first + tensor.size] = list(flat)

        def values_of(arr: np.ndarray) -> np.ndarray:
            return object_array([_exact(evaluate(p, point)) for p in arr.reshape(-1)], arr.shape)

        put(self.layers[0].input, x.flat)
        put(self.target, t.flat)
        inputs, forwards = [], []
        for i, layer in enumerate(self.layers):
            progress.report("evaluating layers", i, 2 * len(self.layers))
            put(layer.kernel, ks[i].flat)
            if layer.bias is not None and bs is not None:
                put(layer.bias, bs[i].flat)
            inputs.append(object_array(point[layer.input.first : layer.input.first + layer.input.size],
                                      layer.input.shape))
            forwards.append(values_of(layer.forward_elems))
            put(layer.output, forwards[-1].reshape(-1).tolist())

        symbols = self.table.symbols()
        at = {symbols[i]: _number_to_sympy(point[i])
              for i in self.output.flat_ids() + self.target.flat_ids()}
        loss_expr: Any = self.forward_elems[()]
        loss_value = _sympy_number(loss_expr.xreplace(at))
        loss_grad = object_array(
            [_sympy_number(e.xreplace(at)) for e in self.loss_grad_elems.reshape(-1)],
            self.loss_grad_elems.shape,
        )
        put(self.layers[-1].upstream, loss_grad.reshape(-1).tolist())
        grads: list[dict[str, np.ndarray]] = [{} for _ in self.layers]
        for i in reversed(range(len(self.layers))):
            progress.report("evaluating layers", 2 * len(self.layers) - 1 - i, 2 * len(self.layers))
            layer = self.layers[i]
            grads[i] = {role: values_of(arr) for role, arr in layer.grad_elems.items()}
            if i > 0:
                put(self.layers[i - 1].upstream, grads[i]["input"].reshape(-1).tolist())
        layer_values = []
        for i, layer in enumerate(self.layers):
            up = layer.upstream
            layer_values.append(LayerValues(
                object_array(ks[i].flat, layer.kernel.shape),
                object_array(bs[i].flat, layer.bias.shape) if bs is not None and layer.bias is not None else None,
                inputs[i],
                object_array(point[up.first : up.first + up.size], up.shape),
                forwards[i],
                grads[i],
            ))
        target = object_array(t.flat, self.target.shape)
        ev = ChainEvaluation(
            {"chain_input": inputs[0], "chain_target": target},
            object_array([loss_value], ()),
            {}, {}, {}, decimal,
            layers=layer_values, loss_grad_values=loss_grad,
        )
        ev.checks.append(_numeric_check(self, ev, target))
        return ev

    def with_values(self, seed: int | None = None, **given: Any) -> ChainDerivation:
        """Attach the evaluation when any value is given (as the CLI does)."""
        if any(v is not None for v in given.values()):
            self.attach_numeric(lambda: self.evaluate_given(seed=seed, **{k: v for k, v in given.items() if v is not None}))
        return self



def derive_chain(cfgs: list[ConvConfig], loss: str, *, expand: bool = False,
                 budget: int = EXPAND_BUDGET) -> ChainDerivation:
    """Derive every layer in its own symbols, the loss, and (optionally) the expansion."""
    table = VarTable()
    depth = len(cfgs)
    acts = [_layer_tensor(table, "a", 1, cfgs[0].input_shape())]
    kernels, biases = [], []
    for i, cfg in enumerate(cfgs, start=1):
        kernels.append(_layer_tensor(table, "k", i, cfg.kernel_shape()))
        biases.append(_layer_tensor(table, "b", i, cfg.bias_shape()) if cfg.bias else None)
    for i, cfg in enumerate(cfgs, start=1):
        acts.append(_layer_tensor(table, "a", i + 1, cfg.output_shape()))
    target = Tensor.create(table, "t", cfgs[-1].output_shape())
    upstreams = [_layer_tensor(table, "d", i, cfg.output_shape()) for i, cfg in enumerate(cfgs, start=1)]
    layers: list[ChainLayer] = []
    layer_checks: list[list[Check]] = []
    for i, cfg in enumerate(cfgs):
        progress.report("deriving layers", i, depth)
        layer, checks = _derive_layer(table, cfg, i + 1, acts[i], acts[i + 1], upstreams[i],
                                      kernels[i], biases[i])
        layers.append(layer)
        layer_checks.append(checks)
    symbols = table.symbols()
    loss_expr, loss_grad = _loss(loss, acts[-1], target, symbols)
    checks = [_loss_check(loss, acts[-1], loss_expr, symbols)]
    for group in reversed(layer_checks):
        checks.extend(group)
    if expand:
        checks.append(_expand(layers, budget))
    d = ChainDerivation(
        command="chain",
        config=_config_json(cfgs, loss, expand),
        table=table,
        symbols={"chain_input": acts[0], "chain_target": target},
        forward=object_array([loss_expr], ()),
        jacobians={},
        grads={},
        checks=checks,
        title=("title.chain", {"depth": depth, "dims": cfgs[0].ndim, "loss": LOSS_NAMES[loss]}),
        output_letter="L",
    )
    d.layers = layers
    d.loss = loss
    d.target = target
    d.output = acts[-1]
    d.loss_grad_elems = object_array(loss_grad, acts[-1].shape)
    for layer in layers:
        layer.owner = d
    d.setup = _setup(cfgs, loss, expand)
    return d


def _config_json(cfgs: list[ConvConfig], loss: str, expand: bool) -> dict[str, Any]:
    config = cfgs[0].to_json()
    config["output"] = list(cfgs[-1].output)
    config.update(
        depth=len(cfgs), loss=loss, expand=expand,
        activations=[list(cfgs[0].spatial)] + [list(c.output) for c in cfgs],
    )
    return config


def _setup(cfgs: list[ConvConfig], loss: str, expand: bool) -> list[tuple[str, dict[str, Any]]]:
    lines = [line for line in setup_lines(cfgs[0]) if line[0] != "setup.upstream"]
    depth = len(cfgs)
    n = math.prod(cfgs[-1].output_shape())
    names = [f"a_{i}" for i in range(1, depth + 2)]
    path = " → ".join(names if depth <= 3 else [*names[:3], "…", names[-1]])
    lines.append(("chain.setup.stack", {"depth": depth, "path": path, "loss": LOSS_NAMES[loss],
                                        "count": n}))
    lines.append(("chain.setup.names", {}))
    sizes = [cfgs[0].spatial] + [c.output for c in cfgs]
    if len(set(sizes)) > 1:
        lines.append(("chain.setup.sizes", {"sizes": " → ".join("x".join(map(str, s)) for s in sizes)}))
    if expand:
        lines.append(("chain.setup.expand", {"last": depth}))
    return lines


# ---------------------------------------------------------------------------
# The public function


def chain(
    input: Any = None,
    kernel: Any = None,
    *,
    depth: int = 2,
    loss: str = "l1",
    target: Any = None,
    expand: bool = False,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    x: Any = None,
    k: Any = None,
    b: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> ChainDerivation:
    """Derive ``depth`` stacked convolutions and a loss, layer by layer, and prove every step.

    ``k`` and ``b`` are given once for every layer, or once per layer (D stacked
    tensors); ``target`` defaults to zeros.

    >>> d = chain(input="4x4", kernel="3x3", depth=3, padding=1, b=1, loss="l1",
    ...           x=[[1, 2, 3, 4], [4, 3, 2, 1], [1, 2, 3, 4], [4, 3, 2, 1]], k="ones")
    >>> [lv.grad_values["bias"][()] for lv in d.numeric.layers]
    [Fraction(169, 4), Fraction(25, 4), 1]
    """
    require(input, "--input", "4x4")
    require(kernel, "--kernel", "3x3")
    loss_key = loss.strip().lower() if isinstance(loss, str) else loss
    if loss_key not in LOSSES:
        raise SpecError("chain.loss", choices=", ".join(LOSSES), got=repr(loss))
    cfgs = chain_configs(ConvOptions.of(locals(), bias=bias or b is not None), depth)
    # The whole stack against one budget (each layer alone may fit while twenty do not).
    admit(chain_cost(cfgs, values=given(x, k, b, target)), max_terms)
    budget = EXPAND_BUDGET if max_terms is None else max_terms
    d = derive_chain(cfgs, loss_key, expand=expand, budget=budget)
    return d.with_values(seed=seed, x=x, k=k, b=b, target=target)


__all__ = ["ChainDerivation", "ChainEvaluation", "ChainLayer", "chain", "derive_chain"]
