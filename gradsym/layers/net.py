"""A whole small network, the chain rule layer by layer: ``gradsym net``.

The layer string (:mod:`gradsym.spec.net`) becomes one :class:`NetLayer` per layer, each
with its input and output shape. Every layer is shown once in its own symbols:

- conv, deconv and linear are derived by their engines (forward expanded from the
  definition, gradients by differentiation, their identities proved entry by entry:
  conv's ``grad_input_equals_full_conv_rot180_kernel`` …) in a shared table where layer
  l (1-based) reads ``a_l_…`` and has kernel ``k_l_…`` / weight ``w_l_…``, bias ``b_l_…``
  and incoming gradient ``d_l_…``;
- the other layers (activations, pooling, batch norm, flatten, the loss) by their
  element formula and local backward rule (VJP), written from :mod:`gradsym.rules`.

Numbers: the forward pass runs at the values (``x``, the target, every parameter given
or drawn with the seed), then the backward pass from the loss down, each layer turning
the gradient at its output into the gradient at its input and its parameters' gradients
with its own rule (for conv/deconv/linear: the derived VJP evaluated). Polynomial layers,
relu and pooling keep rationals exact; exp, tanh and sqrt bring mpmath numbers at 40
digits. The check ``jacobian_matches_autodiff_numeric`` differentiates the whole forward
pass independently (forward-mode sparse dual numbers, :mod:`gradsym.numeric`, seeded
with the input and every parameter) and compares with the layer-by-layer result.

Parameters are named as in the state_dict of the same ``torch.nn.Sequential``:
``0.weight``, ``0.bias``, ``4.weight`` … (the number is the layer's 0-based position).

>>> d = net(input="1x4", layers="linear 2, mse", x="1,2,3,4", at={"0.weight": "ones", "0.bias": "0,1"},
...         target="0,0")
>>> d.numeric.forward_values[()], d.holds
(Fraction(221, 2), True)
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import (
    CHECK_ENTRY,
    Cost,
    admit,
    batchnorm_cost,
    conv_cost,
    linear_cost,
    pool_cost,
)
from gradsym.calculus import derivative, jacobian, vjp
from gradsym.derivation import Derivation
from gradsym.errors import SpecError, Verbatim
from gradsym.layers.conv import bias_grad_rhs, conv_checks, conv_forward
from gradsym.layers.deconv import (
    deconv_forward,
    grad_input_rhs,
    grad_kernel_rhs,
)
from gradsym.layers.linear import linear_checks, linear_forward
from gradsym.layers.net_layers import (
    DIGITS,
    POLY_KINDS,
    NetLayer,
    _shape_text,
    build_layers,
)
from gradsym.layers.net_numeric import (
    NetEvaluation,
    NetLayerValues,
    _dual_check,
    layer_backward,
    layer_forward,
    loss_grad,
)
from gradsym.layers.pool import (
    derive_pool,
    pool_work,
)
from gradsym.numeric import object_array
from gradsym.poly import VarTable
from gradsym.proofs import Check, compare
from gradsym.spec import Values, parse_values
from gradsym.spec.expr import at_items
from gradsym.spec.net import (
    ACTIVATIONS,
    LOSSES,
    POOLS,
    parse_net_input,
    parse_net_layers,
)
from gradsym.symbols import Tensor

# ---------------------------------------------------------------------------
# Symbolic: conv/deconv/linear by their engines, the rest by element formulas


def _tensor(table: VarTable, letter: str, layer: int, shape: tuple[int, ...]) -> Tensor:
    ids = table.block(letter, [(layer, *(i + 1 for i in idx)) for idx in np.ndindex(*shape)])
    return Tensor(letter, shape, ids[0], table)


def _derive_poly_layer(table: VarTable, layer: NetLayer) -> list[Check]:
    """Forward and VJPs of conv/deconv/linear in layer l's symbols, and their proofs."""
    n = layer.number
    t: dict[str, Tensor] = {"input": _tensor(table, "a", n, layer.in_shape)}
    for role, shape in layer.params.items():
        t[role] = _tensor(table, {"kernel": "k", "weight": "w", "bias": "b"}[role], n, shape)
    t["upstream"] = _tensor(table, "d", n, layer.out_shape)
    x, g = t["input"].ids, t["upstream"].ids
    b = t["bias"].ids.reshape(-1) if "bias" in t else None
    if layer.kind == "linear":
        forward = linear_forward(x, t["weight"].ids, b)
    elif layer.kind == "conv":
        assert layer.conv is not None
        forward = conv_forward(x, t["kernel"].ids, b, layer.conv)
    else:
        assert layer.conv is not None
        forward = deconv_forward(x, t["kernel"].ids, b, layer.conv)
    roles = [r for r in t if r != "upstream"]
    grads = {
        role: vjp(jacobian(forward, layer.out_shape, t[role].first, t[role].shape), t["upstream"].flat_ids())
        for role in roles
    }
    layer.tensors = t
    layer.forward_elems = object_array(forward, layer.out_shape)
    layer.grad_elems = {role: object_array(polys, t[role].shape) for role, polys in grads.items()}
    if layer.kind == "linear":
        checks = linear_checks(x, t["weight"].ids, g, grads)
    elif layer.kind == "conv":
        assert layer.conv is not None
        checks = conv_checks(layer.conv, x, t["kernel"].ids, g, grads)
    else:
        assert layer.conv is not None
        w = t["kernel"].ids
        checks = [
            compare("grad_input_equals_conv_upstream_kernel",
                    "dL/dx = conv(pad_p(g), w; stride s, dilation d)",
                    grads["input"], grad_input_rhs(g, w, layer.conv)),
            compare("grad_kernel_equals_conv_upstream_input",
                    "dL/dw = Σ_batch crop_k(conv(pad_p(g), x; stride d, dilation s))",
                    grads["kernel"], grad_kernel_rhs(x, g, layer.conv)),
        ]
        if "bias" in grads:
            checks.append(compare("grad_bias_equals_upstream_sum", "dL/db = Σ g (over batch and positions)",
                                  grads["bias"], bias_grad_rhs(g, layer.conv)))
    for check in checks:
        check.statement = f"layer {n} ({layer.kind}): {check.statement}"
        check.detail.setdefault("lines", []).append(("net.check_layer", {"layer": n, "kind": layer.kind}))
    return checks


