"""Closed forms at values: a linear combination of matrix atoms evaluated on element symbols
or numbers (SymPy matrices), and its commutative "scalar rule" reading (every matrix read as
a number: the seed's step 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose
from gradsym.layers.expr_scalars import adjugate, permutation_det
from gradsym.layers.matrix_algebra import (
    LC,
    Adj,
    Atom,
    Diag,
    Elem,
    Group,
    Had,
    Ident,
    Inv,
    MatPow,
    Ones,
    ScalarOf,
    Shape,
    Sym,
    Tr,
)
from gradsym.rules import RULES

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
        m = atom_elements(atom.arg, env)
        if not m.free_symbols:  # numbers: exact LU, nothing expanded
            if m.det(method="bareiss") == 0:
                raise ZeroDivisionError("the matrix is singular")
            return m.inv(method="LU")
        rows = m.tolist()
        det = permutation_det(rows)
        return sympy.Matrix([[c / det for c in row] for row in adjugate(rows)])
    if isinstance(atom, Adj):
        m = atom_elements(atom.arg, env)
        if not m.free_symbols:  # numbers: adj(M) = det(M)·M⁻¹ by exact elimination
            det = m.det(method="bareiss")
            return det * m.inv(method="LU") if det != 0 else m.adjugate(method="bareiss")
        return sympy.Matrix(adjugate(m.tolist()))
    if isinstance(atom, MatPow):
        return atom_elements(atom.arg, env) ** atom.k
    if isinstance(atom, Had):
        return lc_elements(atom.left, env).multiply_elementwise(lc_elements(atom.right, env))
    if isinstance(atom, Group):
        return lc_elements(atom.lc, env)
    if isinstance(atom, Diag):
        return sympy.diag(*list(lc_elements(atom.arg, env)))
    if isinstance(atom, Elem):
        return lc_elements(atom.arg, env).applyfunc(lambda e: element_value(atom.func, e))
    assert isinstance(atom, ScalarOf)
    v = lc_elements(atom.arg, env)
    if atom.func == "trace":
        return v.trace() if isinstance(v, sympy.MatrixBase) else v
    if atom.func == "det":
        return v.det(method="bareiss") if not v.free_symbols else permutation_det(v.tolist())
    if atom.func == "sum":
        return sum(v, sympy.Integer(0))
    if atom.func == "norm":
        return sympy.sqrt(sum((e**2 for e in v), sympy.Integer(0)))
    return element_value(atom.func, _scalar_value(v))


def element_value(func: str, v: Any) -> Any:
    """One entry of an element-wise function (SymPy): the rule table's f, or sign, or 1/v."""
    if func == "sign":
        return sympy.sign(v)
    if func == "recip":
        return 1 / v
    return RULES[func].sympy_value(v)


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
    if isinstance(atom, Adj):
        return sympy.Integer(1)
    if isinstance(atom, MatPow):
        return atom_scalar(atom.arg) ** atom.k
    if isinstance(atom, Had):
        return lc_scalar(atom.left) * lc_scalar(atom.right)
    if isinstance(atom, Group):
        return lc_scalar(atom.lc)
    if isinstance(atom, Diag):
        return lc_scalar(atom.arg)
    v = lc_scalar(atom.arg)
    if isinstance(atom, Elem) and atom.func in ("sign", "recip"):
        return element_value(atom.func, v)
    if atom.func in ("trace", "det", "sum"):
        return v
    if atom.func in ("norm", "abs"):
        return sympy.Abs(v)
    if atom.func in RULES:
        return RULES[atom.func].sympy_value(v)
    return getattr(sympy, atom.func)(v)


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for SymPy operands (``*`` is SymPy's product: matrix or scalar)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b


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
        return arithmetic(n.op, tree_scalar(n.left, bare), tree_scalar(n.right, bare))
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
    if n.func == "ediv":
        return args[0] / args[1]
    if n.func in ("Identity", "OneMatrix"):
        return sympy.Integer(1)
    if n.func in RULES:
        return RULES[n.func].sympy_value(args[0])
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
