"""Read gradsym's JSON documents back: ``gradsym.from_dict(doc)``.

Expression strings are parsed with Python's ``ast`` and an allow-list (never
``eval``/``sympify`` on the text), so a document from anywhere is safe to load.
Names become SymPy symbols with the assumptions the document records; names
listed under ``"shapes"`` become matrix symbols.

>>> import gradsym
>>> doc = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_dict()
>>> loaded = gradsym.from_dict(doc)
>>> loaded.forward[0, 0]
k_1_1*x_1_1 + k_1_2*x_1_2 + k_2_1*x_2_1 + k_2_2*x_2_2
>>> loaded.to_dict() == doc
True
"""

from __future__ import annotations

import ast
import copy
import math
import operator
from collections.abc import Mapping
from typing import Any

from gradsym.errors import GradsymError, SpecError

FUNCTIONS = (
    "Max Min Abs sign exp log sqrt sin cos tan tanh Heaviside Piecewise KroneckerDelta "
    "Rational Integer Float Trace Inverse Determinant Transpose HadamardProduct floor ceiling "
    "Identity OneMatrix ZeroMatrix "
    "Sum Mod And Or Not Contains Range Interval Derivative Indexed IndexedBase"
).split()
MAX_TEXT = 2_000_000
_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
}
_COMPARE = {ast.Lt: "Lt", ast.LtE: "Le", ast.Gt: "Gt", ast.GtE: "Ge", ast.Eq: "Eq", ast.NotEq: "Ne"}


class ExpressionReader:
    """Parses SymPy-syntax strings made by gradsym into SymPy objects, safely."""

    def __init__(self, assumptions: Mapping[str, Mapping[str, bool]] | None = None,
                 shapes: Mapping[str, list[int]] | None = None,
                 indexed: list[str] | None = None) -> None:
        import sympy

        self.sympy = sympy
        self.indexed = set(indexed or [])
        self.assumptions = dict(assumptions or {})
        self.shapes = dict(shapes or {})
        self.names: dict[str, Any] = {}

    def name(self, ident: str) -> Any:
        if ident.startswith("__"):
            raise SpecError("reader.name", name=repr(ident))
        if ident not in self.names:
            sp = self.sympy
            if ident in self.shapes:
                rows, cols = (self.name(k) if isinstance(k, str) else k  # letter sizes
                              for k in (list(self.shapes[ident]) + [1, 1])[:2])
                self.names[ident] = sp.MatrixSymbol(ident, rows, cols)
            elif ident in self.indexed:
                self.names[ident] = sp.IndexedBase(ident)
            elif ident in ("pi", "E", "I", "oo", "zoo", "nan", "True", "False", "Integers",
                           "Naturals0", "Reals"):
                self.names[ident] = {"pi": sp.pi, "E": sp.E, "I": sp.I, "oo": sp.oo, "zoo": sp.zoo,
                                     "nan": sp.nan, "True": sp.true, "False": sp.false,
                                     "Integers": sp.Integers, "Naturals0": sp.Naturals0,
                                     "Reals": sp.Reals}[ident]
            else:
                self.names[ident] = sp.Symbol(ident, **self.assumptions.get(ident, {}))
        return self.names[ident]

    def read(self, text: str) -> Any:
        """One expression string → SymPy object."""
        if not isinstance(text, str):
            return self.sympy.sympify(text) if isinstance(text, (int, float)) else text
        if len(text) > MAX_TEXT:
            raise SpecError("reader.too_long")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise SpecError("reader.unreadable", text=repr(text[:60])) from None
        try:
            return self._node(tree.body)
        except RecursionError:
            raise SpecError("reader.nested") from None

    def _node(self, node: ast.AST) -> Any:
        sp = self.sympy
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return sp.true if node.value else sp.false
            if isinstance(node.value, int):
                return sp.Integer(node.value)
            if isinstance(node.value, float):
                return sp.Float(repr(node.value))
            raise SpecError("reader.constant", value=repr(node.value))
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self._node(node.left), self._node(node.right)
            if isinstance(node.op, ast.Pow):
                _refuse_huge_power(left, right)
            if isinstance(node.op, ast.Div) and left.is_Integer and right.is_Integer:
                return sp.Rational(left, right)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self._node(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Tuple):
            return tuple(self._node(e) for e in node.elts)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return getattr(sp, _COMPARE[type(node.ops[0])])(self._node(node.left),
                                                            self._node(node.comparators[0]))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            # SymPy prints And/Or as & and |
            left, right = self._node(node.left), self._node(node.right)
            return sp.And(left, right) if isinstance(node.op, ast.BitAnd) else sp.Or(left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return sp.Not(self._node(node.operand))
        if isinstance(node, ast.BoolOp):
            parts = [self._node(v) for v in node.values]
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id in self.indexed:
            index = node.slice
            parts = index.elts if isinstance(index, ast.Tuple) else [index]
            return self.name(node.value.id)[tuple(self._node(p) for p in parts)]
        if isinstance(node, ast.Subscript):  # an entry of a matrix expression: (X.T**(-1))[0, 1]
            matrix = self._node(node.value)
            index = node.slice
            parts = [self._node(p) for p in (index.elts if isinstance(index, ast.Tuple) else [index])]
            if getattr(matrix, "is_Matrix", False) and len(parts) == 2 \
                    and all(p.is_Integer for p in parts):
                from sympy.matrices.expressions.matexpr import MatrixElement

                # unevaluated: indexing would work out the whole inverse
                return MatrixElement(matrix, int(parts[0]), int(parts[1]))
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return self._node(node.value).T
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in FUNCTIONS and not node.keywords):
            fn = getattr(sp, node.func.id)
            return fn(*[self._node(a) for a in node.args])
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "adjugate" and len(node.args) == 1 and not node.keywords):
            # matrix closed forms: adj(M), read as SymPy's det(M)·M⁻¹ (equal where M⁻¹ exists)
            m = self._node(node.args[0])
            return sp.Determinant(m) * sp.Inverse(m)
        raise SpecError("reader.node", node=type(node).__name__)


