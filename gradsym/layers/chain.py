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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.calculus import jacobian, vjp
from gradsym.derivation import Derivation, Evaluation, LazyMapping, _number_to_sympy, _sympy_array
from gradsym.errors import SizeError, SpecError
from gradsym.layers.conv import (
    ConvConfig,
    conv_checks,
    conv_config,
    conv_forward,
    conv_layout,
    numeric_conv,
    require,
    setup_lines,
)
from gradsym.numeric import exact_array
from gradsym.poly import Poly, VarTable, evaluate, substitute
from gradsym.proofs import Check, compare
from gradsym.spec import WORDS, Values, parse_values
from gradsym.symbols import Tensor

LOSSES = ("l1", "mse")
LOSS_NAMES = {"l1": "L1", "mse": "MSE"}
MAX_DEPTH = 64
# Expanded monomials --expand may write (layer results plus the direct-differentiation
# proof) unless --max-terms says otherwise: about a few seconds of work.
EXPAND_BUDGET = 250_000
# Perturbed copies pushed through the network at once by the numeric check.
NUMERIC_CHUNK = 512


# ---------------------------------------------------------------------------
# Configuration


def chain_configs(
    input: Any,
    kernel: Any,
    depth: int,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    max_terms: int | None = None,
) -> list[ConvConfig]:
    """One validated :class:`ConvConfig` per layer; layer l+1 reads layer l's output."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise SpecError(f"--depth must be a whole number ≥ 1, got {depth}")
    if depth > MAX_DEPTH:
        raise SpecError(f"--depth {depth} is too large (at most {MAX_DEPTH})")
    if in_channels is not None and out_channels is not None and in_channels != out_channels:
        raise SpecError(
            f"--in-channels ({in_channels}) and --out-channels ({out_channels}) differ, but in a "
            f"stack each layer's output is the next layer's input; give the same number "
            f"(e.g. --in-channels {in_channels} --out-channels {in_channels})"
        )
    # One of the two given: the other must match it.
    channels = in_channels if in_channels is not None else out_channels
    cfgs: list[ConvConfig] = []
    spatial = input
    for layer in range(1, depth + 1):
        try:
            cfg = conv_config(
                spatial, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
                in_channels=channels, out_channels=channels, batch=batch, bias=bias,
                max_terms=max_terms,
            )
        except SpecError as exc:
            if layer == 1:
                raise
            size = "x".join(map(str, spatial))
            raise SpecError(
                f"layer {layer} of --depth {depth} reads the {size} output of layer {layer - 1}: "
                f"{exc}; or use a smaller --depth"
            ) from None
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


def _array(polys: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    arr = np.empty(len(polys), dtype=object)
    arr[:] = polys
    return arr.reshape(shape)


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
        _array(forward, upstream.shape),
        {role: _array(polys, roles[role].shape) for role, polys in grads.items()},
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
    derived = sympy.diff(term, u)
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
            f"--expand would write about {work:,} expanded monomials (up to {widest:,} in one "
            f"output of the last layer), over the budget of {budget:,}; use a smaller --depth, "
            f"--input or --kernel, drop --expand (each layer is still derived in its own "
            f"symbols), or raise the budget with --max-terms {work}"
        )
    substitutions: dict[int, Poly] = {}
    for layer in layers:
        # forward then backward: 2·D steps in all
        progress.report("expanding layers", layer.index - 1, 2 * len(layers))
        flat = layer.forward_elems.reshape(-1)
        expanded = [substitute(p, substitutions) if substitutions else p for p in flat]
        layer.expanded_elems = {"forward": _array(expanded, layer.output.shape), "grad": {}}
        substitutions.update(zip(layer.output.flat_ids(), expanded))
    # substitutions now map every activation a_2 … a_{D+1}; add the incoming gradients d_{l}.
    for layer in reversed(layers):
        progress.report("expanding layers", 2 * len(layers) - layer.index, 2 * len(layers))
        assert layer.expanded_elems is not None
        grads: dict[str, np.ndarray] = {}
        for role, arr in layer.grad_elems.items():
            polys = [substitute(p, substitutions) for p in arr.reshape(-1)]
            grads[role] = _array(polys, arr.shape)
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
    raise SpecError(f"the loss did not evaluate to a rational number ({expr})")  # pragma: no cover


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
            raise SpecError(
                f"{option} is given {len(text)} times but there are {depth} layers (--depth "
                f"{depth}); give it once for every layer, or {depth} times (one per layer)"
            )
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
            each = "x".join(map(str, shape)) if shape else "one value"
            raise SpecError(
                f"{once}; or give one per layer: {depth} tensors of {each} "
                f"({depth * size} values) for --depth {depth}"
            ) from None
        return [
            Values(shape, stacked.flat[i * size : (i + 1) * size], stacked.decimal)
            for i in range(depth)
        ]


@dataclass
class _Scaled:
    """Exact rationals as Python ints over one common denominator: integer speed in NumPy."""

    ints: np.ndarray
    den: int

    @classmethod
    def of(cls, arr: np.ndarray) -> _Scaled:
        flat = [Fraction(v) for v in arr.reshape(-1).tolist()]
        den = math.lcm(*[f.denominator for f in flat]) if flat else 1
        ints = np.empty(len(flat), dtype=object)
        ints[:] = [f.numerator * (den // f.denominator) for f in flat]
        return cls(ints.reshape(arr.shape), den)

    def values(self) -> list[Any]:
        return [_exact(Fraction(v, self.den)) for v in self.ints.reshape(-1).tolist()]


def _conv_scaled(x: _Scaled, w: _Scaled, b: _Scaled | None, cfg: ConvConfig) -> _Scaled:
    # Pad with Python 0 ourselves: np.pad on an object array inserts np.int64 zeros, and
    # sums that start from one are then computed in int64, which can overflow silently.
    lead = x.ints.shape[:2]
    padded = np.empty(lead + tuple(i + a + z for i, (a, z) in zip(cfg.spatial, cfg.padding)), dtype=object)
    padded[...] = 0
    padded[(slice(None), slice(None)) + tuple(slice(a, a + i) for i, (a, _) in zip(cfg.spatial, cfg.padding))] = x.ints
    unpadded = replace(cfg, spatial=padded.shape[2:], padding=((0, 0),) * cfg.ndim)
    out = numeric_conv(padded, w.ints, None, unpadded)
    den = x.den * w.den
    if b is None:
        return _Scaled(out, den)
    common = math.lcm(den, b.den)
    shaped = b.ints.reshape((1, -1) + (1,) * cfg.ndim)
    return _Scaled(out * (common // den) + shaped * (common // b.den), common)


def _loss_prime(loss: str, y: _Scaled, t: _Scaled) -> tuple[list[Any], Any]:
    """ℓ′(y − t)/n for every element, and the loss value (PyTorch's sign(0) = 0)."""
    diff = (y.ints * t.den - t.ints.reshape(y.ints.shape) * y.den).reshape(-1).tolist()
    n, den = len(diff), y.den * t.den
    if loss == "l1":
        prime = [Fraction(int(v > 0) - int(v < 0), n) for v in diff]
        return prime, Fraction(sum(abs(v) for v in diff), n * den)
    return [Fraction(2 * v, n * den) for v in diff], Fraction(sum(v * v for v in diff), n * den * den)


def _stack(outputs: list[_Scaled]) -> _Scaled:
    """Outputs of single-sample runs as one batch (they share a denominator)."""
    return _Scaled(np.concatenate([o.ints for o in outputs]), outputs[0].den)


def _weighted_differences(moved: _Scaled, y0: _Scaled, incoming: _Scaled) -> list[Any]:
    """Σ_o d_o·(y′_o − y_o) for every perturbed copy y′ in ``moved`` (batch-major)."""
    count = moved.ints.shape[0] // y0.ints.shape[0]
    delta = moved.ints.reshape(count, -1) - y0.ints.reshape(1, -1)
    sums = np.dot(delta, incoming.ints.reshape(-1)).tolist()
    return [Fraction(int(v), y0.den * incoming.den) for v in sums]


def _numeric_check(d: ChainDerivation, ev: ChainEvaluation, target: np.ndarray) -> Check:
    """Every value against an independent NumPy pass and exact differences, layer by layer.

    The NumPy forward gives every activation, the loss and ℓ′ = ∂L/∂a_{D+1}; then, from
    the last layer down, each layer's ∂L/∂v = Σ_o d_o·∂a_o/∂v with ∂a/∂v from unit-step
    differences of that layer's NumPy forward (exact: the layer is affine in each single
    entry v) and d the incoming gradient just verified — so the whole chain is covered.
    """
    cfgs = [layer.config for layer in d.layers]
    layouts = [conv_layout(cfg) for cfg in cfgs]
    kernels = [_Scaled.of(lv.kernel.reshape(lay[1])) for lv, lay in zip(ev.layers, layouts)]
    biases = [_Scaled.of(lv.bias.reshape(-1)) if lv.bias is not None else None for lv in ev.layers]
    acts = [_Scaled.of(ev.layers[0].input.reshape(layouts[0][0]))]
    for i, cfg in enumerate(cfgs):
        acts.append(_conv_scaled(acts[i], kernels[i], biases[i], cfg))

    def verdict(what: str) -> Check:
        return Check(
            "jacobian_matches_autodiff_numeric",
            "every layer's output and gradients at the given values equal an independent NumPy "
            "pass: the loss gradient from its outputs, and each layer's Σ_o d_o·∂a_o/∂v with ∂a/∂v "
            "from exact unit-step differences of that layer (affine in each single entry v)",
            what == "",
            f"{what} differs from the independent numeric pass" if what else None,
        )

    def same(ours: np.ndarray, theirs: list[Any]) -> bool:
        return [_exact(v) for v in ours.reshape(-1).tolist()] == [_exact(v) for v in theirs]

    for i, lv in enumerate(ev.layers):
        if not same(lv.forward_values, acts[i + 1].values()):
            return verdict(f"layer {i + 1}'s output")
    prime, loss_value = _loss_prime(d.loss, acts[-1], _Scaled.of(target))
    if _exact(loss_value) != ev.forward_values[()]:
        return verdict("the loss")
    assert ev.loss_grad_values is not None
    if not same(ev.loss_grad_values, prime):
        return verdict("∂L/∂a (from the loss)")
    for i in reversed(range(len(cfgs))):
        lv, cfg, act = ev.layers[i], cfgs[i], acts[i]
        y0 = acts[i + 1]
        incoming = _Scaled.of(lv.upstream)
        # ∂L/∂a_l: every entry of the layer's input moved by one, all copies in one batch.
        size, batch = act.ints.size, act.ints.shape[0]
        found: list[Any] = []
        for lo in range(0, size, NUMERIC_CHUNK):
            count = min(size, lo + NUMERIC_CHUNK) - lo
            copies = np.repeat(act.ints.reshape(1, -1), count, axis=0)
            copies[np.arange(count), np.arange(lo, lo + count)] += act.den
            moved = _Scaled(copies.reshape(count * batch, *act.ints.shape[1:]), act.den)
            found += _weighted_differences(_conv_scaled(moved, kernels[i], biases[i], cfg), y0, incoming)
        if not same(lv.grad_values["input"], found):
            return verdict(f"∂L/∂a_{i + 1}")
        kernel = kernels[i]
        outs = []
        for q in range(kernel.ints.size):
            shifted = kernel.ints.copy().reshape(-1)
            shifted[q] += kernel.den
            moved_k = _Scaled(shifted.reshape(kernel.ints.shape), kernel.den)
            outs.append(_conv_scaled(act, moved_k, biases[i], cfg))
        if not same(lv.grad_values["kernel"], _weighted_differences(_stack(outs), y0, incoming)):
            return verdict(f"∂L/∂k_{i + 1}")
        bias = biases[i]
        if bias is not None:
            outs = []
            for o in range(bias.ints.size):
                shifted = bias.ints.copy()
                shifted[o] += bias.den
                outs.append(_conv_scaled(act, kernel, _Scaled(shifted, bias.den), cfg))
            if not same(lv.grad_values["bias"], _weighted_differences(_stack(outs), y0, incoming)):
                return verdict(f"∂L/∂b_{i + 1}")
    return verdict("")


# ---------------------------------------------------------------------------
# The derivation


class ChainDerivation(Derivation):
    """A chain's derivation: ``layers`` (first layer first), the loss, and the usual checks.

    ``forward`` is the loss L (in the last layer's output a_{D+1} and the target t);
    each layer's own forward and gradients are in ``layers[i].forward`` /
    ``layers[i].grad``.
    """

    layers: list[ChainLayer]
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

    def evaluate(self, seed: int | None = None, **given: Any) -> ChainEvaluation:
        """Evaluate every layer exactly: ``x`` (network input), ``k`` and ``b`` (once for every
        layer, or one per layer), ``target`` (default zeros)."""
        options = ["x", "k", "b", "target"]
        unknown = sorted(set(given) - set(options))
        if unknown:
            raise SpecError(f"unknown value option {unknown[0]!r}; chain takes --x, --k, --b, --target")
        first = self.layers[0]
        needed = ["x", "k"] + (["b"] if first.bias is not None else [])
        missing = [f"--{o}" for o in needed if given.get(o) is None]
        if missing:
            raise SpecError(f"numeric evaluation needs {', '.join(missing)}")
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
            return exact_array([_exact(evaluate(p, point)) for p in arr.reshape(-1)], arr.shape)

        put(self.layers[0].input, x.flat)
        put(self.target, t.flat)
        inputs, forwards = [], []
        for i, layer in enumerate(self.layers):
            progress.report("evaluating layers", i, 2 * len(self.layers))
            put(layer.kernel, ks[i].flat)
            if layer.bias is not None and bs is not None:
                put(layer.bias, bs[i].flat)
            inputs.append(exact_array(point[layer.input.first : layer.input.first + layer.input.size],
                                      layer.input.shape))
            forwards.append(values_of(layer.forward_elems))
            put(layer.output, forwards[-1].reshape(-1).tolist())

        symbols = self.table.symbols()
        at = {symbols[i]: _number_to_sympy(point[i])
              for i in self.output.flat_ids() + self.target.flat_ids()}
        loss_expr: Any = self.forward_elems[()]
        loss_value = _sympy_number(loss_expr.xreplace(at))
        loss_grad = exact_array(
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
                exact_array(ks[i].flat, layer.kernel.shape),
                exact_array(bs[i].flat, layer.bias.shape) if bs is not None and layer.bias is not None else None,
                inputs[i],
                exact_array(point[up.first : up.first + up.size], up.shape),
                forwards[i],
                grads[i],
            ))
        target = exact_array(t.flat, self.target.shape)
        ev = ChainEvaluation(
            {"chain_input": inputs[0], "chain_target": target},
            exact_array([loss_value], ()),
            {}, {}, {}, decimal,
            layers=layer_values, loss_grad_values=loss_grad,
        )
        ev.checks.append(_numeric_check(self, ev, target))
        return ev

    def with_values(self, seed: int | None = None, **given: Any) -> ChainDerivation:
        """Attach the evaluation when any value is given (as the CLI does)."""
        if any(v is not None for v in given.values()):
            self.numeric = self.evaluate(seed=seed, **{k: v for k, v in given.items() if v is not None})
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON document; ``numeric`` holds the loss and per-layer ``layers`` values."""
        doc = super().to_dict()
        if self.numeric is not None:
            doc["numeric"] = _numeric_json(self, self.numeric)
        return doc

    def to_json(self) -> str:
        import json

        large = sum(lay.upstream.size for lay in self.layers) > 1_000
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=None if large else 2) + "\n"


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
        forward=exact_array([loss_expr], ()),
        jacobians={},
        grads={},
        checks=checks,
        extra={
            "title": ("title.chain", {"depth": depth, "dims": cfgs[0].ndim, "loss": LOSS_NAMES[loss]}),
            "setup": [],
            "output_letter": "L",
            "json": _symbolic_json,
        },
    )
    d.layers = layers
    d.loss = loss
    d.target = target
    d.output = acts[-1]
    d.loss_grad_elems = exact_array(loss_grad, acts[-1].shape)
    for layer in layers:
        layer.owner = d
    d.extra["setup"] = _Setup(d, _setup(cfgs, loss, expand))
    d.extra["sections"] = _Sections(d)
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
# JSON and document content (built when a renderer asks for them)


def _symbolic_json(d: ChainDerivation) -> dict[str, Any]:
    from gradsym.render.json import expr_text, nested

    def text(e: Any) -> str:
        return expr_text(d, e)

    layers = []
    for layer in d.layers:
        entry: dict[str, Any] = {
            "symbols": {role: t.names() for role, t in layer.symbols().items()},
            "forward": nested(layer.forward_elems, text),
            "grad": {role: nested(arr, text) for role, arr in layer.grad_elems.items()},
        }
        if layer.expanded_elems is not None:
            grads = layer.expanded_elems["grad"]
            entry["expanded"] = {
                "forward": nested(layer.expanded_elems["forward"], text),
                "grad": {role: nested(arr, text) for role, arr in grads.items()},
            }
        layers.append(entry)
    return {
        # Plain arrays of names, as every command's "symbols"; kernels and biases stacked
        # layer first (k_l_i_j), every layer's own names under "layers".
        "symbols": {
            "input": d.layers[0].input.names(),
            "kernel": [layer.kernel.names() for layer in d.layers],
            **({"bias": [layer.bias.names() for layer in d.layers if layer.bias is not None]}
               if d.layers[0].bias is not None else {}),
            "target": d.target.names(),
            "output": d.output.names(),
        },
        "layers": layers,
        "loss": {
            "kind": d.loss,
            "expression": text(d.forward_elems[()]),
            "grad": nested(d.loss_grad_elems, text),
        },
    }


def _numeric_json(d: ChainDerivation, ev: ChainEvaluation) -> dict[str, Any]:
    from gradsym.numeric import json_number
    from gradsym.render.json import nested

    def num(v: Any) -> Any:
        return json_number(v, ev.decimal)

    values: dict[str, Any] = {
        "input": nested(ev.layers[0].input, num),
        "kernel": [nested(lv.kernel, num) for lv in ev.layers],
    }
    if d.layers[0].bias is not None:
        values["bias"] = [nested(lv.bias, num) for lv in ev.layers if lv.bias is not None]
    values["target"] = nested(ev.values["chain_target"], num)
    assert ev.loss_grad_values is not None
    return {
        "values": values,
        "forward": num(ev.forward_values[()]),
        "layers": [
            {
                "forward": nested(lv.forward_values, num),
                "grad": {role: nested(arr, num) for role, arr in lv.grad_values.items()},
            }
            for lv in ev.layers
        ],
        "loss": {"value": num(ev.forward_values[()]), "grad": nested(ev.loss_grad_values, num)},
    }


class _Setup:
    """The set-up lines; the hint to give values only while there are none."""

    def __init__(self, d: ChainDerivation, lines: list[tuple[str, dict[str, Any]]]) -> None:
        self.d = d
        self.lines = lines

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from self.lines
        if self.d.numeric is None:
            yield ("chain.setup.values", {"bias": ", --b" if self.d.layers[0].bias else ""})


class _Sections:
    """The layer-by-layer sections of the document, built on first use.

    Iterating gives ``(key, title, blocks)`` as ``d.extra["sections"]`` expects;
    calling it with a catalogue and ``full`` builds them for that language and size.
    """

    def __init__(self, d: ChainDerivation) -> None:
        self.d = d

    def __iter__(self) -> Iterator[tuple[str, Any, list[Any]]]:
        from gradsym.render.messages import Catalogue

        return iter(self(Catalogue("en"), False))

    def __call__(self, t: Any, full: bool) -> list[tuple[str, Any, list[Any]]]:
        return _sections(self.d, t, full)


def _sections(d: ChainDerivation, t: Any, full: bool) -> list[tuple[str, Any, list[Any]]]:
    from gradsym.render.document import (
        MAX_EQUATIONS,
        Equations,
        Expr,
        Label,
        Num,
        Para,
        Row,
        grids_of,
    )

    ev = d.numeric
    dec = ev.decimal if ev else False
    depth = len(d.layers)

    def names(title: str, tensor: Tensor) -> list[Any]:
        return grids_of(title, tensor.ids, lambda v, _i: _label(d, int(v)), full, t)

    def values(title: str, arr: np.ndarray) -> list[Any]:
        return grids_of(f"{title} ({t('numeric.values')})", arr, lambda v, _i: Num(v, dec), full, t)

    def equations(tensor: Tensor, arr: np.ndarray, prefix: str = "") -> Any:
        flat = arr.reshape(-1)
        limit = len(flat) if full else min(len(flat), MAX_EQUATIONS)
        rows: list[tuple[Any, Any]] = []
        for i in range(limit):
            letter, index = d.table.keys[tensor.first + i]
            rows.append((Label(letter, index, prefix=prefix), Expr(flat[i])))
        more = t("summary.more", count=len(flat) - limit) if limit < len(flat) else ""
        return Equations(rows, more)

    # One section per phase, each layer opened by a heading: the document places every
    # extra section of a key next to that key's first section, so a phase's content
    # stays in order only inside one section.
    forward: list[Any] = []
    for i, layer in enumerate(d.layers):
        lv = ev.layers[i] if ev else None
        n = layer.index
        key = "chain.section.forward_bias" if layer.bias is not None else "chain.section.forward"
        forward.append(Para(t(key, layer=n, next=n + 1)))
        grids = names(f"k_{n}", layer.kernel)
        if layer.bias is not None:
            grids += names(f"b_{n}", layer.bias)
        if lv is not None:
            grids += values(f"k_{n}", lv.kernel)
            if lv.bias is not None:
                grids += values(f"b_{n}", lv.bias)
        forward.append(Row(grids))
        if lv is not None and i == 0:
            forward.append(Row(values("a_1", lv.input)))
        forward.append(equations(layer.output, layer.forward_elems))
        if lv is not None:
            forward.append(Row(values(f"a_{n + 1}", lv.forward_values)))
        if layer.expanded_elems is not None and n > 1:
            forward.append(Para(t("chain.expanded.forward")))
            forward.append(equations(layer.output, layer.expanded_elems["forward"]))
    out: list[tuple[str, Any, list[Any]]] = [("forward", ("chain.section.layers_forward", {}), forward)]

    last = d.layers[-1]
    blocks: list[Any] = [Para(t(f"chain.loss_grad.{d.loss}", count=d.output.size))]
    blocks.append(equations(last.upstream, d.loss_grad_elems))
    if ev is not None and ev.loss_grad_values is not None:
        blocks.append(Row(values(f"d_{depth}", ev.loss_grad_values)))
    out.append(("jacobian", ("chain.section.loss_grad", {"last": depth, "next": depth + 1}), blocks))

    backward: list[Any] = []
    for layer in reversed(d.layers):
        n = layer.index
        lv = ev.layers[n - 1] if ev else None
        backward.append(Para(t("chain.section.backward", layer=n, below=n - 1)))
        source = "chain.incoming.loss" if n == depth else "chain.incoming.layer"
        backward.append(Para(t(source, layer=n, next=n + 1)))
        grids = names(f"d_{n}", layer.upstream)
        if lv is not None:
            grids += values(f"d_{n}", lv.upstream)
        backward.append(Row(grids))
        roles = [("kernel", layer.kernel), ("bias", layer.bias), ("input", layer.input)]
        for role, tensor in roles:
            if tensor is None:
                continue
            below = "chain.grad.input_first" if role == "input" and n == 1 else f"chain.grad.{role}"
            backward.append(Para(t(below, layer=n, below=n - 1)))
            backward.append(equations(tensor, layer.grad_elems[role], prefix="∂L/∂"))
            if lv is not None:
                backward.append(Row(values(f"∂L/∂{tensor.letter}_{n}", lv.grad_values[role])))
            expanded = layer.expanded_elems["grad"][role] if layer.expanded_elems else None
            if expanded is not None and expanded.reshape(-1).tolist() != layer.grad_elems[role].reshape(-1).tolist():
                backward.append(Para(t("chain.expanded.grad", last=depth)))
                backward.append(equations(tensor, expanded, prefix="∂L/∂"))
    out.append(("grad", ("chain.section.layers_backward", {"last": depth}), backward))
    return out


def _label(d: Derivation, v: int) -> Any:
    from gradsym.render.document import Label, Num

    if v < 0:
        return Num(0)
    letter, index = d.table.keys[v]
    return Label(letter, index)


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
        raise SpecError(f"--loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    cfgs = chain_configs(
        input, kernel, depth, stride=stride, padding=padding, dilation=dilation, groups=groups,
        in_channels=in_channels, out_channels=out_channels, batch=batch,
        bias=bias or b is not None, max_terms=max_terms,
    )
    budget = EXPAND_BUDGET if max_terms is None else max_terms
    d = derive_chain(cfgs, loss_key, expand=expand, budget=budget)
    return d.with_values(seed=seed, x=x, k=k, b=b, target=target)


__all__ = ["ChainDerivation", "ChainEvaluation", "ChainLayer", "chain", "derive_chain"]
