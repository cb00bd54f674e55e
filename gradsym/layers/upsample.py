"""Upsampling by an integer factor (``torch.nn.functional.interpolate``), derived and proved.

Forward, from PyTorch's own definition, axis by axis with exact rational weights
(``scale_factor`` given, so PyTorch samples with the scale 1/S):

* nearest: output ``d`` reads ``x[⌊d/S⌋]``;
* linear, ``align_corners=False``: the source ``src = (d + ½)/S − ½``, clamped at 0;
  ``i₀ = ⌊src⌋``, ``i₁ = i₀ + 1`` (``= i₀`` at the last input), ``λ = src − i₀``, and
  ``y_d = (1 − λ)·x[i₀] + λ·x[i₁]``;
* linear, ``align_corners=True``: ``src = d·(n − 1)/(n·S − 1)`` (0 when n = 1).

Bilinear and trilinear multiply the weights of the axes. The output is linear in x, a
:class:`~gradsym.poly.Poly` map, so the Jacobian and the gradient come from
:mod:`gradsym.calculus`.

The proofs rebuild the output and the gradient with the transposed-convolution engine
(:func:`gradsym.layers.deconv.deconv_forward`, :func:`~gradsym.layers.deconv.grad_input_rhs`)
and a *fixed* kernel, entry by entry:

* nearest: ``y = conv_transpose(x, ones(S), stride S)``;
* ``align_corners=False``: ``y = conv_transpose(pad_replicate₁(x), tent_S, stride S,
  padding ⌊S/2⌋ + S)`` with ``tent_S[t] = 1 − |t + ½ − S/2|/S``; the replicate padding is
  PyTorch's clamp at the border (without it the identity holds on the interior only);
* ``align_corners=True``: the step ``(n−1)/(nS−1)`` is not 1/S, so no stride-S kernel
  does it; what holds is ``y = every (n−1)-th output of conv_transpose(x, tent_T, stride
  T, padding T − 1)`` with ``T = nS − 1`` (the samples lie on a grid of step 1/T).

The gradient is the adjoint: a strided convolution of g with the same kernel (for the
replicate padding, the border cells fold back onto the first/last input).

>>> d = upsample(input=(2,), scale=2, mode="linear")
>>> d.forward.tolist()
[x_1, 3*x_1/4 + x_2/4, x_1/4 + 3*x_2/4, x_2]
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import grids, progress
from gradsym.budget import CHECK_ENTRY, Cost, admit, given, render_cost
from gradsym.calculus import jacobian, vjp
from gradsym.derivation import Derivation, NumericModel
from gradsym.errors import SpecError
from gradsym.layers.deconv import deconv_forward, grad_input_rhs
from gradsym.numeric import object_array
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check, compare
from gradsym.spec.conv import conv_config
from gradsym.spec.upsample import UpsampleConfig as UpsampleConfig
from gradsym.spec.upsample import upsample_config as upsample_config
from gradsym.symbols import Tensor

Weights = list[tuple[int, Fraction]]

# ---------------------------------------------------------------------------
# PyTorch's sampling rule, one axis, exact


def source_index(d: int, n: int, s: int, align_corners: bool) -> Fraction:
    """PyTorch's ``area_pixel_compute_source_index`` with exact rationals (scale_factor given).

    >>> source_index(0, 4, 2, False), source_index(3, 4, 2, False), source_index(3, 4, 2, True)
    (Fraction(0, 1), Fraction(5, 4), Fraction(9, 7))
    """
    if align_corners:
        return Fraction(d * (n - 1), n * s - 1) if n * s > 1 else Fraction(0)
    return max(Fraction(2 * d + 1, 2 * s) - Fraction(1, 2), Fraction(0))


def axis_weights(n: int, s: int, mode: str, align_corners: bool) -> list[Weights]:
    """Per output position of one axis: the input positions it reads and their weights."""
    out: list[Weights] = []
    for d in range(n * s):
        if mode == "nearest":
            out.append([(min(d // s, n - 1), Fraction(1))])
            continue
        src = source_index(d, n, s, align_corners)
        i0 = math.floor(src)
        i1 = i0 + 1 if i0 < n - 1 else i0
        lam = src - i0
        taps: dict[int, Fraction] = {}
        for i, w in ((i0, 1 - lam), (i1, lam)):
            taps[i] = taps.get(i, Fraction(0)) + w
        out.append([(i, w) for i, w in sorted(taps.items()) if w])
    return out


def upsample_forward(cfg: UpsampleConfig, x_first: int) -> list[Poly]:
    """y_o = Σ Π_axis w_axis · x (flat, row-major): PyTorch's rule, axes multiplied (each
    axis's weights as integers over the axis's common denominator, one division per term)."""
    per_axis, denominator = [], 1
    for n, s in zip(cfg.spatial, cfg.scale):
        weights = axis_weights(n, s, cfg.mode, cfg.align_corners)
        den = math.lcm(*(w.denominator for taps in weights for _, w in taps))
        per_axis.append([[(i, int(w * den)) for i, w in taps] for taps in weights])
        denominator *= den
    strides = [math.prod(cfg.spatial[a + 1 :]) for a in range(cfg.ndim)]
    out = []
    for index in itertools.product(*(range(n) for n in cfg.output)):
        poly = Poly()
        for taps in itertools.product(*(per_axis[a][index[a]] for a in range(cfg.ndim))):
            flat = sum(i * m for (i, _), m in zip(taps, strides))
            poly.add_term((x_first + flat,), _coef(Fraction(math.prod(w for _, w in taps), denominator)))
        out.append(poly)
    return out


def _coef(value: Fraction) -> int | Fraction:
    return int(value) if value.denominator == 1 else value


# ---------------------------------------------------------------------------
# The fixed kernels and the transposed convolution that rebuilds the layer


@dataclass(frozen=True)
class AxisPlan:
    """One axis as a transposed convolution: replicate-pad the input by ``replicate``, scatter
    with ``kernel`` at ``stride`` (``padding`` cropped each side), keep every ``keep``-th output."""

    kernel: tuple[Fraction, ...]
    stride: int
    padding: int
    replicate: int = 0
    keep: int = 1


def tent(half: int, offset: Fraction = Fraction(0)) -> tuple[Fraction, ...]:
    """The triangle kernel ``1 − |t − offset|/half`` over the integers t where it is positive,
    from the smallest t up."""
    lo = math.floor(offset - half) + 1
    hi = math.ceil(offset + half) - 1
    return tuple(1 - abs(t - offset) / half for t in range(lo, hi + 1))


def axis_plan(n: int, s: int, mode: str, align_corners: bool) -> AxisPlan:
    """The transposed convolution that equals this axis of the upsampling (see the module)."""
    if mode == "nearest":
        return AxisPlan(tuple(Fraction(1) for _ in range(s)), s, 0)
    if not align_corners:
        # output S·i + t reads x[i] with weight 1 − |t + ½ − S/2|/S: t from −⌊S/2⌋ on.
        return AxisPlan(tent(s, Fraction(s - 1, 2)), s, s // 2 + s, replicate=1)
    if n == 1:  # PyTorch's scale is 0: every output is x[0]
        return AxisPlan(tuple(Fraction(1) for _ in range(s)), s, 0)
    t = n * s - 1
    return AxisPlan(tent(t), t, t - 1, keep=n - 1)


def plans(cfg: UpsampleConfig) -> list[AxisPlan]:
    return [axis_plan(n, s, cfg.mode, cfg.align_corners) for n, s in zip(cfg.spatial, cfg.scale)]


def kernel_grid(axis_plans: list[AxisPlan]) -> np.ndarray:
    """The N-D kernel: the outer product of the axes' kernels (exact Fractions)."""
    grid = np.array(Fraction(1), dtype=object)
    for plan in axis_plans:
        grid = np.multiply.outer(grid, np.array(plan.kernel, dtype=object))
    return grid


