"""Safe parsing of user-supplied expressions (shared by the ``expr`` and ``matrix`` commands).

User text is never executed: it is parsed with ``ast.parse(text, mode="eval")`` (which only
builds a syntax tree) and the tree is walked with an allow-list.  Everything that is not
explicitly allowed -- attribute access other than ``.T``, subscripts, lambdas, comprehensions,
comparisons, strings, dunder names, calls of anything but a declared function, ... -- is
rejected with an :class:`~gradsym.errors.ExpressionError`.

The result is a small immutable tree of :class:`Node` objects:

>>> parse("mean(3*(a+3)**2)", names={"a"}, functions={"mean"})  # doctest: +NORMALIZE_WHITESPACE
Call(func='mean', args=(BinOp(op='*', left=Num(value=Fraction(3, 1), is_decimal=False),
     right=BinOp(op='**', left=BinOp(op='+', left=Name(id='a'),
     right=Num(value=Fraction(3, 1), is_decimal=False)),
     right=Num(value=Fraction(2, 1), is_decimal=False))),))

The tree's classes, printing and folding live in :mod:`gradsym.exprtree`; this module
re-exports them, so ``from gradsym.exprparse import Node, to_text, to_sympy`` keeps working.
It imports nothing but the standard library, :mod:`gradsym.errors` and
:mod:`gradsym.exprtree`; SymPy is imported lazily, only by :func:`to_sympy`.
"""

# ruff: noqa: F405 -- the node classes come from gradsym.exprtree's public names

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from fractions import Fraction

from gradsym import exprtree
from gradsym.errors import ExpressionError, Phrase
from gradsym.exprtree import *  # noqa: F403 -- the tree's public names, re-exported
from gradsym.exprtree import _OPERATORS, _check_power, _listing

__all__ = [*exprtree.__all__, "MAX_DEPTH", "MAX_LENGTH", "matcalc_notation", "parse"]

MAX_LENGTH = 10_000
"""Longest accepted expression, in characters."""

MAX_DEPTH = 60
"""Deepest accepted nesting of the expression tree (``a`` has depth 1, ``-a`` depth 2)."""

MAX_NUMBER_LENGTH = 1_000
"""Longest accepted number literal, in characters."""

MAX_EXPONENT = 1_000
"""Largest accepted magnitude of the exponent of a decimal literal (``1e-1000`` is the limit)."""


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_AST_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.MatMult: "@",
}

# what the parser refuses, as the catalogue words it (``error.<key>``)
_FORBIDDEN_BINOPS: dict[type[ast.operator], str] = {
    ast.FloorDiv: "expr.what.floor_division",
    ast.Mod: "expr.what.modulo",
    ast.BitXor: "expr.what.xor",
    ast.BitOr: "expr.what.bit_or",
    ast.BitAnd: "expr.what.bit_and",
    ast.LShift: "expr.what.shift_left",
    ast.RShift: "expr.what.shift_right",
}

_DOTTED_OPS: dict[type[ast.operator], str] = {ast.Mod: ".*", ast.FloorDiv: "./"}
"""MatCalc's element-wise operators, as :func:`matcalc_notation` spells them for Python."""

_FORBIDDEN_UNARY: dict[type[ast.unaryop], str] = {
    ast.Not: "expr.what.not",
    ast.Invert: "expr.what.invert",
}

_FORBIDDEN_KINDS: dict[type[ast.AST], str] = {
    ast.Lambda: "expr.what.lambda",
    ast.IfExp: "expr.what.conditional",
    ast.Compare: "expr.what.comparison",
    ast.BoolOp: "expr.what.and_or",
    ast.ListComp: "expr.what.list_comprehension",
    ast.SetComp: "expr.what.set_comprehension",
    ast.DictComp: "expr.what.dict_comprehension",
    ast.GeneratorExp: "expr.what.generator",
    ast.NamedExpr: "expr.what.walrus",
    ast.Starred: "expr.what.starred",
    ast.List: "expr.what.list",
    ast.Tuple: "expr.what.tuple",
    ast.Dict: "expr.what.dict",
    ast.Set: "expr.what.set",
    ast.Subscript: "expr.what.subscript",
    ast.Slice: "expr.what.slice",
    ast.Await: "expr.what.await",
    ast.Yield: "expr.what.yield",
    ast.YieldFrom: "expr.what.yield_from",
    ast.JoinedStr: "expr.what.fstring",
    ast.FormattedValue: "expr.what.fstring",
}

