"""Framework conventions: layouts, padding words and kernel orientation of torch, TensorFlow, JAX.

The engine works in PyTorch's layout and semantics. A :class:`Layout` says how a
framework stores each tensor relative to that (an axis permutation, and for JAX's
transposed convolution a 180° rotation of the kernel); tensors are created in the
framework's layout, so symbols, values and JSON use it, and the engine sees the
same variable ids rearranged. Every non-torch derivation adds a check that
builds the framework's *own* definition independently and proves it equal to the
PyTorch result:

- ``tf.nn.conv2d`` / ``lax.conv_general_dilated`` (NHWC, HWIO): the same
  cross-correlation, layouts moved (``matches_torch_with_layout_change``);
- ``tf.nn.conv2d_transpose`` (filters HWOI): by definition the gradient of
  ``tf.nn.conv2d`` wrt its input; equals PyTorch's ``conv_transpose`` with the
  filters read as (I, O, *k), no flip (``matches_torch_with_layout_change``);
- ``lax.conv_transpose`` (NHWC, HWIO, no ``transpose_kernel``): a correlation of
  the stride-dilated, padded input with the kernel as given; equals PyTorch's
  ``conv_transpose`` with the kernel rotated 180° and read as (I, O, *k)
  (``matches_torch_with_rot180_kernel``).

>>> layout_for("tensorflow", 2, channels=True, transposed=False).names["kernel"]
'HWIO'
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gradsym import grids
from gradsym.calculus import jacobian, vjp
from gradsym.derivation import Line, NumericModel
from gradsym.errors import SpecError
from gradsym.layers.conv import (
    CONVENTIONS,
    ConvConfig,
    ConvDerivation,
    ConvTensors,
    conv_checks,
    conv_config,
    conv_forward,
    conv_grad_input,
    conv_layout,
    numeric_conv,
    setup_lines,
)
from gradsym.numeric import object_array
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check, compare
from gradsym.shapes import (
    effective_kernel,
    jax_transpose_padding,
    keras_transposed_size,
    same_padding,
    torch_equivalent_of_dilated_padding,
    transposed_size_range,
)
from gradsym.spec import parse_padding, parse_per_dim, parse_shape
from gradsym.symbols import Tensor

SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


# ---------------------------------------------------------------------------
# Layouts


@dataclass(frozen=True)
class Layout:
    """How one framework stores input, kernel and output, relative to PyTorch's layout.

    ``perms[role]`` lists, for each framework axis, the PyTorch axis it holds
    (framework array = torch array ``.transpose(perm)``); ``rot180_kernel`` means
    the framework's kernel is PyTorch's rotated by 180° in its spatial axes.
    """

    convention: str
    ndim: int
    perms: dict[str, tuple[int, ...]]
    names: dict[str, str]
    rot180_kernel: bool = False
    framework: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> bool:
        return not self.rot180_kernel and all(p == tuple(range(len(p))) for p in self.perms.values())

    def shape(self, role: str, torch_shape: tuple[int, ...]) -> tuple[int, ...]:
        """A tensor's shape in the framework's layout."""
        perm = self.perms.get(_role(role))
        return tuple(torch_shape[a] for a in perm) if perm else torch_shape

    def to_framework(self, role: str, arr: np.ndarray) -> np.ndarray:
        """A PyTorch-layout array (ids, polynomials or numbers) in the framework's layout."""
        role = _role(role)
        if role == "kernel" and self.rot180_kernel:
            arr = grids.rot180(arr, self.ndim)
        perm = self.perms.get(role)
        return np.transpose(arr, perm) if perm else arr

    def to_torch(self, role: str, arr: np.ndarray) -> np.ndarray:
        """A framework-layout array in PyTorch's layout (the inverse of :meth:`to_framework`)."""
        role = _role(role)
        perm = self.perms.get(role)
        if perm:
            arr = np.transpose(arr, np.argsort(perm))
        if role == "kernel" and self.rot180_kernel:
            arr = grids.rot180(arr, self.ndim)
        return arr


