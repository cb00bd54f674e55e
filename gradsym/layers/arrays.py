"""NumPy semantics for expression trees: static shapes and evaluation on arrays.

Shapes are inferred before anything is built (early errors, the work estimate);
:class:`TreeEvaluator` evaluates a parsed tree on object arrays of scalars, with the
arithmetic of a scalar back end (SymPy expressions, or the numeric check's numbers).
Shared by :mod:`gradsym.layers.expr` (NumPy semantics) and :mod:`gradsym.layers.matrix`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym.errors import ExpressionError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose, to_text

EXPR_FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (fewest, most arguments)
    "sum": (1, 2),
    "mean": (1, 2),
    "exp": (1, 1),
    "log": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tanh": (1, 1),
    "sigmoid": (1, 1),
    "relu": (1, 1),
    "softmax": (1, 2),
    "logsumexp": (1, 2),
    "max": (1, 2),
    "min": (1, 2),
    "maximum": (2, 2),
    "minimum": (2, 2),
    "dot": (2, 2),
    "norm": (1, 1),
}
"""The functions an ``expr`` expression may call (NumPy meanings; see the README)."""

ELEMENTWISE = ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu")
_AXIS_FUNCTIONS = ("sum", "mean", "softmax", "logsumexp", "max", "min")

def shape_text(shape: Sequence[int]) -> str:
    """``3x2``; ``scalar`` for ``()``."""
    return "x".join(map(str, shape)) if shape else "scalar"


def obj(x: Any) -> np.ndarray:
    """``x`` as an object array (a 0-d array for a scalar)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == object else x.astype(object)
    out = np.empty((), dtype=object)
    out[()] = x
    return out


# ---------------------------------------------------------------------------
# NumPy semantics: shapes (static, for early errors and the work estimate) and evaluation


def axis_literal(node: Node) -> int | None:
    """The integer a node spells (``0``, ``-1``), or None."""
    if isinstance(node, Num) and not node.is_decimal and node.value.denominator == 1:
        return int(node.value)
    if isinstance(node, Neg) and isinstance(node.operand, Num):
        inner = axis_literal(node.operand)
        return None if inner is None else -inner
    return None


def _normalize_axis(axis: int, ndim: int, node: Call) -> int:
    if ndim == 0:
        raise ExpressionError("arrays.scalar_axis", expr=repr(to_text(node)), func=node.func)
    if not -ndim <= axis < ndim:
        raise ExpressionError("arrays.axis_range_minmax" if node.func in ("max", "min")
                              else "arrays.axis_range", expr=repr(to_text(node)), func=node.func,
                              axis=axis, ndim=ndim, last=ndim - 1)
    return axis % ndim


def _call_axis(node: Call, ndim: int) -> int | None:
    if len(node.args) < 2:
        return None
    axis = axis_literal(node.args[1])
    if axis is None:
        raise ExpressionError("arrays.axis_type_minmax" if node.func in ("max", "min")
                              else "arrays.axis_type", func=node.func, got=repr(to_text(node.args[1])))
    return _normalize_axis(axis, ndim, node)


def check_arity(node: Call, table: Mapping[str, tuple[int, int]]) -> None:
    low, high = table[node.func]
    n = len(node.args)
    if not low <= n <= high:
        key = "arrays.arity_range" if low != high else "arrays.arity" if high > 1 else "arrays.arity_one"
        raise ExpressionError(key, func=node.func, low=low, high=high, got=n, expr=repr(to_text(node)))


@dataclass(frozen=True)
class Info:
    """Static facts about a sub-expression: NumPy shape and an estimate of element size."""

    shape: tuple[int, ...]
    size: float


