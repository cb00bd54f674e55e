"""Hessians of a scalar ``matrix`` objective: a closed matrix form, checked element by element.

For a column vector (or scalar) variable x the Hessian is the Jacobian of the gradient's
closed form g(x), a vector-valued function, taken once more in closed form by rules:

    d(A·x)/dx = A,   d(Aᵀ·u(x))/dx = Aᵀ·du/dx,   d(f(u) ∘ v)/dx = diag(f′(u) ∘ v)·du/dx,
    d(s(x)·v)/dx = v·ds/dx (s a number),   d(uᵀ·c)/dx = cᵀ·du/dx,

so x'Ax gives A + Aᵀ, ‖Xw − y‖² gives 2XᵀX and the logistic loss
Xᵀdiag(σ(Xw) ∘ (1 − σ(Xw)))X. Where a rule is missing (a matrix variable, whose Hessian has
four indices, or a node such as an inverse depending on x) no form is claimed: only the
element-wise table is given.

The element-wise table differentiates the expanded gradient once more (SymPy), entry by
entry; the checks say that the closed form equals it exactly (``hessian_closed_form_matches_
elementwise``) and that it is symmetric (``hessian_is_symmetric``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from gradsym import progress
from gradsym.calculus import derivative
from gradsym.errors import SpecError
from gradsym.layers.expr import budget_check, exact_value, tree_size
from gradsym.layers.matrix_algebra import (
    LC,
    Atom,
    Diag,
    Elem,
    Group,
    Had,
    Ident,
    ScalarOf,
    Sym,
    Term,
    Tr,
    atomize,
    lc_add,
    lc_atom,
    lc_const,
    lc_hadamard,
    lc_mul,
    lc_pow,
    lc_scale,
    lc_text,
    lc_trace,
    lc_transpose,
)
from gradsym.layers.matrix_equivalence import RationalField, equivalent
from gradsym.layers.matrix_points import algebra_name
from gradsym.layers.matrix_values import (
    lc_elements,
)
from gradsym.proofs import Check

Reason = tuple[str, dict[str, Any]]
Slope = Callable[[str, LC], LC]


def _algebra_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[0], 1) if len(shape) == 1 else shape


@dataclass
class HessianForm:
    """∂²J/∂x∂x for one ``--wrt`` name: a closed form (or why none) and the element table."""

    name: str
    lc: LC | None
    reason: Reason
    elements: np.ndarray  # SymPy entries, shape (shape of x) + (shape of x)
    mismatch: str | None = None  # the closed form against the table (None: equal)
    asymmetry: str | None = None  # None: the table equals its transpose
    shape: tuple[int, ...] = field(default_factory=tuple)

    @property
    def expression(self) -> str | None:
        return lc_text(self.lc) if self.lc is not None else None


class NoRule(Exception):
    """A node without a closed-form derivative rule here; ``reason`` is a catalogue key."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.reason: Reason = (key, params)


# ---------------------------------------------------------------------------
# The Jacobian of a closed form (a column or a number) with respect to x


