"""Tests of gradsym.exprparse: the safe, allow-list parser for user expressions."""

from __future__ import annotations

import ast
import builtins
import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from gradsym import exprparse
from gradsym.errors import ExpressionError, GradsymError
from gradsym.exprparse import (
    MAX_DEPTH,
    MAX_LENGTH,
    BinOp,
    Call,
    Name,
    Neg,
    Node,
    Num,
    Transpose,
    names_in,
    parse,
    to_sympy,
    to_text,
)

NAMES = frozenset({"a", "b", "X", "w", "y"})
FUNCTIONS = frozenset({"mean", "softmax", "sum"})


def p(text: str) -> Node:
    return parse(text, names=NAMES, functions=FUNCTIONS)


def n(value: int | str) -> Num:
    """An integer literal, or a decimal literal given as text (e.g. "0.5")."""
    if isinstance(value, int):
        return Num(Fraction(value), is_decimal=False)
    return Num(Fraction(value), is_decimal=True)


a, b, X, w, y = Name("a"), Name("b"), Name("X"), Name("w"), Name("y")


# --------------------------------------------------------------------------------------------
# Valid expressions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            "mean(3*(a+3)**2)",
            Call("mean", (BinOp("*", n(3), BinOp("**", BinOp("+", a, n(3)), n(2))),)),
        ),
        (
            "(X*w - y).T*(X*w - y)",
            BinOp(
                "*",
                Transpose(BinOp("-", BinOp("*", X, w), y)),
                BinOp("-", BinOp("*", X, w), y),
            ),
        ),
        ("softmax(a) @ b", BinOp("@", Call("softmax", (a,)), b)),
        ("1/2*a", BinOp("*", BinOp("/", n(1), n(2)), a)),
        ("1e-5", Num(Fraction(1, 100_000), is_decimal=True)),
        ("-a", Neg(a)),
        ("+a", a),
        ("+-a", Neg(a)),
        ("--a", Neg(Neg(a))),
        ("-a**2", Neg(BinOp("**", a, n(2)))),
        ("a**-b", BinOp("**", a, Neg(b))),
        ("a**b**2", BinOp("**", a, BinOp("**", b, n(2)))),
        ("a - b - 1", BinOp("-", BinOp("-", a, b), n(1))),
        ("a.T.T", Transpose(Transpose(a))),
        ("X @ w.T", BinOp("@", X, Transpose(w))),
        ("sum(a, b)", Call("sum", (a, b))),
        ("sum()", Call("sum", ())),
        ("0.1", Num(Fraction(1, 10), is_decimal=True)),
        ("0.5", Num(Fraction(1, 2), is_decimal=True)),
        ("1_000.5", Num(Fraction(2001, 2), is_decimal=True)),
        ("2.", Num(Fraction(2), is_decimal=True)),
        (".25e2", Num(Fraction(25), is_decimal=True)),
        ("1E3", Num(Fraction(1000), is_decimal=True)),
        ("0x10", n(16)),
        ("1_000", n(1000)),
        ("  a \n", a),
        ("(a +\n b)", BinOp("+", a, b)),
        ("((((a))))", a),
        ("a # a comment", a),
    ],
)
def test_valid_expressions_parse_to_expected_tree(text: str, tree: Node) -> None:
    assert p(text) == tree


def test_decimals_are_exact_and_marked() -> None:
    node = p("0.1")
    assert isinstance(node, Num)
    assert node.value == Fraction(1, 10)  # not the float 0.1000000000000000055...
    assert node.is_decimal
    assert p("3") == Num(Fraction(3), is_decimal=False)
    assert p("3.0") == Num(Fraction(3), is_decimal=True)
    assert p("3") != p("3.0")


def test_nodes_are_immutable_and_hashable() -> None:
    tree = p("mean(3*(a+3)**2)")
    assert hash(tree) == hash(p("mean(3 * (a + 3) ** 2)"))
    assert {tree, p("mean(3*(a+3)**2)")} == {tree}
    assert isinstance(tree, Call)
    with pytest.raises(AttributeError):
        tree.func = "sum"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown operator '//'"):
        BinOp("//", a, b)


