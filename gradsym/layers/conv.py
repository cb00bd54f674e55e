"""N-dimensional convolution (cross-correlation, PyTorch semantics), derived and proved.

Forward, from the definition, for every batch n, output channel o and position p:

    y[n, o, p] = Σ_{c ∈ group(o), q} x[n, c, s·p + d·q − p_before] · w[o, c mod C_in/G, q] (+ b[o])

The Jacobians come from differentiating those expanded expressions; the proofs
build their right-hand sides independently, from grids (zero-insertion,
padding, rotation by 180°, cropping).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradsym import grids, progress
from gradsym.calculus import jacobian, vjp
from gradsym.derivation import Derivation, NumericModel
from gradsym.numeric import object_array
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check, compare

# Parsed in gradsym.spec; also importable from here, where the engine modules look for them.
from gradsym.spec import CONVENTIONS as CONVENTIONS
from gradsym.spec import ConvConfig as ConvConfig
from gradsym.spec import conv_config as conv_config
from gradsym.spec import require as require
from gradsym.symbols import Tensor

# ---------------------------------------------------------------------------
# Tensors


@dataclass
class ConvTensors:
    table: VarTable
    input: Tensor
    kernel: Tensor
    bias: Tensor | None
    upstream: Tensor

    def as_dict(self) -> dict[str, Tensor]:
        out = {"input": self.input, "kernel": self.kernel}
        if self.bias is not None:
            out["bias"] = self.bias
        out["upstream"] = self.upstream
        return out


def make_tensors(cfg: ConvConfig, letters: tuple[str, str, str, str] = ("x", "k", "b", "g")) -> ConvTensors:
    """Input, kernel, bias and upstream-gradient symbols, in that id order."""
    table = VarTable()
    x = Tensor.create(table, letters[0], cfg.input_shape())
    k = Tensor.create(table, letters[1], cfg.kernel_shape())
    b = Tensor.create(table, letters[2], cfg.bias_shape()) if cfg.bias else None
    g = Tensor.create(table, letters[3], cfg.output_shape())
    return ConvTensors(table, x, k, b, g)


def canonical(tensor: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    """Ids reshaped to the (N, C, *spatial) / (O, I, *k) working layout."""
    return tensor.ids.reshape(shape)


def conv_layout(cfg: ConvConfig) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Working shapes of input, weight and output (always with batch/channel axes)."""
    return (
        (cfg.batch, cfg.in_channels, *cfg.spatial),
        cfg.weight_shape(),
        (cfg.batch, cfg.out_channels, *cfg.output),
    )


# ---------------------------------------------------------------------------
# Forward, from the definition


def tap_index(cfg: ConvConfig, source: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
    """For every position p of ``source`` (row-major) and kernel offset q, the flat index of
    s·p + d·q − p_before in ``target``, or −1 where that falls outside (into the padding).

    A convolution reads its input there (source = output); a transposed convolution writes
    its output there (source = input). Shape (positions, kernel offsets).
    """
    nd = cfg.ndim
    positions = np.indices(source).reshape(nd, -1)  # (nd, P)
    offsets = np.array(list(itertools.product(*(range(k) for k in cfg.kernel))), dtype=np.int64).reshape(-1, nd)
    stride = np.array(cfg.stride)[:, None, None]
    dil = np.array(cfg.dilation)[:, None, None]
    before = np.array([p[0] for p in cfg.padding])[:, None, None]
    tap = stride * positions[:, :, None] + dil * offsets.T[:, None, :] - before  # (nd, P, Q)
    inside = np.all((tap >= 0) & (tap < np.array(target)[:, None, None]), axis=0)
    flat = np.ravel_multi_index(tuple(np.where(inside, tap, 0)), target)
    return np.where(inside, flat, -1)


def conv_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig
) -> list[Poly]:
    """Expand y[n, o, p] = Σ x[n, c, s·p + d·q − pad]·w[o, c′, q] (+ b[o]); flat, row-major."""
    cin_g, cout_g = cfg.in_per_group, cfg.out_per_group
    n_out = math.prod(cfg.output)
    flat_read = tap_index(cfg, cfg.output, cfg.spatial)  # (P, Q): input read, or −1
    out: list[Poly] = []
    x2 = x.reshape(cfg.batch, cfg.in_channels, -1)
    w2 = w.reshape(cfg.out_channels, cin_g, -1)
    for n in range(cfg.batch):
        for o in range(cfg.out_channels):
            progress.report("forward pass", n * cfg.out_channels + o, cfg.batch * cfg.out_channels)
            group = o // cout_g
            polys = [Poly() for _ in range(n_out)]
            for cl in range(cin_g):
                c = group * cin_g + cl
                xs = np.where(flat_read >= 0, x2[n, c][flat_read], -1)  # (P, Q)
                ws = w2[o, cl]  # (Q,)
                for p, row in enumerate(xs.tolist()):
                    if p % 8192 == 0:
                        progress.report("forward pass", p, n_out)
                    poly = polys[p]
                    for xv, wv in zip(row, ws.tolist()):
                        if xv >= 0:
                            poly[(xv, wv) if xv < wv else (wv, xv)] = 1
            if b is not None:
                for poly in polys:
                    poly[(int(b[o]),)] = 1
            out.extend(polys)
    return out


