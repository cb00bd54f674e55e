"""The one calculus: Jacobians and vector-Jacobian products of every layer.

Two representations, one sparse Jacobian (:class:`SparseJacobian`: only the entries that
are not identically zero). Polynomial layers expand to :class:`~gradsym.poly.Poly` and are
differentiated term by term (d(c·v·m)/dv = c·m): :func:`jacobian`, :func:`vjp`. The
others are SymPy expressions: :func:`sympy_jacobians` (one reverse sweep per output,
:func:`symbolic_gradient`), :func:`sympy_vjp`, and :func:`derivative` for a single
∂/∂symbol. Element-wise functions take their derivatives, and the values at kinks and
ties, from :mod:`gradsym.rules`; no layer differentiates on its own.

>>> from gradsym.poly import Poly, VarTable
>>> t = VarTable(); x = t.block("x", [(1,), (2,)]); k = t.new("k", (1,))
>>> jac = jacobian([Poly({(x[0], k): 1, (x[1], k): 1})], (1,), x[0], (2,))
>>> sorted(jac.entries)
[(0, 0), (0, 1)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gradsym import progress
from gradsym.poly import Poly

if TYPE_CHECKING:
    import numpy as np


@dataclass
class SparseJacobian:
    """∂output/∂wrt as COO: ``entries[(out_flat, wrt_flat)]`` is a non-zero polynomial."""

    out_shape: tuple[int, ...]
    wrt_shape: tuple[int, ...]
    entries: dict[tuple[int, int], Poly] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.out_shape + self.wrt_shape

    def unravel(self, out_flat: int, wrt_flat: int) -> tuple[list[int], list[int]]:
        """0-based multi-indices of one entry."""
        return unravel(out_flat, self.out_shape), unravel(wrt_flat, self.wrt_shape)


def unravel(flat: int, shape: Sequence[int]) -> list[int]:
    """The 0-based multi-index of row-major position ``flat`` in ``shape``."""
    index = []
    for n in reversed(shape):
        index.append(flat % n)
        flat //= n
    return index[::-1]


def jacobian(
    forward: Sequence[Poly], out_shape: tuple[int, ...], first_var: int, wrt_shape: tuple[int, ...]
) -> SparseJacobian:
    """Differentiate every output wrt the consecutive variables ``first_var …``."""
    lo, hi = first_var, first_var + math.prod(wrt_shape)
    entries: dict[tuple[int, int], Poly] = {}
    report = progress.active()
    for o, poly in enumerate(forward):
        if report and o % 2048 == 0:
            progress.report("Jacobian", o, len(forward))
        for mono, coef in poly.items():
            if len(mono) == 2 and mono[0] != mono[1]:  # fast path: bilinear terms x·w
                a, b = mono
                if lo <= a < hi:
                    _accumulate(entries, (o, a - lo), (b,), coef)
                if lo <= b < hi:
                    _accumulate(entries, (o, b - lo), (a,), coef)
                continue
            previous = -1
            for i, v in enumerate(mono):
                if v == previous or not lo <= v < hi:
                    previous = v
                    continue
                previous = v
                power = mono.count(v) if i + 1 < len(mono) and mono[i + 1] == v else 1
                _accumulate(entries, (o, v - lo), mono[:i] + mono[i + 1 :], coef * power)
    nonzero = {key: p for key, p in sorted(entries.items()) if p}
    return SparseJacobian(out_shape, wrt_shape, nonzero)


def _accumulate(entries: dict[tuple[int, int], Poly], key: tuple[int, int], mono: tuple[int, ...], coef: object) -> None:
    entry = entries.get(key)
    if entry is None:
        entries[key] = Poly({mono: coef})  # type: ignore[dict-item]
    else:
        entry.add_term(mono, coef)  # type: ignore[arg-type]


def vjp(jac: SparseJacobian, upstream: Sequence[int]) -> list[Poly]:
    """Σ_o g_o · ∂y_o/∂w for every w (flat), with ``upstream[o]`` the id of g_o."""
    grads = [Poly() for _ in range(math.prod(jac.wrt_shape))]
    progress.report("gradients (vector-Jacobian products)", 0, 1)
    for (o, w), poly in jac.entries.items():
        g = upstream[o]
        target = grads[w]
        for mono, coef in poly.items():
            key = mono + (g,) if not mono or mono[-1] <= g else tuple(sorted(mono + (g,)))
            value = target.get(key, 0) + coef
            if value:
                target[key] = value
            else:
                del target[key]
    return grads


# -- SymPy expressions ------------------------------------------------------------------------


def sympy_jacobians(
    outputs: np.ndarray, arrays: Mapping[str, np.ndarray], wrt: Sequence[str],
    tidy: Callable[[Any], Any] = lambda e: e,
) -> dict[str, SparseJacobian]:
    """Sparse Jacobians ∂output/∂name of SymPy expressions (``arrays[name]`` holds the
    symbols of each tensor), by :func:`symbolic_gradient`: only entries that are not
    identically zero, each passed through ``tidy`` first."""
    import sympy

    flat = list(outputs.reshape(-1))
    index: dict[Any, tuple[str, int]] = {}
    for name in wrt:
        for w, sym in enumerate(arrays[name].reshape(-1)):
            index[sym] = (name, w)
    entries: dict[str, dict[tuple[int, int], Any]] = {name: {} for name in wrt}
    for o, expr in enumerate(flat):
        progress.report("differentiating", o, len(flat))
        if not isinstance(expr, sympy.Basic):
            continue
        for sym, derivative in symbolic_gradient(expr, set(index)).items():
            derivative = tidy(derivative)
            if derivative != 0:
                name, w = index[sym]
                entries[name][(o, w)] = derivative
    return {
        name: SparseJacobian(outputs.shape, arrays[name].shape, dict(sorted(entries[name].items())))
        for name in wrt
    }


def symbolic_gradient(expr: Any, wanted: set[Any]) -> dict[Any, Any]:
    """∂expr/∂s for every symbol s in ``wanted`` that occurs, by one reverse sweep.

    SymPy's ``diff`` walks the whole expression once per symbol; here every sub-expression is
    visited once (equal sub-expressions are one node) and adjoints flow from the root to the
    leaves: Add passes its adjoint on, Mul multiplies by the other factors, Pow by the power
    rule, a function by its ``fdiff`` (the chain rule), Max/Min by
    :func:`~gradsym.rules.extremum_shares` (ties share, as PyTorch and JAX).
    """
    import sympy

    order: list[Any] = []
    seen: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(expr, False)]
    free: dict[Any, bool] = {}
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            free[node] = (node in wanted) or any(free.get(a, False) for a in node.args)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in seen)
    contributions: dict[Any, list[Any]] = {expr: [sympy.Integer(1)]}
    gradient: dict[Any, Any] = {}
    for node in reversed(order):
        parts = contributions.pop(node, None)
        if not parts or not free[node]:
            continue
        adjoint = sympy.Add(*parts)
        if node in wanted:
            gradient[node] = adjoint
            continue
        for child, local in _local_derivatives(node, free):
            contributions.setdefault(child, []).append(adjoint * local)
    return gradient


def _local_derivatives(node: Any, free: Mapping[Any, bool]) -> list[tuple[Any, Any]]:
    """(child, ∂node/∂child) for the children that depend on a wanted symbol."""
    import sympy

    from gradsym.rules import extremum_shares

    args = node.args
    if node.is_Add:
        return [(a, sympy.Integer(1)) for a in args if free[a]]
    if node.is_Mul:
        out = []
        for i, a in enumerate(args):
            if free[a]:
                out.append((a, sympy.Mul(*(args[:i] + args[i + 1 :]))))
        return out
    if node.is_Pow:
        base, exponent = args
        out = []
        if free[base]:
            out.append((base, exponent * base ** (exponent - 1)))
        if free[exponent]:
            out.append((exponent, node * sympy.log(base)))
        return out
    if isinstance(node, sympy.Max | sympy.Min):
        return [(a, w) for a, w in zip(args, extremum_shares(node), strict=True) if free[a]]
    if isinstance(node, sympy.core.function.Application) and hasattr(node, "fdiff"):
        return [(a, node.fdiff(i + 1)) for i, a in enumerate(args) if free[a]]
    # anything else: differentiate it directly with respect to each symbol it contains
    return [(sym, node.diff(sym)) for sym in node.free_symbols if free.get(sym, False)]


def sympy_vjp(jac: SparseJacobian, upstream: Sequence[Any]) -> list[Any]:
    """Σ_o g_o · ∂y_o/∂x_i for every input i, as SymPy sums."""
    import sympy

    terms: list[list[Any]] = [[] for _ in range(math.prod(jac.wrt_shape))]
    for (o, w), entry in jac.entries.items():
        terms[w].append(upstream[o] * entry)
    return [sympy.Add(*t) for t in terms]


def derivative(expr: Any, symbol: Any) -> Any:
    """∂expr/∂symbol of one SymPy expression, by SymPy, at the kinks as PyTorch takes them:
    SymPy's step (relu′, from Max(0, z)) is 0 at 0, and the mass of a Dirac delta (the derivative
    of sign, from |z|″) is dropped — the derivative away from the kink, as the first
    derivatives take |z|′ = sign(z) with 0 at 0. An element of a SymPy polynomial ring
    (``sympy.polys.rings``) is differentiated in its ring.

    >>> import sympy
    >>> z = sympy.Symbol("z", real=True)
    >>> derivative(sympy.Max(0, z), z), derivative(sympy.sign(z), z)
    (Heaviside(z, 0), 0)
    """
    import sympy

    if not isinstance(expr, sympy.Basic):  # an element of a SymPy polynomial ring: exact, no kinks
        return expr.diff(symbol)
    out = sympy.diff(expr, symbol)
    if out.has(sympy.Heaviside):  # SymPy's step is ½ at 0; a step gradsym built keeps its value
        out = out.replace(lambda e: isinstance(e, sympy.Heaviside) and (len(e.args) == 1 or e.args[1] == sympy.S.Half),
                          lambda e: sympy.Heaviside(e.args[0], 0))
    if out.has(sympy.DiracDelta):
        out = out.replace(sympy.DiracDelta, lambda *_args: sympy.Integer(0))
    return out