def test_names_in() -> None:
    assert names_in(p("mean(3*(a+3)**2)")) == {"a"}
    assert names_in(p("(X*w - y).T*(X*w - y)")) == {"X", "w", "y"}
    assert names_in(p("softmax(a) @ b")) == {"a", "b"}  # functions are not names
    assert names_in(p("1/2")) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mean(3*(a+3)**2)", "mean(3 * (a + 3) ** 2)"),
        ("(X*w - y).T*(X*w - y)", "(X * w - y).T * (X * w - y)"),
        ("softmax(a) @ b", "softmax(a) @ b"),
        ("1/2*a", "1 / 2 * a"),
        ("1/(2*a)", "1 / (2 * a)"),
        ("a - (b - 1)", "a - (b - 1)"),
        ("(a - b) - 1", "a - b - 1"),
        ("(a**b)**2", "(a ** b) ** 2"),
        ("a**b**2", "a ** b ** 2"),
        ("(-a)**2", "(-a) ** 2"),
        ("-a**2", "-a ** 2"),
        ("-(a*b)", "-(a * b)"),
        ("(-a)*b", "-a * b"),
        ("a**-b", "a ** (-b)"),
        ("(2).T", "(2).T"),
        ("(-a).T", "(-a).T"),
        ("1e-5", "0.00001"),
        ("1e-30", "1e-30"),
        ("1e30", "1e30"),
        ("2.50", "2.5"),
        ("100.", "100.0"),
        ("0.0", "0.0"),
        ("sum(a, b * 2)", "sum(a, b * 2)"),
    ],
)
def test_to_text(text: str, expected: str) -> None:
    assert to_text(p(text)) == expected
    assert p(expected) == p(text)


def test_to_text_of_hand_built_numbers() -> None:
    assert to_text(Num(Fraction(1, 3))) == "1/3"
    assert to_text(Neg(Num(Fraction(1, 3)))) == "-(1/3)"
    assert to_text(BinOp("**", a, Num(Fraction(-2)))) == "a ** (-2)"
    assert to_text(Num(Fraction(-1, 2), is_decimal=True)) == "-0.5"
    assert to_text(Num(Fraction(1, 3), is_decimal=True)) == "1/3"


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------