# ---------------------------------------------------------------------------
# Right-hand sides of the proofs, built from grids


def rot180_pairs(
    source: np.ndarray, weight: np.ndarray, cfg: ConvConfig, pads: list[tuple[int, int]],
    channels: int, per_group: int, sources_per_group: int,
) -> Iterator[tuple[int, int, Iterator[tuple[np.ndarray, np.ndarray]]]]:
    """The operands of a full convolution with the kernel rotated 180° (a convolution's ∂L/∂x,
    a transposed convolution's forward pass): per batch n and target channel, each source
    channel s of its group zero-inserted by the stride and padded by ``pads``, with
    ``weight[s, target within its group]`` rotated 180° and dilated."""
    nd = cfg.ndim
    for n in range(cfg.batch):
        for target in range(channels):
            progress.report("proof: full convolution", n * channels + target, cfg.batch * channels)
            group, local = divmod(target, per_group)
            sources = range(group * sources_per_group, (group + 1) * sources_per_group)
            yield n, target, (
                (grids.pad(grids.zero_insert(source[n, s], cfg.stride), pads),
                 grids.zero_insert(grids.rot180(weight[s, local], nd), cfg.dilation))
                for s in sources
            )


def full_conv_rot180(
    upstream: np.ndarray, weight: np.ndarray, cfg: ConvConfig, *, keep_detail: bool
) -> tuple[list[Poly], dict[str, Any]]:
    """∂L/∂x as a full convolution: zero-insert g by the stride, pad by d(k−1), correlate with
    the kernel rotated 180° and dilated (in/out channel axes swapped per group), append r zeros,
    crop [p : p+i]."""
    r = cfg.remainder()
    full_pad = [(d * (k - 1), d * (k - 1) + rr) for d, k, rr in zip(cfg.dilation, cfg.kernel, r)]
    in_size = math.prod(cfg.spatial)
    out = [Poly() for _ in range(cfg.batch * cfg.in_channels * in_size)]
    detail: dict[str, Any] = {}
    for n, c, pairs in rot180_pairs(upstream, weight, cfg, full_pad, cfg.in_channels, cfg.in_per_group,
                                    cfg.out_per_group):
        acc = out[(n * cfg.in_channels + c) * in_size : (n * cfg.in_channels + c + 1) * in_size]
        for g_tilde, k_rot in pairs:
            full_shape = tuple(a - b + 1 for a, b in zip(g_tilde.shape, k_rot.shape))
            window = grids.crop(
                np.arange(math.prod(full_shape)).reshape(full_shape),
                [p[0] for p in cfg.padding],
                cfg.spatial,
            )
            full = grids.correlate(g_tilde, k_rot, full_shape)
            for target, source in zip(acc, window.reshape(-1).tolist()):
                target.add(full[source])
            if keep_detail and not detail:
                crop_text = ", ".join(f"{p[0]}:{p[0] + i}" for p, i in zip(cfg.padding, cfg.spatial))
                detail = {
                    "grids": [
                        (("proof.g_tilde", {"remainder": "x".join(map(str, r))}), g_tilde),
                        (("proof.k_rot", {}), k_rot),
                    ],
                    "lines": [("proof.crop", {"full": "x".join(map(str, full_shape)),
                                              "crop": f"[{crop_text}]"})],
                }
    return out, detail


def kernel_grad_rhs(x: np.ndarray, upstream: np.ndarray, cfg: ConvConfig) -> list[Poly]:
    """∂L/∂w: correlate the zero-padded input with g (stride d, dilation s), crop to the kernel,
    sum over the batch."""
    return kernel_correlation(x, upstream, cfg)


