"""Matrix calculus in closed matrix form, by seed 001's method, checked element by element.

    gradsym matrix "(X*w - y).T*(X*w - y)" --shape X=3x2 --shape w=2x1 --shape y=3x1 \\
        --wrt X --wrt w --wrt y

gives ∂J/∂X = 2*(X*w - y)*w.T, ∂J/∂w = 2*X.T*(X*w - y), ∂J/∂y = -2*(X*w - y). Here ``*`` and
``@`` both mean the matrix product (as in SymPy and the seed).

How it works:

1. The expression is parsed safely (:mod:`gradsym.exprparse`) and *elaborated*: shapes are
   checked, and a 1x1 matrix used as a number is wrapped in ``trace(...)`` (its value).
2. Closed forms come from reverse-mode matrix differentials on a small algebra of matrix
   expressions (:class:`LC`, linear combinations of products): for C = A·B, Ā += C̄·Bᵀ and
   B̄ += Aᵀ·C̄; for tr(A), Ā += tr̄·I; for det(A), Ā += det̄·det(A)·A⁻ᵀ; for A⁻¹,
   Ā += −A⁻ᵀ·C̄·A⁻ᵀ; … Equal sub-expressions share one adjoint, so (Xw − y) + (Xw − y)
   collects into 2(Xw − y): the result stays factored.
3. The seed's dimension-consistency steps are shown: the scalar rule (every matrix a number),
   then the closed form whose shapes agree.
4. Every closed form is verified (``closed_form_matches_elementwise``): the expression is
   expanded into element symbols (``X_1_1`` …), differentiated element by element, and each
   entry compared with the closed form evaluated on the same symbols — by equivalence, not by
   text. SymPy's ``MatrixSymbol.diff`` is not used (it gives 4-D arrays for 1x1 objectives and
   0 for ``log(det(A))``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Union

import numpy as np
import sympy

from gradsym import progress
from gradsym.errors import ExpressionError, SpecError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose, names_in, parse, to_text
from gradsym.layers.expr import (
    Declared,
    DualScalars,
    ExpressionDerivation,
    SympyScalars,
    TreeEvaluator,
    _map,
    _total,
    adjugate,
    at_items,
    axis_literal,
    budget_check,
    check_arity,
    check_defined,
    common_setup,
    declare,
    differentiate,
    make_tensors,
    obj,
    parse_wrt,
    permutation_det,
    renamed_json,
    shape_text,
    shapes_line,
    symbol_arrays,
    value_grids,
)
from gradsym.proofs import Check

MATRIX_FUNCTIONS: dict[str, tuple[int, int]] = {
    "trace": (1, 1),
    "tr": (1, 1),
    "Trace": (1, 1),
    "det": (1, 1),
    "Determinant": (1, 1),
    "inv": (1, 1),
    "Inverse": (1, 1),
    "norm": (1, 1),
    "hadamard": (2, 2),
    "HadamardProduct": (2, 2),
    "sum": (1, 1),
    "log": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tanh": (1, 1),
    "sigmoid": (1, 1),
    "abs": (1, 1),
    "Abs": (1, 1),
}
"""Functions a ``matrix`` expression may call (SymPy's spellings are accepted too)."""

ALIASES = {
    "tr": "trace", "Trace": "trace", "Determinant": "det", "Inverse": "inv",
    "HadamardProduct": "hadamard", "Abs": "abs",
}
SCALAR_FUNCTIONS = ("log", "exp", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs")
MAX_MATRIX_POWER = 12

Shape = tuple[int, ...]
Reason = tuple[str, dict[str, Any]]


# ---------------------------------------------------------------------------
# 1. Elaboration: shapes, and 1x1 matrices used as numbers


def _coerce(node: Node, shape: Shape) -> Node | None:
    """``node`` as a scalar: itself, or trace(node) for a 1x1 matrix; None otherwise."""
    if shape == ():
        return node
    if shape == (1, 1):
        return Call("trace", (node,))
    return None


def _fail(node: Node, message: str) -> ExpressionError:
    return ExpressionError(f"cannot evaluate {to_text(node)!r}: {message}")


def elaborate(node: Node, shapes: Mapping[str, Shape]) -> tuple[Node, dict[Node, Shape]]:
    """Check shapes and make the tree explicit: ``@`` → ``*``, aliases → canonical names,
    ``A**-1`` → ``inv(A)``, 1x1 matrices used as numbers → ``trace(...)``.

    Returns the explicit tree and the shape of every sub-tree (``()`` for a scalar).
    """
    table: dict[Node, Shape] = {}

    def done(n: Node, shape: Shape) -> tuple[Node, Shape]:
        table[n] = shape
        return n, shape

    def scalar(n: Node, shape: Shape, whole: Node, role: str) -> Node:
        coerced = _coerce(n, shape)
        if coerced is None:
            raise _fail(whole, f"{role} must be a number (a scalar or 1x1), but "
                        f"{to_text(n)!r} is {shape_text(shape)}")
        if coerced is not n:
            table[coerced] = ()
        return coerced

    def walk(n: Node) -> tuple[Node, Shape]:
        if isinstance(n, Num):
            return done(n, ())
        if isinstance(n, Name):
            return done(n, shapes[n.id])
        if isinstance(n, Neg):
            a, sa = walk(n.operand)
            return done(Neg(a), sa)
        if isinstance(n, Transpose):
            a, sa = walk(n.operand)
            return (a, sa) if sa == () else done(Transpose(a), (sa[1], sa[0]))
        if isinstance(n, BinOp):
            return binop(n)
        assert isinstance(n, Call)
        return call(n)

    def binop(n: BinOp) -> tuple[Node, Shape]:
        a, sa = walk(n.left)
        b, sb = walk(n.right)
        if n.op in ("+", "-"):
            if sa != sb:
                ca, cb = _coerce(a, sa), _coerce(b, sb)
                if ca is None or cb is None or (sa != () and sb != ()):
                    raise _fail(n, f"cannot {'add' if n.op == '+' else 'subtract'} "
                                f"{shape_text(sa)} and {shape_text(sb)} (shapes must be equal)")
                a, b = scalar(a, sa, n, "each term"), scalar(b, sb, n, "each term")
                sa = sb = ()
            return done(BinOp(n.op, a, b), sa)
        if n.op in ("*", "@"):
            if sa == () or sb == ():
                return done(BinOp("*", a, b), sb if sa == () else sa)
            if sa[1] == sb[0]:
                return done(BinOp("*", a, b), (sa[0], sb[1]))
            if sa == (1, 1) or sb == (1, 1):
                if sa == (1, 1):
                    a = scalar(a, sa, n, "the factor")
                    return done(BinOp("*", a, b), sb)
                b = scalar(b, sb, n, "the factor")
                return done(BinOp("*", a, b), sa)
            raise _fail(n, f"cannot multiply {shape_text(sa)} by {shape_text(sb)}: the columns "
                        f"of the left ({sa[1]}) must equal the rows of the right ({sb[0]})")
        if n.op == "/":
            b = scalar(b, sb, n, "the divisor")
            return done(BinOp("/", a, b), sa)
        # power
        if sa == () or (sa == (1, 1) and axis_literal(b) is None):
            a = scalar(a, sa, n, "the base")
            b = scalar(b, sb, n, "the exponent")
            return done(BinOp("**", a, b), ())
        k = axis_literal(b)
        if k is None:
            raise _fail(n, f"a matrix power needs a whole-number exponent, got {to_text(b)!r}")
        if sa[0] != sa[1]:
            raise _fail(n, f"only a square matrix has powers, but {to_text(a)!r} is "
                        f"{shape_text(sa)}")
        if abs(k) > MAX_MATRIX_POWER:
            raise _fail(n, f"matrix powers are limited to ±{MAX_MATRIX_POWER}, got {k}")
        if k == 1:
            return a, sa
        if k == -1:
            return done(Call("inv", (a,)), sa)
        return done(BinOp("**", a, Num(Fraction(k))), sa)

    def call(n: Call) -> tuple[Node, Shape]:
        check_arity(n, MATRIX_FUNCTIONS)
        func = ALIASES.get(n.func, n.func)
        a, sa = walk(n.args[0])
        if func == "hadamard":
            b, sb = walk(n.args[1])
            if sa == () or sb == ():
                return done(BinOp("*", a, b), sb if sa == () else sa)
            if sa != sb:
                raise _fail(n, f"a Hadamard product needs equal shapes, got {shape_text(sa)} "
                            f"and {shape_text(sb)}")
            return done(Call("hadamard", (a, b)), sa)
        if func in ("trace", "det", "inv"):
            if sa == ():
                if func == "inv":
                    return done(BinOp("/", Num(Fraction(1)), a), ())
                return a, ()
            if sa[0] != sa[1]:
                raise _fail(n, f"{func} needs a square matrix, but {to_text(a)!r} is "
                            f"{shape_text(sa)}")
            return done(Call(func, (a,)), sa if func == "inv" else ())
        if func == "sum":
            return (a, ()) if sa == () else done(Call("sum", (a,)), ())
        if func == "norm":
            return done(Call("norm", (a,)), ())
        # scalar functions: of a number (a 1x1 counts), or element by element of a matrix
        if sa in ((), (1, 1)):
            return done(Call(func, (scalar(a, sa, n, "the argument"),)), ())
        return done(Call(func, (a,)), sa)

    root, shape = walk(node)
    return root, table


# ---------------------------------------------------------------------------
# 2. Element-wise evaluation (SymPy symbols, or dual numbers) of an explicit tree


class MatrixEvaluator(TreeEvaluator):
    """Evaluate an elaborated tree on object arrays: scalars 0-d, matrices 2-D (``*`` of two
    matrices is the matrix product)."""

    def __init__(self, scalars: Any) -> None:
        super().__init__(scalars, SCALAR_FUNCTIONS)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if node.op == "*":
            return obj(np.matmul(left, right) if left.ndim == 2 and right.ndim == 2 else left * right)
        if left.ndim == 0:
            return obj(np.power(left, right))
        k = int(node.right.value) if isinstance(node.right, Num) else 0
        base = left if k > 0 else self.s.inv(left)
        out = base
        for _ in range(abs(k) - 1):
            out = np.matmul(out, base)
        return obj(out)

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        s = self.s
        if node.func == "trace":
            return obj(_total(np.diagonal(x)))
        if node.func == "det":
            return obj(s.det(x))
        if node.func == "inv":
            return obj(s.inv(x))
        if node.func == "sum":
            return obj(_total(x))
        if node.func == "norm":
            return obj(s.sqrt(_total(x * x)))
        if node.func == "hadamard":
            return obj(x * self._eval(node.args[1], env))
        return obj(self._elementwise[node.func](x))


# ---------------------------------------------------------------------------
# 3. The closed-form algebra: linear combinations of products of matrix atoms


@dataclass(frozen=True)
class Sym:
    """A declared name: a matrix, or a scalar (``shape == ()``)."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Tr:
    """Transpose of a name or a parenthesised sum."""

    arg: Atom

    @property
    def shape(self) -> Shape:
        return self.arg.shape[::-1]


@dataclass(frozen=True)
class Ident:
    n: int

    @property
    def shape(self) -> Shape:
        return (self.n, self.n)


@dataclass(frozen=True)
class Ones:
    rows: int
    cols: int

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)


@dataclass(frozen=True)
class Inv:
    arg: Atom

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class MatPow:
    arg: Atom
    k: int

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True)
class Had:
    left: LC
    right: LC

    @property
    def shape(self) -> Shape:
        return self.left.shape


@dataclass(frozen=True)
class ScalarOf:
    """A scalar function of a matrix or scalar: trace, det, norm (Frobenius), sum; or a
    scalar function (exp, log, …, sign) of a scalar."""

    func: str
    arg: LC

    @property
    def shape(self) -> Shape:
        return ()


@dataclass(frozen=True)
class Group:
    """A linear combination used as one factor: printed in parentheses."""

    lc: LC

    @property
    def shape(self) -> Shape:
        return self.lc.shape


Atom = Union[Sym, Tr, Ident, Ones, Inv, MatPow, Had, ScalarOf, Group]  # noqa: UP007


@dataclass(frozen=True)
class Term:
    """coef · Π scalarᵉ · (matrix product of ``mats``, left to right)."""

    coef: Fraction
    scalars: tuple[tuple[Atom, Fraction], ...]
    mats: tuple[Atom, ...]


@dataclass(frozen=True)
class LC:
    """A sum of terms of one shape; terms are kept sorted so equal sums compare equal."""

    terms: tuple[Term, ...]
    shape: Shape


def lc_const(value: Fraction | int, shape: Shape = ()) -> LC:
    return LC((Term(Fraction(value), (), ()),) if value else (), shape)


def lc_atom(atom: Atom) -> LC:
    if atom.shape == ():
        return LC((Term(Fraction(1), ((atom, Fraction(1)),), ()),), ())
    return LC((Term(Fraction(1), (), (atom,)),), atom.shape)


def atomize(lc: LC) -> Atom:
    """One atom for ``lc``: itself when it is a bare atom, else a :class:`Group`."""
    if len(lc.terms) == 1:
        t = lc.terms[0]
        if t.coef == 1 and not t.scalars and len(t.mats) == 1:
            return t.mats[0]
        if t.coef == 1 and not t.mats and len(t.scalars) == 1 and t.scalars[0][1] == 1:
            return t.scalars[0][0]
    return Group(lc)


def _sorted_terms(terms: Sequence[Term]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=_term_key))


def _term_key(t: Term) -> str:
    return _factors_text(Term(Fraction(1), t.scalars, t.mats))


def lc_add(*lcs: LC) -> LC:
    shape = lcs[0].shape
    coefs: dict[tuple[Any, Any], Fraction] = {}
    for lc in lcs:
        if lc.shape != shape:  # pragma: no cover - the elaboration guarantees equal shapes
            raise ValueError(f"adding {shape} and {lc.shape}")
        for t in lc.terms:
            key = (t.scalars, t.mats)
            coefs[key] = coefs.get(key, Fraction(0)) + t.coef
    terms = [Term(c, s, m) for (s, m), c in coefs.items() if c != 0]
    return LC(_sorted_terms(terms), shape)


def lc_scale(lc: LC, c: Fraction | int) -> LC:
    if c == 0:
        return LC((), lc.shape)
    return LC(tuple(Term(t.coef * c, t.scalars, t.mats) for t in lc.terms), lc.shape)


def _as_term(lc: LC) -> Term | None:
    if not lc.terms:
        return None
    if len(lc.terms) == 1:
        return lc.terms[0]
    group = Group(lc)
    if lc.shape == ():
        return Term(Fraction(1), ((group, Fraction(1)),), ())
    return Term(Fraction(1), (), (group,))


def _merge_scalars(
    a: Sequence[tuple[Atom, Fraction]], b: Sequence[tuple[Atom, Fraction]]
) -> tuple[tuple[Atom, Fraction], ...]:
    powers: dict[Atom, Fraction] = {}
    for atom, e in [*a, *b]:
        powers[atom] = powers.get(atom, Fraction(0)) + e
    return tuple(sorted(((x, e) for x, e in powers.items() if e != 0),
                        key=lambda p: _atom_text(p[0])))


def _base_power(atom: Atom) -> tuple[Atom, int]:
    """``A`` → (A, 1); ``A**k`` → (A, k); ``A**(-1)`` → (A, -1); ``A**(-k)`` → (A, -k)."""
    if isinstance(atom, MatPow):
        base, k = _base_power(atom.arg)
        return base, k * atom.k
    if isinstance(atom, Inv):
        return atom.arg, -1
    return atom, 1


def _from_base_power(base: Atom, k: int) -> Atom:
    if k == 1:
        return base
    if k == -1:
        return Inv(base)
    return MatPow(base, k) if k > 0 else MatPow(Inv(base), -k)


def _clean(mats: Sequence[Atom]) -> tuple[Atom, ...]:
    """Simplify a product: drop identities, merge equal neighbours into powers
    (A·A = A², A⁻¹·A = I)."""
    merged: list[tuple[Atom, int]] = []
    for m in mats:
        if isinstance(m, Ident):
            continue
        base, k = _base_power(m)
        if merged and merged[-1][0] == base:
            k += merged.pop()[1]
            if k == 0:
                continue
        merged.append((base, k))
    if not merged:
        n = mats[0].shape[0] if mats else 1
        return (Ident(n),) if mats else ()
    return tuple(_from_base_power(b, k) for b, k in merged)


def lc_mul(a: LC, b: LC) -> LC:
    if a.shape == ():
        shape = b.shape
    elif b.shape == ():
        shape = a.shape
    else:
        assert a.shape[1] == b.shape[0], (a.shape, b.shape)
        shape = (a.shape[0], b.shape[1])
    ta, tb = _as_term(a), _as_term(b)
    if ta is None or tb is None:
        return LC((), shape)
    term = Term(ta.coef * tb.coef, _merge_scalars(ta.scalars, tb.scalars),
                _clean(ta.mats + tb.mats))
    return LC((term,), shape)


def lc_pow(lc: LC, e: Fraction) -> LC:
    """A scalar to a numeric power."""
    if e == 1:
        return lc
    t = _as_term(lc)
    if t is None:
        if e < 0:
            raise ExpressionError("the expression divides by zero")
        return lc_const(0) if e > 0 else lc_const(1)
    if not t.mats and e.denominator == 1:
        if t.coef == 0 and e < 0:  # pragma: no cover - zero terms are never stored
            raise ExpressionError("the expression divides by zero")
        return LC((Term(t.coef ** int(e), tuple((x, p * e) for x, p in t.scalars), ()),), ())
    atom = atomize(lc)
    return LC((Term(Fraction(1), ((atom, e),), ()),), ())


def tp(atom: Atom) -> Atom:
    """The transpose of one atom, pushed inwards where that keeps the form simple."""
    if atom.shape == ():
        return atom
    if isinstance(atom, Tr):
        return atom.arg
    if isinstance(atom, Ident):
        return atom
    if isinstance(atom, Ones):
        return Ones(atom.cols, atom.rows)
    if isinstance(atom, Inv):
        return Inv(tp(atom.arg))
    if isinstance(atom, MatPow):
        return MatPow(tp(atom.arg), atom.k)
    if isinstance(atom, Had):
        return Had(lc_transpose(atom.left), lc_transpose(atom.right))
    if isinstance(atom, Group) and len(atom.lc.terms) == 1:
        return atomize(lc_transpose(atom.lc))
    return Tr(atom)


def lc_transpose(lc: LC) -> LC:
    """Transpose: term by term for a single product; a sum stays ``(…).T``."""
    if lc.shape == ():
        return lc
    shape = (lc.shape[1], lc.shape[0])
    if len(lc.terms) > 1:
        return LC((Term(Fraction(1), (), (Tr(Group(lc)),)),), shape)
    return LC(tuple(Term(t.coef, t.scalars, tuple(tp(m) for m in reversed(t.mats)))
                    for t in lc.terms), shape)


def lc_trace(lc: LC) -> LC:
    """tr(·) of a square matrix (of a scalar: itself)."""
    if lc.shape == ():
        return lc
    parts: list[LC] = []
    for t in lc.terms:
        outside = LC((Term(t.coef, t.scalars, ()),), ())
        mats = t.mats
        if len(mats) == 1 and isinstance(mats[0], Ident):
            parts.append(lc_scale(outside, mats[0].n))
            continue
        if len(mats) == 1 and isinstance(mats[0], Tr):  # tr(Aᵀ) = tr(A)
            mats = (mats[0].arg,)
        inner = LC((Term(Fraction(1), (), mats),), lc.shape)
        parts.append(lc_mul(outside, lc_atom(ScalarOf("trace", inner))))
    return lc_add(*parts) if parts else lc_const(0)


def inner(g: LC, r: LC) -> LC:
    """Σᵢⱼ Gᵢⱼ·Rᵢⱼ = tr(Gᵀ·R)."""
    return lc_trace(lc_mul(lc_transpose(g), r))


def lc_identity(shape: Shape) -> LC:
    return lc_const(1) if shape == () else lc_atom(Ident(shape[0]))


# -- printing (SymPy syntax) --------------------------------------------------


@lru_cache(maxsize=100_000)
def _atom_text(atom: Atom) -> str:
    if isinstance(atom, Sym):
        return atom.name
    if isinstance(atom, Tr):
        return f"{_base_text(atom.arg)}.T"
    if isinstance(atom, Ident):
        return f"Identity({atom.n})"
    if isinstance(atom, Ones):
        return f"OneMatrix({atom.rows}, {atom.cols})"
    if isinstance(atom, Inv):
        return f"{_base_text(atom.arg)}**(-1)"
    if isinstance(atom, MatPow):
        if isinstance(atom.arg, Inv):
            return f"{_base_text(atom.arg.arg)}**(-{atom.k})"
        return f"{_base_text(atom.arg)}**{atom.k}"
    if isinstance(atom, Had):
        return f"HadamardProduct({lc_text(atom.left)}, {lc_text(atom.right)})"
    if isinstance(atom, Group):
        return f"({lc_text(atom.lc)})"
    assert isinstance(atom, ScalarOf)
    return _scalar_text(atom)


def _base_text(atom: Atom) -> str:
    """An atom as the base of ``.T`` or ``**``: parenthesised unless it is a name."""
    text = _atom_text(atom)
    if isinstance(atom, Sym | Group) or (isinstance(atom, Tr) and isinstance(atom.arg, Sym)):
        return text
    return f"({text})"


def _scalar_text(atom: ScalarOf) -> str:
    arg = lc_text(atom.arg)
    if atom.func == "trace":
        return f"Trace({arg})"
    if atom.func == "det":
        return f"Determinant({arg})"
    if atom.func == "sum":
        rows, cols = atom.arg.shape
        return f"Trace(OneMatrix({cols}, {rows})*{_factor_text(atomize(atom.arg))})"
    if atom.func == "norm":
        a = atomize(atom.arg)
        return f"sqrt(Trace({_factor_text(tp(a))}*{_factor_text(a)}))"
    if atom.func == "abs":
        return f"Abs({arg})"
    if atom.func == "sigmoid":
        inside = _factor_text(atomize(atom.arg))
        return f"1/(1 + exp(-{inside}))"
    return f"{atom.func}({arg})"


def _factor_text(atom: Atom) -> str:
    text = _atom_text(atom)
    if isinstance(atom, ScalarOf) and atom.func == "sigmoid":
        return f"({text})"
    return text


def _power_text(atom: Atom, e: Fraction) -> str:
    base = _factor_text(atom)
    if e == 1:
        return base
    if not isinstance(atom, Sym | Group) and not (
        isinstance(atom, ScalarOf) and atom.func != "sigmoid"
    ):
        base = f"({base})"
    exponent = str(e.numerator) if e.denominator == 1 and e > 0 else f"({e})"
    return f"{base}**{exponent}"


def _factors_text(t: Term) -> str:
    """The product of a term (coefficient included), unsigned."""
    c = abs(t.coef)
    numer = [_power_text(a, e) for a, e in t.scalars if e > 0]
    numer += [_factor_text(m) for m in t.mats]
    denom = [_power_text(a, -e) for a, e in t.scalars if e < 0]
    if c.numerator != 1 or not numer:
        numer.insert(0, str(c.numerator))
    if c.denominator != 1:
        denom.insert(0, str(c.denominator))
    text = "*".join(numer)
    if denom:
        text += "/" + (denom[0] if len(denom) == 1 else "(" + "*".join(denom) + ")")
    return text


def lc_text(lc: LC) -> str:
    """SymPy syntax: ``2*(X*w - y)*w.T``."""
    if not lc.terms:
        return "0" if lc.shape == () else f"ZeroMatrix({lc.shape[0]}, {lc.shape[1]})"
    terms = list(lc.terms)
    first = next((i for i, t in enumerate(terms) if t.coef > 0), 0)
    terms = terms[first:] + terms[:first]
    out = ""
    for i, t in enumerate(terms):
        body = _factors_text(t)
        if i == 0:
            out = body if t.coef > 0 else f"-{body}"
        else:
            out += f" + {body}" if t.coef > 0 else f" - {body}"
    return out


# -- evaluation of closed forms on element symbols ------------------------------------


def lc_elements(lc: LC, env: Mapping[str, Any]) -> Any:
    """The closed form evaluated on element symbols: a SymPy Matrix or scalar."""
    if not lc.terms:
        return sympy.zeros(*lc.shape) if lc.shape else sympy.Integer(0)
    total: Any = None
    for t in lc.terms:
        value: Any = sympy.Rational(t.coef.numerator, t.coef.denominator)
        for atom, e in t.scalars:
            value = value * _scalar_value(atom_elements(atom, env)) ** sympy.Rational(
                e.numerator, e.denominator)
        product: Any = None
        for m in t.mats:
            mv = atom_elements(m, env)
            product = mv if product is None else product * mv
        value = value if product is None else value * product
        total = value if total is None else total + value
    return total


def _scalar_value(v: Any) -> Any:
    return v[0, 0] if isinstance(v, sympy.MatrixBase) else v


def atom_elements(atom: Atom, env: Mapping[str, Any]) -> Any:
    if isinstance(atom, Sym):
        return env[atom.name]
    if isinstance(atom, Tr):
        return atom_elements(atom.arg, env).T
    if isinstance(atom, Ident):
        return sympy.eye(atom.n)
    if isinstance(atom, Ones):
        return sympy.ones(atom.rows, atom.cols)
    if isinstance(atom, Inv):
        rows = atom_elements(atom.arg, env).tolist()
        det = permutation_det(rows)
        return sympy.Matrix([[c / det for c in row] for row in adjugate(rows)])
    if isinstance(atom, MatPow):
        return atom_elements(atom.arg, env) ** atom.k
    if isinstance(atom, Had):
        return lc_elements(atom.left, env).multiply_elementwise(lc_elements(atom.right, env))
    if isinstance(atom, Group):
        return lc_elements(atom.lc, env)
    assert isinstance(atom, ScalarOf)
    v = lc_elements(atom.arg, env)
    if atom.func == "trace":
        return v.trace() if isinstance(v, sympy.MatrixBase) else v
    if atom.func == "det":
        return permutation_det(v.tolist())
    if atom.func == "sum":
        return sum(v, sympy.Integer(0))
    if atom.func == "norm":
        return sympy.sqrt(sum((e**2 for e in v), sympy.Integer(0)))
    v = _scalar_value(v)
    return {
        "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
        "cos": sympy.cos, "tanh": sympy.tanh, "abs": sympy.Abs, "sign": sympy.sign,
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    }[atom.func](v)


# -- the commutative "scalar rule" reading ----------------------------------------------


def _scalar_symbol(name: str) -> Any:
    return sympy.Symbol(name, real=True)


def lc_scalar(lc: LC) -> Any:
    """Read a closed form as if every matrix were a number (transposes dropped)."""
    total: Any = sympy.Integer(0)
    for t in lc.terms:
        value: Any = sympy.Rational(t.coef.numerator, t.coef.denominator)
        for atom, e in t.scalars:
            value *= atom_scalar(atom) ** sympy.Rational(e.numerator, e.denominator)
        for m in t.mats:
            value *= atom_scalar(m)
        total += value
    return total


def atom_scalar(atom: Atom) -> Any:
    if isinstance(atom, Sym):
        return _scalar_symbol(atom.name)
    if isinstance(atom, Tr):
        return atom_scalar(atom.arg)
    if isinstance(atom, Ident | Ones):
        return sympy.Integer(1)
    if isinstance(atom, Inv):
        return 1 / atom_scalar(atom.arg)
    if isinstance(atom, MatPow):
        return atom_scalar(atom.arg) ** atom.k
    if isinstance(atom, Had):
        return lc_scalar(atom.left) * lc_scalar(atom.right)
    if isinstance(atom, Group):
        return lc_scalar(atom.lc)
    v = lc_scalar(atom.arg)
    if atom.func in ("trace", "det", "sum"):
        return v
    if atom.func in ("norm", "abs"):
        return sympy.Abs(v)
    if atom.func == "sigmoid":
        return 1 / (1 + sympy.exp(-v))
    return getattr(sympy, atom.func)(v)


def tree_scalar(n: Node, bare: Mapping[str, str]) -> Any:
    """The user's expression read as if every matrix were a number (the seed's step 1)."""
    if isinstance(n, Num):
        return sympy.Rational(n.value.numerator, n.value.denominator)
    if isinstance(n, Name):
        return _scalar_symbol(bare[n.id])
    if isinstance(n, Neg):
        return -tree_scalar(n.operand, bare)
    if isinstance(n, Transpose):
        return tree_scalar(n.operand, bare)
    if isinstance(n, BinOp):
        a, b = tree_scalar(n.left, bare), tree_scalar(n.right, bare)
        if n.op == "+":
            return a + b
        if n.op == "-":
            return a - b
        if n.op == "*":
            return a * b
        if n.op == "/":
            return a / b
        return a**b
    assert isinstance(n, Call)
    args = [tree_scalar(x, bare) for x in n.args]
    if n.func in ("trace", "det", "sum"):
        return args[0]
    if n.func == "inv":
        return 1 / args[0]
    if n.func in ("norm", "abs"):
        return sympy.Abs(args[0])
    if n.func == "hadamard":
        return args[0] * args[1]
    if n.func == "sigmoid":
        return 1 / (1 + sympy.exp(-args[0]))
    return getattr(sympy, n.func)(args[0])


def scalar_shape(e: Any, shapes: Mapping[str, Shape]) -> Shape | None:
    """The shape a commutative expression would have read as matrices, factors in printed
    order; None where the shapes do not fit."""
    if e.is_Number:
        return ()
    if e.is_Symbol:
        return shapes.get(e.name, ())
    if e.is_Add:
        found = [scalar_shape(a, shapes) for a in e.args if not a.is_Number]
        if any(s is None for s in found) or len(set(found)) > 1:
            return None
        return found[0] if found else ()
    if e.is_Mul:
        return chain_shape([scalar_shape(f, shapes) for f in e.as_ordered_factors()])
    if e.is_Pow:
        base = scalar_shape(e.base, shapes)
        if base is None:
            return None
        if base == ():
            return ()
        if e.exp.is_Integer and base[0] == base[1]:
            return base
        return None
    inner_shapes = [scalar_shape(a, shapes) for a in e.args]
    if any(s is None for s in inner_shapes):
        return None
    return ()


def chain_shape(shapes: Sequence[Shape | None]) -> Shape | None:
    """Shape of a product of factors in order (scalars scale), or None if not conformable."""
    out: Shape = ()
    for s in shapes:
        if s is None:
            return None
        if s == ():
            continue
        if out == ():
            out = s
        elif out[1] == s[0]:
            out = (out[0], s[1])
        else:
            return None
    return out


# ---------------------------------------------------------------------------
# 4. Reverse-mode matrix differentials over the explicit tree


@dataclass
class ClosedForm:
    """The result for one ``--wrt`` name: a closed form, or why there is none."""

    name: str
    lc: LC | None
    reason: Reason = ("", {})


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, BinOp):
        return (n.left, n.right)
    if isinstance(n, Neg | Transpose):
        return (n.operand,)
    if isinstance(n, Call):
        return n.args
    return ()


def _post_order(root: Node) -> list[Node]:
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child in reversed(_children(node)):
            if child not in seen:
                stack.append((child, False))
    return order


class Unsupported(Exception):
    """A sub-expression with no closed-form derivative in this algebra; ``reason`` is a
    catalogue key with its parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.reason: Reason = (key, params)


def closed_forms(
    root: Node, shapes: Mapping[Node, Shape], declared: Mapping[str, Declared], wrt: Sequence[str]
) -> dict[str, ClosedForm]:
    """∂root/∂name in closed matrix form for every ``wrt`` name (root must be scalar/1x1)."""
    order = _post_order(root)
    values: dict[Node, LC] = {}
    why: dict[Node, Reason] = {}
    for n in order:
        try:
            values[n] = _value(n, values, why, shapes, declared)
        except Unsupported as exc:
            why[n] = exc.reason
    adj: dict[Node, LC] = {root: lc_identity(shapes[root])}
    unknown: dict[Node, Reason] = {}

    def give(child: Node, contribution: LC) -> None:
        if child in unknown:
            return
        adj[child] = lc_add(adj[child], contribution) if child in adj else contribution

    def taint(child: Node, reason: Reason) -> None:
        unknown.setdefault(child, reason)
        adj.pop(child, None)

    for n in reversed(order):
        if n in unknown:
            for child in _children(n):
                taint(child, unknown[n])
            continue
        if n not in adj:
            continue
        try:
            for child, contribution in _adjoint_rule(n, adj[n], values, why, shapes):
                give(child, contribution)
        except Unsupported as exc:
            for child in _children(n):
                taint(child, exc.reason)
    out: dict[str, ClosedForm] = {}
    for name in wrt:
        node = Name(name)
        x = declared[name]
        shape = _algebra_shape(x.shape)
        if node in unknown:
            out[name] = ClosedForm(name, None, unknown[node])
        else:
            out[name] = ClosedForm(name, adj.get(node, LC((), shape)))
    return out


def _algebra_shape(shape: Shape) -> Shape:
    return (shape[0], 1) if len(shape) == 1 else shape


def _need(n: Node, values: Mapping[Node, LC], why: Mapping[Node, Reason]) -> LC:
    if n in values:
        return values[n]
    if n in why:
        raise Unsupported(why[n][0], **why[n][1])
    raise Unsupported("matrix.reason_none", expression=to_text(n))  # pragma: no cover


def _value(
    n: Node, values: Mapping[Node, LC], why: Mapping[Node, Reason], shapes: Mapping[Node, Shape],
    declared: Mapping[str, Declared],
) -> LC:
    """The closed-form value of a sub-tree (for printing factors of adjoints)."""
    def v(x: Node) -> LC:
        return _need(x, values, why)

    if isinstance(n, Num):
        return lc_const(n.value)
    if isinstance(n, Name):
        x = declared[n.id]
        return lc_atom(Sym(x.bare, _algebra_shape(x.shape)))
    if isinstance(n, Neg):
        return lc_scale(v(n.operand), -1)
    if isinstance(n, Transpose):
        return lc_transpose(v(n.operand))
    if isinstance(n, BinOp):
        if n.op == "+":
            return lc_add(v(n.left), v(n.right))
        if n.op == "-":
            return lc_add(v(n.left), lc_scale(v(n.right), -1))
        if n.op == "*":
            return lc_mul(v(n.left), v(n.right))
        if n.op == "/":
            return lc_mul(v(n.left), lc_pow(v(n.right), Fraction(-1)))
        if shapes[n] == ():
            if not isinstance(n.right, Num):
                raise Unsupported("matrix.reason_exponent", expression=to_text(n))
            return lc_pow(v(n.left), n.right.value)
        k = int(n.right.value) if isinstance(n.right, Num) else 0
        base = atomize(v(n.left))
        if k == 0:
            return lc_atom(Ident(shapes[n][0]))
        return lc_atom(MatPow(base if k > 0 else Inv(base), abs(k)))
    assert isinstance(n, Call)
    a = n.args[0]
    if n.func in ("trace",):
        return lc_trace(v(a))
    if n.func in ("det", "sum", "norm"):
        return lc_atom(ScalarOf(n.func, v(a)))
    if n.func == "inv":
        return lc_atom(Inv(atomize(v(a))))
    if n.func == "hadamard":
        return lc_atom(Had(v(a), v(n.args[1])))
    if shapes[n] != ():
        raise Unsupported("matrix.reason_elementwise", func=n.func,
                          shape=shape_text(shapes[n]), arg=to_text(a))
    return lc_atom(ScalarOf(n.func, v(a)))


def _scalar_derivative(func: str, arg: LC) -> LC:
    """f′(arg) for the scalar functions."""
    value = lc_atom(ScalarOf(func, arg))
    if func == "exp":
        return value
    if func == "log":
        return lc_pow(arg, Fraction(-1))
    if func == "sqrt":
        return lc_scale(lc_pow(value, Fraction(-1)), Fraction(1, 2))
    if func == "sin":
        return lc_atom(ScalarOf("cos", arg))
    if func == "cos":
        return lc_scale(lc_atom(ScalarOf("sin", arg)), -1)
    if func == "tanh":
        return lc_add(lc_const(1), lc_scale(lc_pow(value, Fraction(2)), -1))
    if func == "sigmoid":
        return lc_mul(value, lc_add(lc_const(1), lc_scale(value, -1)))
    if func == "abs":
        return lc_atom(ScalarOf("sign", arg))
    raise Unsupported("matrix.reason_none", expression=func)  # pragma: no cover


def _adjoint_rule(
    n: Node, g: LC, values: Mapping[Node, LC], why: Mapping[Node, Reason],
    shapes: Mapping[Node, Shape],
) -> list[tuple[Node, LC]]:
    """Contributions of node ``n`` (adjoint ``g``) to its children's adjoints."""
    def v(x: Node) -> LC:
        return _need(x, values, why)

    if isinstance(n, Num | Name):
        return []
    if isinstance(n, Neg):
        return [(n.operand, lc_scale(g, -1))]
    if isinstance(n, Transpose):
        return [(n.operand, lc_transpose(g))]
    if isinstance(n, BinOp):
        a, b = n.left, n.right
        if n.op == "+":
            return [(a, g), (b, g)]
        if n.op == "-":
            return [(a, g), (b, lc_scale(g, -1))]
        if n.op == "*":
            sa, sb = shapes[a], shapes[b]
            if sa == () and sb == ():
                return [(a, lc_mul(g, v(b))), (b, lc_mul(g, v(a)))]
            if sa == ():
                return [(a, inner(g, v(b))), (b, lc_mul(v(a), g))]
            if sb == ():
                return [(a, lc_mul(g, v(b))), (b, inner(g, v(a)))]
            return [(a, lc_mul(g, lc_transpose(v(b)))), (b, lc_mul(lc_transpose(v(a)), g))]
        if n.op == "/":
            inverse = lc_pow(v(b), Fraction(-1))
            grad_b = lc_scale(lc_mul(inner(g, v(a)) if shapes[a] != () else lc_mul(g, v(a)),
                                     lc_pow(v(b), Fraction(-2))), -1)
            return [(a, lc_mul(g, inverse)), (b, grad_b)]
        # powers
        if shapes[n] == ():
            if not isinstance(b, Num):
                raise Unsupported("matrix.reason_exponent", expression=to_text(n))
            e = b.value
            derivative = lc_scale(lc_pow(v(a), e - 1), e)
            return [(a, lc_mul(g, derivative))]
        k = int(b.value) if isinstance(b, Num) else 0
        if k == 0:
            return []
        base = atomize(v(a))
        c = base if k > 0 else Inv(base)
        grad_c = _power_adjoint(c, abs(k), g)
        if k > 0:
            return [(a, grad_c)]
        cT = lc_atom(tp(c))
        return [(a, lc_scale(lc_mul(lc_mul(cT, grad_c), cT), -1))]
    assert isinstance(n, Call)
    a = n.args[0]
    if n.func == "trace":
        return [(a, lc_mul(g, lc_identity(shapes[a])))]
    if n.func == "det":
        inv_t = lc_atom(tp(Inv(atomize(v(a)))))
        return [(a, lc_mul(lc_mul(g, lc_atom(ScalarOf("det", v(a)))), inv_t))]
    if n.func == "inv":
        inv_t = lc_atom(tp(Inv(atomize(v(a)))))
        return [(a, lc_scale(lc_mul(lc_mul(inv_t, g), inv_t), -1))]
    if n.func == "sum":
        rows, cols = shapes[a]
        return [(a, lc_mul(g, lc_atom(Ones(rows, cols))))]
    if n.func == "norm":
        if shapes[a] == ():
            return [(a, lc_mul(g, lc_atom(ScalarOf("sign", v(a)))))]
        scale = lc_pow(lc_atom(ScalarOf("norm", v(a))), Fraction(-1))
        return [(a, lc_mul(lc_mul(g, scale), v(a)))]
    if n.func == "hadamard":
        b = n.args[1]
        return [(a, _hadamard(g, v(b))), (b, _hadamard(g, v(a)))]
    if shapes[n] != ():
        raise Unsupported("matrix.reason_elementwise", func=n.func,
                          shape=shape_text(shapes[n]), arg=to_text(a))
    return [(a, lc_mul(g, _scalar_derivative(n.func, v(a))))]


def _hadamard(a: LC, b: LC) -> LC:
    if not a.terms or not b.terms:
        return LC((), b.shape)
    if a.shape == (1, 1):
        return lc_mul(lc_trace(a), b)
    return lc_atom(Had(a, b))


def _power_adjoint(c: Atom, k: int, g: LC) -> LC:
    """Adjoint of C for Cᵏ: Σᵢ (Cᵀ)ⁱ·G·(Cᵀ)ᵏ⁻¹⁻ⁱ."""
    ct = tp(c)

    def power(i: int) -> LC:
        if i == 0:
            return lc_identity(c.shape)
        return lc_atom(ct if i == 1 else MatPow(ct, i))

    return lc_add(*[lc_mul(lc_mul(power(i), g), power(k - 1 - i)) for i in range(k)])


# ---------------------------------------------------------------------------
# 5. Equivalence, estimates


class RationalField:
    """Exact rational functions over the element symbols: a sparse numerator polynomial over a
    factored denominator {polynomial: power}. Decides equality of rational functions fast.

    Conversion walks the expression once (equal sub-expressions once). No gcds are taken:
    denominators stay factored as they were written (1/det(X)², …), so a common denominator
    is the largest power of each factor; two values are equal when their numerators over a
    common denominator are.
    """

    def __init__(self, symbols: Sequence[Any]) -> None:
        from sympy.polys.rings import ring

        self.ring, *gens = ring(list(symbols), sympy.QQ)
        self.gens = dict(zip(symbols, gens))

    def value(self, expr: Any) -> tuple[Any, dict[Any, int]] | None:
        """(numerator, {denominator factor: power}), or None if not a rational function."""
        memo: dict[Any, tuple[Any, dict[Any, int]]] = {}
        try:
            return self._value(_basic(expr), memo)
        except (ValueError, ZeroDivisionError, RecursionError):
            return None

    def equal(self, a: tuple[Any, dict[Any, int]], b: tuple[Any, dict[Any, int]]) -> bool:
        (na, nb), _ = self._common([a, b])
        return bool(na == nb)

    def _common(
        self, parts: Sequence[tuple[Any, dict[Any, int]]]
    ) -> tuple[list[Any], dict[Any, int]]:
        """Numerators over the common denominator (largest power of every factor)."""
        den: dict[Any, int] = {}
        for _, d in parts:
            for f, e in d.items():
                den[f] = max(den.get(f, 0), e)
        nums = []
        for n, d in parts:
            for f, e in den.items():
                missing = e - d.get(f, 0)
                if missing:
                    n = n * f**missing
            nums.append(n)
        return nums, den

    def _value(self, e: Any, memo: dict[Any, tuple[Any, dict[Any, int]]]
               ) -> tuple[Any, dict[Any, int]]:
        if e in memo:
            return memo[e]
        out: tuple[Any, dict[Any, int]]
        if e in self.gens:
            out = (self.gens[e], {})
        elif e.is_Rational:
            out = (self.ring.ground_new(sympy.QQ(int(e.p), int(e.q))), {})
        elif e.is_Add:
            nums, den = self._common([self._value(a, memo) for a in e.args])
            total = nums[0]
            for n in nums[1:]:
                total = total + n
            out = (total, den)
        elif e.is_Mul:
            num, den = self.ring.one, {}
            for a in e.args:
                n, d = self._value(a, memo)
                num = num * n
                for f, k in d.items():
                    den[f] = den.get(f, 0) + k
            out = (num, den)
        elif e.is_Pow and e.exp.is_Integer:
            n, d = self._value(e.base, memo)
            k = int(e.exp)
            if k < 0:
                if not n:
                    raise ZeroDivisionError
                inverted = self.ring.one
                for f, j in d.items():
                    inverted = inverted * f**j
                if n.is_ground:
                    n, d = inverted * (1 / n.LC), {}
                else:
                    n, d = inverted, {n: 1}
                k = -k
            out = (n**k, {f: j * k for f, j in d.items()})
        else:
            raise ValueError("not a rational function")
        memo[e] = out
        return out


def _basic(x: Any) -> Any:
    """A SymPy object for an element (numbers from our own arithmetic; never text)."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, int | Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    raise TypeError(f"not a SymPy expression: {type(x).__name__}")


def equivalent(a: Any, b: Any, field: RationalField | None = None) -> bool:
    """True when two SymPy scalars are identical as functions (tries cheap ways first)."""
    a, b = _basic(a), _basic(b)
    diff = a - b
    if diff == 0:
        return True
    if field is not None:
        fa, fb = field.value(a), field.value(b)
        if fa is not None and fb is not None:
            return field.equal(fa, fb)
        # Not rational: every other sub-expression (exp(…), Abs(…), sqrt(…)) becomes a fresh
        # variable. Equal rational functions of those are equal functions (sound, not complete).
        a, b = (e.replace(sympy.sign, lambda z: z / sympy.Abs(z)) for e in (a, b))
        opaque: dict[Any, Any] = {}
        for e in (a, b):
            _collect_opaque(e, opaque)
        wider = RationalField([*field.gens, *opaque.values()])
        fa, fb = wider.value(a.xreplace(opaque)), wider.value(b.xreplace(opaque))
        if fa is not None and fb is not None and wider.equal(fa, fb):
            return True
        diff = a - b
    if sympy.expand(diff) == 0:
        return True
    return bool(sympy.simplify(diff) == 0)


def _collect_opaque(e: Any, found: dict[Any, Any]) -> None:
    """Map each maximal non-rational sub-expression of ``e`` to a fresh symbol."""
    if e.is_Symbol or e.is_Number:
        return
    if e.is_Add or e.is_Mul:
        for arg in e.args:
            _collect_opaque(arg, found)
        return
    if e.is_Pow and e.exp.is_Integer:
        _collect_opaque(e.base, found)
        return
    if e not in found:
        found[e] = sympy.Dummy("opaque", real=True)


def estimate(n: Node, shapes: Mapping[Node, Shape]) -> float:
    """Rough number of terms of one element of ``n`` once expanded (for the work budget)."""
    cap = 1e30

    def est(x: Node) -> float:
        if isinstance(x, Num | Name):
            return 1.0
        if isinstance(x, Neg | Transpose):
            return est(x.operand)
        if isinstance(x, BinOp):
            a, b = est(x.left), est(x.right)
            if x.op in ("+", "-"):
                return min(a + b, cap)
            if x.op == "*":
                sa = shapes[x.left]
                k = sa[1] if sa and shapes[x.right] else 1
                return min(k * a * b, cap)
            if x.op == "/":
                return min(a * b, cap)
            if shapes[x] == ():
                e = x.right.value if isinstance(x.right, Num) else 1
                power = abs(int(e)) if isinstance(e, Fraction) and e.denominator == 1 else 1
                return min(a * max(power, 1), cap)
            signed = int(x.right.value) if isinstance(x.right, Num) else 1
            k, size = abs(signed), shapes[x][0]
            inverse = math.factorial(size) if signed < 0 else 1
            return min((size * a) ** max(k - 1, 0) * a * inverse, cap)
        assert isinstance(x, Call)
        a = est(x.args[0])
        shape = shapes[x.args[0]]
        elems = math.prod(shape) if shape else 1
        size = shape[0] if shape else 1
        if x.func == "trace":
            return min(size * a, cap)
        if x.func == "det":
            return min(math.factorial(size) * a**size, cap)
        if x.func == "inv":
            return min(math.factorial(size) * a**size * size, cap)
        if x.func in ("sum",):
            return min(elems * a, cap)
        if x.func == "norm":
            return min(elems * a * a, cap)
        if x.func == "hadamard":
            return min(a * est(x.args[1]), cap)
        return a + 1

    return est(n)


def matrix_degree(n: Node, shapes: Mapping[Node, Shape]) -> int | None:
    """An upper bound on the polynomial degree of an explicit tree, or None when it is not a
    polynomial (inverses, norms, scalar functions, division by a variable)."""
    if isinstance(n, Num):
        return 0
    if isinstance(n, Name):
        return 1
    if isinstance(n, Neg | Transpose):
        return matrix_degree(n.operand, shapes)
    if isinstance(n, BinOp):
        a, b = matrix_degree(n.left, shapes), matrix_degree(n.right, shapes)
        if a is None or b is None:
            return None
        if n.op in ("+", "-"):
            return max(a, b)
        if n.op == "*":
            return a + b
        if n.op == "/":
            return a if b == 0 else None
        k = axis_literal(n.right)
        if a == 0 and b == 0:
            return 0
        return a * k if k is not None and 0 <= k <= 64 else None
    assert isinstance(n, Call)
    degrees = [matrix_degree(x, shapes) for x in n.args]
    if any(d is None for d in degrees):
        return None
    first = degrees[0]
    assert first is not None
    if n.func in ("trace", "sum"):
        return first
    if n.func == "hadamard":
        return sum(d for d in degrees if d is not None)
    if n.func == "det":
        return shapes[n.args[0]][0] * first
    return None


# ---------------------------------------------------------------------------
# 6. The derivation


class MatrixDerivation(ExpressionDerivation):
    """An :class:`ExpressionDerivation` with closed matrix forms.

    ``d.closed_forms["X"]`` is the text (SymPy syntax, e.g. ``2*(X*w - y)*w.T``) or None;
    ``d.gradients["X"]`` the element-wise gradient (SymPy array in the shape of X).
    """

    def __init__(self, *, forms: dict[str, ClosedForm], explicit: Node,
                 scalar_rules: dict[str, Any], verified: dict[str, str | None],
                 same_factors: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.same_factors = same_factors
        self.forms = forms
        self.explicit = explicit
        self.scalar_rules = scalar_rules
        self.verified = verified

    @property
    def closed_forms(self) -> dict[str, str | None]:
        """Closed matrix form of ∂J/∂name (SymPy syntax), or None where there is none."""
        return {n: (lc_text(f.lc) if f.lc is not None else None) for n, f in self.forms.items()}


def matrix_sections(d: MatrixDerivation, t: Any, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The dimension-consistency section, in the renderer's language."""
    from gradsym.render.document import Equations, Expr, Label, Para

    if not d.scalar:
        return []
    ev = d.numeric
    shapes = {x.bare: _algebra_shape(x.shape) for x in d.declared.values()}
    blocks: list[Any] = []
    for name, form in d.forms.items():
        x = d.declared[name]
        target = _algebra_shape(x.shape)
        blocks.append(Para(t("matrix.target", name=name, shape=shape_text(target))))
        if form.lc is None:
            key, params = form.reason
            blocks.append(Para(t("matrix.no_closed_form", name=name, reason=t(key, **params))))
            arr = d.gradient_elems[name]
            tensor = d.symbols[name]
            rows: list[Any] = [
                (Label(tensor.letter, tuple(i + 1 for i in index), prefix="∂J/∂"),
                 Expr(arr[index]))
                for index in np.ndindex(*arr.shape)
            ]
            blocks.append(Equations(rows))
        elif not form.lc.terms:
            blocks.append(Para(t("matrix.zero", name=name, expression=lc_text(form.lc))))
        else:
            rule = d.scalar_rules[name]
            rule_at = rule_shape(rule, shapes)
            blocks.append(Para(t("matrix.scalar_rule", name=name, expression=rule_text(rule))))
            blocks.append(Para(t("matrix.factors", factors=_scalar_factors(rule, shapes, t),
                                 verdict=_verdict(t, rule_at, target, name))))
            blocks.append(Para(t("matrix.closed_form_already" if rule_at == target
                                 else "matrix.closed_form", name=name,
                                 expression=lc_text(form.lc))))
            blocks.append(Para(t("matrix.factors", factors=_closed_factors(form.lc, t),
                                 verdict=t("matrix.consistent", shape=shape_text(target),
                                           name=name))))
            blocks.append(Para(t("matrix.same_factors" if d.same_factors.get(name)
                                 else "matrix.other_factors")))
            mismatch = d.verified.get(name)
            blocks.append(Para(t("matrix.verified", name=name) if mismatch is None
                               else t("matrix.refuted", mismatch=mismatch)))
        if ev is not None:
            blocks.extend(value_grids(f"∂J/∂{name} ({t('numeric.values')})",
                                      ev.gradient_values[name], ev.decimal, t, full))
    return [("grad", ("section.matrix_grad", {}), blocks)]


def reason_text(reason: Reason) -> str:
    """A reason for a missing closed form, in English (for JSON)."""
    from gradsym.render.messages import Catalogue

    key, params = reason
    return Catalogue("en")(key, **params)


def _sympy_str(e: Any) -> str:
    from gradsym.render.sympy_text import sympy_text

    return sympy_text(e)


def rule_factors(rule: Any) -> tuple[Any, list[Any]]:
    """A scalar-rule result as a signed number times factors in printed order, each sum
    written with a positive first term: ``-2*X*w + 2*y`` → (-2, [X*w - y])."""
    coef, rest = sympy.factor_terms(rule).as_coeff_Mul()
    factors = list(rest.as_ordered_factors()) if rest != 1 else []
    out = []
    for f in factors:
        if f.is_Add and _sympy_str(f).startswith("-"):
            f, coef = -f, -coef
        out.append(f)
    return coef, out


def rule_text(rule: Any) -> str:
    """SymPy-syntax text of a scalar-rule result, factored: ``-2*(X*w - y)``."""
    coef, factors = rule_factors(rule)
    if not factors:
        return _sympy_str(coef)
    if len(factors) == 1 and coef == 1:
        return _sympy_str(factors[0])
    parts = [f"({_sympy_str(f)})" if f.is_Add else _sympy_str(f) for f in factors]
    magnitude = abs(coef)
    head = [] if magnitude == 1 else [_sympy_str(magnitude)]
    return ("-" if coef < 0 else "") + "*".join(head + parts)


def _scalar_factors(rule: Any, shapes: Mapping[str, Shape], t: Any) -> str:
    parts = []
    for f in rule_factors(rule)[1]:
        s = scalar_shape(f, shapes)
        text = _sympy_str(f)
        if f.is_Add:
            text = f"({text})"
        parts.append(f"{text} {'?' if s is None else shape_text(s)}")
    return ", ".join(parts) if parts else str(t("matrix.a_number"))


def rule_shape(rule: Any, shapes: Mapping[str, Shape]) -> Shape | None:
    return chain_shape([scalar_shape(f, shapes) for f in rule_factors(rule)[1]])


def _verdict(t: Any, shape: Shape | None, target: Shape, name: str) -> str:
    if shape is None:
        return str(t("matrix.not_conformable"))
    if shape == target or (shape == () and target == ()):
        return str(t("matrix.consistent", shape=shape_text(shape), name=name))
    return f"{shape_text(shape)}, " + str(t("matrix.inconsistent", name=name))


def _closed_factors(lc: LC, t: Any) -> str:
    if len(lc.terms) != 1:
        return str(t("matrix.sum_of_terms", count=len(lc.terms), shape=shape_text(lc.shape)))
    term = lc.terms[0]
    parts = [f"{_power_text(a, e)} {shape_text(())}" for a, e in term.scalars]
    parts += [f"{_factor_text(m)} {shape_text(m.shape)}" for m in term.mats]
    return ", ".join(parts) if parts else str(t("matrix.a_number"))


def matrix_json(d: Any) -> dict[str, Any]:
    from gradsym.numeric import json_number
    from gradsym.render.json import expr_text, nested

    assert isinstance(d, MatrixDerivation)
    ev = d.numeric
    gradients: dict[str, Any] = {}
    elems = d.gradient_elems
    for name, form in d.forms.items():
        entry: dict[str, Any] = {
            "expression": lc_text(form.lc) if form.lc is not None else None,
            "shape": list(_algebra_shape(d.declared[name].shape)),
        }
        if form.lc is None:
            entry["reason"] = "no closed matrix form: " + reason_text(form.reason)
        else:
            entry["scalar_rule"] = rule_text(d.scalar_rules[name])
            entry["verified"] = d.verified.get(name) is None
        entry["elementwise"] = nested(elems[name], lambda e: expr_text(d, e))
        if ev is not None:
            entry["numeric"] = nested(ev.gradient_values[name], lambda v: json_number(v, ev.decimal))
        gradients[name] = entry
    notes = [] if d.scalar else [
        f"J is {shape_text(d.forward_elems.shape)}, not a scalar: there is no matrix-form "
        f"gradient, only the element-wise Jacobian; make J a scalar (trace, sum, norm) for one"
    ]
    return {
        "shapes": {x.bare: list(_algebra_shape(x.shape)) for x in d.declared.values() if x.shape},
        "gradients": gradients,
        **({"notes": notes} if notes else {}),
        "assumptions": {name: {"real": True} for name in d.table.names},
        **renamed_json(d.declared),
    }


# ---------------------------------------------------------------------------
# The public function


def matrix(
    expression: str | None = None,
    shape: Any = None,
    wrt: Any = None,
    at: Any = None,
    *,
    seed: int | None = None,
    max_terms: int | None = None,
) -> MatrixDerivation:
    """Matrix calculus in closed matrix form (``*`` and ``@`` are matrix products).

    >>> d = matrix("(X*w - y).T*(X*w - y)", shape=["X=3x2", "w=2x1", "y=3x1"],
    ...            wrt=["X", "w", "y"])
    >>> d.closed_forms
    {'X': '2*(X*w - y)*w.T', 'w': '2*X.T*(X*w - y)', 'y': '-2*(X*w - y)'}
    >>> all(c.holds for c in d.checks)
    True
    """
    if expression is None:
        raise SpecError('the expression is required, e.g. gradsym matrix "trace(X.T*X)" '
                        "--shape X=3x2")
    declared = declare(shape, functions=MATRIX_FUNCTIONS, max_dims=2)
    tree = parse(expression, names=list(declared), functions=list(MATRIX_FUNCTIONS))
    used = names_in(tree)
    algebra = {n: _algebra_shape(x.shape) for n, x in declared.items()}
    explicit, shapes = elaborate(tree, algebra)
    wrt_names = parse_wrt(wrt, declared, used)
    given = at_items(at)
    out_shape = shapes[explicit]
    scalar = out_shape in ((), (1, 1))
    outputs = 1 if scalar else math.prod(out_shape)
    differentiated = sum(declared[n].size for n in wrt_names)
    budget_check(estimate(explicit, shapes) * outputs * (1 + differentiated), max_terms,
                 "this expression", values=bool(given))

    table, tensors = make_tensors(declared)
    arrays = symbol_arrays(table, tensors)
    env = {n: (a.reshape(algebra[n]) if a.ndim else a) for n, a in arrays.items()}
    raw = MatrixEvaluator(SympyScalars()).run(explicit, env)
    if scalar and raw.ndim == 2:
        raw = obj(raw[0, 0])
    check_defined(raw, expression)
    jacobians = differentiate(raw, arrays, wrt_names)

    forms: dict[str, ClosedForm] = {}
    rules: dict[str, Any] = {}
    verified: dict[str, str | None] = {}
    same: dict[str, bool] = {}
    checks: list[Check] = []
    if scalar:
        forms = closed_forms(explicit, shapes, declared, wrt_names)
        bare = {n: x.bare for n, x in declared.items()}
        scalar_j = tree_scalar(explicit, bare)
        symbol_env = {x.bare: (sympy.Matrix(env[n].tolist()) if env[n].ndim == 2
                               else env[n][()]) for n, x in declared.items()}
        field = RationalField(table.symbols())
        for name, form in forms.items():
            rule = sympy.diff(scalar_j, _scalar_symbol(declared[name].bare))
            rules[name] = sympy.factor_terms(rule) if _small(rule) else rule
            if form.lc is not None:
                verified[name] = _verify(form.lc, jacobians[name], arrays[name], symbol_env,
                                         field)
                same[name] = equivalent(lc_scalar(form.lc), rules[name])
        checked = [n for n, f in forms.items() if f.lc is not None]
        if checked:
            failed = [n for n in checked if verified[n] is not None]
            checks.append(Check(
                "closed_form_matches_elementwise",
                "each closed matrix form (" + ", ".join(f"∂J/∂{n}" for n in checked) + ") "
                "equals, entry by entry, the derivative of J expanded into element symbols",
                not failed,
                f"∂J/∂{failed[0]}: {verified[failed[0]]}" if failed else None,
            ))

    dual_evaluator = MatrixEvaluator(DualScalars())

    def dual_forward(values: dict[str, np.ndarray]) -> np.ndarray:
        shaped = {n: (a.reshape(algebra[n]) if a.ndim else a) for n, a in values.items()}
        out = dual_evaluator.run(explicit, shaped)
        return obj(out[0, 0]) if scalar and out.ndim == 2 else out

    d = MatrixDerivation(
        forms=forms,
        explicit=explicit,
        scalar_rules=rules,
        verified=verified,
        same_factors=same,
        declared=declared,
        used=used,
        wrt=wrt_names,
        arrays=arrays,
        dual_forward=dual_forward,
        degree=matrix_degree(explicit, shapes),
        command="matrix",
        config={
            "expression": expression,
            "shapes": {n: shape_text(x.shape) for n, x in declared.items()},
            "wrt": wrt_names,
            "output": [] if scalar else list(out_shape),
            "semantics": "matrix",
        },
        table=table,
        symbols=dict(tensors),
        forward=_map(raw, lambda e: e),
        jacobians=jacobians,
        grads={},
        checks=checks,
    )
    canonical = to_text(explicit)
    setup: list[Any] = [("matrix.setup", {"expression": expression})]
    if canonical.replace(" ", "") != expression.replace(" ", ""):
        setup.append(("matrix.read_as", {"canonical": _sympy_style(explicit)}))
    setup += [
        ("matrix.semantics", {}),
        ("matrix.shapes_scalar", {"shapes": shapes_line(declared)}) if scalar else
        ("matrix.shapes", {"shapes": shapes_line(declared), "output": shape_text(out_shape)}),
    ]
    setup += common_setup(declared, used)
    if not scalar:
        setup.append(("matrix.not_scalar", {"shape": shape_text(out_shape)}))
    if not given:
        example = " ".join(f"--at {n}=…" for n in declared if n in used)
        setup.append(("matrix.values_hint", {"example": example}))
    d.extra.update({
        "title": ("title.matrix", {}),
        "setup": setup,
        "output_letter": "J",
        "sections": lambda t, full: matrix_sections(d, t, full),
        "json": matrix_json,
    })
    return d.with_values_at(given, seed=seed)  # type: ignore[return-value]


def _small(e: Any) -> bool:
    return sympy.count_ops(e) <= 200


def _sympy_style(node: Node) -> str:
    """The explicit tree in SymPy's spacing (``X*w - y``)."""
    return to_text(node).replace(" * ", "*").replace(" ** ", "**").replace(" / ", "/")


def _verify(lc: LC, jac: Any, symbols: np.ndarray, env: Mapping[str, Any],
            field: RationalField) -> str | None:
    """None when the closed form equals the element-wise gradient entry by entry."""
    from sympy.matrices.utilities import dotprodsimp

    with dotprodsimp(False):  # SymPy would simplify every product of fractions: very slow
        closed = lc_elements(lc, env)
    flat_closed = list(closed) if isinstance(closed, sympy.MatrixBase) else [closed]
    expected = [sympy.Integer(0)] * symbols.size
    for (_o, w), value in jac.entries.items():
        expected[w] = value
    if len(flat_closed) != len(expected):  # pragma: no cover - shapes agree by construction
        return f"{len(flat_closed)} entries, expected {len(expected)}"
    names = [str(s) for s in symbols.reshape(-1)]
    for done, (name, got, want) in enumerate(zip(names, flat_closed, expected)):
        progress.report("proof: entry by entry", done, len(expected))
        if not equivalent(got, want, field):
            return f"the entry for {name} is {got}, but the element-wise derivative is {want}"
    return None