def fine_shape(cfg: UpsampleConfig, axis_plans: list[AxisPlan]) -> tuple[int, ...]:
    """The transposed convolution's output shape (before keeping every ``keep``-th)."""
    return tuple(p.keep * (o - 1) + 1 for p, o in zip(axis_plans, cfg.output))


def _deconv_config(cfg: UpsampleConfig, axis_plans: list[AxisPlan]) -> Any:
    padded = tuple(n + 2 * p.replicate for n, p in zip(cfg.spatial, axis_plans))
    dc = conv_config(
        "x".join(map(str, padded)), "x".join(str(len(p.kernel)) for p in axis_plans),
        stride="x".join(str(p.stride) for p in axis_plans),
        padding="x".join(str(p.padding) for p in axis_plans), transposed=True,
    )
    assert dc.output == fine_shape(cfg, axis_plans), (dc.output, fine_shape(cfg, axis_plans))
    return dc


def _replicate_sources(cfg: UpsampleConfig, axis_plans: list[AxisPlan]) -> np.ndarray:
    """For each cell of the replicate-padded input: the flat input position it copies."""
    flat = np.arange(math.prod(cfg.spatial)).reshape(cfg.spatial)
    return np.pad(flat, [(p.replicate, p.replicate) for p in axis_plans], mode="edge")


