"""Keyed errors of ``expr`` and ``matrix``: one key per message, worded by the catalogue for the
command line (``--shape``, unchanged English), in Chinese (``--lang zh``) and for Python
(``shape``, ``wrt='a'``). Messages made of parts (``the attribute '.foo'``, ``at column 3``, a
domain error inside ``cannot evaluate at the given values``) are worded part by part in the
same language."""

from __future__ import annotations

import re
from typing import Any

import pytest

import gradsym
from gradsym.errors import GradsymError, Phrase, SpecError
from gradsym.render.catalogues import errors_expr as catalogue
from gradsym.render.wording import word_error

# (command, CLI arguments, Python keyword arguments or None, key, the English error line as the
# command line printed it before the messages were keyed, a piece of the Python wording)
CASES: list[tuple[str, list[str], dict[str, Any] | None, str, str, str]] = [
    ("expr", ["a+b", "--shape", "a=2"], {"shape": "a=2"}, "expr.unknown_name",
     "unknown name 'b' in expression; defined names: a (declare it with --shape b=...)",
     "(declare it with shape b=...)"),
    ("expr", ["sum", "--shape", "a=2"], {"shape": "a=2"}, "expr.unknown_name",
     "unknown name 'sum' in expression; defined names: a (declare it with --shape sum=...) "
     "('sum' is a function: call it, e.g. sum(...))", "'sum' is a function"),
    ("expr", ["a.b(a)", "--shape", "a=2"], {"shape": "a=2"}, "expr.not_allowed",
     "a method call (x.f(...)) is not allowed in an expression; only declared functions can be "
     "called, as f(x); allowed functions: abs, cos, dot, exp, log, logsumexp, max, maximum, mean, "
     "min, minimum, norm, relu, sigmoid, sin, softmax, sqrt, sum, tanh (found 'a.b(a)' at column 1)",
     "(found 'a.b(a)' at column 1)"),
    ("expr", ["a % a", "--shape", "a=2"], {"shape": "a=2"}, "expr.not_allowed",
     "'%' (modulo) is not allowed in an expression; allowed operators: + - * / ** @ "
     "(found 'a % a' at column 1)", "'%' (modulo)"),
    ("expr", ["sum(a, axis=1)", "--shape", "a=2"], {"shape": "a=2"}, "expr.not_allowed",
     "the keyword argument axis=... is not allowed in an expression (in a call of 'sum'); pass "
     "arguments by position (found 'axis=1' at column 8)", "pass arguments by position"),
    ("expr", ["foo(a)", "--shape", "a=2"], {"shape": "a=2"}, "expr.function_not_allowed",
     "function 'foo' is not allowed in an expression; allowed functions: abs, cos, dot, exp, log, "
     "logsumexp, max, maximum, mean, min, minimum, norm, relu, sigmoid, sin, softmax, sqrt, sum, "
     "tanh (found 'foo(a)' at column 1)", "function 'foo'"),
    ("expr", ["a(a)", "--shape", "a=2"], {"shape": "a=2"}, "expr.call_variable",
     "cannot call 'a': it is a variable, not a function; allowed functions: abs, cos, dot, exp, "
     "log, logsumexp, max, maximum, mean, min, minimum, norm, relu, sigmoid, sin, softmax, sqrt, "
     "sum, tanh (found 'a(a)' at column 1)", "it is a variable"),
    ("expr", ["sum(a) +", "--shape", "a=2"], {"shape": "a=2"}, "expr.syntax",
     "cannot parse expression: invalid syntax at the end of the expression",
     "at the end of the expression"),
    ("expr", ["sum(a)\n  +)", "--shape", "a=2"], {"shape": "a=2"}, "expr.syntax",
     "cannot parse expression: unexpected indent at line 2, column 2", "at line 2, column 2"),
    ("expr", ["sum(a)+1e1_0", "--shape", "a=2"], {"shape": "a=2"}, "expr.number_underscore",
     "number '1e1_0' has '_' in its exponent; write the exponent as plain digits (e.g. 1e50) at "
     "column 8", "at column 8"),
    ("expr", ["  ", "--shape", "a=2"], {"shape": "a=2"}, "expr.empty", "expression is empty",
     "expression is empty"),
    ("expr", ["sum(a)+2**(2**30)", "--shape", "a=2"], {"shape": "a=2"}, "expr.power_digits",
     "cannot evaluate '2 ** 2 ** 30': the number would have about 323228502 digits (at most about "
     "4214)", "323228502 digits"),
    ("expr", ["sum(a)+1/0", "--shape", "a=2"], {"shape": "a=2"}, "expr.undefined",
     "the expression 'sum(a)+1/0' is undefined (it divides by zero or takes log(0)): it "
     "evaluates to zoo", "evaluates to zoo"),
    ("expr", ["sum(a)"], {}, "expr.shape_required",
     "--shape is required: declare every name, e.g. --shape a=2 or --shape X=3x2 (or --shape "
     "s=scalar)", "shape is required: declare every name, e.g. shape a=2"),
    ("expr", ["sum(a)", "--shape", "1a=2"], {"shape": "1a=2"}, "expr.name_form",
     "--shape 1a: a name must start with a letter and use only letters, digits and _ (e.g. "
     "--shape a=2)", "(e.g. shape a=2)"),
    ("expr", ["sum(a)", "--shape", "lambda=2"], {"shape": "lambda=2"}, "expr.name_keyword",
     "--shape lambda=2: 'lambda' is a Python keyword; choose another name",
     "shape lambda=2: 'lambda' is a Python keyword"),
    ("expr", ["sum(a)", "--shape", "a=2", "--shape", "a=3"], {"shape": ["a=2", "a=3"]},
     "expr.declared_twice", "--shape a is declared twice; declare each name once",
     "shape a is declared twice"),
    ("expr", ["sum(a)", "--shape", "a=400x400"], {"shape": "a=400x400"}, "expr.too_many_elements",
     "--shape a=400x400 has 160,000 elements; at most 100,000 are supported",
     "shape a=400x400 has 160,000 elements"),
    ("expr", ["sum(a)", "--shape", "a"], {"shape": "a"}, "expr.shape_entry",
     "--shape a: expected NAME=SHAPE, e.g. --shape X=3x2", "e.g. shape X=3x2"),
    ("expr", ["sum(a)", "--shape", "a="], {"shape": "a="}, "expr.shape_empty",
     "--shape a=: the shape is empty; give e.g. 2, 3x2 or scalar", "shape a=: the shape is empty"),
    ("expr", ["sum(a_1)", "--shape", "a=2", "--shape", "a_1=scalar"],
     {"shape": ["a=2", "a_1=scalar"]}, "expr.collision",
     "--shape a and --shape a_1 both use the name 'a_1' (elements are NAME_i_j…); rename one of "
     "them", "shape a and shape a_1"),
    ("expr", ["2", "--shape", "a=2"], {"shape": "a=2"}, "expr.nothing_to_differentiate",
     "the expression uses no declared name; there is nothing to differentiate", "nothing to"),
    ("expr", ["sum(a)", "--shape", "a=2", "--wrt", "b"], {"shape": "a=2", "wrt": "b"},
     "expr.wrt_unknown", "--wrt b: no such name; declared: a (declare it with --shape b=...)",
     "wrt b: no such name; declared: a (declare it with shape b=...)"),
    ("expr", ["sum(a)", "--shape", "a=2", "--wrt", ","], {"shape": "a=2", "wrt": ","},
     "expr.wrt_empty", "--wrt is empty; name a declared tensor, e.g. --wrt a", "e.g. wrt='a'"),
    ("expr", ["sum(a)", "--shape", "a=2", "--at", "a"], {"shape": "a=2", "at": "a"},
     "expr.at_entry", "--at a: expected NAME=VALUES, e.g. --at a=[2,3]", "e.g. at a=[2,3]"),
    ("expr", ["sum(a)", "--shape", "a=2", "--at", "b=1,2"], {"shape": "a=2", "at": {"b": "1,2"}},
     "expr.at_unknown", "--at b: no such name; declared: a", "at b: no such name"),
    ("expr", ["sum(a)+b+c", "--shape", "a=2", "--shape", "b=scalar", "--shape", "c=scalar",
              "--at", "a=1,2"],
     {"shape": ["a=2", "b=scalar", "c=scalar"], "at": {"a": "1,2"}}, "expr.at_missing",
     "--at needs a value for every name in the expression; missing b, c (e.g. --at b=… --at c=…)",
     "missing b, c (e.g. at b=… at c=…)"),
    ("expr", ["sum(log(a))", "--shape", "a=2", "--at", "a=0,1"],
     {"shape": "a=2", "at": {"a": "0,1"}}, "expr.at_evaluate",
     "cannot evaluate at the given values (--at a): log of a number ≤ 0",
     "(at a): log of a number ≤ 0"),
    ("expr", ["sum(a**(-1))+b", "--shape", "a=2", "--shape", "b=scalar", "--at", "a=0,1",
              "--at", "b=1"],
     {"shape": ["a=2", "b=scalar"], "at": {"a": "0,1", "b": "1"}}, "expr.at_evaluate",
     "cannot evaluate at the given values (--at a, --at b): division by zero (0 to a negative "
     "power)", "(at a, at b): division by zero"),
    ("expr", ["--shape", "a=3"], {"shape": "a=3"}, "expr.expression_required",
     "the expression is required, e.g. gradsym expr \"sum(a**2)\" --shape a=3",
     "the expression is required"),
    ("matrix", ["X+Y", "--shape", "X=2x2", "--shape", "Y=3x3"], {"shape": ["X=2x2", "Y=3x3"]},
     "expr.cannot_evaluate",
     "cannot evaluate 'X + Y': cannot add 2x2 and 3x3 (shapes must be equal)", "cannot add"),
    ("matrix", ["sum(X*Y)", "--shape", "X=2x3", "--shape", "Y=2x3"],
     {"shape": ["X=2x3", "Y=2x3"]}, "expr.cannot_evaluate",
     "cannot evaluate 'X * Y': cannot multiply 2x3 by 2x3: the columns of the left (3) must equal "
     "the rows of the right (2)", "the columns of the left (3)"),
    ("matrix", ["sum(X/Y)", "--shape", "X=2x3", "--shape", "Y=2x3"],
     {"shape": ["X=2x3", "Y=2x3"]}, "expr.cannot_evaluate",
     "cannot evaluate 'X / Y': the divisor must be a number (a scalar or 1x1), but 'Y' is 2x3",
     "the divisor must be a number"),
    ("matrix", ["trace(X**100)", "--shape", "X=2x2"], {"shape": "X=2x2"}, "expr.cannot_evaluate",
     "cannot evaluate 'X ** 100': matrix powers are limited to ±12, got 100", "limited to ±12"),
    ("matrix", ["X*Y", "--shape", "X=nxm", "--shape", "Y=nxm"], {"shape": ["X=nxm", "Y=nxm"]},
     "expr.cannot_evaluate",
     "cannot evaluate 'X * Y': cannot multiply nxm by nxm: the columns of the left (m) must equal "
     "the rows of the right (n)", "cannot multiply nxm by nxm"),
    ("matrix", ["sum(eye(0)*X)", "--shape", "X=2x2"], {"shape": "X=2x2"}, "matrix.size_number",
     "eye needs a whole number ≥ 1 as its size, got '0'", "eye needs a whole number"),
    ("matrix", ["sum(vector(X))", "--shape", "X=2x2"], {"shape": "X=2x2"},
     "matrix.entries_number", "vector(...) takes a number (its entries), got 'X'", "its entries"),
    ("matrix", ["sum(diag(X))", "--shape", "X=2x3"], {"shape": "X=2x3"}, "matrix.diag_shape",
     "diag needs a vector or a square matrix, but the argument of 'diag(X)' is 2x3",
     "the argument of 'diag(X)' is 2x3"),
    ("matrix", ["trace(X)", "--shape", "X=nxnxn"], {"shape": "X=nxnxn"}, "matrix.size_count",
     "--shape X=nxnxn: matrix takes scalars, vectors and matrices (at most 2 sizes)",
     "shape X=nxnxn: matrix takes"),
    ("matrix", ["trace(X)", "--shape", "X=nxn", "--at", "X=1,2,3,4"],
     {"shape": "X=nxn", "at": {"X": "1,2,3,4"}}, "matrix.at_letters",
     "--at needs concrete sizes: the sizes in --shape are letters; give numbers (e.g. --shape "
     "X=3x3) to evaluate at values", "at needs concrete sizes: the sizes in shape are letters"),
    ("matrix", ["trace(X)", "--shape", "X=nxn", "--hessian"], {"shape": "X=nxn", "hessian": True},
     "matrix.hessian_letters",
     "--hessian needs concrete sizes: give numbers in --shape (e.g. X=3x3), not letters",
     "hessian needs concrete sizes: give numbers in shape"),
    ("matrix", ["trace(X)+n", "--shape", "X=nxn", "--shape", "n=scalar"],
     {"shape": ["X=nxn", "n=scalar"]}, "matrix.letter_clash",
     "--shape: 'n' is both a name and a size letter; rename one", "shape: 'n' is both"),
    ("matrix", ["X", "--shape", "X=nxn"], {"shape": "X=nxn"}, "matrix.letters_scalar",
     "J is nxn, not a scalar: letter sizes need a scalar objective (take trace, sum or norm), or "
     "give numbers in --shape for the element-wise Jacobian", "give numbers in shape for"),
    ("matrix", ["X", "--shape", "X=2x2", "--hessian"], {"shape": "X=2x2", "hessian": True},
     "matrix.hessian_scalar",
     "--hessian needs a scalar objective, but J is 2x2; make it one with trace, sum or norm, or "
     "drop --hessian", "or drop hessian"),
    ("matrix", ["trace(inv(X))", "--shape", "X=2x2", "--at", "X=1,1,1,1"],
     {"shape": "X=2x2", "at": {"X": "1,1,1,1"}}, "expr.at_evaluate",
     "cannot evaluate at the given values (--at X): the matrix is singular at these values",
     "(at X): the matrix is singular"),
    ("matrix", ["X", "--shape", "X=2x2", "--emit", "numpy"], None, "emit.matrix_scalar",
     "--emit needs a scalar objective with closed matrix forms; J is not a scalar (make it one "
     "with trace, sum or norm)", ""),
    ("matrix", ["trace(X)", "--shape", "X=2x2", "--emit", "foo"], None, "emit.framework",
     "--emit must be one of numpy, torch, jax, got 'foo'", ""),
]


