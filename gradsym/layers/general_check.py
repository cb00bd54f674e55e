"""The concrete side of ``--general``: grids of small sizes, the concrete engine's
derivation at each, and the comparison of every general step with it.

:func:`gradsym.layers.general.cross_check` walks :func:`grid` and reports
``general_matches_concrete``; this module knows only sizes and derivations, not how the
general steps were made.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from gradsym.derivation import Derivation
from gradsym.instantiate import InstantiationError, Instantiator, binder
from gradsym.layers.conv import conv_config, derive_conv
from gradsym.layers.conventions import with_framework
from gradsym.layers.deconv import derive_deconv, transposed_config
from gradsym.poly import Poly
from gradsym.spec import ConvOptions

if TYPE_CHECKING:
    from gradsym.layers.general import General

# The grid of the cross-check, per axis (every valid combination in 1-D; a fixed
# sample of per-axis combinations in 2-D and 3-D, since axes are independent maps).
CONV_GRID = {"n": range(1, 6), "k": range(1, 4), "s": range(1, 4), "d": range(1, 3), "p": range(0, 3)}
DECONV_GRID = {"n": range(1, 5), "k": range(1, 4), "s": range(1, 4), "d": range(1, 3), "p": range(0, 3),
               "q": range(0, 3)}
SAMPLES = {2: 24, 3: 6}


# -- the cross-check against the concrete engine -----------------------------------------------


@dataclass(frozen=True)
class AxisConfig:
    """Concrete sizes of one axis."""

    n: int
    k: int
    s: int
    d: int
    p: int
    q: int = 0


def axis_grid(command: str) -> list[AxisConfig]:
    """Every valid 1-D configuration of the cross-check grid."""
    out = []
    if command == "conv":
        g = CONV_GRID
        for n, k, s, d, p in itertools.product(g["n"], g["k"], g["s"], g["d"], g["p"]):
            if n + 2 * p - d * (k - 1) - 1 >= 0:
                out.append(AxisConfig(n, k, s, d, p))
    else:
        g = DECONV_GRID
        for n, k, s, d, p, q in itertools.product(g["n"], g["k"], g["s"], g["d"], g["p"], g["q"]):
            if (q < s or q < d) and s * (n - 1) - 2 * p + d * (k - 1) + q + 1 >= 1:
                out.append(AxisConfig(n, k, s, d, p, q))
    return out


def grid(command: str, dims: int) -> list[tuple[AxisConfig, ...]]:
    """The configurations checked: all of the 1-D grid, or a fixed sample of axis tuples."""
    axis = axis_grid(command)
    if dims == 1:
        return [(c,) for c in axis]
    count = SAMPLES[dims]
    step = len(axis) // count
    # different, well-spread configurations on every axis (a fixed stride through the list)
    return [tuple(axis[(t * step + r * (len(axis) // dims + 7)) % len(axis)] for r in range(dims))
            for t in range(count)]


def _grid_ranges(command: str) -> str:
    g = CONV_GRID if command == "conv" else DECONV_GRID
    return ", ".join(f"{name} ∈ {r.start}…{r.stop - 1}" for name, r in g.items())


def concrete(command: str, configs: tuple[AxisConfig, ...], bias: bool,
             padding: Any = None) -> Derivation:
    """The concrete engine's derivation at these sizes (plain layout)."""
    opts: dict[str, Any] = {
        "input": tuple(c.n for c in configs), "kernel": tuple(c.k for c in configs),
        "stride": tuple(c.s for c in configs), "dilation": tuple(c.d for c in configs),
        "padding": padding if padding is not None else tuple(c.p for c in configs), "bias": bias,
    }
    if command == "conv":
        return derive_conv(conv_config(opts.pop("input"), opts.pop("kernel"), **opts))
    options = ConvOptions.of(opts, output_padding=tuple(c.q for c in configs))
    cfg, resolved = transposed_config(options, None)
    return derive_deconv(with_framework(cfg, resolved), resolved.framework)


TENSOR_ROLES = {"x": "input", "w": "kernel", "g": "upstream", "b": "bias"}