def _loss_expression(layer: NetLayer, target: Any) -> Any:
    """L in the loss input's own symbols z_… (targets as numbers)."""
    import sympy

    from gradsym.derivation import _number_to_sympy

    shape = layer.in_shape
    zs = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        zs[idx] = sympy.Symbol("_".join(["z", *(str(i + 1) for i in idx)]), real=True)
    if layer.kind == "softmax_ce":
        terms = [sympy.log(sympy.Add(*[sympy.exp(v) for v in row])) - row[t]
                 for row, t in zip(zs.tolist(), target)]
        return sympy.Add(*terms) / len(terms)
    pairs = zip(zs.reshape(-1).tolist(), target.reshape(-1).tolist())
    if layer.kind == "mse":
        total = sympy.Add(*[(z - _number_to_sympy(t)) ** 2 for z, t in pairs])
    else:
        total = sympy.Add(*[sympy.Abs(z - _number_to_sympy(t)) for z, t in pairs])
    return total / zs.size


def _setup(layers: list[NetLayer], values: dict[str, Values]) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = [("net.setup.intro", {"count": len(layers)})]
    for layer in layers:
        params = ", ".join(f"{layer.param_name(r)} {_shape_text(s)}" for r, s in layer.params.items())
        key = "net.setup.layer_params" if params else "net.setup.layer"
        lines.append((key, {"layer": layer.number, "text": layer.spec.text,
                            "input": _shape_text(layer.in_shape),
                            "output": _shape_text(layer.out_shape) or "1", "params": params}))
    lines.append(("net.setup.names", {}))
    lines.append(("net.setup.values", {}))
    return lines


