"""``net`` at numbers: every layer's forward and backward rule evaluated exactly, and the
independent check of the end-to-end gradients by forward-mode dual numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.derivation import Evaluation
from gradsym.layers.conv import numeric_conv
from gradsym.layers.deconv import (
    numeric_conv_transpose,
)
from gradsym.layers.linear import numeric_linear
from gradsym.layers.net_layers import DIGITS, EPS, POLY_KINDS, TOLERANCE, NetLayer
from gradsym.layers.pool import (
    _padded_windows,
    first_max,
    numeric_avg,
    numeric_pool,
)
from gradsym.numeric import Dual, apply_rule, autodiff_check, object_array, tangent_jacobians
from gradsym.numeric import seed as seed_point
from gradsym.poly import evaluate
from gradsym.proofs import Check
from gradsym.rules import RULES, first_argmax
from gradsym.spec.net import (
    POOLS,
)

ACTIVATION_KINDS = ("relu", "sigmoid", "tanh")


# ---------------------------------------------------------------------------
# Numbers: exact where possible, mpmath at DIGITS digits after exp/tanh/sqrt


def _mp(v: Any) -> Any:
    """An exact number (or a dual of one) as an mpmath number."""
    import mpmath

    if isinstance(v, Dual):
        return Dual(_mp(v.value), v.tangent)
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, int):
        return mpmath.mpf(v)
    return v


def _map(arr: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(arr.reshape(-1).tolist()):
        flat[i] = fn(v)
    return out


def _channel_axes(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (0, *range(2, len(shape)))


def _batchnorm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per channel: x̂ = (x − μ)/σ and σ = sqrt(var + ε) (biased variance), and the count M."""
    count = x.size // x.shape[1]
    moved = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)
    xhat = np.empty_like(moved)
    sigmas = np.empty(x.shape[1], dtype=object)
    for c, row in enumerate(moved):
        values = row.tolist()
        mu = sum(values, Fraction(0)) / count
        var = sum(((v - mu) * (v - mu) for v in values), Fraction(0)) / count
        sigma = apply_rule("sqrt", _mp(var + EPS))
        sigmas[c] = sigma
        xhat[c] = [_mp(v - mu) / sigma for v in values]
    shaped = np.moveaxis(xhat.reshape(x.shape[1], x.shape[0], *x.shape[2:]), 0, 1)
    return shaped, sigmas, count


def _per_channel(arr: np.ndarray, ndim: int) -> np.ndarray:
    return arr.reshape((1, -1) + (1,) * (ndim - 2))


def layer_forward(layer: NetLayer, a: np.ndarray, p: dict[str, np.ndarray], target: Any) -> np.ndarray:
    """The layer's forward pass on numbers or duals (independent of the symbolic code)."""
    kind = layer.kind
    if kind == "conv":
        assert layer.conv is not None
        return numeric_conv(a, p["kernel"], p.get("bias"), layer.conv)
    if kind == "deconv":
        assert layer.conv is not None
        return numeric_conv_transpose(a, p["kernel"], p.get("bias"), layer.conv)
    if kind == "linear":
        return numeric_linear(a, p["weight"], p.get("bias"))
    if kind == "relu":
        return _map(a, lambda v: apply_rule("relu", v))
    if kind in ACTIVATION_KINDS:
        return _map(a, lambda v: apply_rule(kind, _mp(v)))
    if kind in POOLS:
        assert layer.pool is not None
        combine = first_max if kind == "maxpool" else numeric_avg
        return numeric_pool(a, layer.pool, combine)
    if kind == "batchnorm":
        xhat, _, _ = _batchnorm_stats(a)
        return xhat * _per_channel(p["gamma"], a.ndim) + _per_channel(p["beta"], a.ndim)
    if kind == "flatten":
        return a.reshape(layer.out_shape)
    if kind == "softmax_ce":
        total: Any = 0
        for row, t in zip(a.tolist(), target):
            s = sum((apply_rule("exp", _mp(v)) for v in row), 0)
            total = total + apply_rule("log", s) - row[t]
        return object_array([total / len(target)], ())
    diffs = (a - target).reshape(-1).tolist()
    if kind == "mse":
        value = sum((v * v for v in diffs), Fraction(0)) / len(diffs)
    else:
        value = sum((apply_rule("abs", v) for v in diffs), Fraction(0)) / len(diffs)
    return object_array([value], ())


def loss_grad(layer: NetLayer, a: np.ndarray, target: Any) -> np.ndarray:
    """∂L/∂(loss input) by the loss's rule."""
    kind = layer.kind
    if kind == "softmax_ce":
        n = len(target)
        out = np.empty(a.shape, dtype=object)
        for i, (row, t) in enumerate(zip(a.tolist(), target)):
            exps = [apply_rule("exp", _mp(v)) for v in row]
            s = sum(exps, 0)
            for j, e in enumerate(exps):
                out[i, j] = (e / s - (1 if j == t else 0)) / n
        return out
    count = a.size
    diff = a - target
    if kind == "mse":
        return _map(diff, lambda v: 2 * v / Fraction(count))
    return _map(diff, lambda v: Fraction((v > 0) - (v < 0), count))


