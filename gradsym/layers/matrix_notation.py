"""MatrixCalculus.org's notation for ``matrix``, lowered to gradsym's own before elaboration.

The parser (:func:`gradsym.exprparse.parse` with ``elementwise=``) already reads ``x'``
(transpose), ``^`` (power), ``.*`` and ``./`` (element-wise product and quotient). This
module rewrites MatCalc's functions into today's notation:

=================  ==========================================================
``logdet(X)``      ``log(det(X))``
``norm2(x)``       ``norm(x)`` (Euclidean; Frobenius for a matrix)
``norm1(x)``       ``sum(abs(x))``
``eye(n)``         the n×n identity, ``Identity(n)``
``ones(m)``,       a column of m ones / an m×n matrix of ones, ``OneMatrix(m, n)``
``ones(m, n)``
``vector(c)``,     a column / matrix whose entries are all the number ``c``, its size
``matrix(c)``      read from where it stands (``x'*vector(1)``, ``A + matrix(2)``)
``diag(x)``        x a vector: the diagonal matrix ``hadamard(x*OneMatrix(1, n), Identity(n))``;
``diag(X)``        X square: its diagonal as a column, ``hadamard(X, Identity(n))*OneMatrix(n, 1)``
``a ./ b``         ``a / b`` for a number b, else the element-wise quotient ``ediv(a, b)``
=================  ==========================================================

Nothing is evaluated: the tree is rebuilt from :mod:`gradsym.exprparse` nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from gradsym.errors import ExpressionError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose, to_text

Shape = tuple[int, ...]
Want = tuple[int | None, int | None] | None

NOTATION_FUNCTIONS: dict[str, tuple[int, int]] = {
    "logdet": (1, 1),
    "norm1": (1, 1),
    "norm2": (1, 1),
    "eye": (1, 1),
    "ones": (1, 2),
    "vector": (1, 1),
    "matrix": (1, 1),
    "diag": (1, 1),
}
"""MatCalc's functions, accepted as well as gradsym's own (:data:`MATRIX_FUNCTIONS`)."""


def _hadamard(a: Node, b: Node) -> Node:
    return Call("hadamard", (a, b))


def _quotient(a: Node, b: Node) -> Node:
    return Call("./", (a, b))  # resolved by :func:`lower` once the shapes are known


ELEMENTWISE = {".*": _hadamard, "./": _quotient}
"""How the parser builds ``a .* b`` and ``a ./ b`` for ``matrix``."""

_SCALAR_VALUED = ("trace", "tr", "Trace", "det", "Determinant", "sum", "norm", "logdet", "norm1",
                  "norm2")
_SAME_SHAPE = ("inv", "Inverse", "hadamard", "HadamardProduct", "ediv", "log", "exp", "sqrt",
               "sin", "cos", "tanh", "sigmoid", "abs", "Abs")


def _size(node: Node, what: str) -> int:
    if isinstance(node, Num) and node.value.denominator == 1 and node.value > 0:
        return int(node.value)
    raise ExpressionError("matrix.size_number", function=what, got=to_text(node))


def _number(node: Node, what: str) -> Node:
    if isinstance(node, Num) or (isinstance(node, Neg) and isinstance(node.operand, Num)):
        return node
    raise ExpressionError("matrix.entries_number", function=what, got=to_text(node))


def _ones(rows: int, cols: int) -> Node:
    return Call("OneMatrix", (Num(Fraction(rows)), Num(Fraction(cols))))


def _identity(n: int) -> Node:
    return Call("Identity", (Num(Fraction(n)),))


def _square(shape: Shape) -> Shape:
    return () if shape == (1, 1) else shape


def _shape(n: Node, shapes: Mapping[str, Shape]) -> Shape | None:
    """The shape of an already lowered sub-tree, or None where it cannot be told cheaply
    (the elaboration checks the shapes properly afterwards)."""
    if isinstance(n, Num):
        return ()
    if isinstance(n, Name):
        return shapes.get(n.id)
    if isinstance(n, Neg):
        return _shape(n.operand, shapes)
    if isinstance(n, Transpose):
        inner = _shape(n.operand, shapes)
        return None if inner is None else inner[::-1]
    if isinstance(n, BinOp):
        a, b = _shape(n.left, shapes), _shape(n.right, shapes)
        if a is None or b is None:
            return None
        if n.op in ("+", "-"):
            return a if a != () else b
        if n.op in ("*", "@"):
            if a == () or b == ():
                return a or b
            if a[1] == b[0]:
                return (a[0], b[1])
            return b if a == (1, 1) else a if b == (1, 1) else None
        return a
    assert isinstance(n, Call)
    if n.func == "Identity":
        k = _size(n.args[0], "Identity")
        return (k, k)
    if n.func == "OneMatrix":
        return (_size(n.args[0], "OneMatrix"), _size(n.args[1], "OneMatrix"))
    if n.func in _SCALAR_VALUED:
        return ()
    if n.func in _SAME_SHAPE and n.args:
        inner = _shape(n.args[0], shapes)
        return None if inner is None else _square(inner) if n.func not in ("inv",) else inner
    return None


def lower(node: Node, shapes: Mapping[str, Shape]) -> Node:
    """``node`` with MatCalc's functions rewritten into gradsym's notation (see the module
    docstring); ``shapes`` are the declared shapes (vectors as columns)."""
    return _Lowering(shapes).walk(node, None)


class _Lowering:
    def __init__(self, shapes: Mapping[str, Shape]) -> None:
        self.shapes = shapes

    def shape(self, n: Node) -> Shape | None:
        return _shape(n, self.shapes)

    def walk(self, n: Node, want: Want) -> Node:
        """Lower ``n``; ``want`` is the shape its place asks for (entries None if unknown),
        used to size ``vector(c)`` and ``matrix(c)``."""
        if isinstance(n, Num | Name):
            return n
        if isinstance(n, Neg):
            return Neg(self.walk(n.operand, want))
        if isinstance(n, Transpose):
            flipped: Want = None if want is None else (want[1], want[0])
            return Transpose(self.walk(n.operand, flipped))
        if isinstance(n, BinOp):
            return self.binop(n, want)
        assert isinstance(n, Call)
        return self.call(n, want)

    def binop(self, n: BinOp, want: Want) -> Node:
        if n.op in ("+", "-"):
            # a side whose shape is known sizes the other (A + matrix(1))
            first = self.walk(n.left, want) if not _sized_later(n.left) else None
            second = self.walk(n.right, want if first is None else _known(self.shape(first),
                                                                            want))
            if first is None:
                first = self.walk(n.left, _known(self.shape(second), want))
            return BinOp(n.op, first, second)
        if n.op in ("*", "@"):
            rows = want[0] if want is not None else None
            cols = want[1] if want is not None else None
            if _sized_later(n.left) and not _sized_later(n.right):
                right = self.walk(n.right, None)
                rs = self.shape(right)
                left_want: Want = (rows, rs[0]) if rs and len(rs) == 2 else None
                return BinOp(n.op, self.walk(n.left, left_want), right)
            left = self.walk(n.left, None)
            ls = self.shape(left)
            right_want: Want = (ls[1], cols) if ls and len(ls) == 2 else want if ls == () else None
            return BinOp(n.op, left, self.walk(n.right, right_want))
        left, right = self.walk(n.left, want), self.walk(n.right, None)
        return BinOp(n.op, left, right)

    def call(self, n: Call, want: Want) -> Node:
        func = n.func
        if func in ("vector", "matrix"):
            value = _number(n.args[0], f"{func}(...)")
            if want is None or want[0] is None or (func == "matrix" and want[1] is None):
                raise ExpressionError("matrix.ones_size", operand=to_text(n))
            rows = want[0]
            cols = 1 if func == "vector" else want[1]
            if func == "vector" and want[1] not in (None, 1):
                raise ExpressionError("matrix.ones_column", operand=to_text(n), rows=rows,
                                      columns=want[1])
            assert cols is not None
            ones = _ones(rows, cols)
            return ones if value == Num(Fraction(1)) else BinOp("*", value, ones)
        if func == "eye":
            return _identity(_size(n.args[0], "eye"))
        if func == "ones":
            rows = _size(n.args[0], "ones")
            cols = _size(n.args[1], "ones") if len(n.args) == 2 else 1
            return _ones(rows, cols)
        args = tuple(self.walk(a, want if func in _SAME_SHAPE else None) for a in n.args)
        if func == "logdet":
            return Call("log", (Call("det", args),))
        if func == "norm2":
            return Call("norm", args)
        if func == "norm1":
            return Call("sum", (Call("abs", args),))
        if func == "diag":
            return self.diag(args[0], n)
        if func == "./":
            a, b = args
            return BinOp("/", a, b) if self.shape(b) in ((), (1, 1)) else Call("ediv", (a, b))
        return Call(func, args)

    def diag(self, x: Node, whole: Node) -> Node:
        shape = self.shape(x)
        if shape is None or len(shape) != 2:
            raise ExpressionError("matrix.diag_unknown", operand=to_text(whole))
        rows, cols = shape
        if cols == 1 or rows == 1:  # a vector → the diagonal matrix
            k = max(rows, cols)
            column = x if cols == 1 else Transpose(x)
            return Call("hadamard", (BinOp("*", column, _ones(1, k)), _identity(k)))
        if rows != cols:
            raise ExpressionError("matrix.diag_shape", operand=to_text(whole), rows=rows,
                                  columns=cols)
        return BinOp("*", Call("hadamard", (x, _identity(rows))), _ones(rows, 1))


def _sized_later(n: Node) -> bool:
    """True when ``n`` is (a transpose, negation or multiple of) ``vector(c)``/``matrix(c)``,
    whose size comes from its neighbour."""
    while isinstance(n, Neg | Transpose) or (isinstance(n, BinOp) and n.op == "*"
                                              and isinstance(n.left, Num)):
        n = n.operand if isinstance(n, Neg | Transpose) else n.right
    return isinstance(n, Call) and n.func in ("vector", "matrix")


def _known(shape: Shape | None, want: Want) -> Want:
    if shape is not None and len(shape) == 2:
        return (shape[0], shape[1])
    return want