def _role(role: str) -> str:
    return "output" if role == "upstream" else role


def layout_for(convention: str, ndim: int, *, channels: bool, transposed: bool) -> Layout:
    """The layout of ``convention`` for an N-D (transposed) convolution.

    TensorFlow: NHWC input/output, conv filters HWIO, ``conv2d_transpose`` filters HWOI.
    JAX: the defaults of ``lax.conv_transpose`` (NHWC, HWIO), also used for
    ``lax.conv_general_dilated``. Without channel options tensors are plain arrays
    and only JAX's kernel orientation differs.
    """
    sp = SPATIAL[ndim]
    spatial_axes = tuple(range(2, ndim + 2))
    rot = convention == "jax" and transposed
    if convention == "torch":
        names = {"input": f"NC{sp}", "kernel": f"{'IO' if transposed else 'OI'}{sp}", "output": f"NC{sp}"}
        return Layout(convention, ndim, {}, names if channels else _plain(sp))
    if not channels:
        return Layout(convention, ndim, {}, _plain(sp), rot180_kernel=rot)
    to_last = (0, *spatial_axes, 1)
    if transposed and convention == "tensorflow":
        kernel_perm, kname = (*spatial_axes, 1, 0), f"{sp}OI"  # torch (I, O, *k) → (*k, O, I)
    elif transposed:
        kernel_perm, kname = (*spatial_axes, 0, 1), f"{sp}IO"  # torch (I, O, *k) → (*k, I, O)
    else:
        kernel_perm, kname = (*spatial_axes, 1, 0), f"{sp}IO"  # torch (O, I, *k) → (*k, I, O)
    perms = {"input": to_last, "kernel": kernel_perm, "output": to_last}
    names = {"input": f"N{sp}C", "kernel": kname, "output": f"N{sp}C"}
    return Layout(convention, ndim, perms, names, rot180_kernel=rot)


def _plain(sp: str) -> dict[str, str]:
    return {"input": sp, "kernel": sp, "output": sp}


def make_framework_tensors(cfg: ConvConfig, layout: Layout) -> ConvTensors:
    """Input, kernel, bias and upstream symbols in the framework's layout (that id order)."""
    table = VarTable()
    x = Tensor.create(table, "x", layout.shape("input", cfg.input_shape()))
    k = Tensor.create(table, "k", layout.shape("kernel", cfg.kernel_shape()))
    b = Tensor.create(table, "b", cfg.bias_shape()) if cfg.bias else None
    g = Tensor.create(table, "g", layout.shape("output", cfg.output_shape()))
    return ConvTensors(table, x, k, b, g)


# ---------------------------------------------------------------------------
# Framework options → PyTorch semantics


@dataclass(frozen=True)
class TransposedOptions:
    """A transposed convolution's options resolved to PyTorch's (padding pairs, output_padding)."""

    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    word: str | None
    framework: dict[str, Any]


