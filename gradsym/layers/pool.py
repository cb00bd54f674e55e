"""Max and average pooling, 1-D to 3-D (PyTorch semantics), derived and proved.

Along each dimension, output ``o`` reads the input positions ``s·o − p + d·j`` for
``j = 0 … k−1`` that fall inside the input; the window of an output is the product of
those sets, in row-major order (the order PyTorch scans it).

* Average pooling (``count_include_pad=True``) is linear: ``y_o = Σ_window x / n_o``,
  where ``n_o`` counts the window's cells inside the *padded* input (so padding counts,
  and only a ``ceil_mode`` window hanging past the padded end divides by less). It is a
  :class:`~gradsym.poly.Poly` map with exact 1/n coefficients; the Jacobian comes from
  differentiation and the proof ``grad_spreads_evenly`` rebuilds dL/dx input by input.
* Max pooling: ``y_o = Max(window)``. Its derivative is shown as the routing rule PyTorch
  implements — the whole gradient goes to the window's *first* maximum:
  ``∂y_o/∂x_i = 1`` iff ``x_i > Max(earlier cells)`` and ``x_i ≥ Max(later cells)``
  (SymPy's own ``Max(a, b).diff(a)`` is ``Heaviside(a − b)``, which is ½ at a tie).
  The proof ``grad_routes_to_argmax`` decides every routing condition on every region
  "cell k is the window's first maximum" (these regions cover all inputs), so it holds
  for all real inputs; with values it also compares dL/dx with a plain argmax scan.

>>> d = pool(input=(4,), size=(2,), mode="avg")
>>> d.forward.tolist()
[x_1/2 + x_2/2, x_3/2 + x_4/2]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import admit, given, pool_cost
from gradsym.calculus import SparseJacobian, jacobian, sympy_vjp, vjp
from gradsym.derivation import Derivation, Evaluation, NumericModel
from gradsym.numeric import object_array
from gradsym.poly import Poly, VarTable
from gradsym.proofs import Check, compare
from gradsym.rules import first_argmax
from gradsym.spec import Values
from gradsym.spec.conv import require
from gradsym.spec.pool import PoolConfig as PoolConfig
from gradsym.spec.pool import pool_config as pool_config
from gradsym.symbols import Tensor


def pool_work(cfg: PoolConfig) -> int:
    """Routing conditions (max) or expanded terms (avg): outputs × the largest window."""
    per_window = math.prod(len(w) for w in (max(ws, key=len) for ws in cfg.axis_windows()))
    return cfg.planes * math.prod(cfg.output) * per_window


# ---------------------------------------------------------------------------
# Windows


def plane_windows(cfg: PoolConfig) -> list[list[int]]:
    """For one (batch, channel) plane: per output (row-major), the flat input positions its
    window reads, in PyTorch's scan order (row-major)."""
    per_axis = cfg.axis_windows()
    strides = [math.prod(cfg.spatial[a + 1 :]) for a in range(cfg.ndim)]
    out = []
    for index in itertools.product(*(range(n) for n in cfg.output)):
        lists = [per_axis[a][index[a]] for a in range(cfg.ndim)]
        out.append([sum(c * m for c, m in zip(cell, strides)) for cell in itertools.product(*lists)])
    return out


def avg_divisors(cfg: PoolConfig) -> list[int]:
    """PyTorch's divisor per output (count_include_pad): window cells inside the padded input."""
    per_axis = [
        [min(s * o - p + k, i + p) - (s * o - p) for o in range(n)]
        for i, k, s, p, n in zip(cfg.spatial, cfg.size, cfg.stride, cfg.padding, cfg.output)
    ]
    return [math.prod(c) for c in itertools.product(*per_axis)]


# ---------------------------------------------------------------------------
# Forward, Jacobian and gradient


def _coef(n: int) -> int | Fraction:
    return 1 if n == 1 else Fraction(1, n)