class KernelValues:
    """Stand-in variable ids for the kernel taps (the deconv engine works on ids), and the
    exact tap values as integers over one common denominator."""

    def __init__(self, kernel: np.ndarray, first: int) -> None:
        self.ids = np.arange(first, first + kernel.size, dtype=np.int64).reshape(kernel.shape)
        taps = [Fraction(v) for v in kernel.reshape(-1)]
        self.denominator = math.lcm(*(t.denominator for t in taps))
        self.numerators = {int(i): int(t * self.denominator) for i, t in zip(self.ids.reshape(-1), taps)}

    def apply(self, poly: Poly, rename: dict[int, int] | None = None) -> Poly:
        """A polynomial of products (variable · tap) with each tap replaced by its value and
        each variable renamed (``rename``, e.g. a padded cell → the input cell it copies)."""
        sums: dict[int, int] = {}
        for mono, coef in poly.items():
            a, b = mono
            if b in self.numerators:
                var, tap = a, b
            else:
                var, tap = b, a
            var = rename[var] if rename is not None else var
            sums[var] = sums.get(var, 0) + int(coef) * self.numerators[tap]
        return Poly({(var,): _coef(Fraction(n, self.denominator)) for var, n in sorted(sums.items()) if n})


def deconv_rhs(cfg: UpsampleConfig, x: Tensor, free: int, kernel: np.ndarray | None = None) -> list[Poly]:
    """The output rebuilt by the transposed-convolution engine with the fixed kernel (or
    ``kernel``, for a test), on the replicate-padded input, keeping every ``keep``-th output."""
    axis_plans = plans(cfg)
    kernel = kernel_grid(axis_plans) if kernel is None else kernel
    dc = _deconv_config(cfg, axis_plans)
    sources = _replicate_sources(cfg, axis_plans)
    padded_ids = np.arange(free, free + sources.size, dtype=np.int64).reshape(sources.shape)
    taps = KernelValues(kernel, free + sources.size)
    rename = dict(zip(padded_ids.reshape(-1).tolist(), (x.first + sources.reshape(-1)).tolist()))
    progress.report("proof: transposed convolution", 0, 1)
    fine = deconv_forward(padded_ids.reshape(1, 1, *sources.shape), taps.ids.reshape(1, 1, *kernel.shape),
                          None, dc)
    keep = np.arange(len(fine)).reshape(dc.output)[tuple(slice(None, None, p.keep) for p in axis_plans)]
    return [taps.apply(fine[i], rename) for i in keep.reshape(-1).tolist()]


def conv_grad_rhs(cfg: UpsampleConfig, g: Tensor, free: int, kernel: np.ndarray | None = None) -> list[Poly]:
    """dL/dx rebuilt as a strided convolution of g (zero-inserted by ``keep``) with the same
    kernel (:func:`~gradsym.layers.deconv.grad_input_rhs`), the replicate border folded back."""
    axis_plans = plans(cfg)
    kernel = kernel_grid(axis_plans) if kernel is None else kernel
    dc = _deconv_config(cfg, axis_plans)
    taps = KernelValues(kernel, free)
    upstream = grids.zero_insert(g.ids, [p.keep for p in axis_plans])
    progress.report("proof: strided convolution", 0, 1)
    padded = grad_input_rhs(upstream.reshape(1, 1, *upstream.shape), taps.ids.reshape(1, 1, *kernel.shape), dc)
    out = [Poly() for _ in range(math.prod(cfg.spatial))]
    for poly, src in zip(padded, _replicate_sources(cfg, axis_plans).reshape(-1).tolist()):
        if out[src]:
            out[src].add(taps.apply(poly))
        else:
            out[src] = taps.apply(poly)
    return out