HOSTILE: list[tuple[str, str]] = [
    ("__import__('os').system('echo hi')", r"the name '__import__' is not allowed"),
    ("__import__('os')", r"the name '__import__' is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", r"attribute '\.__subclasses__' is not allowed"),
    ("a.__class__", r"attribute '\.__class__' is not allowed.*'__' are reserved"),
    ("a.__class__.__base__", r"attribute '\.__base__' is not allowed"),
    ("lambda: 1", r"^lambda is not allowed in an expression"),
    ("[x for x in a]", r"list comprehension is not allowed"),
    ("{x for x in a}", r"set comprehension is not allowed"),
    ("{x: x for x in a}", r"dict comprehension is not allowed"),
    ("(x for x in a)", r"generator expression is not allowed"),
    ("open('f')", r"function 'open' is not allowed.*allowed functions: mean, softmax, sum"),
    ("eval('1')", r"function 'eval' is not allowed"),
    ("exec('1')", r"function 'exec' is not allowed"),
    ("compile('1', 'f', 'eval')", r"function 'compile' is not allowed"),
    ("getattr(a, 'x')", r"function 'getattr' is not allowed"),
    ('"string"', r"string literal is not allowed.*only numbers"),
    ("b'x'", r"bytes literal is not allowed"),
    ("f'{a}'", r"f-string is not allowed"),
    ("a if a else a", r"conditional expression .* is not allowed"),
    ("a < b", r"comparison is not allowed"),
    ("a is b", r"comparison is not allowed"),
    ("a and b", r"'and'/'or' is not allowed"),
    ("not a", r"'not' is not allowed"),
    ("a[0]", r"subscripting .* is not allowed"),
    ("a[1:2]", r"subscripting .* is not allowed"),
    ("a.real", r"attribute '\.real' is not allowed.*only attribute is \.T"),
    ("a.b()", r"method call .* is not allowed"),
    ("a(1)", r"cannot call 'a': it is a variable, not a function"),
    ("mean(a)(b)", r"this call is not allowed"),
    ("sum(a, axis=0)", r"keyword argument axis=\.\.\. is not allowed.*'sum'"),
    ("sum(**a)", r"\*\*kwargs is not allowed"),
    ("sum(*a)", r"\*args \(argument unpacking\) is not allowed"),
    ("*a", r"cannot parse expression: invalid syntax at column 1"),
    ("{a}", r"a set is not allowed"),
    ("{}", r"a dict is not allowed"),
    ("[a]", r"a list is not allowed"),
    ("(a, b)", r"a tuple is not allowed"),
    ("a, b", r"a tuple is not allowed"),
    ("(a := 1)", r"assignment expression \(:=\) is not allowed"),
    ("a := 1", r"cannot parse expression"),
    ("a // b", r"'//' \(floor division\) is not allowed.*allowed operators: \+ - \* / \*\* @"),
    ("a % b", r"'%' \(modulo\) is not allowed"),
    ("~a", r"'~' \(bitwise not\) is not allowed"),
    ("a ^ b", r"'\^' \(bitwise xor; write powers as a \*\* b\) is not allowed"),
    ("a | b", r"'\|' \(bitwise or\) is not allowed"),
    ("a & b", r"'&' \(bitwise and\) is not allowed"),
    ("a << b", r"'<<' \(shift\) is not allowed"),
    ("a >> b", r"'>>' \(shift\) is not allowed"),
    ("await a", r"await is not allowed"),
    ("yield a", r"cannot parse expression"),
    ("import os", r"cannot parse expression: invalid syntax"),
    ("a; b", r"cannot parse expression: invalid syntax"),
    ("x" * 100_000, r"expression is too long \(100000 characters; at most 10000\)"),
    ("(" * 10_000 + ")" * 10_000, r"expression is too long \(20000 characters"),
    ("(" * 4_000 + "a" + ")" * 4_000, r"cannot parse expression: too many nested parentheses"),
    ("-" * 100_000 + "a", r"expression is too long \(100001 characters"),
    ("-" * 9_999 + "a", r"expression is nested too deeply \(at most 60 levels\)"),
    ("-" * 100 + "a", r"expression is nested too deeply \(at most 60 levels\)"),
    ("a" + ".T" * 4_999, r"expression is nested too deeply"),
    ("mean(" * 61 + "a" + ")" * 61, r"expression is nested too deeply"),
    ("a\x00", r"null byte \(\\x00\) at position 2"),
    ("\x00", r"null byte"),
    ("", r"^expression is empty$"),
    ("   \n\t ", r"^expression is empty$"),
    ("1j", r"complex number is not allowed.*only real numbers"),
    ("1.5J", r"complex number is not allowed"),
    ("...", r"'\.\.\.' \(Ellipsis\) is not allowed"),
    ("True", r"True is not allowed in an expression; only numbers are"),
    ("False", r"False is not allowed"),
    ("None", r"None is not allowed"),
    (
        "z",
        r"unknown name 'z' in expression; defined names: X, a, b, w, y \(declare it with shape z=\.\.\.\)",
    ),
    ("mean", r"unknown name 'mean'.*'mean' is a function"),
    ("__a__", r"the name '__a__' is not allowed"),
    ("1e99999", r"number '1e99999' is out of range"),
    ("1" * 2_000, r"number literal is too long \(2000 characters; at most 1000\)"),
    ("1" * 5_000, r"^number literal is too long \(at most 1000 characters\)$"),
    ("1" * 5_000 + ".5", r"number literal is too long \(5002 characters; at most 1000\)"),
    ("a +", r"cannot parse expression: invalid syntax at the end of the expression"),
    ("a b", r"cannot parse expression: invalid syntax at column 3"),
    ("mean(a", r"cannot parse expression: '\(' was never closed at column 5"),
    ("a\\\n\x0c", r"cannot parse expression"),
    ("'\\d'", r"string literal is not allowed"),  # also emits a DeprecationWarning, silenced
]


