"""N-dimensional transposed convolution (PyTorch semantics), derived and proved.

Forward, from the transposed convolution's own definition: every input element
scatters x·w into the output,

    y[n, o, s·i + d·q − p_before] += x[n, c, i] · w[c, o mod C_out/G, q]   for c ∈ group(o)

plus b[o]; positions outside [0, o′) are cropped (that is the padding) and the
last ``output_padding`` positions only ever get the bias. Weight layout
(C_in, C_out/groups, *k). Nothing here calls the convolution's forward pass
except the check that a transposed convolution *is* the convolution's
input-gradient.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Any

import numpy as np

from gradsym import grids, progress
from gradsym.layers.conv import (
    ConvConfig,
    ConvDerivation,
    bias_grad_rhs,
    conv_config,
    conv_grad_input,
    kernel_correlation,
    rot180_pairs,
    setup_lines,
    tap_index,
)
from gradsym.layers.conventions import (
    TransposedOptions,
    Working,
    derive_in_layout,
    display_name,
    layout_for,
    resolve_transposed,
)
from gradsym.poly import Poly
from gradsym.proofs import Check, compare
from gradsym.spec import ConvOptions

# ---------------------------------------------------------------------------
# Forward, from the definition


def deconv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig) -> list[Poly]:
    """Scatter every x[n, c, i]·w[c, o′, q] to y[n, o, s·i + d·q − p_before]; flat, row-major.

    ``x`` (N, C_in, *i), ``w`` (C_in, C_out/G, *k), ``b`` (C_out,) hold variable ids.
    """
    cin_g, cout_g = cfg.in_per_group, cfg.out_per_group
    n_out = math.prod(cfg.output)
    flat_target = tap_index(cfg, cfg.spatial, cfg.output)  # (P, Q): output written, or −1
    inside = flat_target >= 0
    hit_p, hit_q = np.nonzero(inside)  # every (input position, kernel offset) that lands
    cells = flat_target[hit_p, hit_q]
    out = [Poly() for _ in range(cfg.batch * cfg.out_channels * n_out)]
    x2 = x.reshape(cfg.batch, cfg.in_channels, -1)
    w2 = w.reshape(cfg.in_channels, cout_g, -1)
    for n in range(cfg.batch):
        for c in range(cfg.in_channels):
            progress.report("forward pass", n * cfg.in_channels + c, cfg.batch * cfg.in_channels)
            group = c // cin_g
            xs = x2[n, c][hit_p].tolist()
            for ol in range(cout_g):
                base = (n * cfg.out_channels + group * cout_g + ol) * n_out
                ws = w2[c, ol][hit_q].tolist()
                # each (c, i, q) gives its own monomial, so no term ever needs adding up
                for cell, xv, wv in zip((cells + base).tolist(), xs, ws):
                    out[cell][(xv, wv) if xv < wv else (wv, xv)] = 1
    if b is not None:
        for o, bv in enumerate(b.tolist()):
            for n in range(cfg.batch):
                start = (n * cfg.out_channels + o) * n_out
                for poly in out[start : start + n_out]:
                    poly[(bv,)] = 1
    return out


# ---------------------------------------------------------------------------
# Right-hand sides of the proofs, built independently


def full_conv_rot180(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig
) -> tuple[list[Poly], dict[str, Any]]:
    """y as a VALID correlation: x zero-inserted by the stride, padded by d(k−1) − p (before) and
    d(k−1) − p + a (after; cropped where negative), with the kernel rotated 180°, dilated and
    its in/out channel axes swapped within each group."""
    pads = [
        (d * (k - 1) - p[0], d * (k - 1) - p[1] + a)
        for d, k, p, a in zip(cfg.dilation, cfg.kernel, cfg.padding, cfg.output_padding)
    ]
    n_out = math.prod(cfg.output)
    out = [Poly() for _ in range(cfg.batch * cfg.out_channels * n_out)]
    detail: dict[str, Any] = {}
    for n, o, pairs in rot180_pairs(x, w, cfg, pads, cfg.out_channels, cfg.out_per_group, cfg.in_per_group):
        start = (n * cfg.out_channels + o) * n_out
        acc = out[start : start + n_out]
        for x_tilde, k_rot in pairs:
            grids.correlate(x_tilde, k_rot, cfg.output, into=acc)
            if not detail:
                detail = _full_conv_detail(cfg, pads, x_tilde, k_rot)
        if b is not None:
            for poly in acc:
                poly.add_term((int(b[o]),), 1)
    return out, detail


def _full_conv_detail(
    cfg: ConvConfig, pads: list[tuple[int, int]], x_tilde: np.ndarray, k_rot: np.ndarray
) -> dict[str, Any]:
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    pad_text = " ".join(f"({a},{b})" for a, b in pads)
    return {
        "grids": [
            (("proof.deconv_x_tilde", {"stride": fmt(cfg.stride), "pads": pad_text}), x_tilde),
            (("proof.deconv_k_rot_jax" if cfg.convention == "jax" else "proof.deconv_k_rot", {}), k_rot),
        ],
        "lines": [("proof.deconv_valid", {"tilde": fmt(x_tilde.shape), "kernel": fmt(k_rot.shape),
                                          "output": fmt(cfg.output), "pads": pad_text})],
    }


def transposed_config(conv: ConvOptions, output_size: Any) -> tuple[ConvConfig, TransposedOptions]:
    """The transposed convolution's config, padding and output_padding resolved by the
    framework's rules (``output_size`` picks output_padding); with the framework's details."""
    options = resolve_transposed(
        conv.convention, conv.input, conv.kernel, stride=conv.stride, padding=conv.padding,
        dilation=conv.dilation, groups=conv.groups, output_padding=conv.output_padding,
        output_size=output_size,
    )
    pads = options.padding
    if all(a >= 0 and b >= 0 for a, b in pads):
        resolved = replace(conv, padding=pads, output_padding=options.output_padding)
        return resolved.config(transposed=True), options
    # JAX's padding beyond d(k−1): PyTorch's padding is negative there (zeros grow the output)
    zero = tuple((0, 0) for _ in pads)
    resolved = replace(conv, padding=zero, output_padding=options.output_padding)
    return resolved.config(transposed=True).with_padding(pads), options


def matching_conv(cfg: ConvConfig) -> ConvConfig:
    """The convolution whose input-gradient this transposed convolution is: same kernel, stride,
    padding, dilation and groups, on an input the size of our output, channels swapped."""
    grown = any(a < 0 or b < 0 for a, b in cfg.padding)  # JAX's padding beyond d(k−1)
    matching = conv_config(
        cfg.output, cfg.kernel, stride=cfg.stride,
        padding=tuple((max(a, 0), max(b, 0)) for a, b in cfg.padding) if grown else cfg.padding,
        dilation=cfg.dilation, groups=cfg.groups,
        in_channels=cfg.out_channels if cfg.channels else None,
        out_channels=cfg.in_channels if cfg.channels else None,
        batch=cfg.batch if cfg.channels else None,
    )
    return matching.with_padding(cfg.padding) if grown else matching


def conv_grad_input_rhs(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig, first_free: int
) -> tuple[list[Poly], tuple[int, ...]]:
    """The matching convolution's dL/d(input), computed by the conv engine, with x as the upstream
    gradient (zero-extended by ⌊a/s⌋ where output_padding a ≥ stride s). Returns the extension."""
    conv_cfg = matching_conv(cfg)
    extension = tuple(o - i for o, i in zip(conv_cfg.output, cfg.spatial))
    upstream = grids.pad(x, [(0, e) for e in extension]) if any(extension) else x
    out = conv_grad_input(conv_cfg, w, upstream, first_free)
    if b is not None:
        n_out = math.prod(cfg.output)
        for index, poly in enumerate(out):
            poly.add_term((int(b[(index // n_out) % cfg.out_channels]),), 1)
    return out, extension


def grad_input_rhs(g: np.ndarray, w: np.ndarray, cfg: ConvConfig) -> list[Poly]:
    """dL/dx[n, c, i] = Σ_{o ∈ group(c), q} pad_p(g)[n, o, s·i + d·q] · w[c, o′, q]: a plain
    convolution of g with the kernel (stride s, dilation d), the channel axes as given."""
    n_in = math.prod(cfg.spatial)
    out = [Poly() for _ in range(cfg.batch * cfg.in_channels * n_in)]
    for n in range(cfg.batch):
        for c in range(cfg.in_channels):
            progress.report("proof: input gradient", n * cfg.in_channels + c, cfg.batch * cfg.in_channels)
            group = c // cfg.in_per_group
            start = (n * cfg.in_channels + c) * n_in
            acc = out[start : start + n_in]
            for ol in range(cfg.out_per_group):
                o = group * cfg.out_per_group + ol
                grids.correlate(grids.pad(g[n, o], cfg.padding), w[c, ol], cfg.spatial,
                                stride=cfg.stride, dilation=cfg.dilation, into=acc)
    return out


def grad_kernel_rhs(x: np.ndarray, g: np.ndarray, cfg: ConvConfig) -> list[Poly]:
    """dL/dw[c, o′, q] = Σ_{n, i} pad_p(g)[n, o, d·q + s·i] · x[n, c, i]: g correlated with the input
    (stride d, dilation s), cropped to the kernel, summed over the batch."""
    return kernel_correlation(g, x, cfg, report="proof: kernel gradient")


def deconv_checks(
    cfg: ConvConfig, work: Working, forward: list[Poly], grads: dict[str, list[Poly]]
) -> list[Check]:
    """The identities of a transposed convolution, each proved entry by entry."""
    x, w, b, g = work.x, work.w, work.b, work.g
    rhs_full, detail = full_conv_rot180(x, w, b, cfg)
    rhs_conv, extension = conv_grad_input_rhs(x, w, b, cfg, work.first_free)
    conv_detail: dict[str, Any] = {}
    if any(extension):
        conv_detail["lines"] = [("proof.deconv_zero_extend", {
            "extension": "x".join(map(str, extension)),
            "output_padding": "x".join(map(str, cfg.output_padding)),
            "stride": "x".join(map(str, cfg.stride)),
        })]
    checks = [
        compare(
            "forward_equals_full_conv_rot180_kernel",
            "y = valid_conv(pad_{d(k−1)−p, d(k−1)−p+a}(zero_insert_s(x)), dilate_d(rot180(w)) with "
            "in/out channels swapped per group) (+ b)",
            forward, rhs_full, detail=detail,
        ),
        compare(
            "forward_equals_conv_grad_input",
            "y = ∂/∂z ⟨conv(z, w; s, p, d, groups), x⟩, the matching convolution's input-gradient "
            "with x as its upstream gradient (conv2d_backprop_input) (+ b)"
            + (f"; x zero-extended by {'x'.join(map(str, extension))} at the end" if any(extension) else ""),
            forward, rhs_conv, detail=conv_detail,
        ),
        compare(
            "grad_input_equals_conv_upstream_kernel",
            "dL/dx = conv(pad_p(g), w; stride s, dilation d), summed over each group's output channels",
            grads["input"], grad_input_rhs(g, w, cfg),
        ),
        compare(
            "grad_kernel_equals_conv_upstream_input",
            "dL/dw = Σ_batch crop_k(conv(pad_p(g), x; stride d, dilation s))",
            grads["kernel"], grad_kernel_rhs(x, g, cfg),
        ),
    ]
    if "bias" in grads:
        checks.append(compare("grad_bias_equals_upstream_sum", "dL/db = Σ g (over batch and positions)",
                              grads["bias"], bias_grad_rhs(g, cfg)))
    return checks


# ---------------------------------------------------------------------------
# Numbers: an independent plain-NumPy forward pass


def numeric_conv_transpose(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig) -> np.ndarray:
    """Exact transposed convolution on object arrays in the working layout (N, C, *spatial):
    accumulate x·w[q] into a full-size buffer at stride s, offset d·q, then crop p_before."""
    nd = cfg.ndim
    full = tuple(
        max(s * (i - 1) + d * (k - 1) + 1, p[0] + o)
        for s, i, d, k, p, o in zip(cfg.stride, cfg.spatial, cfg.dilation, cfg.kernel, cfg.padding, cfg.output)
    )
    buf = np.zeros((x.shape[0], cfg.out_channels, *full), dtype=object)
    cin_g, cout_g = cfg.in_per_group, cfg.out_per_group
    for group in range(cfg.groups):
        xs = x[:, group * cin_g : (group + 1) * cin_g]  # (N, Cg, *i)
        for q in itertools.product(*(range(k) for k in cfg.kernel)):
            wq = w[(slice(group * cin_g, (group + 1) * cin_g), slice(None)) + q]  # (Cg, Og)
            contrib = np.moveaxis(np.tensordot(xs, wq, axes=([1], [0])), -1, 1)  # (N, Og, *i)
            window = tuple(slice(d * qq, d * qq + s * (i - 1) + 1, s)
                           for d, qq, s, i in zip(cfg.dilation, q, cfg.stride, cfg.spatial))
            buf[(slice(None), slice(group * cout_g, (group + 1) * cout_g)) + window] += contrib
    out = buf[(slice(None), slice(None)) + tuple(slice(p[0], p[0] + o) for p, o in zip(cfg.padding, cfg.output))]
    if b is not None:
        out = out + b.reshape((1, -1) + (1,) * nd)
    return out


# ---------------------------------------------------------------------------
# The derivation


def derive_deconv(cfg: ConvConfig, framework: dict[str, Any] | None = None) -> ConvDerivation:
    """Forward, Jacobians, VJPs and the proofs of a transposed convolution (in ``cfg.convention``).

    ``framework`` carries the framework's own options (JAX's padding of the dilated input,
    TensorFlow's output size) as :func:`~gradsym.layers.conventions.resolve_transposed` found them.
    """
    layout = layout_for(cfg.convention, cfg.ndim, channels=cfg.channels, transposed=True)
    if framework:
        layout = replace(layout, framework=framework)
    setup = setup_lines(cfg)
    setup.insert(1, ("setup.output_padding", {"output_padding": "x".join(map(str, cfg.output_padding))}))
    return derive_in_layout(
        cfg, layout, command="deconv", forward=deconv_forward, checks=deconv_checks,
        numeric=numeric_conv_transpose,
        title=_title(cfg),
        setup=setup,
    )


def _title(cfg: ConvConfig) -> tuple[str, dict[str, Any]]:
    if cfg.convention == "torch":
        return ("title.deconv", {"dims": cfg.ndim})
    return ("title.deconv_convention", {"dims": cfg.ndim, "convention": display_name(cfg.convention)})


# ---------------------------------------------------------------------------
# A concrete transposed convolution from its options
