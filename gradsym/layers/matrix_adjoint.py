"""``matrix``: the closed matrix forms by reverse mode on the expression tree.

Each node's value is a linear combination of matrix atoms (:mod:`gradsym.layers.matrix_algebra`);
the adjoint rules (products, transposes, traces, determinants as adjugates, inverses, powers,
Hadamard products, element-wise functions through their slopes f′ from the rule table) push
∂J/∂node down to every declared name. A node without a rule makes that name's closed form
unknown, with the reason (the element-wise result is then all there is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.exprparse import (
    BinOp,
    Call,
    Name,
    Neg,
    Node,
    Num,
    Transpose,
    children,
    to_text,
)
from gradsym.layers.expr import (
    Declared,
)
from gradsym.layers.matrix_algebra import (
    LC,
    Adj,
    Atom,
    Elem,
    Ident,
    Inv,
    MatPow,
    Ones,
    ScalarOf,
    Sym,
    Term,
    atomize,
    inner,
    inv_atom,
    lc_add,
    lc_atom,
    lc_const,
    lc_det,
    lc_factor_left,
    lc_hadamard,
    lc_identity,
    lc_mul,
    lc_pow,
    lc_scale,
    lc_trace,
    lc_transpose,
    tp,
)
from gradsym.layers.matrix_points import (
    algebra_name,
)

Shape = tuple[int, ...]
Reason = tuple[str, dict[str, Any]]


@dataclass
class ClosedForm:
    """The result for one ``--wrt`` name: a closed form, or why there is none."""

    name: str
    lc: LC | None
    reason: Reason = ("", {})


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
        for child in reversed(children(node)):
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
            for child in children(n):
                taint(child, unknown[n])
            continue
        if n not in adj:
            continue
        try:
            for child, contribution in _adjoint_rule(n, adj[n], values, why, shapes):
                give(child, contribution)
        except Unsupported as exc:
            for child in children(n):
                taint(child, exc.reason)
    out: dict[str, ClosedForm] = {}
    for name in wrt:
        node = Name(name)
        x = declared[name]
        shape = _algebra_shape(x.shape)
        if node in unknown:
            out[name] = ClosedForm(name, None, unknown[node])
        else:
            out[name] = ClosedForm(name, lc_factor_left(adj.get(node, LC((), shape))))
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
        return lc_atom(Sym(algebra_name(n.id, x), _algebra_shape(x.shape)))
    if isinstance(n, Neg):
        return lc_scale(v(n.operand), -1)
    if isinstance(n, Transpose):
        return lc_transpose(v(n.operand))
    if isinstance(n, BinOp):
        if n.op in ("+", "-"):
            left, right = (_broadcast(v(x), shapes[n]) for x in (n.left, n.right))
            return lc_add(left, right if n.op == "+" else lc_scale(right, -1))
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
        return lc_atom(MatPow(base if k > 0 else inv_atom(base), abs(k)))
    assert isinstance(n, Call)
    a = n.args[0]
    if n.func in ("trace",):
        return lc_trace(v(a))
    if n.func == "det":
        return lc_det(v(a))
    if n.func in ("sum", "norm"):
        return lc_atom(ScalarOf(n.func, v(a)))
    if n.func == "inv":
        return lc_atom(inv_atom(atomize(v(a))))
    if n.func == "hadamard":
        return lc_hadamard(v(a), v(n.args[1]))
    if n.func == "ediv":  # A ./ B = A ∘ B^(∘−1)
        return _times(v(a), _reciprocal(v(n.args[1])))
    if n.func in ("Identity", "OneMatrix"):
        rows, cols = shapes[n]
        return lc_atom(Ident(rows) if n.func == "Identity" else Ones(rows, cols))
    return _apply(n.func, v(a))


def _apply(func: str, arg: LC) -> LC:
    """f(arg): of a number, or entry by entry of a matrix."""
    return lc_atom(ScalarOf(func, arg) if arg.shape == () else Elem(func, arg))


def _broadcast(lc: LC, shape: Shape) -> LC:
    """A number used where a matrix of ``shape`` is: the number on every entry."""
    if lc.shape == () and shape != ():
        return lc_mul(lc, lc_atom(Ones(*shape)))
    return lc


def _times(a: LC, b: LC) -> LC:
    """The product of numbers, or the Hadamard product of matrices."""
    return lc_mul(a, b) if a.shape == () else _hadamard(a, b)


def _reciprocal(lc: LC) -> LC:
    return lc_pow(lc, Fraction(-1)) if lc.shape == () else _apply("recip", lc)


def slope(func: str, arg: LC) -> LC:
    """f′(arg) for the element-wise functions, entry by entry (products are Hadamard
    products for a matrix); the same f′ as :data:`gradsym.rules.RULES` (a test compares)."""
    value = _apply(func, arg)
    one = _broadcast(lc_const(1), arg.shape)
    if func == "exp":
        return value
    if func == "log":
        return _reciprocal(arg)
    if func == "sqrt":
        return lc_scale(_reciprocal(value), Fraction(1, 2))
    if func == "sin":
        return _apply("cos", arg)
    if func == "cos":
        return lc_scale(_apply("sin", arg), -1)
    if func == "tanh":
        return lc_add(one, lc_scale(_times(value, value), -1))
    if func == "sigmoid":
        return _times(value, lc_add(one, lc_scale(value, -1)))
    if func == "abs":
        return _apply("sign", arg)
    raise Unsupported("matrix.reason_none", expression=func)  # pragma: no cover


def _softplus_argument(n: Call) -> Node | None:
    """Z when ``n`` is log(1 + exp(Z)) (either order): its derivative is σ(Z)."""
    a = n.args[0]
    if n.func != "log" or not isinstance(a, BinOp) or a.op != "+":
        return None
    for one, other in ((a.left, a.right), (a.right, a.left)):
        if (isinstance(one, Num) and one.value == 1 and isinstance(other, Call)
                and other.func == "exp"):
            return other.args[0]
    return None


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
        if n.op in ("+", "-"):
            gb = g if n.op == "+" else lc_scale(g, -1)
            return [(a, _unbroadcast(g, shapes[a])), (b, _unbroadcast(gb, shapes[b]))]
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
        c = base if k > 0 else inv_atom(base)
        grad_c = _power_adjoint(c, abs(k), g)
        if k > 0:
            return [(a, grad_c)]
        cT = lc_atom(tp(c))
        return [(a, lc_scale(lc_mul(lc_mul(cT, grad_c), cT), -1))]
    assert isinstance(n, Call)
    a = n.args[0]
    if n.func == "trace":
        return [(a, lc_mul(g, lc_identity(shapes[a])))]
    if n.func == "det":  # d det(A) = adj(A)ᵀ: valid also where A is singular (A = x·xᵀ)
        m = atomize(v(a))
        if isinstance(m, Inv):  # A = B⁻¹ is invertible: det(A)·A⁻ᵀ = Bᵀ/det(B)
            return [(a, lc_mul(lc_mul(g, lc_det(v(a))), lc_atom(tp(inv_atom(m)))))]
        return [(a, lc_mul(g, lc_atom(tp(_adjugate(m)))))]
    if n.func == "inv":
        inv_t = lc_atom(tp(inv_atom(atomize(v(a)))))
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
    if n.func in ("Identity", "OneMatrix"):
        return []
    if n.func == "ediv":  # d(A ./ B) = dA ./ B − A ∘ dB ./ (B ∘ B)
        b = n.args[1]
        over_b = _reciprocal(v(b))
        return [(a, _times(g, over_b)),
                (b, lc_scale(_times(g, _times(v(a), _times(over_b, over_b))), -1))]
    z = _softplus_argument(n)
    if z is not None:  # d log(1 + exp(Z)) = σ(Z) ∘ dZ
        return [(z, _times(g, _apply("sigmoid", v(z))))]
    return [(a, _times(g, slope(n.func, v(a))))]


def _unbroadcast(g: LC, shape: Shape) -> LC:
    """The adjoint of a number that was broadcast over a matrix: the sum of the entries."""
    if shape == () and g.shape != ():
        return inner(g, lc_atom(Ones(*g.shape)))
    return g


def _split_scalar(lc: LC) -> tuple[LC, LC]:
    """A one-term matrix as (its coefficient and scalar factors, its matrix product)."""
    if len(lc.terms) != 1:
        return lc_const(1), lc
    t = lc.terms[0]
    return LC((Term(t.coef, t.scalars, ()),), ()), LC((Term(Fraction(1), (), t.mats),), lc.shape)


def _adjugate(a: Atom) -> Atom:
    """adj(A); adj(A⁻¹) = det(A)⁻¹·A would need a scalar, so A⁻¹ keeps its adjugate."""
    return Ident(a.shape[0]) if isinstance(a, Ident) else Adj(a)


def _hadamard(a: LC, b: LC) -> LC:
    """a ∘ b, with the numbers pulled out and ones matrices dropped."""
    if not a.terms or not b.terms:
        return LC((), b.shape)
    if a.shape == (1, 1):
        return lc_mul(lc_trace(a), b)
    (ca, ma), (cb, mb) = _split_scalar(a), _split_scalar(b)
    return lc_mul(lc_mul(ca, cb), lc_hadamard(ma, mb))


def _power_adjoint(c: Atom, k: int, g: LC) -> LC:
    """Adjoint of C for Cᵏ: Σᵢ (Cᵀ)ⁱ·G·(Cᵀ)ᵏ⁻¹⁻ⁱ."""
    ct = tp(c)

    def power(i: int) -> LC:
        if i == 0:
            return lc_identity(c.shape)
        return lc_atom(ct if i == 1 else MatPow(ct, i))

    return lc_add(*[lc_mul(lc_mul(power(i), g), power(k - 1 - i)) for i in range(k)])


# ---------------------------------------------------------------------------
# 6. The derivation