def resolve_transposed(
    convention: str,
    input: Any,
    kernel: Any,
    *,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    output_padding: Any,
    output_size: Any,
) -> TransposedOptions:
    """Turn a framework's transposed-convolution options into PyTorch's, or a SpecError.

    - torch: numbers or ``valid``; ``output_size`` picks output_padding as
      ``ConvTranspose(…)(x, output_size=…)`` does.
    - tensorflow: ``valid``/``same``/numbers as the forward convolution's padding;
      ``output_size`` chooses among the sizes ``conv2d_transpose`` accepts
      (default: Keras' choice, s·i for SAME, s·i + max(k_eff − s, 0) − 2p otherwise).
    - jax: ``valid``/``same`` as ``lax.conv_transpose``; numbers are its explicit
      (before, after) padding of the stride-dilated input (``use_consistent_padding=False``).

    >>> resolve_transposed("jax", "3", "3", stride=2, padding=None, dilation=1, groups=1,
    ...                    output_padding=None, output_size=None).output_padding
    (0,)
    """
    if convention not in CONVENTIONS:
        raise SpecError("conv.convention", choices=", ".join(CONVENTIONS), convention=convention)
    spatial = parse_shape(input, "--input")
    nd = len(spatial)
    ksize = parse_shape(kernel, "--kernel")
    if len(ksize) != nd:
        return TransposedOptions(((0, 0),) * nd, (0,) * nd, None, {})  # conv_config reports it
    stride_t = parse_per_dim(stride, nd, "--stride")
    dilation_t = parse_per_dim(dilation, nd, "--dilation")
    word = padding.strip().lower() if isinstance(padding, str) and padding.strip().lower() in ("valid", "same") else None
    sizes = None if output_size is None else parse_shape(output_size, "--output-size")
    if sizes is not None and len(sizes) != nd:
        raise SpecError("conventions.output_size_count", count=len(sizes), ndim=nd)
    if convention != "torch" and groups != 1:
        api = "tf.nn.conv2d_transpose" if convention == "tensorflow" else "lax.conv_transpose"
        raise SpecError("conventions.groups", groups=groups, api=api, convention="torch")
    if convention != "torch" and output_padding is not None:
        raise SpecError("conventions.output_padding_tensorflow" if convention == "tensorflow"
                        else "conventions.output_padding_jax", convention=convention)
    if convention == "torch":
        return _resolve_torch(spatial, ksize, stride_t, dilation_t, padding, word, output_padding, sizes)
    if convention == "tensorflow":
        return _resolve_tensorflow(spatial, ksize, stride_t, dilation_t, padding, word, sizes)
    if sizes is not None:
        raise SpecError("conventions.output_size_jax")
    return _resolve_jax(spatial, ksize, stride_t, dilation_t, padding, word)


def _pairs(padding: Any, nd: int) -> tuple[tuple[int, int], ...]:
    pads = parse_padding(0 if padding is None else padding, ndim=nd)
    if isinstance(pads, str):
        raise SpecError("conventions.same_torch", padding="same", convention="tensorflow")
    return pads


def _resolve_torch(
    spatial: tuple[int, ...], ksize: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...], padding: Any, word: str | None, output_padding: Any,
    sizes: tuple[int, ...] | None,
) -> TransposedOptions:
    nd = len(spatial)
    pads = _pairs(padding, nd)
    op = parse_per_dim(0 if output_padding is None else output_padding, nd, "--output-padding", minimum=0)
    if sizes is not None:
        chosen = []
        for axis, (i, k, s, p, d, o) in enumerate(zip(spatial, ksize, stride, pads, dilation, sizes)):
            valid = transposed_size_range(i, k, stride=s, padding=p, dilation=d)
            if o not in valid:
                raise SpecError("conventions.output_size_torch", output_size=o, axis=axis + 1,
                                valid=_listing(valid))
            chosen.append(valid.index(o) + (valid[0] - _base(i, k, s, p, d)))
        if output_padding is not None and tuple(chosen) != op:
            raise SpecError("conventions.output_size_padding", output_padding="x".join(map(str, chosen)),
                            given_padding="x".join(map(str, op)))
        op = tuple(chosen)
    return TransposedOptions(pads, op, word, {})


def _base(i: int, k: int, s: int, p: tuple[int, int], d: int) -> int:
    return s * (i - 1) - p[0] - p[1] + effective_kernel(k, d)


def _listing(values: list[int]) -> str:
    return ", ".join(map(str, values)) if values else "none"