def avg_forward(cfg: PoolConfig, x_first: int) -> list[Poly]:
    """y_o = Σ_{i ∈ window(o)} x_i / n_o (flat, row-major over planes and outputs)."""
    windows, divisors = plane_windows(cfg), avg_divisors(cfg)
    in_size = math.prod(cfg.spatial)
    out = []
    for plane in range(cfg.planes):
        progress.report("forward pass", plane, cfg.planes)
        base = x_first + plane * in_size
        for cells, n in zip(windows, divisors):
            out.append(Poly({(base + c,): _coef(n) for c in cells}))
    return out


def routing_rule(cell: Any, earlier: Sequence[Any], later: Sequence[Any]) -> Any:
    """∂Max/∂cell under PyTorch's tie rule: 1 iff cell > every earlier and ≥ every later cell.

    >>> import sympy
    >>> a, b, c = sympy.symbols("a b c")
    >>> routing_rule(b, [a], [c])
    Piecewise((1, (b >= c) & (b > a)), (0, True))
    """
    import sympy

    conditions = []
    if earlier:
        conditions.append(sympy.StrictGreaterThan(cell, sympy.Max(*earlier, evaluate=False), evaluate=False))
    if later:
        conditions.append(sympy.GreaterThan(cell, sympy.Max(*later, evaluate=False), evaluate=False))
    if not conditions:
        return sympy.Integer(1)
    condition = conditions[0] if len(conditions) == 1 else sympy.And(*conditions)
    return sympy.Piecewise((sympy.Integer(1), condition), (sympy.Integer(0), sympy.true), evaluate=False)


def max_forward_and_jacobian(
    cfg: PoolConfig, x: Tensor, symbols: list[Any]
) -> tuple[list[Any], SparseJacobian]:
    """y_o = Max(window) and ∂y_o/∂x_i as the first-maximum routing rule."""
    import sympy

    windows = plane_windows(cfg)
    in_size = math.prod(cfg.spatial)
    forward: list[Any] = []
    entries: dict[tuple[int, int], Any] = {}
    o = 0
    reporting, n_windows = progress.active(), cfg.planes * len(windows)
    for plane in range(cfg.planes):
        base = plane * in_size
        for cells in windows:
            if reporting and o % 64 == 0:
                progress.report("forward pass and routing", o, n_windows)
            syms = [symbols[x.first + base + c] for c in cells]
            forward.append(sympy.Max(*syms, evaluate=False))
            for k, c in enumerate(cells):
                entries[(o, base + c)] = routing_rule(syms[k], syms[:k], syms[k + 1 :])
            o += 1
    jac = SparseJacobian(cfg.output_shape(), cfg.input_shape(), dict(sorted(entries.items())))
    return forward, jac


# ---------------------------------------------------------------------------
# Proofs


def covering_outputs(cfg: PoolConfig) -> list[list[list[int]]]:
    """Per dimension, per input position: the outputs whose window reads it (input-centric:
    s·o − p + d·j = i for some j, solved for o)."""
    out = []
    for i, k, s, p, d, n in zip(cfg.spatial, cfg.size, cfg.stride, cfg.padding, cfg.dilation, cfg.output):
        out.append([[o for o in range(n) if any(s * o - p + d * j == pos for j in range(k))]
                    for pos in range(i)])
    return out


def spread_rhs(cfg: PoolConfig, upstream: np.ndarray) -> list[Poly]:
    """dL/dx_i = Σ_{o: i ∈ window(o)} g_o / n_o, gathered input by input."""
    covers = covering_outputs(cfg)
    sizes = []  # per dimension, per output: cells inside the padded input
    for i, k, s, p, n in zip(cfg.spatial, cfg.size, cfg.stride, cfg.padding, cfg.output):
        sizes.append([sum(1 for j in range(k) if s * o + j < i + 2 * p) for o in range(n)])
    g = upstream.reshape(cfg.planes, *cfg.output)
    out = []
    for plane in range(cfg.planes):
        for position in itertools.product(*(range(i) for i in cfg.spatial)):
            poly = Poly()
            lists = [covers[a][position[a]] for a in range(cfg.ndim)]
            for o in itertools.product(*lists):
                n = math.prod(sizes[a][o[a]] for a in range(cfg.ndim))
                poly.add_term((int(g[(plane, *o)]),), _coef(n))
            out.append(poly)
    return out