class Jacobian:
    """d(lc)/dx for a column (k×1 → k×n) or a number (→ 1×n); for a scalar x the results
    are k×1 and numbers."""

    def __init__(self, x: Sym, slope: Slope) -> None:
        self.x = x
        self.slope = slope  # f′(u) entry by entry (matrix.slope)
        self.scalar = x.shape == ()
        self.n = 1 if self.scalar else x.shape[0]

    def shape_of(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if shape == ():
            return () if self.scalar else (1, self.n)
        return (shape[0], 1) if self.scalar else (shape[0], self.n)

    def zero(self, shape: tuple[int, ...]) -> LC:
        return LC((), self.shape_of(shape))

    def row(self, lc: LC) -> LC:
        """A 1×1 result read as the derivative of a number."""
        return lc_trace(lc) if self.scalar and lc.shape == (1, 1) else lc

    def depends(self, thing: Any) -> bool:
        if isinstance(thing, LC):
            return any(self.depends(a) for t in thing.terms
                       for a in [*(s for s, _ in t.scalars), *t.mats])
        if isinstance(thing, Sym):
            return thing == self.x
        if isinstance(thing, Group):
            return self.depends(thing.lc)
        if isinstance(thing, Had):
            return self.depends(thing.left) or self.depends(thing.right)
        if isinstance(thing, Elem | ScalarOf | Diag):
            return self.depends(thing.arg)
        if hasattr(thing, "arg"):
            return self.depends(thing.arg)
        return False

    def of(self, lc: LC) -> LC:
        if lc.shape not in ((),) and lc.shape[1] != 1:
            raise NoRule("matrix_hessian.reason_matrix", expression=lc_text(lc))
        parts = [self.term(t, lc.shape) for t in lc.terms if self.depends(LC((t,), lc.shape))]
        return lc_add(*parts) if parts else self.zero(lc.shape)

    def term(self, t: Term, shape: tuple[int, ...]) -> LC:
        parts: list[LC] = []
        product = LC((Term(Fraction(1), (), t.mats),), shape) if t.mats else None
        for i, (atom, e) in enumerate(t.scalars):
            if not self.depends(atom):
                continue
            others = tuple(t.scalars[:i]) + ((atom, e - 1),) + tuple(t.scalars[i + 1:])
            front = LC((Term(t.coef * e, tuple((a, p) for a, p in others if p != 0), ()),), ())
            d = self.number(atom)
            parts.append(lc_mul(front, lc_mul(product, d) if product is not None else d))
        outside = LC((Term(t.coef, t.scalars, ()),), ())
        for i, m in enumerate(t.mats):
            if not self.depends(m):
                continue
            prefix = t.mats[:i]
            rest = t.mats[i + 1:]
            d = self.through(m, rest)
            if prefix:
                d = lc_mul(LC((Term(Fraction(1), (), prefix),), (prefix[0].shape[0],
                                                                   prefix[-1].shape[1])), d)
            parts.append(lc_mul(outside, d))
        return lc_add(*parts) if parts else self.zero(shape)

    def through(self, m: Atom, rest: tuple[Atom, ...]) -> LC:
        """d(m·rest)/dx through m only (rest a product not depending on m's change)."""
        if not rest:
            return self.column(m)
        rest_lc = (rest[0].lc if len(rest) == 1 and isinstance(rest[0], Group) else
                   LC((Term(Fraction(1), (), rest),), (rest[0].shape[0], rest[-1].shape[1])))
        if rest_lc.shape[1] != 1:
            raise NoRule("matrix_hessian.reason_matrix", expression=lc_text(lc_atom(m)))
        if m.shape[1] == 1:  # a column times a 1x1: the number scales dm
            return lc_mul(self.column(m), lc_trace(rest_lc))
        if m.shape[0] == 1:  # a row uᵀ times a column c: cᵀ·du/dx
            return lc_mul(lc_transpose(rest_lc), self.column(_transposed(m)))
        if isinstance(m, Diag):  # diag(u)·c = diag(c)·u
            return lc_mul(lc_atom(Diag(rest_lc)), self.of(m.arg))
        raise NoRule("matrix_hessian.reason_node", expression=lc_text(lc_atom(m)))

    def column(self, m: Atom) -> LC:
        """d(m)/dx for a column atom m (k×1)."""
        if m == self.x:
            return lc_atom(Ident(self.n))
        if isinstance(m, Group):
            return self.of(m.lc)
        if isinstance(m, Tr) and m.shape == (1, 1):  # a 1x1 is its own transpose
            return self.column(m.arg)
        if isinstance(m, Tr) and isinstance(m.arg, Group):
            return self.of(_termwise_transpose(m.arg.lc))
        if isinstance(m, Elem):
            return lc_mul(lc_atom(Diag(_slope(m.func, m.arg, self.slope))), self.of(m.arg))
        if isinstance(m, Had):
            parts = [lc_mul(lc_atom(Diag(other)), self.of(mine))
                     for mine, other in ((m.left, m.right), (m.right, m.left))
                     if self.depends(mine)]
            return lc_add(*parts)
        raise NoRule("matrix_hessian.reason_node", expression=lc_text(lc_atom(m)))

    def number(self, atom: Atom) -> LC:
        """d(atom)/dx for a number: a row 1×n (for a scalar x: a number)."""
        if atom == self.x:
            return lc_const(1)
        if isinstance(atom, Group):
            return self.of(atom.lc)
        if isinstance(atom, ScalarOf):
            arg = atom.arg
            if atom.func in ("trace", "det") and arg.shape in ((), (1, 1)):
                return self.row(self.of(arg))
            if atom.func == "sum" and arg.shape[1] == 1:
                from gradsym.layers.matrix_algebra import Ones

                return self.row(lc_mul(lc_atom(Ones(1, arg.shape[0])), self.of(arg)))
            if atom.func == "norm" and arg.shape[1] == 1:
                scale = lc_pow(lc_atom(atom), Fraction(-1))
                return self.row(lc_mul(scale, lc_mul(lc_transpose(arg), self.of(arg))))
            if arg.shape == () and atom.func != "sign":
                return lc_mul(_slope(atom.func, arg, self.slope), self.of(arg))
        raise NoRule("matrix_hessian.reason_node", expression=lc_text(lc_atom(atom)))


def _transposed(m: Atom) -> Atom:
    if isinstance(m, Tr):
        return m.arg
    return Group(_termwise_transpose(lc_atom(m)))


def _termwise_transpose(lc: LC) -> LC:
    """(a + b)ᵀ = aᵀ + bᵀ, term by term."""
    shape = lc.shape[::-1]
    parts = [lc_transpose(LC((t,), lc.shape)) for t in lc.terms]
    return lc_add(*parts) if parts else LC((), shape)


def _slope(func: str, arg: LC, slope: Slope) -> LC:
    if func == "recip":  # (1/u)′ = −1/u² entry by entry
        if arg.shape == ():
            return lc_scale(lc_pow(arg, Fraction(-2)), -1)
        r = lc_atom(Elem("recip", arg))
        return lc_scale(lc_hadamard(r, r), -1)
    if func == "sign":
        raise NoRule("matrix_hessian.reason_node", expression=f"sign({lc_text(arg)})")
    return slope(func, arg)


# ---------------------------------------------------------------------------
# The hessians of a derivation


def closed_hessian(name: str, gradient: LC | None, x: Sym, declared_shape: tuple[int, ...],
                   slope: Slope) -> tuple[LC | None, Reason]:
    """The closed form of ∂²J/∂x², or (None, why)."""
    if gradient is None:
        return None, ("matrix_hessian.reason_gradient", {"name": name})
    if len(declared_shape) == 2 and declared_shape[1] != 1:
        return None, ("matrix_hessian.reason_tensor",
                      {"name": name, "shape": "x".join(map(str, declared_shape))})
    try:
        hessian = Jacobian(x, slope).of(gradient)
    except NoRule as exc:
        return None, exc.reason
    return (_tidy_1x1(hessian) if hessian.shape == (1, 1) else hessian), ("", {})


def _traced_1x1(a: Atom) -> Sym | None:
    """X when ``a`` is tr(X) of a 1x1 matrix symbol X, else None."""
    if not (isinstance(a, ScalarOf) and a.func == "trace" and len(a.arg.terms) == 1):
        return None
    term = a.arg.terms[0]
    if term.coef != 1 or term.scalars or len(term.mats) != 1:
        return None
    sym = term.mats[0]
    return sym if isinstance(sym, Sym) and sym.shape == (1, 1) else None


def _tidy_1x1(lc: LC) -> LC:
    """For 1x1 matrices: Xᵀ = X and tr(X)·I₁ = X, so ``4*x*(Trace(x)*Identity(1) + x.T)``
    reads ``8*x*x`` (the same matrix; the element-wise check compares either)."""

    def atom(a: Atom) -> Atom:
        if isinstance(a, Tr) and isinstance(a.arg, Sym) and a.arg.shape == (1, 1):
            return a.arg
        if isinstance(a, Group) and a.lc.shape == (1, 1):
            return atomize(_tidy_1x1(a.lc))
        return a

    out = []
    for t in lc.terms:
        mats = tuple(atom(m) for m in t.mats)
        scalars = list(t.scalars)
        traced = [(i, _traced_1x1(a)) for i, (a, e) in enumerate(scalars) if e == 1]
        found = next(((i, sym) for i, sym in traced if sym is not None), None)
        if found is not None and all(isinstance(m, Ident) for m in mats):
            scalars.pop(found[0])
            mats = (found[1],)
        out.append(LC((Term(t.coef, tuple(scalars), mats),), lc.shape))
    return lc_add(*out) if out else lc


def attach_hessians(d: Any, max_terms: int | None, slope: Slope) -> None:
    """Set ``d.hessians`` and add the two checks (``d`` a MatrixDerivation, scalar J;
    ``slope`` gives f′ of the element-wise functions, as the gradients use it)."""
    if not d.scalar:
        shape = "x".join(map(str, d.forward_elems.shape))
        raise SpecError("matrix.hessian_scalar", shape=shape)
    if d.points:
        raise SpecError("matrix.hessian_large")
    grads = d.gradient_elems
    size = sum(math.prod(d.declared[n].shape) for n in d.wrt)
    budget_check(float(tree_size(_flat(grads))) * max(size, 1), max_terms, "the Hessian")
    field_ = RationalField(d.table.symbols())
    env = {algebra_name(n, x): (sympy.Matrix(d.arrays[n].reshape(_algebra_shape(x.shape))
                                             .tolist()) if x.shape else d.arrays[n][()])
           for n, x in d.declared.items()}
    out: dict[str, HessianForm] = {}
    for name in d.wrt:
        x = d.declared[name]
        symbols = d.arrays[name].reshape(-1)
        g = grads[name].reshape(-1)
        table = np.empty((g.size, symbols.size), dtype=object)
        for i, gi in enumerate(g):
            progress.report("Hessian: entry by entry", i, g.size)
            for j, sj in enumerate(symbols):
                # sign′ = 0 away from the kink (SymPy's 2·δ(z) lives only at z = 0), as the
                # first derivatives take |z|′ = sign(z) with 0 at 0
                table[i, j] = derivative(gi, sj)
        twice = tuple(x.shape) * 2
        lc, reason = closed_hessian(name, d.forms[name].lc,
                                    Sym(algebra_name(name, x), _algebra_shape(x.shape)),
                                    tuple(x.shape), slope)
        form = HessianForm(name, lc, reason, table.reshape(twice), shape=twice)
        if lc is not None:
            form.mismatch = _compare(lc, table, env, symbols, field_)
        form.asymmetry = _asymmetry(table, symbols, field_)
        out[name] = form
    d.hessians = out
    closed = [n for n, f in out.items() if f.lc is not None]
    if closed:
        d.checks.append(_check(
            "hessian_closed_form_matches_elementwise", closed,
            "equals, entry by entry, the second derivatives of J expanded into element symbols",
            {n: out[n].mismatch for n in closed}))
    d.checks.append(_check(
        "hessian_is_symmetric", list(out),
        "equals its transpose: ∂²J/∂xᵢ∂xⱼ = ∂²J/∂xⱼ∂xᵢ",
        {n: f.asymmetry for n, f in out.items()}))


def _check(name: str, names: list[str], claim: str, problems: dict[str, str | None]) -> Check:
    """A check over the Hessians of ``names``: it holds when none has a problem."""
    failed = [n for n in names if problems[n] is not None]
    which = ", ".join(f"∂²J/∂{n}²" for n in names)
    return Check(name, f"each Hessian ({which}) {claim}", not failed,
                 f"∂²J/∂{failed[0]}²: {problems[failed[0]]}" if failed else None)


def _flat(grads: dict[str, np.ndarray]) -> np.ndarray:
    parts = [g.reshape(-1) for g in grads.values()]
    return np.concatenate(parts) if parts else np.array([], dtype=object)


def _compare(lc: LC, table: np.ndarray, env: dict[str, Any], symbols: np.ndarray,
             field_: RationalField) -> str | None:
    from sympy.matrices.utilities import dotprodsimp

    with dotprodsimp(False):
        closed = lc_elements(lc, env)
    flat = list(closed) if isinstance(closed, sympy.MatrixBase) else [closed]
    if len(flat) != table.size:  # pragma: no cover - shapes agree by construction
        return f"{len(flat)} entries, expected {table.size}"
    n = symbols.size
    for k, (got, want) in enumerate(zip(flat, table.reshape(-1))):
        if not equivalent(got, want, field_):
            i, j = divmod(k, n)
            return (f"the entry for ({symbols[i]}, {symbols[j]}) is {got}, but the second "
                    f"derivative is {want}")
    return None


def _asymmetry(table: np.ndarray, symbols: np.ndarray, field_: RationalField) -> str | None:
    n = symbols.size
    for i in range(n):
        for j in range(i + 1, n):
            if not equivalent(table[i, j], table[j, i], field_):
                return (f"∂²J/∂{symbols[i]}∂{symbols[j]} = {table[i, j]} but "
                        f"∂²J/∂{symbols[j]}∂{symbols[i]} = {table[j, i]}")
    return None


def hessian_values(d: Any, name: str) -> np.ndarray | None:
    """The exact Hessian at the ``--at`` values (None without values)."""
    ev = d.numeric
    if ev is None:
        return None
    subs: dict[Any, Any] = {}
    for var, arr in ev.values.items():
        for sym, v in zip(d.arrays[var].reshape(-1), np.asarray(arr, dtype=object).reshape(-1)):
            subs[sym] = (sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction)
                         else sympy.sympify(v))
    table = d.hessians[name].elements
    out = np.empty(table.shape, dtype=object)
    for index in np.ndindex(*table.shape):
        out[index] = exact_value(table[index], subs)
    return out