def plain_deconv_mismatches(cfg: UpsampleConfig, forward: list[Poly], x: Tensor, free: int) -> list[int]:
    """Without the replicate padding (zero padding, the same tent): the axis-0 output rows,
    1-based, where the transposed convolution differs from the layer (the border)."""
    axis_plans = plans(cfg)
    dc = conv_config(
        "x".join(map(str, cfg.spatial)), "x".join(str(len(p.kernel)) for p in axis_plans),
        stride="x".join(str(p.stride) for p in axis_plans),
        padding="x".join(str(p.padding - p.stride * p.replicate) for p in axis_plans), transposed=True,
    )
    taps = KernelValues(kernel_grid(axis_plans), free)
    plain = deconv_forward(x.ids.reshape(1, 1, *cfg.spatial), taps.ids.reshape(1, 1, *taps.ids.shape), None, dc)
    rows = {int(np.unravel_index(o, cfg.output)[0]) + 1
            for o, (a, b) in enumerate(zip(forward, plain)) if a != taps.apply(b)}
    return sorted(rows)


def proof_checks(cfg: UpsampleConfig, table: VarTable, x: Tensor, g: Tensor, forward: list[Poly],
                 grads: list[Poly], kernel: np.ndarray | None = None) -> list[Check]:
    """The forward as a transposed convolution with the fixed kernel, the gradient as a strided
    convolution of g with it; ``kernel`` replaces the fixed kernel (to see a proof fail)."""
    axis_plans = plans(cfg)
    free = len(table)
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    params = {
        "kernel": fmt(len(p.kernel) for p in axis_plans), "stride": fmt(p.stride for p in axis_plans),
        "padding": fmt(p.padding for p in axis_plans), "keep": fmt(p.keep for p in axis_plans),
        "scale": fmt(cfg.scale),
    }
    if cfg.mode == "nearest":
        kind = "nearest"
        text = (f"y = conv_transpose(x, ones({params['kernel']}), stride {params['stride']}): every "
                f"input copied to its block")
    elif not cfg.align_corners:
        kind = "tent"
        text = (f"y = conv_transpose(pad_replicate_1(x), tent ({params['kernel']}), stride "
                f"{params['stride']}, padding {params['padding']}) with tent[t] = 1 − |t + 1/2 − S/2|/S; "
                f"the replicate padding is PyTorch's clamp at the border")
    else:
        kind = "corners"
        text = (f"y = every ({params['keep']})-th output of conv_transpose(x, tent ({params['kernel']}), "
                f"stride T = {params['stride']}, padding T − 1), T = n·S − 1: align_corners samples at "
                f"d·(n−1)/(n·S−1), a grid of step 1/T, so no stride-S kernel gives it")
    lines: list[tuple[str, dict[str, Any]]] = [(f"upsample.proof_{kind}", params)]
    if kind == "tent" and kernel is None:
        rows = plain_deconv_mismatches(cfg, forward, x, free)
        lines.append(("upsample.proof_border", {
            "rows": ", ".join(map(str, rows)) or "—", "count": len(rows), "total": cfg.output[0],
        }))
    forward_check = compare("forward_equals_transposed_conv_fixed_kernel", text, forward,
                            deconv_rhs(cfg, x, free, kernel), detail={"lines": lines})
    grad_check = compare(
        "grad_input_equals_strided_conv_upstream_kernel",
        "dL/dx = conv(pad(g), the same kernel; stride " + params["stride"] + ")"
        + (", g zero-inserted by " + params["keep"] if kind == "corners" else "")
        + (", the replicate border folded onto the first/last input" if kind == "tent" else ""),
        grads, conv_grad_rhs(cfg, g, free, kernel),
        detail={"lines": [(f"upsample.proof_adjoint_{kind}", params)]},
    )
    return [forward_check, grad_check]


# ---------------------------------------------------------------------------
# Numbers: an independent pass, one axis at a time, on exact values