def _describe(layer: NetLayer, target_classes: list[int] | None) -> None:
    """The element formula (SymPy, generic symbols) and the local backward rule of a
    layer that is not derived by an engine."""
    import sympy

    from gradsym.rules import RULES

    z, g = sympy.Symbol("z", real=True), sympy.Symbol("g", real=True)
    kind = layer.kind
    if kind in ACTIVATIONS:
        rule = RULES[kind]
        y = rule.sympy_value(z)
        layer.formula = [("y", y), ("∂y/∂z", rule.sympy_slope(z)), ("∂L/∂z", g * rule.sympy_slope(z))]
        layer.rule = [(f"net.rule.{kind}", {})]
    elif kind in POOLS:
        assert layer.pool is not None
        cells = [sympy.Symbol(f"z_{i + 1}", real=True) for i in range(math.prod(layer.pool.size))]
        y = sympy.Max(*cells) if kind == "maxpool" else sympy.Add(*cells) / len(cells)
        layer.formula = [("y", y)]
        layer.rule = [(f"net.rule.{kind}", {"count": len(cells)})]
    elif kind == "batchnorm":
        layer.rule = [("net.rule.batchnorm", {"count": layer.in_shape[0] * math.prod(layer.in_shape[2:])})]
    elif kind == "flatten":
        layer.rule = [("net.rule.flatten", {"shape": _shape_text(layer.in_shape)})]
    elif kind == "softmax_ce":
        k = layer.in_shape[1]
        zs = [sympy.Symbol(f"z_{j + 1}", real=True) for j in range(k)]
        t = (target_classes or [0])[0]
        lse = sympy.log(sympy.Add(*[sympy.exp(v) for v in zs]))
        layer.formula = [("ℓ", lse - zs[t]),
                         (f"∂ℓ/∂z_{t + 1}", sympy.exp(zs[t]) / sympy.Add(*[sympy.exp(v) for v in zs]) - 1)]
        layer.rule = [("net.rule.softmax_ce", {"count": layer.in_shape[0], "target": t, "symbol": t + 1})]
    elif kind in ("mse", "l1"):
        t = sympy.Symbol("t", real=True)
        count = math.prod(layer.in_shape)
        term = (z - t) ** 2 if kind == "mse" else sympy.Abs(z - t)
        slope = 2 * (z - t) if kind == "mse" else sympy.sign(z - t)
        layer.formula = [("ℓ", term / count), ("∂ℓ/∂z", slope / count)]
        layer.rule = [(f"net.rule.{kind}", {"count": count})]


def _pool_checks(layer: NetLayer) -> list[Check]:
    """The pool engine's proof for this layer's configuration: max pooling sends each g to its
    window's first maximum (decided on every region of the inputs), average pooling spreads it
    evenly — for every input, so also at the numbers below."""
    assert layer.pool is not None
    checks = []
    for check in derive_pool(layer.pool).checks:
        lines = [line for line in check.detail.get("lines", []) if isinstance(line, tuple)]
        lines.append(("net.check_layer", {"layer": layer.number, "kind": layer.kind}))
        checks.append(Check(check.name, f"layer {layer.number} ({layer.kind}): {check.statement}",
                            check.holds, check.mismatch, detail={"lines": lines}))
    return checks


BATCHNORM_PROOF_WORK = 20_000  # the batchnorm engine's F·M²·M(M+1)/2 units: about a second