def _refuse_huge_power(base: Any, exponent: Any) -> None:
    """``p ** q`` of exact numbers whose value would be huge (``9**9**9**9``) is refused
    before SymPy computes it (it would run until killed)."""
    from fractions import Fraction

    from gradsym.exprparse import MAX_POWER_BITS

    if not (getattr(base, "is_Rational", False) and getattr(exponent, "is_Rational", False)):
        return
    b, e = Fraction(int(base.p), int(base.q)), Fraction(int(exponent.p), int(exponent.q))
    if abs(b) in (0, 1):
        return
    bits = math.log2(max(abs(b.numerator), b.denominator)) * abs(e.numerator) / e.denominator
    if bits > MAX_POWER_BITS:
        raise SpecError("reader.power", digits=int(bits * 0.30103) + 1,
                        limit=int(MAX_POWER_BITS * 0.30103))


def _nested(value: Any, fn: Any) -> Any:
    if isinstance(value, list):
        return [_nested(v, fn) for v in value]
    return fn(value)


def _array(value: Any, fn: Any) -> Any:
    import sympy

    converted = _nested(value, fn)
    return sympy.ImmutableDenseNDimArray(converted) if isinstance(converted, list) else converted


def _sparse(doc: Mapping[str, Any], fn: Any) -> Any:
    import sympy

    shape = tuple(doc["shape"])
    flat: dict[int, Any] = {}
    for out_index, wrt_index, value in doc["nonzeros"]:
        position = 0
        for i, n in zip(list(out_index) + list(wrt_index), shape, strict=True):
            position = position * n + i
        flat[position] = fn(value)
    return sympy.ImmutableSparseNDimArray(flat, shape or (1,))


