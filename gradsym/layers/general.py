"""Convolution and transposed convolution for every size at once (``--general``).

The sizes are integer symbols — input length n, kernel length k, stride s, dilation d,
padding p (and output padding q for the transposed convolution) — and the tensors are
indexed symbols, 0-based::

    conv:    y[i] = Σ_a xhat[s·i + d·a − p]·w[a] (+ b)        (xhat: x zero-padded)
    deconv:  y[m] = Σ_i Σ_a x[i]·w[a]·δ(m, s·i + d·a − p) (+ b)

N-D is the product of 1-D index maps: every axis has its own sizes and indices, and
every delta or bracket acts on one axis. Gradients come from differentiating indexed
symbols (∂x[e]/∂x[j] = δ(e, j)) and eliminating the Kronecker deltas with the rules of
:mod:`gradsym.indexcalc`; each rewriting step is kept with its justification. The
closed forms are then shown to be convolutions (full convolution of the stride-zero-
inserted g with the rotated kernel, …) by reducing the right-hand sides, built from
their definitions, to the same normal form. Finally every step is instantiated at a
grid of small sizes and compared with the concrete engine (``general_matches_concrete``).

>>> from gradsym.layers.general_build import general_conv
>>> d = general_conv(dims=1)
>>> d.general.closed["input"]
Sum(Piecewise((g[i]*w[(-i*s + j + p)/d], Contains((-i*s + j + p)/d, Range(0, k, 1))), (0, True)), (i, 0, o - 1))
>>> all(c.holds for c in d.checks)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from gradsym.indexcalc import (
    Context,
    Delta,
    Limit,
    Read,
    Series,
    Solved,
    Term,
    absorb_padding,
    differentiate,
    eliminate,
    multiply,
    rename_bound,
    rename_tensor,
    reverse,
    same,
    substitute,
    to_sympy,
)
from gradsym.instantiate import Instantiator
from gradsym.sympy_text import sympy_text

DIMS = (1, 2, 3)
MAX_INSTANCE_ROWS = 24



# -- symbols -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """The size symbols and index symbols of one axis (subscripted in N-D: n_1, i_1, …)."""

    n: Any
    k: Any
    s: Any
    d: Any
    p: Any
    q: Any
    o: Any
    i: Any
    a: Any
    j: Any
    c: Any
    v: Any
    m: Any


def make_axes(dims: int) -> list[Axis]:
    """Symbols for ``dims`` axes: sizes are integers (n, k, s, d, o ≥ 1; p, q ≥ 0)."""
    axes = []
    for r in range(dims):
        def name(base: str, r: int = r) -> str:
            return base if dims == 1 else f"{base}_{r + 1}"

        def size(base: str, **kw: bool) -> Any:
            return sympy.Symbol(name(base), integer=True, **kw)

        def index(base: str) -> Any:
            return sympy.Symbol(name(base), integer=True)

        axes.append(Axis(
            size("n", positive=True), size("k", positive=True), size("s", positive=True),
            size("d", positive=True), size("p", nonnegative=True), size("q", nonnegative=True),
            size("o", positive=True),
            index("i"), index("a"), index("j"), index("c"), index("v"), index("m"),
        ))
    return axes


def _col(axes: list[Axis], attr: str) -> tuple[Any, ...]:
    return tuple(getattr(ax, attr) for ax in axes)


def ftext(expr: Any) -> str:
    """Plain-text formula for prose: ``s·i + d·a − p``."""
    return sympy_text(sympy.sympify(expr)).replace("**", "^").replace("*", "·")


def _indexed(name: str, index: Sequence[Any]) -> Any:
    return sympy.IndexedBase(name)[tuple(index)]


# -- steps and chains ----------------------------------------------------------------------


@dataclass
class Step:
    """One rewriting step: the rule's name, its justification and the result.

    ``series`` is the term form when the step can be instantiated at concrete sizes
    (display-only steps, such as the chain rule with unevaluated derivatives, have none).
    """

    rule: str
    message: Any  # a message (see :class:`Joined`), resolved in the document's language
    display: Any
    series: Series | None = None
    instantiator: Instantiator | None = field(default=None, repr=False)


@dataclass
class Chain:
    """Equal expressions for one quantity, each step justified.

    ``target`` names the concrete quantity every instantiable step must equal
    (``forward``, ``grad.input``, ``jacobian.kernel`` …); ``free`` are the free index
    symbols in the order of the target's axes.
    """

    name: str
    lhs: Any
    steps: list[Step]
    ctx: Context
    free: tuple[Any, ...]
    target: str
    intro: Any = ""  # a message (see :class:`Joined`)

    @property
    def last(self) -> Series:
        series = [s.series for s in self.steps if s.series is not None]
        return series[-1]


@dataclass
class Identity:
    """A named check: ``chain`` (built from the right-hand side's definition) reduces to
    the same normal form as ``closed`` (the differentiated closed form)."""

    check: str
    statement: Any  # a catalogue key and its parameters
    chain: Chain
    closed: Chain
    holds: bool = False


@dataclass
class General:
    """Everything a general derivation found; ``d.general``.

    ``closed[role]`` is the closed form (SymPy) of each gradient (and ``forward``),
    ``jacobian[role]`` the general Jacobian entry, ``chains``/``identities`` the steps.
    """

    command: str
    dims: int
    bias: bool
    axes: list[Axis]
    forward: Chain
    jacobians: list[Chain]
    grads: list[Chain]
    identities: list[Identity]
    sizes: dict[str, Any]
    closed: dict[str, Any] = field(default_factory=dict)
    jacobian: dict[str, Any] = field(default_factory=dict)
    size_functions: dict[str, Callable[..., Any]] = field(default_factory=dict, repr=False)

    def chains(self) -> list[Chain]:
        return [self.forward, *self.jacobians, *self.grads, *[idt.chain for idt in self.identities]]


# -- messages ---------------------------------------------------------------------------
# The prose is kept as messages and resolved in the document's language (by
# :func:`gradsym.render.sections.general.say`): a message is plain text, a
# ``(catalogue key, params)`` pair whose params may be messages again, or a
# :class:`Joined` list. (Setup and check lines, which the document resolves itself,
# are flat ``(key, params)`` pairs.)


@dataclass(frozen=True)
class Joined:
    """Messages joined by a separator message (“ and ”, “; ”)."""

    sep: Any
    parts: tuple[Any, ...]


def _step(rule: str, series: Series | None, ctx: Context, display: Any = None, **params: Any) -> Step:
    message = (f"general.rule.{rule}", params)
    return Step(rule, message, display if display is not None else to_sympy(series or (), ctx), series)


def _limits(vars_: Sequence[Any], lengths: Sequence[Any]) -> tuple[Limit, ...]:
    return tuple(Limit(v, sympy.Integer(0), n - 1) for v, n in zip(vars_, lengths))


def _eliminate_step(series: Series, variables: Sequence[Any], ctx: Context) -> Step:
    """Eliminate ``variables`` and describe what happened, axis by axis."""
    result, solved = eliminate(series, variables, ctx)
    parts = tuple(_solved_text(s) for s in solved)
    return _step("eliminate", result, ctx, details=Joined(("general.solved.sep", {}), parts))


def _solved_text(s: Solved) -> Joined:
    parts: list[Any] = [("general.solved", {"var": ftext(s.var), "lhs": ftext(s.delta.lhs),
                                            "rhs": ftext(s.delta.rhs), "value": ftext(s.value)})]
    if s.kept:
        parts.append(("general.solved.kept", {"conds": _conds_text(s.kept)}))
    if s.dropped:
        parts.append(("general.solved.dropped", {"conds": _conds_text(s.dropped)}))
    return Joined("", tuple(parts))


def _conds_text(conds: Iterable[Any]) -> Joined:
    """``(j + p − s·i)/d ∈ {0, …, k − 1}``, ``0 ≤ m ≤ o − 1``, ``v ∈ ℤ``, joined by “and”."""
    from gradsym.indexcalc import Bound, IsInteger, merge_ranges

    conds = list(conds)
    integer = {c.value for c in conds if isinstance(c, IsInteger)}
    out: list[Any] = []
    for c in merge_ranges(conds):
        if isinstance(c, IsInteger):
            out.append(("general.cond.integer", {"value": ftext(c.value)}))
        elif isinstance(c, Bound):
            if c.value in integer:
                out.append(f"{ftext(c.value)} ∈ {{{ftext(c.lo)}, …, {ftext(c.hi)}}}")
                continue
            lo = "" if c.lo is None else f"{ftext(c.lo)} ≤ "
            hi = "" if c.hi is None else f" ≤ {ftext(c.hi)}"
            out.append(f"{lo}{ftext(c.value)}{hi}")
    return Joined(("general.and", {}), tuple(out))


# -- convolution ---------------------------------------------------------------------------


def conv_forward(axes: list[Axis], *, source: str, out: Sequence[Any], tap: Sequence[Any],
                 bias: bool) -> Series:
    """y[out] = Σ_tap ŝ[s·out + d·tap − p]·w[tap] (+ b), with ``source`` zero-padded."""
    read = tuple(ax.s * o + ax.d * t - ax.p for ax, o, t in zip(axes, out, tap))
    terms = [Term(limits=_limits(tap, _col(axes, "k")),
                  reads=(Read(source, read, padded=True), Read("w", tuple(tap))))]
    if bias:
        terms.append(Term(reads=(Read("b", ()),)))
    return tuple(terms)


def _conv_ctx(axes: list[Axis], free: dict[Any, Any], *, x_len: Sequence[Any] | None = None,
              g_len: Sequence[Any] | None = None, g_name: str = "g") -> Context:
    extents = {
        "x": tuple(x_len or _col(axes, "n")),
        "w": _col(axes, "k"),
        g_name: tuple(g_len or _col(axes, "o")),
    }
    return Context(extents, {v: (sympy.Integer(0), n - 1) for v, n in free.items()},
                   {"x": "xhat", "g": "ghat"})


def conv_grad_input(axes: list[Axis], *, bias: bool, upstream: str = "g",
                    up_len: Sequence[Any] | None = None, x_len: Sequence[Any] | None = None,
                    free: Sequence[Any] | None = None) -> Chain:
    """∂L/∂x[j] of a convolution: chain rule, Kronecker deltas, delta elimination."""
    out_i, taps, free_j = _col(axes, "i"), _col(axes, "a"), tuple(free or _col(axes, "j"))
    up_len = tuple(up_len or _col(axes, "o"))
    x_len = tuple(x_len or _col(axes, "n"))
    ctx = _conv_ctx(axes, dict(zip(free_j, x_len)), x_len=x_len, g_len=up_len, g_name=upstream)
    fwd = conv_forward(axes, source="x", out=out_i, tap=taps, bias=bias)
    up = Term(limits=_limits(out_i, up_len), reads=(Read(upstream, out_i),))
    lhs = sympy.Derivative(sympy.Symbol("L"), _indexed("x", free_j))
    s0 = sympy.Sum(_indexed(upstream, out_i) * sympy.Derivative(_indexed("y", out_i), _indexed("x", free_j)),
                   *[(i, 0, n - 1) for i, n in reversed(list(zip(out_i, up_len)))])
    s1 = multiply(up, differentiate(fwd, "x", free_j, ctx))
    steps = [
        _step("chain", None, ctx, s0, t="x", g=upstream),
        _step("differentiate_padded", s1, ctx, t="x", j=_tuple_text(free_j), others="w, b" if bias else "w",
              deltas=_deltas_text(_element_names(len(free_j)), free_j)),
        _eliminate_step(s1, taps, ctx),
    ]
    return Chain("input", lhs, steps, ctx, free_j, "grad.input")


def conv_grad_kernel(axes: list[Axis], *, bias: bool) -> Chain:
    """∂L/∂w[a] of a convolution: rename the tap index, differentiate, eliminate."""
    out_i, taps, taps_c = _col(axes, "i"), _col(axes, "a"), _col(axes, "c")
    ctx = _conv_ctx(axes, dict(zip(taps, _col(axes, "k"))))
    fwd = conv_forward(axes, source="x", out=out_i, tap=taps, bias=bias)
    for a, c in zip(taps, taps_c):
        fwd = rename_bound(fwd, a, c)
    up = Term(limits=_limits(out_i, _col(axes, "o")), reads=(Read("g", out_i),))
    lhs = sympy.Derivative(sympy.Symbol("L"), _indexed("w", taps))
    s0 = sympy.Sum(_indexed("g", out_i) * sympy.Derivative(_indexed("y", out_i), _indexed("w", taps)),
                   *[(i, 0, ax.o - 1) for i, ax in reversed(list(zip(out_i, axes)))])
    s1 = multiply(up, differentiate(fwd, "w", taps, ctx))
    steps = [
        _step("chain", None, ctx, s0, t="w", g="g"),
        _step("differentiate_renamed", s1, ctx, t="w", old=_tuple_text(taps), new=_tuple_text(taps_c),
              others="xhat, b" if bias else "xhat", deltas=_deltas_text(taps_c, taps)),
        _eliminate_step(s1, taps_c, ctx),
    ]
    return Chain("kernel", lhs, steps, ctx, taps, "grad.kernel")


def _bias_chain(axes: list[Axis], fwd: Series, out: Sequence[Any], out_len: Sequence[Any],
                ctx: Context) -> Chain:
    up = Term(limits=_limits(out, out_len), reads=(Read("g", tuple(out)),))
    lhs = sympy.Derivative(sympy.Symbol("L"), sympy.Symbol("b"))
    s0 = sympy.Sum(_indexed("g", out) * sympy.Derivative(_indexed("y", out), sympy.Symbol("b")),
                   *[(i, 0, n - 1) for i, n in reversed(list(zip(out, out_len)))])
    s1 = multiply(up, differentiate(fwd, "b", (), ctx))
    steps = [_step("chain", None, ctx, s0, t="b", g="g"), _step("differentiate_bias", s1, ctx)]
    return Chain("bias", lhs, steps, ctx, (), "grad.bias")


def _tuple_text(items: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in items)


def _deltas_text(left: Sequence[Any], right: Sequence[Any]) -> str:
    """``δ(c_1, a_1)·δ(c_2, a_2)``."""
    return "·".join(f"δ({ftext(a)}, {ftext(b)})" for a, b in zip(left, right))


def _bounds(values: Sequence[Any], lengths: Sequence[Any]) -> tuple[str, ...]:
    """``0 ≤ e_1 ≤ o_1 − 1``, one per axis."""
    return tuple(f"0 ≤ {ftext(v)} ≤ {ftext(n - 1)}" for v, n in zip(values, lengths))


def _bounds_text(values: Sequence[Any], lengths: Sequence[Any]) -> Joined:
    """``0 ≤ e_1 ≤ o_1 − 1 and 0 ≤ e_2 ≤ o_2 − 1``."""
    return Joined(("general.and", {}), _bounds(values, lengths))


def _base(symbol: Any) -> str:
    """The 1-D name of an axis symbol: ``n_2`` → ``n``."""
    return str(symbol).split("_")[0]


def _element_names(count: int) -> tuple[Any, ...]:
    return (sympy.Symbol("e"),) if count == 1 else tuple(sympy.Symbol(f"e_{r + 1}") for r in range(count))


def lhs_text(expr: Any) -> str:
    """``∂L/∂x[j]`` for Derivative(L, x[j]); the formula otherwise."""
    if isinstance(expr, sympy.Derivative):
        (var, _), = expr.variable_count
        return f"∂{ftext(expr.expr)}/∂{ftext(var)}"
    return ftext(expr)


def full_conv_chain(axes: list[Axis], *, source: str, src_len: Sequence[Any], free: Sequence[Any],
                    ctx: Context, bias: bool, name: str) -> Chain:
    """Right-hand side: crop_p(full correlation of the zero-inserted source with rot180(w), dilated).

    s̃[t] = Σ_i src[i]·δ(t, s·i);  w̃[v] = Σ_a w[k−1−a]·δ(v, d·a), 0 ≤ v ≤ d(k−1);
    F[u] = Σ_v s̃[u − d(k−1) + v]·w̃[v];  the result is F[j + p].
    """
    out_i, taps, taps_v = _col(axes, "i"), _col(axes, "a"), _col(axes, "v")
    free_j = tuple(free)
    spans = tuple(ax.d * (ax.k - 1) for ax in axes)
    tilde = source + "tilde"
    shifted = tuple(j + ax.p - span + v for j, ax, span, v in zip(free_j, axes, spans, taps_v))
    r0 = sympy.Sum(_indexed(tilde, shifted) * _indexed("wtilde", taps_v),
                   *[(v, 0, span) for v, span in reversed(list(zip(taps_v, spans)))])
    if bias:
        r0 = r0 + sympy.Symbol("b")
    limits = (tuple(Limit(v, sympy.Integer(0), span) for v, span in zip(taps_v, spans))
              + _limits(out_i, src_len) + _limits(taps, _col(axes, "k")))
    deltas = (tuple(Delta(v, ax.d * a) for v, ax, a in zip(taps_v, axes, taps))
              + tuple(Delta(sh, ax.s * i) for sh, ax, i in zip(shifted, axes, out_i)))
    r1: Series = (Term(limits=limits, reads=(Read(source, out_i), Read("w", tuple(ax.k - 1 - a for ax, a in zip(axes, taps)))),
                       deltas=deltas),)
    if bias:
        r1 = r1 + (Term(reads=(Read("b", ()),)),)
    r2 = _eliminate_step(r1, taps_v, ctx)
    assert r2.series is not None
    r3_series = r2.series
    for a in taps:
        r3_series = reverse(r3_series, a)
    r3 = _step("reverse", r3_series, ctx,
               maps=", ".join(f"{a} → {ftext(ax.k - 1 - a)}" for a, ax in zip(taps, axes)))
    r4 = _eliminate_step(r3_series, taps, ctx)
    lhs = _indexed("F", tuple(j + ax.p for j, ax in zip(free_j, axes)))
    if bias:
        lhs = lhs + sympy.Symbol("b")
    intro: Any = ("general.def.full_conv", {"src": source, "tilde": tilde, "length": _base(src_len[0]),
                                            "free": _base(free_j[0]),
                                            "per_axis": ("general.per_axis", {}) if len(axes) > 1 else ""})
    steps = [_step("definition_full", None, ctx, r0), _step("expand", r1, ctx, names=f"{tilde}, wtilde"),
             r2, r3, r4]
    return Chain(name, lhs, steps, ctx, free_j, "", intro)


def derive_conv_general(dims: int, bias: bool) -> General:
    """The general convolution: forward, Jacobians, gradients and the three identities."""
    axes = make_axes(dims)
    out_i, taps, free_j = _col(axes, "i"), _col(axes, "a"), _col(axes, "j")
    len_n, len_k, len_o = _col(axes, "n"), _col(axes, "k"), _col(axes, "o")
    ctx_out = _conv_ctx(axes, dict(zip(out_i, len_o)))
    fwd = conv_forward(axes, source="x", out=out_i, tap=taps, bias=bias)
    read = ftext(_tuple_text([ax.s * i + ax.d * a - ax.p for ax, i, a in zip(axes, out_i, taps)]))
    forward = Chain("forward", _indexed("y", out_i), [_step("definition_conv", fwd, ctx_out, read=read)],
                    ctx_out, out_i, "forward")

    # Jacobians: one entry ∂y[i]/∂x[j], ∂y[i]/∂w[a], ∂y[i]/∂b in general
    ctx_jx = _conv_ctx(axes, {**dict(zip(out_i, len_o)), **dict(zip(free_j, len_n))})
    jx = differentiate(fwd, "x", free_j, ctx_jx)
    jac_x = Chain("jacobian.input", sympy.Derivative(_indexed("y", out_i), _indexed("x", free_j)),
                  [_step("differentiate_padded", jx, ctx_jx, t="x", j=_tuple_text(free_j),
                         others="w, b" if bias else "w", deltas=_deltas_text(_element_names(len(free_j)), free_j)),
                   _eliminate_step(jx, taps, ctx_jx)], ctx_jx, out_i + free_j, "jacobian.input")
    ctx_jw = _conv_ctx(axes, {**dict(zip(out_i, len_o)), **dict(zip(taps, len_k))})
    renamed = fwd
    for a, c in zip(taps, _col(axes, "c")):
        renamed = rename_bound(renamed, a, c)
    jw = differentiate(renamed, "w", taps, ctx_jw)
    jac_w = Chain("jacobian.kernel", sympy.Derivative(_indexed("y", out_i), _indexed("w", taps)),
                  [_step("differentiate_renamed", jw, ctx_jw, t="w", old=_tuple_text(taps),
                         new=_tuple_text(_col(axes, "c")), others="xhat, b" if bias else "xhat",
                         deltas=_deltas_text(_col(axes, "c"), taps)),
                   _eliminate_step(jw, _col(axes, "c"), ctx_jw)], ctx_jw, out_i + taps, "jacobian.kernel")
    jacobians = [jac_x, jac_w]

    grad_x = conv_grad_input(axes, bias=bias)
    grad_w = conv_grad_kernel(axes, bias=bias)
    grads = [grad_x, grad_w]
    identities = [
        Identity("grad_input_equals_full_conv_rot180_kernel", ("general.check.full_conv", {}),
                 full_conv_chain(axes, source="g", src_len=len_o, free=free_j, ctx=grad_x.ctx, bias=False,
                                 name="grad_input_equals_full_conv_rot180_kernel"), grad_x),
    ]
    # ∂L/∂w = correlation of the zero-padded input with g (stride d, dilation s)
    kr = (Term(limits=_limits(out_i, len_o),
               reads=(Read("x", tuple(ax.d * a + ax.s * i - ax.p for ax, a, i in zip(axes, taps, out_i)), padded=True),
                      Read("g", out_i))),)
    kchain = Chain("grad_kernel_equals_conv_input_upstream", _indexed("C", taps),
                   [_step("definition_conv_kernel", kr, grad_w.ctx)], grad_w.ctx, taps, "",
                   ("general.def.conv_kernel", {}))
    identities.append(Identity("grad_kernel_equals_conv_input_upstream", ("general.check.conv_kernel", {}),
                               kchain, grad_w))
    if bias:
        jacobians.append(Chain("jacobian.bias", sympy.Derivative(_indexed("y", out_i), sympy.Symbol("b")),
                               [_step("differentiate_bias", differentiate(fwd, "b", (), ctx_out), ctx_out)],
                               ctx_out, out_i, "jacobian.bias"))
        grad_b = _bias_chain(axes, fwd, out_i, len_o, ctx_out)
        grads.append(grad_b)
        bsum = (Term(limits=_limits(out_i, len_o), reads=(Read("g", out_i),)),)
        identities.append(Identity(
            "grad_bias_equals_upstream_sum", ("general.check.bias", {}),
            Chain("grad_bias_equals_upstream_sum", sympy.Symbol("B"),
                  [_step("definition_sum", bsum, ctx_out)], ctx_out, (), "", ("general.def.bias", {})),
            grad_b))
    sizes = {str(ax.o): sympy.floor((ax.n + 2 * ax.p - ax.d * (ax.k - 1) - 1) / ax.s) + 1 for ax in axes}
    return _finish(General("conv", dims, bias, axes, forward, jacobians, grads, identities, sizes))


# -- transposed convolution -----------------------------------------------------------------


def _deconv_grad(key: str, axes: list[Axis], f: Series, free: tuple[Any, ...], lengths: Sequence[Any],
                 first: Sequence[Any], up: Term, rule: str, **params: Any) -> Chain:
    """∂L/∂x[j] (``key`` input) or ∂L/∂w[a] (kernel) of the transposed convolution: the upstream
    times the derivative of ``f`` (step ``rule`` with ``params``), ``first`` then m eliminated,
    the padding absorbed into ĝ."""
    t = params["t"]
    out_m, len_o = _col(axes, "m"), _col(axes, "o")
    ctx = _conv_ctx(axes, dict(zip(free, lengths)))
    d1 = multiply(up, differentiate(f, t, free, ctx))
    d2 = _eliminate_step(d1, first, ctx)
    assert d2.series is not None
    d3 = _eliminate_step(d2.series, out_m, ctx)
    assert d3.series is not None
    d4 = absorb_padding(d3.series, "g", ctx)
    return Chain(key, sympy.Derivative(sympy.Symbol("L"), _indexed(t, free)), [
        _step("chain", None, ctx, _chain_display(t, free, out_m, len_o), t=t, g="g"),
        _step(rule, d1, ctx, **params),
        d2, d3, _step("absorb", d4, ctx, t="g", hat="ghat", bounds=_bounds_text(_element_names(len(len_o)), len_o)),
    ], ctx, free, f"grad.{key}")


def deconv_forward(axes: list[Axis], *, bias: bool) -> Series:
    """y[m] = Σ_i Σ_a x[i]·w[a]·δ(m, s·i + d·a − p) (+ b): every x[i] scatters x[i]·w[a]."""
    out_i, taps, out_m = _col(axes, "i"), _col(axes, "a"), _col(axes, "m")
    terms = [Term(limits=_limits(out_i, _col(axes, "n")) + _limits(taps, _col(axes, "k")),
                  reads=(Read("x", out_i), Read("w", taps)),
                  deltas=tuple(Delta(m, ax.s * i + ax.d * a - ax.p) for m, ax, i, a in zip(out_m, axes, out_i, taps)))]
    if bias:
        terms.append(Term(reads=(Read("b", ()),)))
    return tuple(terms)


def derive_deconv_general(dims: int, bias: bool) -> General:
    """The general transposed convolution: forward, Jacobians, gradients, four identities."""
    axes = make_axes(dims)
    out_i, taps, free_j, out_m, taps_c = (_col(axes, x) for x in "iajmc")
    len_n, len_k, len_o = _col(axes, "n"), _col(axes, "k"), _col(axes, "o")
    ctx_out = _conv_ctx(axes, dict(zip(out_m, len_o)))
    f0 = deconv_forward(axes, bias=bias)
    pos = ftext(_tuple_text([ax.s * i + ax.d * a - ax.p for ax, i, a in zip(axes, out_i, taps)]))
    forward = Chain("forward", _indexed("y", out_m),
                    [_step("definition_deconv", f0, ctx_out, pos=pos, i=_tuple_text(out_i), a=_tuple_text(taps)),
                     _eliminate_step(f0, taps, ctx_out)], ctx_out, out_m, "forward")

    ctx_jx = _conv_ctx(axes, {**dict(zip(out_m, len_o)), **dict(zip(free_j, len_n))})
    jx = differentiate(f0, "x", free_j, ctx_jx)
    jx2 = _eliminate_step(jx, out_i, ctx_jx)
    assert jx2.series is not None
    jac_x = Chain("jacobian.input", sympy.Derivative(_indexed("y", out_m), _indexed("x", free_j)),
                  [_step("differentiate", jx, ctx_jx, t="x", e=_tuple_text(out_i), j=_tuple_text(free_j), others="w, b" if bias else "w",
                         deltas=_deltas_text(out_i, free_j)),
                   jx2, _eliminate_step(jx2.series, taps, ctx_jx)], ctx_jx, out_m + free_j, "jacobian.input")
    ctx_jw = _conv_ctx(axes, {**dict(zip(out_m, len_o)), **dict(zip(taps, len_k))})
    renamed = f0
    for a, c in zip(taps, taps_c):
        renamed = rename_bound(renamed, a, c)
    jw = differentiate(renamed, "w", taps, ctx_jw)
    jw2 = _eliminate_step(jw, taps_c, ctx_jw)
    assert jw2.series is not None
    jac_w = Chain("jacobian.kernel", sympy.Derivative(_indexed("y", out_m), _indexed("w", taps)),
                  [_step("differentiate_renamed", jw, ctx_jw, t="w", old=_tuple_text(taps), new=_tuple_text(taps_c),
                         others="x, b" if bias else "x", deltas=_deltas_text(taps_c, taps)),
                   jw2, _eliminate_step(jw2.series, out_i, ctx_jw)], ctx_jw, out_m + taps, "jacobian.kernel")
    jacobians = [jac_x, jac_w]

    up = Term(limits=_limits(out_m, len_o), reads=(Read("g", out_m),))
    grad_x = _deconv_grad("input", axes, f0, free_j, len_n, out_i, up, "differentiate", t="x", e=_tuple_text(out_i),
                          j=_tuple_text(free_j), others="w, b" if bias else "w", deltas=_deltas_text(out_i, free_j))
    grad_w = _deconv_grad("kernel", axes, renamed, taps, len_k, taps_c, up, "differentiate_renamed", t="w",
                          old=_tuple_text(taps), new=_tuple_text(taps_c), others="x, b" if bias else "x",
                          deltas=_deltas_text(taps_c, taps))
    grads = [grad_x, grad_w]

    identities = [
        Identity("forward_equals_full_conv_rot180_kernel", ("general.check.deconv_full_conv", {}),
                 full_conv_chain(axes, source="x", src_len=len_n, free=out_m, ctx=ctx_out, bias=bias,
                                 name="forward_equals_full_conv_rot180_kernel"), forward),
    ]
    # The convolution with input length o and the same k, s, d, p: its ∂L/∂x, with g := x.
    conv_chain = conv_grad_input(axes, bias=False, upstream="g", up_len=len_n, x_len=len_o, free=free_j)
    conv_closed = substitute(rename_tensor(conv_chain.last, "g", "x"), dict(zip(free_j, out_m)))
    if bias:
        conv_closed = conv_closed + (Term(reads=(Read("b", ()),)),)
    identities.append(Identity(
        "forward_equals_conv_grad_input", ("general.check.deconv_conv_grad", {}),
        Chain("forward_equals_conv_grad_input", _indexed("G", out_m) + (sympy.Symbol("b") if bias else 0),
              [_step("conv_grad_input", conv_closed, ctx_out)], ctx_out, out_m, "",
              ("general.def.conv_grad_input", {})), forward))
    # ∂L/∂x = conv(g, w; stride s, dilation d, padding p)
    gx = conv_forward(axes, source="g", out=free_j, tap=taps, bias=False)
    identities.append(Identity(
        "grad_input_equals_conv_upstream_kernel", ("general.check.deconv_grad_input", {}),
        Chain("grad_input_equals_conv_upstream_kernel", _indexed("C", free_j),
              [_step("definition_conv_upstream", gx, grad_x.ctx)], grad_x.ctx, free_j, "",
              ("general.def.conv_upstream_kernel", {})), grad_x))
    # ∂L/∂w = correlation of the zero-padded g with x (stride d, dilation s)
    gw = (Term(limits=_limits(out_i, len_n),
               reads=(Read("g", tuple(ax.d * a + ax.s * i - ax.p for ax, a, i in zip(axes, taps, out_i)), padded=True),
                      Read("x", out_i))),)
    identities.append(Identity(
        "grad_kernel_equals_conv_upstream_input", ("general.check.deconv_grad_kernel", {}),
        Chain("grad_kernel_equals_conv_upstream_input", _indexed("C", taps),
              [_step("definition_conv_input", gw, grad_w.ctx)], grad_w.ctx, taps, "",
              ("general.def.conv_upstream_input", {})), grad_w))
    if bias:
        jacobians.append(Chain("jacobian.bias", sympy.Derivative(_indexed("y", out_m), sympy.Symbol("b")),
                               [_step("differentiate_bias", differentiate(f0, "b", (), ctx_out), ctx_out)],
                               ctx_out, out_m, "jacobian.bias"))
        grads.append(_bias_chain(axes, f0, out_m, len_o, ctx_out))
    sizes = {str(ax.o): ax.s * (ax.n - 1) - 2 * ax.p + ax.d * (ax.k - 1) + ax.q + 1 for ax in axes}
    return _finish(General("deconv", dims, bias, axes, forward, jacobians, grads, identities, sizes))


def _chain_display(t: str, free: Sequence[Any], out: Sequence[Any], out_len: Sequence[Any]) -> Any:
    return sympy.Sum(_indexed("g", out) * sympy.Derivative(_indexed("y", out), _indexed(t, free)),
                     *[(m, 0, n - 1) for m, n in reversed(list(zip(out, out_len)))])


def _finish(gen: General) -> General:
    """Decide every identity symbolically and collect the closed forms."""
    for idt in gen.identities:
        idt.holds = same(idt.chain.last, idt.closed.last, idt.closed.ctx)
        idt.chain.target = idt.closed.target
    if gen.command == "deconv":
        gen.closed["forward"] = gen.forward.steps[-1].display
    for chain in gen.grads:
        gen.closed[chain.name] = chain.steps[-1].display
    for chain in gen.jacobians:
        gen.jacobian[chain.name.split(".")[1]] = chain.steps[-1].display
    return gen