def kernel_correlation(
    padded: np.ndarray, other: np.ndarray, cfg: ConvConfig, report: str | None = None
) -> list[Poly]:
    """The kernel gradient of a grouped convolution or transposed convolution, its kernel laid
    out (A, B/G, *k) with A the channels of ``other`` and B those of ``padded``:
    w[a, b′, q] = Σ_{n, i} pad(padded)[n, b, d·q + s·i] · other[n, a, i] with b the b′-th
    channel of a's group — ``padded`` zero-padded, correlated with ``other`` (stride d,
    dilation s), cropped to the kernel, summed over the batch. ``report``: a progress label
    per channel a."""
    outer, inner = other.shape[1], padded.shape[1] // cfg.groups
    outer_per_group = outer // cfg.groups
    ksize = math.prod(cfg.kernel)
    out = [Poly() for _ in range(outer * inner * ksize)]
    for a in range(outer):
        if report is not None:
            progress.report(report, a, outer)
        group = a // outer_per_group
        for bl in range(inner):
            b = group * inner + bl
            start = (a * inner + bl) * ksize
            cell = out[start : start + ksize]
            for n in range(cfg.batch):
                grids.correlate(grids.pad(padded[n, b], cfg.padding), other[n, a], cfg.kernel,
                                stride=cfg.dilation, dilation=cfg.stride, into=cell)
    return out


def conv_grad_input(cfg: ConvConfig, weight: np.ndarray, upstream: np.ndarray, first_free: int) -> list[Poly]:
    """The conv engine's own dL/dx for a given upstream gradient: expand the convolution on fresh
    input symbols (ids from ``first_free``, never printed), differentiate, contract with
    ``upstream`` (working-layout ids, ``grids.ZERO`` for a structural zero). Flat (N, C_in, *i).

    A transposed convolution is exactly this map (TensorFlow's ``conv2d_backprop_input``)."""
    xshape, _, yshape = conv_layout(cfg)
    z = np.arange(first_free, first_free + math.prod(xshape), dtype=np.int64).reshape(xshape)
    jac = jacobian(conv_forward(z, weight, None, cfg), yshape, first_free, xshape)
    flat_g = upstream.reshape(-1).tolist()
    if grids.ZERO in flat_g:
        jac.entries = {key: p for key, p in jac.entries.items() if flat_g[key[0]] != grids.ZERO}
    return vjp(jac, flat_g)


def bias_grad_rhs(upstream: np.ndarray, cfg: ConvConfig) -> list[Poly]:
    """∂L/∂b[o] = Σ_{n, p} g[n, o, p]."""
    out = []
    for o in range(upstream.shape[1]):
        poly = Poly()
        for v in upstream[:, o].reshape(-1).tolist():
            poly[(v,)] = 1
        out.append(poly)
    return out


# ---------------------------------------------------------------------------
# Numbers: an independent plain-NumPy forward pass


def numeric_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, cfg: ConvConfig) -> np.ndarray:
    """Exact cross-correlation on object arrays in the working layout (N, C, *spatial)."""
    nd = cfg.ndim
    # Build the padded array from Python ints: np.pad would insert int64 zeros, and sums
    # starting from them could overflow instead of staying exact.
    xp = np.empty((x.shape[0], x.shape[1], *(n + a + b for n, (a, b) in zip(x.shape[2:], cfg.padding))),
                  dtype=object)
    xp.fill(0)
    xp[(slice(None), slice(None), *(slice(a, a + n) for n, (a, _) in zip(x.shape[2:], cfg.padding)))] = x
    out = np.empty((x.shape[0], cfg.out_channels, *cfg.output), dtype=object)
    out.fill(0)
    cin_g, cout_g = cfg.in_per_group, cfg.out_per_group
    for group in range(cfg.groups):
        xs_all = xp[:, group * cin_g : (group + 1) * cin_g]
        for q in itertools.product(*(range(k) for k in cfg.kernel)):
            window = tuple(
                slice(d * qq, d * qq + s * (o - 1) + 1, s)
                for d, qq, s, o in zip(cfg.dilation, q, cfg.stride, cfg.output)
            )
            xs = xs_all[(slice(None), slice(None)) + window]  # (N, Cg, *O)
            wq = w[(slice(group * cout_g, (group + 1) * cout_g), slice(None)) + q]  # (Og, Cg)
            contrib = np.tensordot(wq, xs, axes=([1], [1]))  # (Og, N, *O)
            out[:, group * cout_g : (group + 1) * cout_g] += np.moveaxis(contrib, 0, 1)
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