@pytest.fixture
def nothing_executes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make eval/exec/__import__/os.system fail loudly; compile may only build syntax trees."""
    calls: list[str] = []
    # the catalogue words the error (str(exc)); it is imported, as any module, before the patches
    import gradsym.render.wording  # noqa: F401

    def forbidden(name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return fail

    real_compile = builtins.compile

    def ast_only_compile(
        source: Any, filename: Any, mode: str, flags: int = 0, *args: Any, **kwargs: Any
    ) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("compile was called to produce code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(os, "system", forbidden("os.system"))
    monkeypatch.setattr(sympy, "sympify", forbidden("sympify"))
    yield calls
    assert calls == []


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=lambda v: repr(v[:30]))
def test_hostile_input_is_rejected_and_never_executed(
    text: str, message: str, nothing_executes: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ExpressionError, match=message) as info:
        p(text)
    assert info.value.__cause__ is None  # raised "from None": no Python internals leak
    assert isinstance(info.value, GradsymError)
    assert isinstance(info.value, ValueError)
    out, err = capfd.readouterr()
    assert "hi" not in out
    assert nothing_executes == []


def test_at_least_25_hostile_inputs() -> None:
    assert len(HOSTILE) >= 25


def test_dunder_names_rejected_even_if_declared() -> None:
    with pytest.raises(ExpressionError, match=r"the name '__x' is not allowed"):
        parse("__x + 1", names={"__x"}, functions=())
    with pytest.raises(ExpressionError, match=r"the name '__import__' is not allowed"):
        parse("__import__('os')", names=(), functions={"__import__"})


def test_error_positions_refer_to_the_original_text() -> None:
    with pytest.raises(ExpressionError, match=r"\(found 'a // b' at column 7\)"):
        p("  b + a // b")
    with pytest.raises(ExpressionError, match=r"invalid syntax at line 3, column 7"):
        p("\n\n  a + * b")
    with pytest.raises(ExpressionError, match=r"found 'a\.real' at line 2, column 2"):
        p("(b +\n a.real)")
    with pytest.raises(ExpressionError, match=r"found 'x\.real' at column 5"):
        parse("é + x.real", names={"é", "x"}, functions=())


def test_depth_limit_boundary() -> None:
    ok = "-" * (MAX_DEPTH - 1) + "a"
    assert to_text(p(ok)) == ok
    with pytest.raises(ExpressionError, match="nested too deeply"):
        p("-" + ok)


def test_length_limit_boundary() -> None:
    # a + a + ... is a left-deep chain: long sums hit the depth limit, not the length limit
    with pytest.raises(ExpressionError, match="nested too deeply"):
        p("a+" * MAX_DEPTH + "a")
    assert names_in(p("a+" * (MAX_DEPTH - 1) + "a")) == {"a"}
    exact = " " * (MAX_LENGTH - 1) + "a"
    assert p(exact) == a
    with pytest.raises(ExpressionError, match=r"too long \(10001 characters; at most 10000\)"):
        p(" " + exact)


def test_non_string_input_is_rejected() -> None:
    with pytest.raises(ExpressionError, match="must be text"):
        p(b"a")  # type: ignore[arg-type]


def test_module_never_executes_text() -> None:
    """Static check: the module calls none of the dangerous builtins, and imports no SymPy."""
    tree = ast.parse(Path(exprparse.__file__).read_text(encoding="utf-8"))
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    plain = {func.id for func in calls if isinstance(func, ast.Name)}
    methods = {func.attr for func in calls if isinstance(func, ast.Attribute)}
    assert not plain & {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "S"}
    assert not methods & {"sympify", "parse_expr", "S", "eval", "exec"}
    assert "ast.parse" in Path(exprparse.__file__).read_text(encoding="utf-8")
    top_level_imports = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "sympy" not in top_level_imports


# --------------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------------

EXPRESSION_ALPHABET = "abXwyzT.()+-*/@%^~<>=,:;[]{}'\"0123456789e_ \n\tjmeansoftx"


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=200) | st.text(alphabet=EXPRESSION_ALPHABET, max_size=60))
def test_random_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        tree = p(text)
    except ExpressionError:
        return
    assert isinstance(tree, Node)
    assert p(to_text(tree)) == tree
    assert names_in(tree) <= NAMES


def _trees() -> st.SearchStrategy[Node]:
    leaves: st.SearchStrategy[Node] = st.one_of(
        st.sampled_from(sorted(NAMES)).map(Name),
        st.integers(min_value=0, max_value=10**30).map(lambda v: Num(Fraction(v))),
        st.decimals(
            min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=8
        ).map(lambda d: Num(Fraction(d), is_decimal=True)),
    )

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.builds(BinOp, st.sampled_from(exprparse.BINARY_OPS), children, children),
            st.builds(Neg, children),
            st.builds(Transpose, children),
            st.builds(
                Call,
                st.sampled_from(sorted(FUNCTIONS)),
                st.lists(children, max_size=3).map(tuple),
            ),
        )

    return st.recursive(leaves, extend, max_leaves=25)


@settings(max_examples=30, deadline=None)
@given(_trees())
def test_to_text_round_trips(tree: Node) -> None:
    try:
        parsed = p(to_text(tree))
    except ExpressionError as exc:  # a constant too large to compute is refused, not misread
        assert "digits" in str(exc)
        return
    assert parsed == tree


# --------------------------------------------------------------------------------------------
# to_sympy
# --------------------------------------------------------------------------------------------


class Vec:
    """A tiny element-wise vector, to show that to_sympy folds into any objects."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def _map(self, other: Any, f: Callable[[Any, Any], Any]) -> Vec:
        if isinstance(other, Vec):
            return Vec([f(x, o) for x, o in zip(self.items, other.items, strict=True)])
        return Vec([f(x, other) for x in self.items])

    def __add__(self, other: Any) -> Vec:
        return self._map(other, lambda x, o: x + o)

    def __radd__(self, other: Any) -> Vec:
        return self._map(other, lambda x, o: o + x)

    def __mul__(self, other: Any) -> Vec:
        return self._map(other, lambda x, o: x * o)

    def __rmul__(self, other: Any) -> Vec:
        return self._map(other, lambda x, o: o * x)

    def __pow__(self, other: Any) -> Vec:
        return self._map(other, lambda x, o: x**o)