def _atoms(condition: Any) -> list[tuple[Any, list[Any], bool]] | None:
    """A routing condition as atoms (big, [smaller…], strict): big > (or ≥) every smaller."""
    import sympy

    parts = condition.args if isinstance(condition, sympy.And) else (condition,)
    atoms = []
    for rel in parts:
        if not isinstance(rel, sympy.core.relational.Relational) or rel.rel_op not in (">", ">=", "<", "<="):
            return None
        big, small = (rel.lhs, rel.rhs) if rel.rel_op in (">", ">=") else (rel.rhs, rel.lhs)
        smaller = list(small.args) if isinstance(small, sympy.Max) else [small]
        atoms.append((big, smaller, rel.rel_op in (">", "<")))
    return atoms


def _route_atoms(entry: Any) -> list[tuple[Any, list[Any], bool]] | None:
    """The atoms of ``Piecewise((1, condition), (0, True))``; None for any other shape."""
    import sympy

    if entry == 1:
        return []  # routed unconditionally (a window of one cell)
    if not (isinstance(entry, sympy.Piecewise) and len(entry.args) == 2
            and entry.args[0].expr == 1 and entry.args[1].expr == 0 and entry.args[1].cond is sympy.true):
        return None
    return _atoms(entry.args[0].cond)


def _decide(atoms: list[tuple[Any, list[Any], bool]], first: Any, rank: dict[Any, int]) -> bool | None:
    """The truth of a conjunction of atoms on the region where ``first`` is the window's first
    maximum (x_j < x_first for earlier cells j, x_j ≤ x_first for later ones); None if the
    region does not decide it."""
    decided = True
    for big, smaller, strict in atoms:
        for small in smaller:
            if small not in rank or big not in rank:
                return None
            if big == first and small != first:
                # first > small holds for earlier cells; only first ≥ small for later ones.
                if not (rank[small] < rank[first] or not strict):
                    decided = False
            elif small == first and big != first:
                # big < first (earlier cell) refutes both; big ≤ first (later) refutes '>'.
                if rank[big] < rank[first] or strict:
                    return False
                decided = False
            else:
                decided = False
    return True if decided else None