def _resolve_tensorflow(
    spatial: tuple[int, ...], ksize: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...], padding: Any, word: str | None, sizes: tuple[int, ...] | None,
) -> TransposedOptions:
    nd = len(spatial)
    word = word or ("valid" if padding is None else None)
    pads_out: list[tuple[int, int]] = []
    op: list[int] = []
    chosen: list[int] = []
    explicit = ((0, 0),) * nd if word else _pairs(padding, nd)
    for axis in range(nd):
        i, k, s, d = spatial[axis], ksize[axis], stride[axis], dilation[axis]
        if word == "same":
            valid = list(range(s * (i - 1) + 1, s * i + 1))
            default = keras_transposed_size(i, k, stride=s, padding=(0, 0), dilation=d, same=True)
        else:
            valid = transposed_size_range(i, k, stride=s, padding=explicit[axis], dilation=d)
            default = keras_transposed_size(i, k, stride=s, padding=explicit[axis], dilation=d, same=False)
        if not valid:
            raise SpecError("conventions.crops", axis=axis + 1, before=explicit[axis][0],
                            after=explicit[axis][1])
        o = default if sizes is None else sizes[axis]
        if o not in valid:
            raise SpecError("conventions.tensorflow_size" if sizes is not None
                            else "conventions.tensorflow_default", output_size=o, axis=axis + 1,
                            valid=_listing(valid))
        # conv2d_transpose is the gradient of conv2d on an input of size o: its padding.
        p = same_padding(k, d, stride=s, size=o, convention="tensorflow") if word == "same" else explicit[axis]
        pads_out.append(p)
        op.append(o - _base(i, k, s, p, d))
        chosen.append(o)
    framework = {"padding": word.upper() if word else [list(p) for p in pads_out], "output_size": chosen}
    return TransposedOptions(tuple(pads_out), tuple(op), word, framework)


def _resolve_jax(
    spatial: tuple[int, ...], ksize: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...], padding: Any, word: str | None,
) -> TransposedOptions:
    nd = len(spatial)
    word = word or ("valid" if padding is None else None)
    explicit = ((0, 0),) * nd if word else _pairs(padding, nd)
    jax_pads: list[tuple[int, int]] = []
    pads_out: list[tuple[int, int]] = []
    op: list[int] = []
    for axis in range(nd):
        k, s, d = ksize[axis], stride[axis], dilation[axis]
        pair = jax_transpose_padding(k, d, stride=s, word=word) if word else explicit[axis]
        size = s * (spatial[axis] - 1) + 1 + pair[0] + pair[1] - effective_kernel(k, d) + 1
        if size < 1:
            raise SpecError("conventions.jax_empty", size=size, axis=axis + 1, before=pair[0],
                            after=pair[1], extent=effective_kernel(k, d))
        torch_eq = torch_equivalent_of_dilated_padding(pair, k, d)
        if torch_eq is None or (torch_eq[1] >= s and torch_eq[1] >= d):
            # beyond d(k−1) every extra row of padding reads zeros only: PyTorch's padding
            # turns negative (the output grows by zeros there) and output_padding stays 0
            reach = d * (k - 1)
            torch_eq = ((reach - pair[0], reach - pair[1]), 0)
        jax_pads.append(pair)
        pads_out.append(torch_eq[0])
        op.append(torch_eq[1])
    framework = {"padding": word.upper() if word else [list(p) for p in jax_pads],
                 "dilated_input_padding": [list(p) for p in jax_pads]}
    return TransposedOptions(tuple(pads_out), tuple(op), word, framework)


# ---------------------------------------------------------------------------
# The framework's own definitions, built independently of the PyTorch engine


def _with_axes(arr: np.ndarray, role: str, channels: bool) -> np.ndarray:
    """A framework-layout array with its batch/channel axes present (plain layout: size 1)."""
    if channels:
        return arr
    if role == "kernel":
        return arr[(...,) + (None, None)]
    return arr[(None,) + (...,) + (None,)]


def framework_conv_forward(
    cfg: ConvConfig, layout: Layout, x: np.ndarray, w: np.ndarray, b: np.ndarray | None
) -> list[Poly]:
    """``tf.nn.conv2d`` / ``lax.conv_general_dilated`` in NHWC/HWIO, straight from their definition:
    y[n, p, o] = Σ_{q, c ∈ group(o)} pad(x)[n, s·p + d·q, c] · w[q, c mod C_in/G, o] (+ b[o])."""
    xf = _with_axes(x, "input", cfg.channels)
    wf = _with_axes(w, "kernel", cfg.channels)
    out_shape = _with_axes(np.empty(layout.shape("output", cfg.output_shape())), "output", cfg.channels).shape
    index = np.arange(math.prod(out_shape)).reshape(out_shape)
    out = [Poly() for _ in range(index.size)]
    for n in range(cfg.batch):
        for o in range(cfg.out_channels):
            group = o // cfg.out_per_group
            cells = [out[i] for i in index[(n, ...) + (o,)].reshape(-1).tolist()]
            for cl in range(cfg.in_per_group):
                c = group * cfg.in_per_group + cl
                image = grids.pad(xf[(n, ...) + (c,)], cfg.padding)
                grids.correlate(image, wf[(...,) + (cl, o)], cfg.output, stride=cfg.stride,
                                dilation=cfg.dilation, into=cells)
            if b is not None:
                for cell in cells:
                    cell.add_term((int(b[o]),), 1)
    return out