# ---------------------------------------------------------------------------
# The derivation


class ConvDerivation(Derivation):
    """A convolution or transposed convolution of concrete sizes; ``conv`` is its configuration."""

    def __init__(self, *, conv: ConvConfig, **fields: Any) -> None:
        super().__init__(**fields)
        self.conv = conv


def derive_conv(cfg: ConvConfig) -> ConvDerivation:
    """Forward, Jacobians, VJPs and the three proofs of a convolution."""
    t = make_tensors(cfg)
    xshape, wshape, yshape = conv_layout(cfg)
    x, w, g = canonical(t.input, xshape), canonical(t.kernel, wshape), canonical(t.upstream, yshape)
    b = t.bias.ids.reshape(-1) if t.bias is not None else None
    forward = conv_forward(x, w, b, cfg)
    out_shape = t.upstream.shape
    jacobians = {
        role: jacobian(forward, out_shape, tensor.first, tensor.shape)
        for role, tensor in t.as_dict().items()
        if role != "upstream"
    }
    upstream_ids = t.upstream.flat_ids()
    grads = {role: vjp(jac, upstream_ids) for role, jac in jacobians.items()}
    checks = conv_checks(cfg, x, w, g, grads)
    return ConvDerivation(
        command="conv",
        config=cfg.to_json(),
        table=t.table,
        symbols=t.as_dict(),
        forward=object_array(forward, out_shape),
        jacobians=jacobians,
        grads={role: object_array(polys, t.as_dict()[role].shape) for role, polys in grads.items()},
        checks=checks,
        model=NumericModel(
            {"x": "input", "k": "kernel", "b": "bias", "g": "upstream"},
            lambda pt: numeric_conv(
                pt["input"].reshape(xshape), pt["kernel"].reshape(wshape),
                pt["bias"].reshape(-1) if "bias" in pt else None, cfg,
            ).reshape(out_shape),
        ),
        title=("title.conv", {"dims": cfg.ndim}),
        setup=setup_lines(cfg),
        conv=cfg,
    )


def setup_lines(cfg: ConvConfig) -> list[tuple[str, dict[str, Any]]]:
    """Catalogue keys and parameters describing the configuration."""
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    pads = "x".join(str(a) if a == b else f"({a},{b})" for a, b in cfg.padding)
    lines: list[tuple[str, dict[str, Any]]] = [
        ("setup.shapes", {
            "input": fmt(cfg.spatial), "kernel": fmt(cfg.kernel), "stride": fmt(cfg.stride),
            "padding": pads, "dilation": fmt(cfg.dilation), "groups": cfg.groups,
            "output": fmt(cfg.output),
        }),
    ]
    if cfg.channels:
        layout = "(C_in, C_out/groups, …)" if cfg.transposed else "(C_out, C_in/groups, …)"
        lines.append(("setup.channels", {
            "batch": cfg.batch, "in_channels": cfg.in_channels,
            "out_channels": cfg.out_channels, "weight_layout": layout,
        }))
    lines.append(("setup.upstream", {}))
    return lines


def conv_checks(
    cfg: ConvConfig, x: np.ndarray, w: np.ndarray, g: np.ndarray, grads: dict[str, list[Poly]]
) -> list[Check]:
    """The identities of a convolution's backward pass, each proved entry by entry."""
    rhs_input, detail = full_conv_rot180(g, w, cfg, keep_detail=True)
    checks = [
        compare(
            "grad_input_equals_full_conv_rot180_kernel",
            "dL/dx = crop[p:p+i](full_conv(zero_insert_s(g) ⊕ r zeros, rot180(dilate_d(w)) "
            "with in/out channels swapped per group))",
            grads["input"],
            rhs_input,
            detail=detail,
        ),
        compare(
            "grad_kernel_equals_conv_input_upstream",
            "dL/dw = Σ_batch crop_k(conv(pad_p(x), g; stride d, dilation s))",
            grads["kernel"],
            kernel_grad_rhs(x, g, cfg),
        ),
    ]
    if "bias" in grads:
        checks.append(
            compare("grad_bias_equals_upstream_sum", "dL/db = Σ g (over batch and positions)",
                    grads["bias"], bias_grad_rhs(g, cfg))
        )
    return checks