def argmax_routing_check(
    cfg: PoolConfig, x: Tensor, jac: SparseJacobian, grads: list[Any], upstream: list[Any],
    symbols: list[Any],
) -> Check:
    """Prove, window by window, that ∂y/∂x is the indicator of the window's first maximum for
    every real input, and that dL/dx gathers exactly those routes.

    The regions "cell k is the first maximum" (k over the window) cover every input, so a
    route that is decided 1 for k and 0 for every other cell on each region is the first-argmax
    indicator everywhere.
    """
    import sympy

    windows = plane_windows(cfg)
    in_size, n_out = math.prod(cfg.spatial), math.prod(cfg.output)
    expected_keys = {(plane * n_out + o, plane * in_size + c)
                     for plane in range(cfg.planes) for o, cells in enumerate(windows) for c in cells}
    mismatch = None
    if set(jac.entries) != expected_keys:
        mismatch = "∂y/∂x has entries outside the windows, or misses some"
    for plane in range(cfg.planes):
        if mismatch:
            break
        base = plane * in_size
        for local, cells in enumerate(windows):
            o = plane * n_out + local
            if o % 16 == 0:
                progress.report("proof: argmax routing", o, cfg.planes * n_out)
            syms = [symbols[x.first + base + c] for c in cells]
            rank = {s: r for r, s in enumerate(syms)}
            routes = [_route_atoms(jac.entries[(o, base + c)]) for c in cells]
            if any(r is None for r in routes):
                mismatch = f"∂y/∂x of output {o} is not a routing rule Piecewise((1, …), (0, True))"
                break
            for k, first in enumerate(syms):
                for i, atoms in enumerate(routes):
                    assert atoms is not None
                    value = _decide(atoms, first, rank)
                    if value is None or value != (i == k):
                        state = "undecided" if value is None else str(int(value))
                        mismatch = (f"output {o}: where {first} is the first maximum, the route "
                                    f"to {syms[i]} is {state}")
                        break
                if mismatch:
                    break
            if mismatch:
                break
    if mismatch is None:
        # dL/dx_i = Σ over the windows that read x_i (found input by input) of g_o · route.
        covers = covering_outputs(cfg)
        out_strides = [math.prod(cfg.output[a + 1 :]) for a in range(cfg.ndim)]
        rhs = []
        for plane in range(cfg.planes):
            for pos_flat, position in enumerate(itertools.product(*(range(i) for i in cfg.spatial))):
                outs = [plane * n_out + sum(a * m for a, m in zip(oi, out_strides))
                        for oi in itertools.product(*(covers[a][position[a]] for a in range(cfg.ndim)))]
                rhs.append(sympy.Add(*[upstream[oo] * jac.entries[(oo, plane * in_size + pos_flat)]
                                       for oo in outs]))
        mismatch = compare("grad_routes_to_argmax", "", grads, rhs).mismatch
    return Check(
        "grad_routes_to_argmax",
        "for every real input, ∂y/∂x is 1 at the window's first maximum and 0 elsewhere (each "
        "routing condition decided on every region 'x_k is the first maximum'), so dL/dx sends "
        "each g to its window's first maximum, as PyTorch does",
        mismatch is None,
        mismatch,
        detail={"lines": [("pool.proof_regions", {})]},
    )


# ---------------------------------------------------------------------------
# Numbers: an independent plain-Python pass over the padded input


def _padded_windows(x: np.ndarray, cfg: PoolConfig) -> tuple[list[tuple[int, ...]], list[list[Any]], list[list[int]]]:
    """Slide the windows over the padded input: per output (plane, *position), the window's
    cells (None for padding) and their flat input positions (−1 for padding). A window's
    cell count includes padding; it stops at the end of the padded input."""
    planes = x.reshape(cfg.planes, *cfg.spatial)
    padded_shape = (cfg.planes, *(i + 2 * p for i, p in zip(cfg.spatial, cfg.padding)))
    padded = np.full(padded_shape, None, dtype=object)
    where_input: tuple[Any, ...] = (slice(None), *(slice(p, p + i) for i, p in zip(cfg.spatial, cfg.padding)))
    padded[where_input] = planes
    positions = np.full(padded_shape, -1, dtype=np.int64)
    positions[where_input] = np.arange(x.size).reshape(planes.shape)
    outputs, cells, flats = [], [], []
    for plane in range(cfg.planes):
        for index in itertools.product(*(range(n) for n in cfg.output)):
            where: tuple[Any, ...] = (plane, *(
                slice(s * o, s * o + d * (k - 1) + 1, d)
                for o, s, d, k in zip(index, cfg.stride, cfg.dilation, cfg.size)
            ))
            outputs.append((plane, *index))
            cells.append(list(padded[where].flat))
            flats.append(positions[where].reshape(-1).tolist())
    return outputs, cells, flats


def numeric_pool(x: np.ndarray, cfg: PoolConfig, combine: Callable[[list[Any], int], Any]) -> np.ndarray:
    """The plain forward pass: ``combine(cells, n)`` over every window of the padded input
    (None marks padding; ``n`` counts the window's cells, padding included)."""
    out = np.empty((cfg.planes, *cfg.output), dtype=object)
    for where, cells, _flat in zip(*_padded_windows(x, cfg)):
        out[where] = combine(cells, len(cells))
    return out.reshape(cfg.output_shape())