def jax_conv_transpose_forward(
    cfg: ConvConfig, layout: Layout, x: np.ndarray, w: np.ndarray, b: np.ndarray | None
) -> tuple[list[Poly], tuple[int, ...]]:
    """``lax.conv_transpose`` (no ``transpose_kernel``) from its definition: correlate the input,
    dilated by the stride and padded by JAX's pads, with the kernel *as given* (HWIO, dilated).
    Returns the flat output and JAX's own output shape (spatial)."""
    pads = [tuple(p) for p in layout.framework["dilated_input_padding"]]
    xf = _with_axes(x, "input", cfg.channels)
    wf = _with_axes(w, "kernel", cfg.channels)
    spatial = tuple(
        s * (i - 1) + 1 + a + bb - effective_kernel(k, d) + 1
        for i, s, (a, bb), k, d in zip(cfg.spatial, cfg.stride, pads, cfg.kernel, cfg.dilation)
    )
    out_shape = (cfg.batch, *spatial, cfg.out_channels)
    index = np.arange(math.prod(out_shape)).reshape(out_shape)
    out = [Poly() for _ in range(index.size)]
    for n in range(cfg.batch):
        for o in range(cfg.out_channels):
            cells = [out[i] for i in index[(n, ...) + (o,)].reshape(-1).tolist()]
            for c in range(cfg.in_channels):
                image = grids.pad(grids.zero_insert(xf[(n, ...) + (c,)], cfg.stride), pads)
                grids.correlate(image, wf[(...,) + (c, o)], spatial, dilation=cfg.dilation, into=cells)
            if b is not None:
                for cell in cells:
                    cell.add_term((int(b[o]),), 1)
    return out, spatial


def tf_conv_transpose_forward(
    cfg: ConvConfig, layout: Layout, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, first_free: int
) -> list[Poly]:
    """``tf.nn.conv2d_transpose`` by its definition: the gradient of ``tf.nn.conv2d`` (filters HWIO
    = the given HWOI filters, I and O being the convolution's) wrt its input, contracted with x.
    Built with the conv engine on fresh input symbols; flat in the framework's output layout."""
    nd = cfg.ndim
    xf = _with_axes(x, "input", cfg.channels)
    wf = _with_axes(w, "kernel", cfg.channels)
    conv_cfg = conv_config(
        cfg.output, cfg.kernel, stride=cfg.stride, padding=cfg.padding, dilation=cfg.dilation,
        in_channels=cfg.out_channels, out_channels=cfg.in_channels, batch=cfg.batch,
    )
    weight = np.transpose(wf, (nd + 1, nd, *range(nd)))  # HWIO of the conv → (O, I, *k)
    upstream = np.moveaxis(xf, -1, 1)  # NHWC → NCHW: x plays the conv's upstream gradient
    # The engine works in (N, C, *spatial); its input-gradient comes back in that order.
    grad = conv_grad_input(conv_cfg, weight, upstream, first_free)
    z_shape = (cfg.batch, cfg.out_channels, *cfg.output)
    arr = np.moveaxis(object_array(grad, z_shape), 1, -1)
    out = list(arr.reshape(-1))
    if b is not None:
        channel = np.broadcast_to(np.arange(cfg.out_channels), arr.shape).reshape(-1).tolist()
        for poly, o in zip(out, channel):
            poly.add_term((int(b[o]),), 1)
    return out