def _id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{case[3]}-{case[1][0][:16]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_the_command_line_wording_is_unchanged_and_one_line(cli, case):
    command, args, _python, _key, english, _piece = case
    result = cli(command, *args)
    assert result.code == 2, result
    assert result.err == f"error: {english}\n"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_chinese_has_no_english_prose(cli, case):
    from tests.test_zh import english_runs

    command, args, *_ = case
    result = cli(command, *args, "--lang", "zh")
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert re.search(r"[\u4e00-\u9fff]", lines[0]), lines[0]
    assert english_runs(lines[0].removeprefix("error: ")) == [], lines[0]


PYTHON_CASES = [c for c in CASES if c[2] is not None]


@pytest.mark.parametrize("case", PYTHON_CASES, ids=[_id(c) for c in PYTHON_CASES])
def test_python_names_parameters_and_keeps_the_key(case):
    command, args, python, key, english, piece = case
    assert python is not None
    expression = None if args[0].startswith("--") else args[0]
    with pytest.raises(GradsymError) as raised:
        getattr(gradsym, command)(expression, **python)
    exc = raised.value
    assert exc.key == key
    assert piece in str(exc), str(exc)
    assert "--" not in str(exc), str(exc)
    # the same error, worded for the command line, is the command line's line
    assert exc.render(caller="cli") == english


def test_emit_from_python_names_the_key():
    d = gradsym.matrix("trace(X)", shape="X=2x2")
    with pytest.raises(SpecError) as raised:
        d.to_code("foo")
    assert raised.value.key == "emit.framework"
    assert "got 'foo'" in str(raised.value)


def test_parts_are_worded_in_the_language_of_the_message():
    facts = {"what": Phrase("expr.what.list"), "hint": "",
             "found": Phrase("expr.found", snippet="[a]",
                             where=Phrase("expr.where",
                                          position=Phrase("expr.position.column", column=3)))}
    assert word_error("expr.not_allowed", facts) == (
        "a list is not allowed in an expression (found '[a]' at column 3)")
    assert word_error("expr.not_allowed", facts, "zh") == "表达式中不允许使用列表（见 '[a]'，位于第 3 列）"


def test_an_inner_domain_error_is_worded_in_the_outer_language():
    from gradsym.rules import DomainError

    inner = DomainError("domain.log")
    assert str(inner) == "log of a number ≤ 0"
    error = SpecError("expr.at_evaluate", names="x", reason=inner)
    assert str(error).endswith(": log of a number ≤ 0")
    assert error.render("zh", "cli").endswith("：对 ≤ 0 的数取对数")


def test_every_key_has_chinese_with_the_same_placeholders():
    pattern = re.compile(r"\{([\w.]+)(?:![rs])?(?::[^}]*)?\}")
    assert catalogue.EN.keys() == catalogue.ZH.keys()
    for key, english in catalogue.EN.items():
        assert set(pattern.findall(english)) == set(pattern.findall(catalogue.ZH[key])), key
