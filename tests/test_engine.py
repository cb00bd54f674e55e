"""The engine on its own: imports, parsing, polynomials, the Python API of the contract."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import gradsym
from gradsym.errors import GradsymError, SpecError
from gradsym.poly import Poly, VarTable, differentiate
from gradsym.spec import parse_padding, parse_per_dim, parse_shape, parse_values


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_engine_imports_no_cli_or_rendering_library():
    modules = _modules_after("import gradsym; d = gradsym.conv(input=(3, 3), kernel=(2, 2)); d.forward; d.to_dict()")
    assert not {"typer", "rich", "matplotlib", "click"} & {m.split(".")[0] for m in modules}


def test_help_does_not_import_sympy():
    modules = _modules_after("import sys; sys.argv = ['gradsym', '--help']\n"
                             "from gradsym.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass")
    assert "sympy" not in {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(("text", "shape"), [("3x3", (3, 3)), ("3X3", (3, 3)), ("3,3", (3, 3)),
                                             ("5", (5,)), ("2x3x4", (2, 3, 4)), ((4, 4), (4, 4))])
def test_shapes(text, shape):
    assert parse_shape(text, "--input") == shape


def test_per_dimension_options_and_padding_pairs():
    assert parse_per_dim("2", 3, "--stride") == (2, 2, 2)
    assert parse_per_dim("2x1", 2, "--stride") == (2, 1)
    assert parse_padding("1x0", ndim=2) == ((1, 1), (0, 0))
    assert parse_padding("valid", ndim=2) == ((0, 0), (0, 0))
    with pytest.raises(SpecError, match="stride has 2 values"):
        parse_per_dim("2x1", 3, "--stride")


def test_same_padding_follows_pytorch_extra_at_the_end():
    d = gradsym.conv(input=(5,), kernel=(4,), padding="same")
    assert d.config["padding"] == [[1, 2]]
    assert d.config["output"] == [5]


def test_values_stay_exact():
    v = parse_values("[[1/2, 0.25], [-3, 1e-2]]", (2, 2), "--x")
    assert v.flat == (Fraction(1, 2), Fraction(1, 4), -3, Fraction(1, 100))
    assert v.decimal
    assert parse_values("arange", (2, 3), "--x").flat == (1, 2, 3, 4, 5, 6)
    assert parse_values([[1, 2], [3, 4]], (2, 2), "--k").flat == (1, 2, 3, 4)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.fractions(max_denominator=50), min_size=1, max_size=6))
def test_values_round_trip_exactly(values):
    text = ",".join(f"{v.numerator}/{v.denominator}" for v in values)
    assert [Fraction(x) for x in parse_values(text, (len(values),), "--x").flat] == values


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_value_parser_never_crashes(text):
    try:
        parse_values(text, (2,), "--x")
    except SpecError:
        pass


def test_differentiation_of_polynomials_matches_sympy():
    table = VarTable()
    x, y = table.new("x", (1,)), table.new("y", (1,))
    p = Poly({(x, x, y): 3, (y,): -2, (): 5})
    symbols = table.symbols()
    expr = 3 * symbols[x] ** 2 * symbols[y] - 2 * symbols[y] + 5
    assert sympy.expand(sympy.sympify(table.format(differentiate(p, x))) - sympy.diff(expr, symbols[x])) == 0
    assert table.format(p) == "3*x_1**2*y_1 - 2*y_1 + 5"


def test_python_api_of_the_contract():
    d = gradsym.conv(input=(3, 3), kernel=(2, 2), stride=1, padding=0)
    assert isinstance(d.forward, sympy.ImmutableDenseNDimArray) and d.forward.shape == (2, 2)
    jac = d.jacobian["input"]
    assert isinstance(jac, sympy.ImmutableSparseNDimArray) and jac.shape == (2, 2, 3, 3)
    assert jac[1, 1, 2, 2] == sympy.Symbol("k_2_2") and jac[0, 0, 2, 2] == 0
    assert d.grad["input"][0, 0] == sympy.Symbol("g_1_1") * sympy.Symbol("k_1_1")
    assert all(c.holds for c in d.checks)
    r = d.evaluate(x="arange", k=[[1, 2], [3, 4]])
    assert r.forward.tolist() == [[37, 47], [67, 77]]
    assert r.jacobian["kernel"][1, 1, 1, 1] == 9
    assert r.grad["kernel"].tolist() == [[12, 16], [24, 28]]
    assert d.to_dict()["command"] == "conv"


def test_from_dict_round_trip_with_values_and_bias():
    d = gradsym.conv(input=(3, 3), kernel=(2, 2), bias=True, x="arange", k="1,2,3,4", b="1/2")
    doc = json.loads(d.to_json())
    loaded = gradsym.from_dict(doc)
    assert loaded.to_dict() == doc
    assert loaded.forward == d.forward
    assert loaded.grad["bias"] == d.grad["bias"]
    assert loaded.jacobian["kernel"] == d.jacobian["kernel"]
    assert sympy.sympify(doc["grad"]["input"][1][1]) == d.grad["input"][1, 1]
    assert doc["numeric"]["grad"]["bias"] == 4


def test_from_dict_never_executes_text():
    doc = {"command": "conv", "forward": ["__import__('os').system('echo hacked')"]}
    with pytest.raises(GradsymError):
        gradsym.from_dict(doc)


def test_size_guard_refuses_before_working():
    with pytest.raises(GradsymError, match="max_terms="):
        gradsym.conv(input=(64, 64, 64), kernel=(3, 3, 3))
    with pytest.raises(GradsymError, match="raise it with max_terms="):
        gradsym.conv(input=(8, 8), kernel=(3, 3), max_terms=100)


def test_numeric_jacobian_keeps_the_symbolic_index_set():
    d = gradsym.conv(input=(3,), kernel=(2,), x="0,0,0", k="0,1")
    doc = d.to_dict()
    sym = [(o, w) for o, w, _ in doc["jacobian"]["input"]["nonzeros"]]
    num = [(o, w) for o, w, _ in doc["numeric"]["jacobian"]["input"]["nonzeros"]]
    assert sym == num and 0 in [v for _, _, v in doc["numeric"]["jacobian"]["input"]["nonzeros"]]


def test_plain_bias_is_one_value_channels_bias_a_list():
    plain = gradsym.conv(input=(3,), kernel=(2,), bias=True).to_dict()
    assert plain["symbols"]["bias"] == "b" and plain["grad"]["bias"] == "g_1 + g_2"
    chan = gradsym.conv(input=(3,), kernel=(2,), bias=True, out_channels=2).to_dict()
    assert chan["symbols"]["bias"] == ["b_1", "b_2"]
    assert chan["symbols"]["input"] == [[["x_1_1_1", "x_1_1_2", "x_1_1_3"]]]
    assert np.array(chan["symbols"]["kernel"]).shape == (2, 1, 2)