_DECIMAL_RE = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _nested_too_deeply() -> ExpressionError:
    return ExpressionError("expr.nested", limit=MAX_DEPTH)


_SNIPPET_LENGTH = 40



class _Parser:
    """Converts a Python ``ast`` expression into :class:`Node` objects, allow-list only."""

    def __init__(
        self,
        source: str,
        line_shift: int,
        col_shift: int,
        names: frozenset[str],
        functions: frozenset[str],
        elementwise: Mapping[str, Callable[[Node, Node], Node]] | None = None,
    ) -> None:
        self.elementwise = elementwise or {}
        self.source = source
        self.lines = _LINE_BREAK_RE.split(source)
        self.line_shift = line_shift
        self.col_shift = col_shift
        self.names = names
        self.functions = functions

    # -- error helpers ---------------------------------------------------------------------

    def position(self, node: ast.AST) -> Phrase | None:
        """The position of ``node`` in the user's (unstripped) text."""
        lineno: int | None = getattr(node, "lineno", None)
        col: int | None = getattr(node, "col_offset", None)
        if lineno is None or col is None or not 1 <= lineno <= len(self.lines):
            return None
        line = self.lines[lineno - 1]
        # ast offsets count UTF-8 bytes; report characters.
        column = len(line.encode("utf-8")[:col].decode("utf-8", "ignore")) + 1
        return _position(lineno, column, self.line_shift, self.col_shift)

    def where(self, node: ast.AST) -> Phrase | str:
        """`` at column C`` (or nothing when the position is not known)."""
        return _where(self.position(node))

    def found(self, node: ast.AST) -> Phrase | str:
        snippet = ast.get_source_segment(self.source, node) or ""
        snippet = " ".join(snippet.split())
        if len(snippet) > _SNIPPET_LENGTH:
            snippet = snippet[: _SNIPPET_LENGTH - 3] + "..."
        position = self.position(node)
        if not snippet:
            return Phrase("expr.found_at", position=position) if position else ""
        return Phrase("expr.found", snippet=snippet, where=_where(position))

    def reject(self, what: Phrase, node: ast.AST, hint: Phrase | str = "") -> ExpressionError:
        return ExpressionError("expr.not_allowed", what=what, hint=hint, found=self.found(node))

    # -- the walk --------------------------------------------------------------------------

    def convert(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _nested_too_deeply()
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            op = _AST_BINOPS.get(type(node.op))
            dotted = _DOTTED_OPS.get(type(node.op))
            if dotted is not None and dotted in self.elementwise:
                left = self.convert(node.left, depth + 1)
                right = self.convert(node.right, depth + 1)
                return self.elementwise[dotted](left, right)
            if op is None:
                kind = _FORBIDDEN_BINOPS.get(type(node.op))
                what = (Phrase(kind) if kind else
                        Phrase("expr.what.operator", operator=type(node.op).__name__))
                raise self.reject(what, node, Phrase("expr.hint.operators",
                                                     operators=" ".join(BINARY_OPS)))
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            return BinOp(op, left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Neg(self.convert(node.operand, depth + 1))
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, depth + 1)
            kind = _FORBIDDEN_UNARY.get(type(node.op))
            what = (Phrase(kind) if kind else
                    Phrase("expr.what.operator", operator=type(node.op).__name__))
            raise self.reject(what, node, Phrase("expr.hint.unary"))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                raise self.reject(Phrase("expr.what.attribute", attribute=node.attr), node,
                                  Phrase("expr.hint.reserved"))
            if node.attr != "T":
                raise self.reject(Phrase("expr.what.attribute", attribute=node.attr), node,
                                  Phrase("expr.hint.attribute"))
            return Transpose(self.convert(node.value, depth + 1))
        kind = _FORBIDDEN_KINDS.get(type(node))
        what = Phrase(kind) if kind else Phrase("expr.what.node", node=type(node).__name__)
        raise self.reject(what, node)

    def constant(self, node: ast.Constant) -> Num:
        value = node.value
        numbers = Phrase("expr.hint.numbers")
        if isinstance(value, bool) or value is None:
            raise self.reject(Phrase("expr.what.constant", value=repr(value)), node, numbers)
        if value is Ellipsis:
            raise self.reject(Phrase("expr.what.ellipsis"), node, numbers)
        if isinstance(value, str):
            raise self.reject(Phrase("expr.what.string"), node, numbers)
        if isinstance(value, bytes):
            raise self.reject(Phrase("expr.what.bytes"), node, numbers)
        if isinstance(value, complex):
            raise self.reject(Phrase("expr.what.complex"), node, Phrase("expr.hint.real"))
        if not isinstance(value, int | float):
            what = Phrase("expr.what.constant_type", type=type(value).__name__)
            raise self.reject(what, node, numbers)
        literal = ast.get_source_segment(self.source, node) or repr(value)
        if len(literal) > MAX_NUMBER_LENGTH:
            raise ExpressionError("expr.number_long", length=len(literal),
                                  limit=MAX_NUMBER_LENGTH, where=self.where(node))
        exponent_part = re.split(r"[eE]", literal, maxsplit=1)[1:] if isinstance(value, float) else []
        if exponent_part and "_" in exponent_part[0]:
            raise ExpressionError("expr.number_underscore", literal=literal,
                                  where=self.where(node))
        if isinstance(value, int):
            return Num(Fraction(value), is_decimal=False)
        return Num(self.decimal(literal, node), is_decimal=True)

    def decimal(self, literal: str, node: ast.AST) -> Fraction:
        """The exact value of a float literal such as ``0.1``, ``1_000.5`` or ``1e-5``."""
        match = _DECIMAL_RE.fullmatch(literal.replace("_", ""))
        if match is None:  # pragma: no cover - Python accepted it as a float literal
            raise ExpressionError("expr.number_unreadable", literal=literal,
                                  where=self.where(node))
        digits = (match["int"] or "") + (match["frac"] or "")
        exponent = int(match["exp"] or "0") - len(match["frac"] or "")
        if abs(int(match["exp"] or "0")) > MAX_EXPONENT:
            raise ExpressionError("expr.number_range", literal=literal, limit=MAX_EXPONENT,
                                  where=self.where(node))
        mantissa = int(digits or "0")
        return (
            Fraction(mantissa * 10**exponent)
            if exponent >= 0
            else Fraction(mantissa, 10**-exponent)
        )

    def name(self, node: ast.Name) -> Name:
        ident = node.id
        if ident.startswith("__"):
            raise self.reject(Phrase("expr.what.name", name=ident), node,
                              Phrase("expr.hint.reserved"))
        if ident not in self.names:
            hint = Phrase("expr.hint.call_it", name=ident) if ident in self.functions else ""
            raise ExpressionError("expr.unknown_name", name=ident, names=_listing(self.names),
                                  hint=hint)
        return Name(ident)

    def call(self, node: ast.Call, depth: int) -> Call:
        allowed = Phrase("expr.allowed_functions", functions=_listing(self.functions))
        reserved = Phrase("expr.hint.reserved")
        func = node.func
        if not isinstance(func, ast.Name):
            for inner in ast.walk(func):  # name the most suspicious part first
                if isinstance(inner, ast.Name) and inner.id.startswith("__"):
                    raise self.reject(Phrase("expr.what.name", name=inner.id), inner, reserved)
                if isinstance(inner, ast.Attribute) and inner.attr.startswith("__"):
                    raise self.reject(Phrase("expr.what.attribute", attribute=inner.attr), inner,
                                      reserved)
            method = isinstance(func, ast.Attribute)
            what = Phrase("expr.what.method_call" if method else "expr.what.this_call")
            raise self.reject(what, node, Phrase("expr.hint.declared", allowed=allowed))
        ident = func.id
        if ident.startswith("__"):
            raise self.reject(Phrase("expr.what.name", name=ident), func, reserved)
        if ident not in self.functions:
            key = "expr.call_variable" if ident in self.names else "expr.function_not_allowed"
            raise ExpressionError(key, name=ident, allowed=allowed, found=self.found(node))
        for keyword in node.keywords:
            what = (Phrase("expr.what.kwargs") if keyword.arg is None else
                    Phrase("expr.what.keyword", name=keyword.arg))
            raise self.reject(what, keyword, Phrase("expr.hint.by_position", name=ident))
        args: list[Node] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.reject(Phrase("expr.what.star_args"), arg,
                                  Phrase("expr.hint.list_arguments", name=ident))
            args.append(self.convert(arg, depth + 1))
        return Call(ident, tuple(args))


def _position(lineno: int, column: int, line_shift: int, col_shift: int) -> Phrase:
    """``at column C`` (or ``at line L, column C``) in the user's original text."""
    if lineno == 1:
        column += col_shift
    lineno += line_shift
    if lineno == 1:
        return Phrase("expr.position.column", column=column)
    return Phrase("expr.position.line", line=lineno, column=column)


def _where(position: Phrase | None) -> Phrase | str:
    """`` at column C`` after a message, or nothing."""
    return Phrase("expr.where", position=position) if position is not None else ""


def matcalc_notation(source: str) -> str:
    """MatrixCalculus.org's notation spelled in Python's syntax, token by token (no evaluation):
    ``x'`` → ``x.T``, ``a^b`` → ``a**b``, ``a.*b`` → ``a %b`` and ``a./b`` → ``a//b`` (the
    parser reads those two back as the element-wise product and quotient; :func:`parse` does
    not rewrite a text with ``%`` or ``//`` of the user's own: those are refused, as before).

    >>> print(matcalc_notation("x'*A'*x + (a.*b)./c^2"))
    x.T*A.T*x + (a %b)//c**2
    """
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        nxt = source[i + 1] if i + 1 < n else ""
        after = source[i + 2] if i + 2 < n else ""
        if ch == "'" and out and (out[-1][-1:].isalnum() or out[-1][-1:] in ")]_"):
            out.append(".T")
        elif ch == "^":
            out.append("**")
        elif ch == "." and nxt == "*" and after != "*":
            out.append(" %")
            i += 1
        elif ch == "." and nxt == "/" and after != "/":
            out.append("//")
            i += 1
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def parse(
    text: str,
    *,
    names: Collection[str],
    functions: Collection[str],
    elementwise: Mapping[str, Callable[[Node, Node], Node]] | None = None,
) -> Node:
    """Parse user text into a :class:`Node` tree, without ever executing it.

    ``names`` are the variables the expression may use, ``functions`` the functions it may
    call.  Anything else raises :class:`~gradsym.errors.ExpressionError`.

    With ``elementwise`` (``{".*": build, "./": build}``) MatrixCalculus.org's notation is
    read too (:func:`matcalc_notation`): ``x'``, ``^``, and ``.*``/``./`` built by those
    functions from the two operands.

    >>> parse("x'*x^2 .* y", names={"x", "y"}, functions=(),
    ...       elementwise={".*": lambda a, b: Call("hadamard", (a, b))})  # doctest: +ELLIPSIS
    Call(func='hadamard', args=(BinOp(op='*', left=Transpose(operand=Name(id='x')), ...

    >>> parse("softmax(a) @ b", names={"a", "b"}, functions={"softmax"})
    BinOp(op='@', left=Call(func='softmax', args=(Name(id='a'),)), right=Name(id='b'))
    >>> parse("a.__class__", names={"a"}, functions=())
    Traceback (most recent call last):
      ...
    gradsym.errors.ExpressionError: the attribute '.__class__' is not allowed in an expression; \
names starting with '__' are reserved (found 'a.__class__' at column 1)
    """
    if not isinstance(text, str):
        raise ExpressionError("expr.text_type", type=type(text).__name__)
    if len(text) > MAX_LENGTH:
        raise ExpressionError("expr.too_long", length=len(text), limit=MAX_LENGTH)
    null = text.find("\x00")
    if null >= 0:
        raise ExpressionError("expr.null_byte", position=null + 1)
    source = text.strip()
    if not source:
        raise ExpressionError("expr.empty")
    if elementwise is not None and ("%" in source or "//" in source):
        elementwise = None  # the user's own % or //: refused below, as always
    if elementwise is not None:
        source = matcalc_notation(source)
    # ast.parse rejects leading indentation: parse the stripped text, report original positions.
    lead = _LINE_BREAK_RE.split(text[: len(text) - len(text.lstrip())])
    line_shift, col_shift = len(lead) - 1, len(lead[-1])
    try:
        with warnings.catch_warnings():
            # e.g. DeprecationWarning for "\d" inside a string; the string is rejected anyway,
            # and a warnings filter set to "error" must not turn into an unexpected exception.
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:  # includes IndentationError
        if "integer string conversion" in str(exc.msg):  # sys.get_int_max_str_digits()
            raise ExpressionError("expr.number_long_text", limit=MAX_NUMBER_LENGTH) from None
        where: Phrase | str = ""
        if exc.lineno is not None and exc.offset is not None and exc.offset >= 1:
            where = _where(_position(exc.lineno, exc.offset, line_shift, col_shift))
        elif exc.offset == 0:  # Python reports column 0 when the text ends too early
            where = _where(Phrase("expr.position.end"))
        # Python's own words, translated by the error templates where they know them
        raise ExpressionError("expr.syntax", reason=Phrase(text=exc.msg), where=where) from None
    except (RecursionError, MemoryError):
        raise _nested_too_deeply() from None
    except (ValueError, OverflowError) as exc:
        raise ExpressionError("expr.syntax", reason=Phrase(text=str(exc)), where="") from None
    parser = _Parser(source, line_shift, col_shift, frozenset(names), frozenset(functions),
                     elementwise)
    try:
        result = parser.convert(tree.body, 1)
    except RecursionError:  # pragma: no cover - the depth check fires long before
        raise _nested_too_deeply() from None
    _constant_value(result)
    return result


def _constant_value(node: Node) -> Fraction | None:
    """The exact value of a sub-expression made of numbers only (else None), refusing any
    whose exact value would need more than :data:`MAX_POWER_BITS` bits (``9**9**9**9``)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = _constant_value(node.operand)
        return None if inner is None else -inner
    if isinstance(node, Transpose):
        _constant_value(node.operand)
        return None
    if isinstance(node, Call):
        for arg in node.args:
            _constant_value(arg)
        return None
    if not isinstance(node, BinOp):
        return None
    left, right = _constant_value(node.left), _constant_value(node.right)
    if left is None or right is None:
        return None
    if node.op == "**":
        _check_power(node, left, right)
        if right.denominator != 1 or (left == 0 and right < 0):
            return None
        value = left ** int(right)
    elif node.op == "/":
        if right == 0:
            return None
        value = left / right
    elif node.op in ("+", "-", "*"):
        value = _OPERATORS[node.op](left, right)
    else:
        return None
    bits = max(abs(value.numerator), value.denominator).bit_length()
    if bits > MAX_POWER_BITS:
        raise ExpressionError("expr.power_digits", expression=to_text(node),
                              digits=int(bits * 0.30103) + 1,
                              limit=int(MAX_POWER_BITS * 0.30103))
    return Fraction(value)