def relation_check(
    cfg: ConvConfig, layout: Layout, t: ConvTensors, forward: list[Poly]
) -> Check:
    """The framework's own definition equals the derivation's (PyTorch-engine) forward pass."""
    x, w = t.input.ids, t.kernel.ids
    b = t.bias.ids.reshape(-1) if t.bias is not None else None
    names = layout.names
    pads = " ".join(f"({a},{bb})" for a, bb in cfg.padding)
    ops = "x".join(map(str, cfg.output_padding))
    if not cfg.transposed:
        api = "tf.nn.conv2d" if layout.convention == "tensorflow" else "lax.conv_general_dilated"
        rhs = framework_conv_forward(cfg, layout, x, w, b)
        statement = (f"{api} (input {names['input']}, kernel {names['kernel']}) = PyTorch conv with "
                     f"the input read as NC…, the kernel as (O, I, *k): a layout change, no flip")
        return compare("matches_torch_with_layout_change", statement, forward, rhs)
    if layout.convention == "tensorflow":
        rhs = tf_conv_transpose_forward(cfg, layout, x, w, b, len(t.table))
        statement = (f"tf.nn.conv2d_transpose (filters {names['kernel']}) = ∂conv2d/∂input·x = "
                     f"PyTorch conv_transpose with the filters read as (I, O, *k), no flip, "
                     f"padding {pads}, output_padding {ops}")
        return compare("matches_torch_with_layout_change", statement, forward, rhs)
    rhs, spatial = jax_conv_transpose_forward(cfg, layout, x, w, b)
    statement = (f"lax.conv_transpose (kernel {names['kernel']}, no transpose_kernel) = PyTorch "
                 f"conv_transpose with the kernel rotated 180° and read as (I, O, *k), padding "
                 f"{pads}, output_padding {ops}")
    check = compare("matches_torch_with_rot180_kernel", statement, forward, rhs)
    if spatial != cfg.output:
        check.holds = False
        check.mismatch = f"JAX's output is {spatial}, PyTorch's {cfg.output}"
    return check


# ---------------------------------------------------------------------------
# Numbers in the framework's layout


def numeric_in_layout(
    cfg: ConvConfig, layout: Layout, torch_numeric: Callable[..., np.ndarray]
) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """A NumPy forward pass over framework-layout values (JAX's transposed conv: its own definition)."""
    xshape, wshape, _ = conv_layout(cfg)
    out_shape = layout.shape("output", cfg.output_shape())

    if layout.convention == "jax" and cfg.transposed:
        pads = [tuple(p) for p in layout.framework["dilated_input_padding"]]

        def jax_forward(pt: dict[str, np.ndarray]) -> np.ndarray:
            return numeric_lhs_dilated(cfg, layout, pt, pads).reshape(out_shape)

        return jax_forward

    def forward(pt: dict[str, np.ndarray]) -> np.ndarray:
        x = layout.to_torch("input", pt["input"]).reshape(xshape)
        w = layout.to_torch("kernel", pt["kernel"]).reshape(wshape)
        b = pt["bias"].reshape(-1) if "bias" in pt else None
        y = torch_numeric(x, w, b, cfg).reshape(cfg.output_shape())
        return layout.to_framework("output", y)

    return forward


