"""Jacobians and vector-Jacobian products by differentiating expanded polynomials.

Shared by every polynomial layer. The Jacobian is never dense: only the entries
that are not identically zero are stored, found by differentiating each term of
each output expression (d(c·v·m)/dv = c·m).

>>> from gradsym.poly import Poly, VarTable
>>> t = VarTable(); x = t.block("x", [(1,), (2,)]); k = t.new("k", (1,))
>>> jac = jacobian([Poly({(x[0], k): 1, (x[1], k): 1})], (1,), x[0], (2,))
>>> sorted(jac.entries)
[(0, 0), (0, 1)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from gradsym import progress
from gradsym.poly import Poly


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