def numeric_upsample(x: np.ndarray, cfg: UpsampleConfig) -> np.ndarray:
    """Interpolate along each axis in turn: x[i₀] + λ·(x[i₁] − x[i₀]) at every source."""
    out = np.asarray(x, dtype=object)
    for axis, (n, s) in enumerate(zip(cfg.spatial, cfg.scale)):
        moved = np.moveaxis(out, axis, 0)
        rows = []
        for d in range(n * s):
            if cfg.mode == "nearest":
                rows.append(moved[d // s])
                continue
            src = source_index(d, n, s, cfg.align_corners)
            lo = int(src)  # src ≥ 0
            hi = min(lo + 1, n - 1)
            rows.append(moved[lo] + (src - lo) * (moved[hi] - moved[lo]))
        out = np.moveaxis(np.stack(rows), 0, axis)
    return out


# ---------------------------------------------------------------------------
# The derivation


PAIR = Cost(80e-6, 1_300)
"""One (output, input read) pair: its forward term, Jacobian entry and gradient term, with
Fraction weights (measured with 64x64 inputs at scale 4: about 80 µs and 1.3 kB each)."""
PROOF_UNIT = Cost(1.3e-6, 120)
"""One (input cell, kernel tap) pair or fine-grid cell of the proofs' transposed and strided
convolutions, vectorised by the deconv engine (measured: about 1.3 µs and 120 bytes each)."""


def upsample_cost(cfg: UpsampleConfig, *, values: bool = False) -> Cost:
    """The (output, input) pairs (at most 2 per axis per output), the proofs' convolutions
    over the padded input and the fine grid, and the numeric check."""
    axis_plans = plans(cfg)
    pairs = (2 ** cfg.ndim if cfg.interpolating else 1) * math.prod(cfg.output)
    padded = math.prod(n + 2 * p.replicate for n, p in zip(cfg.spatial, axis_plans))
    kernel = math.prod(len(p.kernel) for p in axis_plans)
    cost = PAIR * pairs + PROOF_UNIT * (2 * padded * kernel + math.prod(fine_shape(cfg, axis_plans)))
    if values:
        cost += CHECK_ENTRY * (2 * pairs)
    return cost + render_cost(3 * pairs)


def derive_upsample(cfg: UpsampleConfig) -> Derivation:
    """Forward, Jacobian, VJP and the two proofs of an upsampling layer."""
    table = VarTable()
    x = Tensor.create(table, "x", cfg.input_shape())
    g = Tensor.create(table, "g", cfg.output_shape())
    progress.report("forward pass", 0, 1)
    forward = upsample_forward(cfg, x.first)
    jac = jacobian(forward, cfg.output_shape(), x.first, x.shape)
    grads = vjp(jac, g.flat_ids())
    checks = proof_checks(cfg, table, x, g, forward, grads)
    model = NumericModel({"x": "input", "g": "upstream"}, lambda pt: numeric_upsample(pt["input"], cfg))
    return Derivation(
        command="upsample",
        config=cfg.to_json(),
        table=table,
        symbols={"input": x, "upstream": g},
        forward=object_array(forward, cfg.output_shape()),
        jacobians={"input": jac},
        grads={"input": object_array(grads, x.shape)},
        checks=checks,
        model=model,
        title=("title.upsample_" + ("nearest" if cfg.mode == "nearest" else "linear"),
               {"dims": cfg.ndim, "mode": cfg.mode}),
        setup=setup_lines(cfg),
    )


def setup_lines(cfg: UpsampleConfig) -> list[tuple[str, dict[str, Any]]]:
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    rule = "nearest" if cfg.mode == "nearest" else ("corners" if cfg.align_corners else "half_pixel")
    return [
        ("upsample.setup", {"input": fmt(cfg.spatial), "scale": fmt(cfg.scale), "mode": cfg.mode,
                            "align_corners": str(cfg.align_corners), "output": fmt(cfg.output)}),
        (f"upsample.rule_{rule}", {}),
        ("setup.upstream", {}),
    ]


# ---------------------------------------------------------------------------
# The public function


def upsample(
    input: Any = None,
    scale: Any = 2,
    *,
    mode: str = "nearest",
    align_corners: bool = False,
    x: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive ``torch.nn.functional.interpolate(x, scale_factor=scale, mode=mode,
    align_corners=align_corners)`` and prove it a transposed convolution with a fixed kernel.

    >>> d = upsample(input=(2, 2), scale=2, mode="bilinear", x="arange")
    >>> [str(v) for v in d.numeric.forward.tolist()[0]]
    ['1', '5/4', '7/4', '2']
    """
    if input is None:
        raise SpecError("option.required", param="input", example="2x2")
    cfg = upsample_config(input, scale, mode=mode, align_corners=align_corners)
    admit(upsample_cost(cfg, values=given(x, g)), max_terms, "this upsampling")
    return derive_upsample(cfg).with_values(seed=seed, x=x, g=g)