def numeric_lhs_dilated(
    cfg: ConvConfig, layout: Layout, pt: dict[str, np.ndarray], pads: list[tuple[int, int]]
) -> np.ndarray:
    """``lax.conv_transpose`` on exact numbers: zero-insert x, pad, correlate with the kernel as given."""
    nd = cfg.ndim
    x = _with_axes(pt["input"], "input", cfg.channels)  # (N, *i, C_in)
    w = _with_axes(pt["kernel"], "kernel", cfg.channels)  # (*k, C_in, C_out)
    # Zero-insert and pad in one go, on Python ints (np.pad would put int64 zeros in, which
    # could overflow instead of staying exact); negative pads crop afterwards.
    grown = tuple(s * (i - 1) + 1 + max(a, 0) + max(bb, 0) for s, i, (a, bb) in zip(cfg.stride, cfg.spatial, pads))
    xp = np.zeros((cfg.batch, *grown, cfg.in_channels), dtype=object)
    xp[(slice(None),) + tuple(slice(max(a, 0), max(a, 0) + s * (i - 1) + 1, s)
                              for s, i, (a, _) in zip(cfg.stride, cfg.spatial, pads))] = x
    xp = xp[(slice(None),) + tuple(slice(-min(a, 0), n + min(bb, 0)) for n, (a, bb) in zip(grown, pads))]
    spatial = tuple(n - effective_kernel(k, d) + 1 for n, k, d in zip(xp.shape[1:-1], cfg.kernel, cfg.dilation))
    out = np.zeros((cfg.batch, *spatial, cfg.out_channels), dtype=object)
    for q in np.ndindex(*cfg.kernel):
        window = tuple(slice(d * qq, d * qq + o) for d, qq, o in zip(cfg.dilation, q, spatial))
        patch = xp[(slice(None),) + window]  # (N, *o, C_in)
        out += np.tensordot(patch, w[q], axes=([nd + 1], [0]))
    if "bias" in pt:
        out += pt["bias"].reshape(-1)
    return out if cfg.channels else out[0, ..., 0]


# ---------------------------------------------------------------------------
# A derivation in a framework's layout


