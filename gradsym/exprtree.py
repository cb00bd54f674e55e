"""The tree of a parsed expression (shared by the ``expr`` and ``matrix`` commands): its
immutable :class:`Node` classes, traversal (:func:`children`, :func:`names_in`), canonical
printing (:func:`to_text`) and folding into SymPy (or any) objects (:func:`to_sympy`).

Trees are built by :func:`gradsym.exprparse.parse`, which re-exports every public name here.
This module imports nothing but the standard library and :mod:`gradsym.errors`; SymPy is
imported lazily, only by :func:`to_sympy`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gradsym.errors import ExpressionError, GradsymError, Phrase

__all__ = [
    "BINARY_OPS",
    "MAX_POWER_BITS",
    "BinOp",
    "Call",
    "Name",
    "Neg",
    "Node",
    "Num",
    "Transpose",
    "children",
    "names_in",
    "to_sympy",
    "to_text",
]

MAX_POWER_BITS = 14_000
"""Most bits of an exact number an expression may compute (about 4,200 digits: Python cannot
print an integer of more than 4,300). :func:`parse` refuses constant sub-expressions such as
``9**9**9`` or ``2**99999`` beyond it, :func:`to_sympy` any ``p ** q`` of exact numbers."""

BINARY_OPS: tuple[str, ...] = ("+", "-", "*", "/", "**", "@")
"""The binary operators an expression may use."""


# --------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """Base class of the expression tree.  Nodes are immutable and hashable."""


@dataclass(frozen=True, slots=True)
class Num(Node):
    """An exact number literal; ``is_decimal`` is True when written with a point or exponent.

    >>> from gradsym.exprparse import parse
    >>> parse("1e-5", names=(), functions=())
    Num(value=Fraction(1, 100000), is_decimal=True)
    """

    value: Fraction
    is_decimal: bool = False


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A reference to a declared name."""

    id: str


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """A binary operation; ``op`` is one of :data:`BINARY_OPS`."""

    op: str
    left: Node
    right: Node

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise ValueError(
                f"unknown operator {self.op!r}; expected one of {' '.join(BINARY_OPS)}"
            )


@dataclass(frozen=True, slots=True)
class Neg(Node):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of a declared function with positional arguments only."""

    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Transpose(Node):
    """``operand.T``."""

    operand: Node




def _listing(items: Collection[str]) -> str | Phrase:
    return ", ".join(sorted(items)) if items else Phrase("expr.none")


# --------------------------------------------------------------------------------------------
# Inspecting and printing trees
# --------------------------------------------------------------------------------------------


def children(node: Node) -> tuple[Node, ...]:
    """The operands of ``node``, left to right (none for a name or a number)."""
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, Neg | Transpose):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def names_in(node: Node) -> set[str]:
    """The variable names used in ``node`` (function names are not included).

    >>> from gradsym.exprparse import parse
    >>> sorted(names_in(parse("mean(a * b) + a", names={"a", "b"}, functions={"mean"})))
    ['a', 'b']
    """
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.add(current.id)
        stack.extend(children(current))
    return found


# Precedence levels, loosest first (Python's own order).
_PREC_ADD = 1  # binary + -
_PREC_MUL = 2  # * / @
_PREC_NEG = 3  # unary -
_PREC_POW = 4  # **
_PREC_POSTFIX = 5  # f(x), x.T
_PREC_ATOM = 6  # names, non-negative numbers

_OP_PREC = {
    "+": _PREC_ADD,
    "-": _PREC_ADD,
    "*": _PREC_MUL,
    "/": _PREC_MUL,
    "@": _PREC_MUL,
    "**": _PREC_POW,
}


def _decimal_text(value: Fraction) -> str | None:
    """Exact decimal spelling of ``value`` (always with a point or exponent), or None."""
    numerator, denominator = abs(value.numerator), value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    mantissa = numerator * 10**places // value.denominator
    exponent = -places
    while mantissa and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    sign = "-" if value < 0 else ""
    if mantissa == 0:
        return f"{sign}0.0"
    if exponent >= 0:
        if exponent > 20:
            return f"{sign}{mantissa}e{exponent}"
        return f"{sign}{mantissa * 10**exponent}.0"
    if exponent < -20:
        return f"{sign}{mantissa}e{exponent}"
    digits = str(mantissa).rjust(-exponent + 1, "0")
    return f"{sign}{digits[:exponent]}.{digits[exponent:]}"


def _num_text(node: Num) -> tuple[str, int]:
    value = node.value
    if node.is_decimal:
        text = _decimal_text(value)
        if text is not None:
            return text, _PREC_NEG if value < 0 else _PREC_ATOM
    if value.denominator == 1:
        return str(value.numerator), _PREC_NEG if value < 0 else _PREC_ATOM
    return f"{value.numerator}/{value.denominator}", _PREC_MUL


def _text(node: Node) -> tuple[str, int]:
    if isinstance(node, Num):
        return _num_text(node)
    if isinstance(node, Name):
        return node.id, _PREC_ATOM
    if isinstance(node, BinOp):
        prec = _OP_PREC[node.op]
        left, left_prec = _text(node.left)
        right, right_prec = _text(node.right)
        if left_prec < prec or (node.op == "**" and left_prec == prec):
            left = f"({left})"
        if right_prec < prec or (node.op != "**" and right_prec == prec):
            right = f"({right})"
        return f"{left} {node.op} {right}", prec
    if isinstance(node, Neg):
        operand, operand_prec = _text(node.operand)
        if operand_prec < _PREC_NEG:
            operand = f"({operand})"
        return f"-{operand}", _PREC_NEG
    if isinstance(node, Transpose):
        operand, operand_prec = _text(node.operand)
        if operand_prec < _PREC_POSTFIX or isinstance(node.operand, Num):
            operand = f"({operand})"
        return f"{operand}.T", _PREC_POSTFIX
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_text(arg)[0] for arg in node.args)})", _PREC_POSTFIX
    raise TypeError(f"not an expression node: {node!r}")


def to_text(node: Node) -> str:
    """Canonical text of ``node``, with parentheses only where needed.

    Parsing the text again gives back the same tree.

    >>> from gradsym.exprparse import parse
    >>> to_text(parse("(X*w - y).T*(X*w-y)", names={"X", "w", "y"}, functions=()))
    '(X * w - y).T * (X * w - y)'
    >>> to_text(parse("a - (b - c) + -a**2 + 1e-5", names={"a", "b", "c"}, functions=()))
    'a - (b - c) + -a ** 2 + 0.00001'
    """
    return _text(node)[0]


# --------------------------------------------------------------------------------------------
# Folding into SymPy (or any) objects
# --------------------------------------------------------------------------------------------

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
}


def _exact(value: object) -> Fraction | None:
    """``value`` as a Fraction if it is an exact rational number (Python or SymPy), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    p, q = getattr(value, "p", None), getattr(value, "q", None)
    if getattr(value, "is_Rational", False) and isinstance(p, int) and isinstance(q, int):
        return Fraction(p, q)
    return None