class LoadedDerivation:
    """A derivation read back from its JSON: SymPy views of every part, and the document."""

    def __init__(self, doc: Mapping[str, Any]) -> None:

        if not isinstance(doc, Mapping) or "command" not in doc:
            raise SpecError("reader.no_command")
        _validate(doc)
        try:
            self._load(doc)
        except GradsymError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise SpecError("reader.invalid_load", error=f"{type(exc).__name__}: {str(exc)[:80]}") from None

    def _load(self, doc: Mapping[str, Any]) -> None:
        from gradsym.proofs import Check

        self._doc = copy.deepcopy(dict(doc))
        self.command: str = doc["command"]
        self.config: dict[str, Any] = dict(doc.get("config", {}))
        self.reader = ExpressionReader(doc.get("assumptions"), doc.get("shapes"), doc.get("indexed"))
        read = self.reader.read
        self.symbols = {role: _array(names, read) for role, names in doc.get("symbols", {}).items()}
        self.forward = _array(doc["forward"], read) if "forward" in doc else None
        self.jacobian = {role: _sparse(j, read) for role, j in doc.get("jacobian", {}).items()}
        self.grad = {role: _array(g, read) for role, g in doc.get("grad", {}).items()}
        self.gradients = {
            name: _array(entry["expression"], read) for name, entry in doc.get("gradients", {}).items()
        }
        # matrix --hessian: the element-wise second derivatives (the closed form is text)
        self.hessians = {
            name: _array(entry["elementwise"], read) for name, entry in doc.get("hessians", {}).items()
        }
        self.checks = [Check(c["name"], c.get("statement", ""), bool(c["holds"]), c.get("mismatch"))
                       for c in doc.get("checks", [])]
        self.numeric = copy.deepcopy(doc.get("numeric"))

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The document this was read from (a deep copy)."""
        return copy.deepcopy(self._doc)


def _validate(doc: Mapping[str, Any]) -> None:
    """The document's structure, as strictly as the CLI validates options."""

    def bad(why: str, **facts: object) -> SpecError:
        """The key ``why`` with its facts, in the frame "not a valid gradsym document: …"."""
        return SpecError("reader.invalid", why=SpecError(why, **facts))

    if not isinstance(doc["command"], str):
        raise bad("reader.command_type", type=type(doc["command"]).__name__)
    for key in ("config", "symbols", "jacobian", "grad", "gradients", "shapes", "hessians"):
        if key in doc and not isinstance(doc[key], Mapping):
            raise bad("reader.object", key=key, type=type(doc[key]).__name__)
    checks = doc.get("checks", [])
    if not isinstance(checks, list):
        raise bad("reader.checks_type", type=type(checks).__name__)
    for check in checks:
        if not isinstance(check, Mapping) or not isinstance(check.get("name"), str) \
                or not isinstance(check.get("holds"), bool):
            raise bad("reader.check")
    assumptions = doc.get("assumptions", {})
    if not isinstance(assumptions, Mapping) or not all(
        isinstance(name, str) and isinstance(facts, Mapping)
        and all(isinstance(k, str) and k.isidentifier() and isinstance(v, bool) for k, v in facts.items())
        for name, facts in assumptions.items()
    ):
        raise bad("reader.assumptions")
    indexed = doc.get("indexed", [])
    if not isinstance(indexed, list) or not all(isinstance(n, str) for n in indexed):
        raise bad("reader.indexed")
    for name, shape in doc.get("shapes", {}).items():
        if not isinstance(shape, list) or not all(
            (isinstance(n, int) and not isinstance(n, bool) and n >= 0)
            or (isinstance(n, str) and n.isidentifier()) for n in shape  # letter sizes: n, m
        ):
            raise bad("reader.shape", name=repr(name))
    for role, jac in doc.get("jacobian", {}).items():
        if not isinstance(jac, Mapping) or not isinstance(jac.get("shape"), list) \
                or not isinstance(jac.get("nonzeros"), list):
            raise bad("reader.jacobian", role=repr(role))
        shape = jac["shape"]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise bad("reader.jacobian_shape", role=repr(role))
        for entry in jac["nonzeros"]:
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], list)
                    and isinstance(entry[1], list)):
                raise bad("reader.jacobian_entry", role=repr(role))
            index = entry[0] + entry[1]
            if len(index) != len(shape) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n
                for i, n in zip(index, shape)
            ):
                raise bad("reader.jacobian_index", role=repr(role), index=index, shape=shape)


def from_dict(doc: Mapping[str, Any]) -> LoadedDerivation:
    """Read a JSON document (``--format json`` / ``Derivation.to_dict()``) back.

    >>> from_dict({"command": "conv", "forward": ["k_1*x_1"]}).forward[0]
    k_1*x_1
    """
    return LoadedDerivation(doc)