def test_to_sympy_mean_of_elementwise_vector() -> None:
    a0, a1, a2 = sympy.symbols("a0:3")
    funcs = {"mean": lambda v: sympy.Add(*v.items) / len(v.items)}
    result = to_sympy(p("mean(3*(a+3)**2)"), {"a": Vec([a0, a1, a2])}, funcs)
    expected = (3 * (a0 + 3) ** 2 + 3 * (a1 + 3) ** 2 + 3 * (a2 + 3) ** 2) / 3
    assert sympy.simplify(result - expected) == 0


def test_to_sympy_mean_of_sympy_matrix() -> None:
    am = sympy.Matrix(sympy.symbols("a0:3"))

    def mean(m: sympy.Matrix) -> sympy.Expr:
        return sum(m) / len(m)

    env = {"a": am}
    funcs = {"mean": mean, "sq": lambda m: m.applyfunc(lambda e: 3 * (e + 3) ** 2)}
    tree = parse("mean(sq(a))", names={"a"}, functions=funcs)
    result = to_sympy(tree, env, funcs)
    assert sympy.expand(result - sum(3 * (e + 3) ** 2 for e in am) / 3) == 0


def test_to_sympy_scalar_and_exact_numbers() -> None:
    s = sympy.Symbol("a")
    result = to_sympy(p("mean(3*(a+3)**2)"), {"a": s}, {"mean": lambda e: e})
    assert result == 3 * (s + 3) ** 2
    half = to_sympy(p("1/2*a + 0.1"), {"a": s}, {})
    assert half == s / 2 + sympy.Rational(1, 10)
    assert to_sympy(p("2**0.5"), {}, {}) == sympy.sqrt(2)
    assert to_sympy(p("1e-5"), {}, {}) == sympy.Rational(1, 100_000)