def numeric_avg(cells: list[Any], n: int) -> Any:
    return sum((c for c in cells if c is not None), Fraction(0)) / n


def first_max(cells: list[Any], _n: int = 0, key: Callable[[Any], Any] = lambda c: c) -> Any:
    """The first cell holding the largest value (PyTorch keeps the first of equal maxima)."""
    present = [c for c in cells if c is not None]
    return present[first_argmax([key(c) for c in present])] if present else None


def max_tree_value(expr: Any, point: dict[Any, Any]) -> Any:
    """An exact number (or truth value) from a max-pooling expression at ``point``, walking
    its tree: Max, Piecewise, And, comparisons, sums and products (no SymPy re-evaluation)."""
    import sympy

    if expr.is_Symbol:
        return point[expr]
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr is sympy.true or expr is sympy.false:
        return bool(expr)
    args = [max_tree_value(a, point) for a in expr.args] if not isinstance(expr, sympy.Piecewise) else []
    if isinstance(expr, sympy.Add):
        return sum(args)
    if isinstance(expr, sympy.Mul):
        return math.prod(args)
    if isinstance(expr, sympy.Max):
        return max(args)
    if isinstance(expr, sympy.And):
        return all(args)
    if isinstance(expr, sympy.core.relational.Relational):
        a, b = args
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": a == b}[expr.rel_op]
    if isinstance(expr, sympy.Piecewise):
        for branch in expr.args:
            if max_tree_value(branch.cond, point):
                return max_tree_value(branch.expr, point)
    raise TypeError(f"cannot evaluate {type(expr).__name__} exactly")


# ---------------------------------------------------------------------------
# The derivation


class PoolDerivation(Derivation):
    """A pooling derivation. The numeric check uses exact difference quotients for average
    pooling and forward-mode dual numbers for max pooling (a difference quotient is wrong at
    a tie); max pooling also checks its routing at the values."""

    pool: PoolConfig

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        if self.pool.mode == "avg":
            return super()._evaluate(parsed)
        # Max pooling's elements are SymPy trees; walk them with exact numbers.
        values, point = self.exact_point(parsed, as_sympy=False)

        def each(arr: np.ndarray) -> np.ndarray:
            out = np.empty(arr.shape, dtype=object)
            for index in np.ndindex(arr.shape):
                out[index] = max_tree_value(self.to_sympy(arr[index]), point)
            return out

        jac_values = {role: {key: max_tree_value(self.to_sympy(e), point) for key, e in jac.entries.items()}
                      for role, jac in self.jacobians.items()}
        evaluation = Evaluation(
            values, each(self.forward_elems), jac_values,
            {role: each(arr) for role, arr in self.grad_elems.items()},
            {r: (j.out_shape, j.wrt_shape) for r, j in self.jacobians.items()},
            any(v.decimal for v in parsed.values()),
        )
        evaluation.checks.append(self._autodiff_check(values, jac_values))
        evaluation.checks.append(self._routing_at_values(evaluation))
        return evaluation

    def _routing_at_values(self, ev: Evaluation) -> Check:
        cfg = self.pool
        x, g = ev.values["input"], ev.values["upstream"].reshape(-1).tolist()
        expected: list[Any] = [0] * x.size
        for o, (cells, flats) in enumerate(zip(*_padded_windows(x, cfg)[1:])):
            best = first_max([(v, j) for v, j in zip(cells, flats) if v is not None], key=lambda p: p[0])
            expected[best[1]] += g[o]
        got = ev.grad_values["input"].reshape(-1).tolist()
        bad = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), None)
        return Check(
            "grad_routes_to_argmax",
            "at the given values, dL/dx holds each window's g at the window's first maximum "
            "(found by a plain scan, ties as PyTorch) and 0 everywhere else",
            bad is None,
            None if bad is None else f"dL/dx entry {bad} differs from the argmax scan",
            detail={"lines": [("pool.proof_values", {})]},
        )