def layer_backward(
    layer: NetLayer, a: np.ndarray, y: np.ndarray, p: dict[str, np.ndarray], g: np.ndarray,
    point: list[Any],
) -> dict[str, np.ndarray]:
    """∂L/∂input and the parameters' gradients from the gradient ``g`` at the output."""
    kind = layer.kind
    if kind in POLY_KINDS:
        t = layer.tensors
        for role, arr in [("input", a), ("upstream", g), *p.items()]:
            tensor = t[role]
            point[tensor.first : tensor.first + tensor.size] = arr.reshape(-1).tolist()
        return {
            role: _map(arr, lambda poly: _simplify(evaluate(poly, point)))
            for role, arr in layer.grad_elems.items()
        }
    if kind in ACTIVATION_KINDS:  # f′ from the rules table (relu′(0) = 0, σ′ = σ(1 − σ), …)
        slope = RULES[kind].slope
        flat = [gv * s if (s := slope(av, yv)) else 0
                for av, yv, gv in zip(a.reshape(-1).tolist(), y.reshape(-1).tolist(), g.reshape(-1).tolist())]
        return {"input": object_array(flat, a.shape)}
    if kind in POOLS:
        assert layer.pool is not None
        grad = np.zeros(a.size, dtype=object)
        _outs, cells, flats = _padded_windows(a, layer.pool)
        for gv, window, where in zip(g.reshape(-1).tolist(), cells, flats):
            present = [(c, f) for c, f in zip(window, where) if c is not None]
            if kind == "maxpool":
                best = first_argmax([c for c, _ in present])
                grad[present[best][1]] += gv
            else:
                for _c, f in present:
                    grad[f] += gv / Fraction(len(window))
        return {"input": grad.reshape(a.shape)}
    if kind == "batchnorm":
        xhat, sigmas, count = _batchnorm_stats(a)
        axes = _channel_axes(a.shape)
        g = _map(g, _mp)  # σ is irrational in general: mpmath from here (Fraction − mpf fails)
        sum_g = g.sum(axis=axes)
        sum_gx = (g * xhat).sum(axis=axes)
        gamma = p["gamma"]
        scale = _per_channel(np.array([_mp(gm) / (count * s) for gm, s in zip(gamma.tolist(), sigmas.tolist())],
                                      dtype=object), a.ndim)
        dx = scale * (count * g - _per_channel(sum_g, a.ndim) - xhat * _per_channel(sum_gx, a.ndim))
        return {"input": dx, "gamma": sum_gx, "beta": sum_g}
    assert kind == "flatten"
    return {"input": g.reshape(a.shape)}


def _simplify(v: Any) -> Any:
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v)
    if not isinstance(v, (int, Fraction)) and v == 0:
        return 0
    return v


@dataclass
class NetLayerValues:
    """One layer at the numbers: its input, parameters, output, incoming gradient, gradients."""

    input: np.ndarray
    params: dict[str, np.ndarray]
    forward_values: np.ndarray
    upstream: np.ndarray | None
    grad_values: dict[str, np.ndarray]


@dataclass
class NetEvaluation(Evaluation):
    """The network at the values: per-layer numbers, the loss and every named gradient."""

    layers: list[NetLayerValues] = field(default_factory=list)
    named: dict[str, np.ndarray] = field(default_factory=dict)
    gradients: dict[str, np.ndarray] = field(default_factory=dict)
    target: Any = None


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction)):
        return bool(a == b)
    diff = abs(_mp(a) - _mp(b))
    return bool(diff <= TOLERANCE * max(1, abs(_mp(a)), abs(_mp(b))))


def _dual_check(layers: list[NetLayer], ev: NetEvaluation) -> Check:
    """The whole forward pass once more on sparse dual numbers seeded with the input and every
    parameter: the tangent of the loss is every gradient, found without the backward rules."""
    point = seed_point(ev.named, list(ev.named))
    a = point["input"]
    for i, layer in enumerate(layers):
        progress.report("numeric check", i, len(layers))
        params = {role: point[layer.param_name(role)] for role in layer.params}
        a = layer_forward(layer, a, params, ev.target)
    loss = a.reshape(-1)[0]
    value = loss.value if isinstance(loss, Dual) else loss
    # the loss is the one output: ∂L/∂name is row 0 of the Jacobian wrt name
    symbolic = {
        name: {(0, i): v for i, v in enumerate(grad.reshape(-1).tolist())}
        for name, grad in ev.gradients.items()
    }
    check = autodiff_check(
        "the layer-by-layer gradients of the loss (wrt the input and every parameter) equal an "
        "independent differentiation of the whole network at the values: one forward pass on "
        "sparse dual numbers seeded with every input and parameter element (exact for rational "
        f"values, else within {TOLERANCE:g} relative at {DIGITS} digits)",
        symbolic, tangent_jacobians([loss], ev.gradients), _close,
        known_mismatch=None if _close(value, ev.forward_values[()]) else "the loss differs from the dual-number pass",
    )
    check.detail = {"lines": [("net.check_dual", {})]}
    return check