@dataclass
class Working:
    """PyTorch-layout id arrays (N, C, *spatial) of one derivation, for the engine and proofs."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    g: np.ndarray
    first_free: int


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the expansion allocates hundreds of thousands of small
    dicts and tuples, none in a reference cycle, and repeated collections cost a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def derive_in_layout(
    cfg: ConvConfig,
    layout: Layout,
    *,
    command: str,
    forward: Callable[[np.ndarray, np.ndarray, np.ndarray | None, ConvConfig], list[Poly]],
    checks: Callable[[ConvConfig, Working, list[Poly], dict[str, list[Poly]]], list[Check]],
    numeric: Callable[..., np.ndarray],
    title: Line,
    setup: list[Line] | None = None,
) -> ConvDerivation:
    """Forward, Jacobians and VJPs in the framework's layout; the proofs in PyTorch's.

    ``forward`` expands the PyTorch-semantics forward pass on working-layout ids;
    ``checks`` receives the forward pass and the gradients rearranged to that layout.
    The cyclic garbage collector is paused meanwhile (:func:`gc_paused`).
    """
    t = make_framework_tensors(cfg, layout)
    xshape, wshape, yshape = conv_layout(cfg)
    torch_out = cfg.output_shape()
    work = Working(
        layout.to_torch("input", t.input.ids).reshape(xshape),
        layout.to_torch("kernel", t.kernel.ids).reshape(wshape),
        t.bias.ids.reshape(-1) if t.bias is not None else None,
        layout.to_torch("upstream", t.upstream.ids).reshape(yshape),
        len(t.table),
    )
    forward_torch = forward(work.x, work.w, work.b, cfg)
    if layout.identity:
        forward_fw = forward_torch
    else:
        forward_fw = list(layout.to_framework("output", object_array(forward_torch, torch_out)).reshape(-1))
    out_shape = t.upstream.shape
    roles = {r: tensor for r, tensor in t.as_dict().items() if r != "upstream"}
    jacobians = {r: jacobian(forward_fw, out_shape, tensor.first, tensor.shape) for r, tensor in roles.items()}
    grads = {r: vjp(jac, t.upstream.flat_ids()) for r, jac in jacobians.items()}
    if layout.identity:
        grads_torch = grads
    else:
        torch_shapes = {"input": cfg.input_shape(), "kernel": cfg.kernel_shape(), "bias": cfg.bias_shape()}
        grads_torch = {
            r: list(layout.to_torch(r, object_array(polys, roles[r].shape)).reshape(-1))
            if torch_shapes[r] else polys
            for r, polys in grads.items()
        }
    all_checks = checks(cfg, work, forward_torch, grads_torch)
    if layout.convention != "torch":
        all_checks.append(relation_check(cfg, layout, t, forward_fw))
    config = cfg.to_json()
    setup = list(setup if setup is not None else setup_lines(cfg))
    if layout.convention != "torch":
        config["layouts"] = dict(layout.names)
        if layout.framework:
            config["framework"] = dict(layout.framework)
        # conv's channel line names PyTorch's layouts; here the tensors use the framework's
        setup = [_channels_line(cfg, layout) if line[0] == "setup.channels" else line for line in setup]
        setup.append(convention_line(cfg, layout))
        if any(a < 0 or b < 0 for a, b in cfg.padding):  # JAX's padding beyond d(k−1)
            setup.append(("convention.jax.grown", {}))
    return ConvDerivation(
        command=command,
        config=config,
        table=t.table,
        symbols=t.as_dict(),
        forward=object_array(forward_fw, out_shape),
        jacobians=jacobians,
        grads={r: object_array(polys, roles[r].shape) for r, polys in grads.items()},
        checks=all_checks,
        model=NumericModel({"x": "input", "k": "kernel", "b": "bias", "g": "upstream"},
                           numeric_in_layout(cfg, layout, numeric)),
        title=title,
        setup=setup,
        conv=cfg,
    )


def _channels_line(cfg: ConvConfig, layout: Layout) -> tuple[str, dict[str, Any]]:
    return ("setup.channels_convention", {
        "batch": cfg.batch, "in_channels": cfg.in_channels, "out_channels": cfg.out_channels,
        "convention": display_name(layout.convention), "input": layout.names["input"],
        "kernel": layout.names["kernel"], "output": layout.names["output"],
    })


def convention_line(cfg: ConvConfig, layout: Layout) -> tuple[str, dict[str, Any]]:
    """The catalogue line that tells a porting user which flip, transpose or padding applies."""
    names = layout.names
    params: dict[str, Any] = {
        "input": names["input"], "kernel": names["kernel"], "output": names["output"],
        "padding": " ".join(f"({a},{b})" for a, b in cfg.padding),
        "output_padding": "x".join(map(str, cfg.output_padding)),
    }
    if not cfg.transposed:
        key = f"convention.{layout.convention}.conv"
    else:
        key = f"convention.{layout.convention}.deconv"
        fw = layout.framework.get("padding")
        params["framework_padding"] = fw if isinstance(fw, str) else " ".join(f"({a},{b})" for a, b in fw or [])
        params["output_size"] = "x".join(map(str, cfg.output))
    return key, params


def derive_conv_convention(cfg: ConvConfig) -> ConvDerivation:
    """A convolution in TensorFlow's or JAX's layout, with the relation to PyTorch proved.

    >>> from gradsym.layers.conv import conv_config
    >>> d = derive_conv_convention(conv_config("3x3", "2x2", convention="tensorflow", in_channels=1))
    >>> [c.name for c in d.checks][-1], d.symbols["kernel"].shape
    ('matches_torch_with_layout_change', (2, 2, 1, 1))
    """
    layout = layout_for(cfg.convention, cfg.ndim, channels=cfg.channels, transposed=False)

    def checks(cfg: ConvConfig, work: Working, forward: list[Poly], grads: dict[str, list[Poly]]) -> list[Check]:
        return conv_checks(cfg, work.x, work.w, work.g, grads)

    return derive_in_layout(
        cfg, layout, command="conv", forward=conv_forward, checks=checks, numeric=numeric_conv,
        title=("title.conv_convention", {"dims": cfg.ndim, "convention": display_name(cfg.convention)}),
    )


def display_name(convention: str) -> str:
    """``PyTorch``, ``TensorFlow`` or ``JAX``."""
    return {"torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}[convention]


def with_framework(cfg: ConvConfig, options: TransposedOptions) -> ConvConfig:
    """Record the padding word a framework option used (``valid``/``same``) on the config."""
    return replace(cfg, padding_word=options.word) if options.word else cfg