def derive_pool(cfg: PoolConfig) -> PoolDerivation:
    """Forward, Jacobian, VJP and the proof of a pooling layer."""
    table = VarTable()
    x = Tensor.create(table, "x", cfg.input_shape())
    g = Tensor.create(table, "g", cfg.output_shape())
    symbols = {"input": x, "upstream": g}
    out_shape = cfg.output_shape()
    if cfg.mode == "avg":
        forward: list[Any] = avg_forward(cfg, x.first)
        jac = jacobian(forward, out_shape, x.first, x.shape)
        grads: list[Any] = vjp(jac, g.flat_ids())
        check = compare(
            "grad_spreads_evenly",
            "dL/dx_i = Σ over the windows reading x_i of g_o / n_o (n_o: window cells inside the "
            "padded input, padding counted), gathered input by input",
            grads,
            spread_rhs(cfg, g.ids),
        )
        model = NumericModel({"x": "input", "g": "upstream"},
                             lambda pt: numeric_pool(pt["input"], cfg, numeric_avg))
    else:
        sym = table.symbols()
        forward, jac = max_forward_and_jacobian(cfg, x, sym)
        g_syms = [sym[i] for i in g.flat_ids()]
        grads = sympy_vjp(jac, g_syms)
        check = argmax_routing_check(cfg, x, jac, grads, g_syms, sym)
        model = NumericModel({"x": "input", "g": "upstream"},
                             lambda pt: numeric_pool(pt["input"], cfg, first_max), degree=None)
    d = PoolDerivation(
        command="pool",
        config=cfg.to_json(),
        table=table,
        symbols=symbols,
        forward=object_array(forward, out_shape),
        jacobians={"input": jac},
        grads={"input": object_array(grads, x.shape)},
        checks=[check],
        model=model,
        title=(f"title.pool_{cfg.mode}", {"dims": cfg.ndim}),
        setup=setup_lines(cfg),
    )
    d.pool = cfg
    return d


def setup_lines(cfg: PoolConfig) -> list[tuple[str, dict[str, Any]]]:
    """Catalogue keys and parameters describing the configuration."""
    fmt = lambda t: "x".join(map(str, t))  # noqa: E731
    lines: list[tuple[str, dict[str, Any]]] = [
        ("pool.setup", {
            "input": fmt(cfg.spatial), "size": fmt(cfg.size), "stride": fmt(cfg.stride),
            "padding": fmt(cfg.padding), "dilation": fmt(cfg.dilation),
            "ceil_mode": str(cfg.ceil_mode), "output": fmt(cfg.output),
        }),
    ]
    if cfg.channels:
        lines.append(("pool.channels", {"batch": cfg.batch, "channels": cfg.in_channels}))
    lines.append(("pool.rule_avg" if cfg.mode == "avg" else "pool.rule_max", {}))
    lines.append(("setup.upstream", {}))
    return lines


# ---------------------------------------------------------------------------
# The public function


def pool(
    input: Any = None,
    size: Any = None,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    mode: str = "max",
    in_channels: int | None = None,
    batch: int | None = None,
    x: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive max or average pooling (PyTorch semantics) and prove where its gradient goes.

    >>> d = pool(input=(2, 2), size=(2, 2), x=[[1, 4], [4, 2]])
    >>> d.numeric.grad["input"].tolist()
    [[0, 1], [0, 0]]
    """
    require(input, "--input", "4x4")
    require(size, "--size", "2x2")
    cfg = pool_config(
        input, size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode,
        mode=mode, in_channels=in_channels, batch=batch,
    )
    cost = pool_cost(pool_work(cfg), cfg.mode == "max", math.prod(cfg.output_shape()),
                     math.prod(cfg.input_shape()), values=given(x, g))
    admit(cost, max_terms, "this pooling")
    return derive_pool(cfg).with_values(seed=seed, x=x, g=g)