def infer(node: Node, shapes: Mapping[str, tuple[int, ...]]) -> Info:
    """Shape of ``node`` under NumPy's rules (ExpressionError naming the culprit otherwise)."""
    if isinstance(node, Num):
        return Info((), 1)
    if isinstance(node, Name):
        return Info(shapes[node.id], 1)
    if isinstance(node, Neg):
        inner = infer(node.operand, shapes)
        return Info(inner.shape, inner.size + 1)
    if isinstance(node, Transpose):
        inner = infer(node.operand, shapes)
        return Info(inner.shape[::-1], inner.size)
    if isinstance(node, BinOp):
        left, right = infer(node.left, shapes), infer(node.right, shapes)
        if node.op == "@":
            shape = _matmul_shape(node, left.shape, right.shape)
            k = left.shape[-1]
            return Info(shape, k * (left.size + right.size))
        shape = _broadcast(node, left.shape, right.shape)
        return Info(shape, left.size + right.size + 1)
    if isinstance(node, Call):
        check_arity(node, EXPR_FUNCTIONS)
        args = [infer(a, shapes) for a in node.args[:1]]
        x = args[0]
        if node.func in ELEMENTWISE:
            return Info(x.shape, x.size + 1)
        if node.func in ("maximum", "minimum"):
            y = infer(node.args[1], shapes)
            return Info(_broadcast(node, x.shape, y.shape), x.size + y.size + 1)
        if node.func == "dot":
            y = infer(node.args[1], shapes)
            try:
                shape = np.dot(np.zeros(x.shape), np.zeros(y.shape)).shape
            except ValueError:
                raise ExpressionError("arrays.dot", expr=repr(to_text(node)), left=shape_text(x.shape),
                                      right=shape_text(y.shape)) from None
            k = x.shape[-1] if x.shape and y.shape else 1
            return Info(tuple(shape), k * (x.size + y.size))
        if node.func == "norm":
            return Info((), math.prod(x.shape) * (x.size + 1))
        axis = _call_axis(node, len(x.shape))
        count = math.prod(x.shape) if axis is None else x.shape[axis]
        if node.func == "softmax":
            if axis is None and x.shape:
                axis = len(x.shape) - 1
                count = x.shape[axis]
            return Info(x.shape, (count + 1) * (x.size + 1))
        reduced = () if axis is None else x.shape[:axis] + x.shape[axis + 1 :]
        return Info(reduced, count * (x.size + 1))
    raise ExpressionError("arrays.cannot", expr=repr(to_text(node)))  # pragma: no cover