def test_to_sympy_matrices() -> None:
    Xm = sympy.Matrix(3, 2, sympy.symbols("x0:6"))
    wm = sympy.Matrix(sympy.symbols("w0:2"))
    ym = sympy.Matrix(sympy.symbols("y0:3"))
    env = {"X": Xm, "w": wm, "y": ym}
    result = to_sympy(p("(X*w - y).T*(X*w - y)"), env, {})
    residual = Xm * wm - ym
    assert result == residual.T * residual
    assert to_sympy(p("X @ w"), env, {}) == Xm * wm
    assert to_sympy(p("-X.T"), env, {}) == -Xm.T


def test_to_sympy_errors_name_the_failing_subexpression() -> None:
    Xm = sympy.Matrix(3, 2, sympy.symbols("x0:6"))
    env = {"X": Xm, "w": sympy.Matrix(sympy.symbols("w0:3")), "a": sympy.Symbol("a")}
    with pytest.raises(ExpressionError, match=r"^cannot evaluate 'X @ w': .*\(3, 2\).*\(3, 1\)"):
        to_sympy(p("mean(X @ w + 1)"), env, {"mean": lambda m: m})
    with pytest.raises(
        ExpressionError, match=r"cannot evaluate 'a\.T': \.T needs a matrix, got Symbol"
    ):
        to_sympy(p("a.T"), env, {})
    with pytest.raises(ExpressionError, match=r"cannot evaluate 'X \+ a'"):
        to_sympy(p("X + a"), env, {})
    with pytest.raises(ExpressionError, match=r"cannot evaluate 'X \*\* 2': NonSquareMatrixError"):
        to_sympy(p("X ** 2"), env, {})
    with pytest.raises(
        ExpressionError, match=r"cannot evaluate 'mean\(a\)': 'Symbol' object is not iterable"
    ):
        to_sympy(p("mean(a)"), env, {"mean": lambda m: sum(m)})
    with pytest.raises(ExpressionError, match=r"name 'b' has no value"):
        to_sympy(p("b"), env, {})
    with pytest.raises(ExpressionError, match=r"function 'softmax' is not available"):
        to_sympy(p("softmax(a)"), env, {})


def test_to_sympy_refuses_huge_exact_powers() -> None:
    with pytest.raises(
        ExpressionError, match=r"cannot evaluate '9 \*\* 9 \*\* 9': the number would have"
    ):
        to_sympy(p("9**9**9"), {}, {})
    with pytest.raises(ExpressionError, match=r"the number would have"):
        to_sympy(p("0.5**(10**9)"), {}, {})
    assert to_sympy(p("2**100"), {}, {}) == 2**100
    assert to_sympy(p("1**(10**100)"), {}, {}) == 1


def test_to_sympy_lets_gradsym_errors_through() -> None:
    class Budget(GradsymError):
        pass

    def boom(x: object) -> object:
        raise Budget("too big")

    with pytest.raises(Budget, match="^too big$"):
        to_sympy(p("mean(a)"), {"a": sympy.Symbol("a")}, {"mean": boom})


def test_to_sympy_with_custom_numbers() -> None:
    assert to_sympy(p("1/2 + a"), {"a": Fraction(1, 4)}, {}, number=lambda v: v) == Fraction(3, 4)