def compare_with_concrete(gen: General, configs: tuple[AxisConfig, ...], d: Derivation) -> str | None:
    """Instantiate every step of every chain at these sizes; None when all agree with ``d``.

    Otherwise a one-line description of the first disagreement.
    """
    tensors = {name: (d.symbols[role].first, d.symbols[role].shape)
               for name, role in TENSOR_ROLES.items() if role in d.symbols}
    bind = binder(tensors)
    out_shape = d.forward_elems.shape
    sizes: dict[Any, int] = {}
    for ax, c, o in zip(gen.axes, configs, out_shape):
        sizes.update({ax.n: c.n, ax.k: c.k, ax.s: c.s, ax.d: c.d, ax.p: c.p, ax.q: c.q, ax.o: o})
    for chain in gen.chains():
        target = _target(d, chain.target)
        shape = target.shape if isinstance(target, np.ndarray) else _jac_shape(d, chain.target)
        for number, step in enumerate(chain.steps, 1):
            if step.series is None:
                continue
            if step.instantiator is None:
                index_vars = set(chain.free) | set(chain.ctx.ranges)
                step.instantiator = Instantiator(step.series, index_vars)
            for point in itertools.product(*(range(n) for n in shape)):
                free = dict(zip(chain.free, point))
                try:
                    got = step.instantiator.poly(sizes, free, bind)
                except InstantiationError as exc:
                    return f"{chain.name} step {number} at {_config_text(configs)}: {exc}"
                want = _target_at(d, chain.target, target, point)
                if got != want:
                    return (f"{chain.name} step {number} at {_config_text(configs)}, index {list(point)}: "
                            f"{d.table.format(got)} ≠ {d.table.format(want)}")
    return None


def _target(d: Derivation, target: str) -> Any:
    kind, _, role = target.partition(".")
    if kind == "forward":
        return d.forward_elems
    if kind == "grad":
        return d.grad_elems[role]
    return d.jacobians[role]


def _jac_shape(d: Derivation, target: str) -> tuple[int, ...]:
    return d.jacobians[target.partition(".")[2]].shape


def _target_at(d: Derivation, target: str, arr: Any, point: tuple[int, ...]) -> Poly:
    if isinstance(arr, np.ndarray):
        value = arr[point] if point else arr[()]
        if isinstance(value, Poly):
            return value
        constant = Poly()
        constant.add_term((), int(value))  # a number (0 adds nothing)
        return constant
    jac = arr
    nout = len(jac.out_shape)
    return jac.entries.get((_flat(point[:nout], jac.out_shape), _flat(point[nout:], jac.wrt_shape)), Poly())


def _flat(index: Sequence[int], shape: Sequence[int]) -> int:
    flat = 0
    for i, n in zip(index, shape):
        flat = flat * n + i
    return flat


def _config_text(configs: tuple[AxisConfig, ...]) -> str:
    def col(attr: str) -> str:
        return "x".join(str(getattr(c, attr)) for c in configs)

    text = f"n={col('n')} k={col('k')} s={col('s')} d={col('d')} p={col('p')}"
    return text + (f" q={col('q')}" if any(c.q for c in configs) else "")


def size_formula_mismatch(gen: General, configs: tuple[AxisConfig, ...], d: Derivation) -> str | None:
    """The general output-length formula against the concrete output shape."""
    from fractions import Fraction

    for ax, c, o in zip(gen.axes, configs, d.forward_elems.shape):
        formula = gen.sizes[str(ax.o)]
        symbols = (ax.n, ax.k, ax.s, ax.d, ax.p, ax.q)
        # exact: Fractions through the lambdified formula (floor of a Fraction is exact)
        fn = gen.size_functions.get(str(ax.o))
        if fn is None:
            fn = gen.size_functions[str(ax.o)] = sympy.lambdify(symbols, formula, "math")
        value = fn(*(Fraction(v) for v in (c.n, c.k, c.s, c.d, c.p, c.q)))
        if value != o:
            return f"{ax.o} = {formula} gives {value} at {_config_text(configs)}, the engine {o}"
    return None