def _broadcast(node: Node, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise ExpressionError("arrays.broadcast", expr=repr(to_text(node)), left=shape_text(a),
                              right=shape_text(b)) from None


def _matmul_shape(node: Node, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if not a or not b:
        raise ExpressionError("arrays.matmul_scalar", expr=repr(to_text(node)))
    try:
        return tuple(np.matmul(np.zeros(a), np.zeros(b)).shape)
    except ValueError:
        raise ExpressionError("arrays.matmul_first" if len(b) == 1 else "arrays.matmul_second",
                              expr=repr(to_text(node)), left=shape_text(a), right=shape_text(b),
                              inner=a[-1], other=b[0] if len(b) == 1 else b[-2]) from None


def polynomial_degree(node: Node) -> int | None:
    """An upper bound on the degree of a NumPy-semantics expression in its variables, or None
    when it is not a polynomial (exp, log, max, division by a variable, …)."""
    if isinstance(node, Num):
        return 0
    if isinstance(node, Name):
        return 1
    if isinstance(node, Neg | Transpose):
        return polynomial_degree(node.operand)
    if isinstance(node, BinOp):
        left, right = polynomial_degree(node.left), polynomial_degree(node.right)
        if left is None or right is None:
            return None
        if node.op in ("+", "-"):
            return max(left, right)
        if node.op in ("*", "@"):
            return left + right
        if node.op == "/":
            return left if right == 0 else None
        k = axis_literal(node.right)
        if right == 0 and left == 0:
            return 0
        return left * k if k is not None and 0 <= k <= 64 else None
    assert isinstance(node, Call)
    degrees = [polynomial_degree(a) for a in node.args[:2 if node.func == "dot" else 1]]
    if node.func not in ("sum", "mean", "dot") or any(d is None for d in degrees):
        return None
    return sum(d for d in degrees if d is not None)


class TreeEvaluator:
    """Walk a parsed expression tree on object arrays; the shared skeleton of the evaluators.

    Numbers, names, negation, transposition, ``+``, ``-`` and ``/`` mean the same everywhere;
    subclasses give the rest (``*``, ``@``, ``**`` in :meth:`_binop`, calls in :meth:`_call`),
    which is where element-wise and matrix semantics differ.
    ``scalars`` supplies numbers and scalar functions: :class:`SympyScalars` for the symbolic
    path, :class:`DualScalars` for the independent numeric one; ``functions`` names the scalar
    functions applied element by element.
    """

    def __init__(self, scalars: Any, functions: Iterable[str]) -> None:
        self.s = scalars
        self._elementwise = {name: np.frompyfunc(getattr(scalars, name), 1, 1) for name in functions}

    def run(self, node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return obj(self._eval(node, env))

    def _eval(self, node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
        if isinstance(node, Num):
            return obj(self.s.number(node.value))
        if isinstance(node, Name):
            return env[node.id]
        if isinstance(node, Neg):
            return obj(-self._eval(node.operand, env))
        if isinstance(node, Transpose):
            return self._eval(node.operand, env).T
        if isinstance(node, BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            if node.op == "+":
                return obj(left + right)
            if node.op == "-":
                return obj(left - right)
            if node.op == "/":
                return obj(left / right)
            return self._binop(node, left, right)
        assert isinstance(node, Call)
        return self._call(node, self._eval(node.args[0], env), env)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """``*``, ``@`` and ``**`` of evaluated operands."""
        raise NotImplementedError

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        """A function call whose first argument evaluated to ``x``."""
        raise NotImplementedError


class ArrayEvaluator(TreeEvaluator):
    """Evaluate a parsed expression on object arrays with NumPy's rules (``*`` element-wise)."""

    def __init__(self, scalars: Any) -> None:
        super().__init__(scalars, ELEMENTWISE)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if node.op == "@":
            return obj(np.matmul(left, right))
        if node.op == "*":
            return obj(left * right)
        return obj(np.power(left, right))

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        s = self.s
        func = node.func
        if func in ELEMENTWISE:
            return obj(self._elementwise[func](x))
        if func in ("maximum", "minimum"):
            y = self._eval(node.args[1], env)
            pick = s.max if func == "maximum" else s.min
            a, b = np.broadcast_arrays(x, y)
            out = np.empty(a.shape, dtype=object)
            for index in np.ndindex(*a.shape):
                out[index] = pick([a[index], b[index]])
            return out
        if func == "dot":
            return obj(np.dot(x, self._eval(node.args[1], env)))
        if func == "norm":
            return obj(s.sqrt(_total(x * x)))
        axis = _call_axis(node, x.ndim)
        if func == "sum":
            return obj(_total(x) if axis is None else np.sum(x, axis=axis))
        if func == "mean":
            count = x.size if axis is None else x.shape[axis]
            total = _total(x) if axis is None else np.sum(x, axis=axis)
            return obj(total * s.number(Fraction(1, count)))
        if func in ("max", "min"):
            pick = s.max if func == "max" else s.min
            return reduce_along(x, axis, pick)
        if func == "logsumexp":
            e = self._elementwise["exp"](x)
            return obj(self._elementwise["log"](obj(_total(e) if axis is None
                                                    else np.sum(e, axis=axis))))
        # softmax: along the last axis unless told otherwise
        e = obj(self._elementwise["exp"](x))
        if x.ndim == 0:
            return obj(e / e)
        axis = x.ndim - 1 if axis is None else axis
        return obj(e / np.sum(e, axis=axis, keepdims=True))


def _total(x: np.ndarray) -> Any:
    """The sum of all elements, added left to right (no NumPy reduction over object dtype)."""
    flat = list(obj(x).reshape(-1))
    total = flat[0]
    for item in flat[1:]:
        total = total + item
    return total


def reduce_along(x: np.ndarray, axis: int | None, pick: Callable[[list[Any]], Any]) -> np.ndarray:
    """Apply ``pick`` (a function of a list) over all elements, or along one axis."""
    if axis is None:
        return obj(pick(list(x.reshape(-1))))
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = pick(list(moved[index]))
    return out