def _batchnorm_work(layer: NetLayer) -> tuple[int, int, int]:
    """Values per channel M, channels C and the engine's work units for the proof."""
    m = layer.in_shape[0] * math.prod(layer.in_shape[2:])
    c = layer.in_shape[1]
    return m, c, c * m * m * (m * (m + 1) // 2)


def _batchnorm_checks(layer: NetLayer) -> list[Check]:
    """The batchnorm engine's proof of the compact rule, for this layer's channels as features
    and each channel's M values as samples (batch norm over (N, C, *spatial) is batch norm
    over (N·spatial, C)); only where the proof is small — the dual check covers every case."""
    from gradsym.layers.batchnorm import derive_batchnorm
    from gradsym.spec import batchnorm_config

    m, c, work = _batchnorm_work(layer)
    if work > BATCHNORM_PROOF_WORK:
        return []
    checks = []
    for check in derive_batchnorm(batchnorm_config(m, c)).checks:
        checks.append(Check(check.name, f"layer {layer.number} (batchnorm, {m} values per channel): "
                            f"{check.statement}", check.holds, check.mismatch,
                            detail={"lines": [("net.check_layer", {"layer": layer.number, "kind": layer.kind})]}))
    return checks


def _rule_check(layer: NetLayer) -> Check | None:
    """The stated rule of an activation or loss equals SymPy's derivative of its formula."""
    import sympy

    if layer.kind not in ("sigmoid", "tanh", "mse", "softmax_ce"):
        return None
    z, g = sympy.Symbol("z", real=True), sympy.Symbol("g", real=True)
    formula = dict(layer.formula)
    if layer.kind == "softmax_ce":
        (_, ell), (label, slope) = layer.formula[0], layer.formula[1]
        var = sympy.Symbol(label.removeprefix("∂ℓ/∂"), real=True)
        derived, stated = derivative(ell, var), slope
    elif layer.kind == "mse":
        derived, stated = derivative(formula["ℓ"], z), formula["∂ℓ/∂z"]
    else:
        derived, stated = g * derivative(formula["y"], z), formula["∂L/∂z"]
    holds = sympy.simplify((derived - stated).rewrite(sympy.exp)) == 0
    return Check(
        "local_rule_equals_derivative",
        f"layer {layer.number} ({layer.kind}): the backward rule {stated} equals SymPy's derivative "
        f"of the layer's formula",
        bool(holds),
        None if holds else f"SymPy's derivative is {derived}",
        detail={"lines": [("net.check_layer", {"layer": layer.number, "kind": layer.kind})]},
    )


# ---------------------------------------------------------------------------
# The derivation


class NetDerivation(Derivation):
    """``layers`` (first first), each with its symbolic part; ``numeric`` a :class:`NetEvaluation`."""

    net_layers: list[NetLayer]
    numeric: NetEvaluation | None  # type: ignore[assignment]

    @property
    def gradients(self) -> dict[str, Any]:
        """Every gradient of the loss by name (``input``, ``0.weight`` …) as SymPy arrays."""
        from gradsym.derivation import _number_to_sympy, _sympy_array

        assert self.numeric is not None
        return {k: _sympy_array(v, _number_to_sympy) for k, v in self.numeric.gradients.items()}


def _draw(layer: NetLayer, role: str, shape: tuple[int, ...], rng: random.Random) -> list[Any]:
    """Reproducible small dyadic rationals (exact in binary floating point, so PyTorch's float64
    reproduces the polynomial layers exactly): weights k/2^m with 2^m ≥ fan_in (k in −3…3),
    biases k/4, batch-norm γ in {1/2, 3/4, …, 3/2} and β in {−1/2, …, 1/2}."""
    size = math.prod(shape)
    if role in ("kernel", "weight"):
        fan_in = math.prod(shape[1:]) if layer.kind != "deconv" else shape[0] * math.prod(shape[2:])
        scale = 1 << max(0, (fan_in - 1).bit_length())
        return [Fraction(rng.randint(-3, 3), scale) for _ in range(size)]
    if role == "gamma":
        return [Fraction(rng.randint(2, 6), 4) for _ in range(size)]
    if role == "beta":
        return [Fraction(rng.randint(-2, 2), 4) for _ in range(size)]
    return [Fraction(rng.randint(-3, 3), 4) for _ in range(size)]


def _values(layers: list[NetLayer], x: Any, target: Any, at: dict[str, Any], seed: int | None
            ) -> tuple[dict[str, Values], Any, bool]:
    """The input, every parameter (given with --at or drawn) and the target."""
    names = {layer.param_name(role): (layer, role, shape) for layer in layers for role, shape in layer.params.items()}
    unknown = sorted(set(at) - set(names))
    if unknown:
        label = Verbatim(f"--at {unknown[0]}")
        if not names:
            raise SpecError("net.at_none", param=label)
        raise SpecError("net.at_unknown", param=label, known=", ".join(names))
    rng = random.Random(f"net:{seed if seed is not None else 0}")
    values: dict[str, Values] = {
        "input": parse_values(x if x is not None else "random", layers[0].in_shape, "--x", seed=seed)
    }
    for name, (layer, role, shape) in names.items():
        drawn = _draw(layer, role, shape, rng)
        if name in at:
            values[name] = parse_values(at[name], shape, f"--at {name}", seed=seed)
        else:
            values[name] = Values(shape, tuple(drawn), False)
    last = layers[-1]
    decimal = any(v.decimal for v in values.values())
    if last.kind == "softmax_ce":
        n, k = last.in_shape
        if target is None:
            classes = [rng.randrange(k) for _ in range(n)]
        else:
            parsed = parse_values(target, (n,), "--target", seed=seed)
            classes = []
            for v in parsed.flat:
                if Fraction(v).denominator != 1 or not 0 <= v < k:
                    raise SpecError("net.target", count=n, last=k - 1, got=v)
                classes.append(int(v))
        return values, classes, decimal
    parsed_t = parse_values(target if target is not None else "random", last.in_shape, "--target", seed=seed)
    return values, object_array(parsed_t.flat, last.in_shape), decimal or parsed_t.decimal


def _cost(layers: list[NetLayer]) -> Cost:
    """Engine layers at their rate, plus the dual pass: each output element's tangent has at
    most as many entries as the variables it depends on."""
    cost = Cost()
    seeded = math.prod(layers[0].in_shape)
    width = 1
    entries = 0
    for layer in layers:
        n_params = sum(math.prod(s) for s in layer.params.values())
        seeded += n_params
        if layer.conv is not None:
            cost = cost + conv_cost(layer.conv, values=True)
            fan = layer.in_shape[1] * math.prod(layer.conv.kernel)
            width = min(seeded, fan * width + fan + 1)
        elif layer.kind == "linear":
            cost = cost + linear_cost(layer.in_shape[0], layer.in_shape[1], layer.out_shape[1], values=True)
            width = min(seeded, layer.in_shape[1] * (width + 1) + 1)
        elif layer.pool is not None:
            cost = cost + pool_cost(pool_work(layer.pool), layer.kind == "maxpool", 0, 0)
            width = min(seeded, math.prod(layer.pool.size) * width)
        elif layer.kind == "batchnorm" or layer.kind in LOSSES:
            if layer.kind == "batchnorm" and _batchnorm_work(layer)[2] <= BATCHNORM_PROOF_WORK:
                cost = cost + batchnorm_cost(_batchnorm_work(layer)[2], math.prod(layer.in_shape))
            width = min(seeded, math.prod(layer.in_shape) * width + 2)
        entries += max(1, math.prod(layer.out_shape)) * width * 4
    return cost + CHECK_ENTRY * entries


def derive_net(layers: list[NetLayer], values: dict[str, Values], target: Any, decimal: bool) -> NetDerivation:
    """Symbolic layers, then the numbers forward and backward, then the checks."""
    table = VarTable()
    checks: list[Check] = []
    classes = target if layers[-1].kind == "softmax_ce" else None
    for i, layer in enumerate(layers):
        progress.report("deriving layers", i, len(layers))
        if layer.kind in POLY_KINDS:
            checks.extend(_derive_poly_layer(table, layer))
        else:
            _describe(layer, classes)
            if layer.pool is not None:
                checks.extend(_pool_checks(layer))
            if layer.kind == "batchnorm":
                checks.extend(_batchnorm_checks(layer))
            rule = _rule_check(layer)
            if rule is not None:
                checks.append(rule)
    named = {name: object_array(v.flat, v.shape) for name, v in values.items()}
    loss_layer = layers[-1]
    d = NetDerivation(
        command="net",
        config={
            "input": list(layers[0].in_shape),
            "layers": [layer.spec.text for layer in layers],
            "shapes": [list(layer.in_shape) for layer in layers] + [[]],
            "loss": loss_layer.kind,
            "eps": "1/100000",
        },
        table=table,
        symbols={},
        forward=np.empty((), dtype=object),
        jacobians={},
        grads={},
        checks=checks,
        title=("title.net", {"count": len(layers), "loss": loss_layer.kind}),
        output_letter="L",
    )
    d.net_layers = layers
    for layer in layers:
        layer.owner = d
    d.forward_elems[()] = _loss_expression(loss_layer, target)
    d.setup = _setup(layers, values)
    d.numeric = _evaluate(layers, named, target, decimal, len(table))
    return d


def _evaluate(layers: list[NetLayer], named: dict[str, np.ndarray], target: Any, decimal: bool,
              table_size: int) -> NetEvaluation:
    import mpmath

    with mpmath.workdps(DIGITS):
        acts = [named["input"]]
        params = [{role: named[layer.param_name(role)] for role in layer.params} for layer in layers]
        for i, layer in enumerate(layers[:-1]):
            progress.report("forward pass at the values", i, len(layers))
            acts.append(layer_forward(layer, acts[-1], params[i], target))
        loss = layer_forward(layers[-1], acts[-1], {}, target)
        g = loss_grad(layers[-1], acts[-1], target)
        point: list[Any] = [0] * table_size
        grads: list[dict[str, np.ndarray]] = [{} for _ in layers]
        upstreams: list[np.ndarray | None] = [None] * len(layers)
        grads[-1] = {"input": g}
        for i in reversed(range(len(layers) - 1)):
            progress.report("backward pass at the values", len(layers) - 1 - i, len(layers))
            upstreams[i] = g
            grads[i] = layer_backward(layers[i], acts[i], acts[i + 1], params[i], g, point)
            g = grads[i]["input"]
        gradients = {"input": g}
        for i, layer in enumerate(layers):
            for role in layer.params:
                gradients[layer.param_name(role)] = grads[i][role]
        lvs = [
            NetLayerValues(acts[i], params[i], acts[i + 1] if i + 1 < len(layers) else loss,
                           upstreams[i], grads[i])
            for i in range(len(layers))
        ]
        ev = NetEvaluation(
            {"input": named["input"]}, loss, {}, {"input": g}, {}, decimal,
            layers=lvs, named=named, gradients=gradients, target=target,
        )
        ev.checks.append(_dual_check(layers, ev))
    return ev


def net(
    input: Any = None,
    layers: Any = None,
    *,
    x: Any = None,
    target: Any = None,
    at: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> NetDerivation:
    """A small network given as a layer string: every layer's formula and backward rule, the
    numbers forward and backward at the values, and the chain rule checked against an
    independent differentiation of the whole network.

    ``at`` gives parameters by their state_dict names (``{"0.weight": "[[...]]"}`` or a list of
    ``"0.weight=[...]"``); the others are drawn with ``seed`` (default 0), as are ``x`` and
    ``target`` when not given.
    """
    shape = parse_net_input(input)
    specs = parse_net_layers(layers)
    built = build_layers(shape, specs)
    admit(_cost(built), max_terms)
    values, tgt, decimal = _values(built, x, target, at_items(at), seed)
    return derive_net(built, values, tgt, decimal)


__all__ = ["NetDerivation", "NetEvaluation", "NetLayer", "build_layers", "layer_forward", "net"]