def _check_power(node: BinOp, base: object, exponent: object) -> None:
    """Refuse ``p ** q`` of exact numbers whose exact result would be huge (e.g. ``9**9**9``)."""
    b, e = _exact(base), _exact(exponent)
    if b is None or e is None or abs(b) in (0, 1):
        return
    bits = math.log2(max(abs(b.numerator), b.denominator)) * abs(e.numerator) / e.denominator
    if bits > MAX_POWER_BITS:
        digits = int(bits * 0.30103) + 1
        raise ExpressionError("expr.power_digits", expression=to_text(node), digits=digits,
                              limit=int(MAX_POWER_BITS * 0.30103))


def _fail(node: Node, exc: BaseException) -> ExpressionError:
    """``cannot evaluate 'a / b': …`` with the reason (a keyed DomainError is worded in the
    message's language; Python's own words by the error templates)."""
    return ExpressionError("expr.cannot_evaluate", expression=to_text(node), reason=exc)


def _fold(
    node: Node,
    env: Mapping[str, object],
    funcs: Mapping[str, Callable[..., object]],
    number: Callable[[Fraction], object],
) -> Any:
    if isinstance(node, Num):
        return number(node.value)
    if isinstance(node, Name):
        if node.id not in env:
            raise ExpressionError("expr.no_value", name=node.id, names=_listing(list(env)))
        return env[node.id]
    if isinstance(node, BinOp):
        left = _fold(node.left, env, funcs, number)
        right = _fold(node.right, env, funcs, number)
        if node.op == "**":
            _check_power(node, left, right)
        try:
            return _OPERATORS[node.op](left, right)
        except GradsymError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise _fail(node, exc) from None
    if isinstance(node, Neg):
        operand: Any = _fold(node.operand, env, funcs, number)
        try:
            return -operand
        except GradsymError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise _fail(node, exc) from None
    if isinstance(node, Transpose):
        operand = _fold(node.operand, env, funcs, number)
        try:
            return operand.T
        except GradsymError:
            raise
        except AttributeError:
            raise ExpressionError("expr.transpose_number", expression=to_text(node),
                                  type=type(operand).__name__) from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise _fail(node, exc) from None
    if isinstance(node, Call):
        if node.func not in funcs:
            raise ExpressionError("expr.function_unavailable", name=node.func,
                                  names=_listing(list(funcs)))
        args = [_fold(arg, env, funcs, number) for arg in node.args]
        try:
            return funcs[node.func](*args)
        except GradsymError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise _fail(node, exc) from None
    raise TypeError(f"not an expression node: {node!r}")


def _sympy_rational(value: Fraction) -> object:
    import sympy

    return sympy.Rational(value.numerator, value.denominator)


def to_sympy(
    node: Node,
    env: Mapping[str, object],
    funcs: Mapping[str, Callable[..., object]],
    *,
    number: Callable[[Fraction], object] | None = None,
) -> object:
    """Fold ``node`` into objects: names from ``env``, calls through ``funcs``.

    Numbers become ``sympy.Rational`` (or ``number(value)`` if given); operators are applied
    with Python's ``+ - * / ** @``, ``-x`` and ``x.T``.  A TypeError/ValueError (e.g. SymPy's
    ShapeError) raised on the way becomes an ExpressionError naming the failing sub-expression;
    GradsymErrors raised by ``funcs`` pass through unchanged.

    >>> import sympy
    >>> from gradsym.exprparse import parse
    >>> a = sympy.Symbol("a")
    >>> to_sympy(parse("3*(a+3)**2/2", names={"a"}, functions=()), {"a": a}, {})
    3*(a + 3)**2/2
    """
    return _fold(node, env, funcs, number or _sympy_rational)
