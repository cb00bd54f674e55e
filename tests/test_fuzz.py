"""Never a traceback: generated command lines end in exit 0 (every check holding) or one
``error:`` line with exit 2 — for every command the CLI has."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradsym.cli import app
from gradsym.cli.common import run


def _commands() -> dict[str, list[tuple[str, bool]]]:
    import typer.main

    group = typer.main.get_command(app)
    out = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        out[name] = [(p.opts[0], bool(getattr(p, "is_flag", False))) for p in command.params
                     if p.opts and p.opts[0].startswith("--") and p.opts[0] not in ("--output", "--plot", "--help")]
    return out


COMMANDS = _commands()
SHAPES = ["1", "2", "3", "4", "3x3", "2x2", "4x4", "3x2", "2x3x2", "1x1", "5", "0", "-1", "2x2x2x2",
          "3X3", "3,3", "", "x", "abc", "1e3", "99999999999999999999", "３x３", "2x", "valid", "same"]
VALUES = ["arange", "ones", "zeros", "random", "1,2,3,4", "[[1,2],[3,4]]", "1/2", "0.5", "-0",
          "nan", "inf", "1/0", "1e999", "[[1,2],[3]]", "[1,[2]]", "", " ", "1,,2", "[]",
          "10000000000000000000000", "1e-30", "[" * 40, "a", "1;2"]
WORDS = ["max", "avg", "l1", "mse", "relu", "sigmoid", "tanh", "none", "torch", "tensorflow", "jax",
         "en", "zh", "json", "text", "markdown", "latex", "rich", "forward", "grad,proof", "bogus"]
EXPRS = ["sum(a)", "mean(3*(a+3)**2)", "a", "__import__('os')", "(X*w - y).T*(X*w - y)", "a +", "x=1"]
TEXT = st.one_of(st.sampled_from(SHAPES + VALUES + WORDS + EXPRS), st.text(max_size=12))


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[name]
    argv = [name]
    if name in ("expr", "matrix") and draw(st.booleans()):
        argv.append(draw(st.sampled_from(EXPRS)))
    for opt, is_flag in draw(st.lists(st.sampled_from(options), max_size=7, unique=True)) if options else []:
        argv.append(opt)
        if not is_flag:
            argv.append(draw(TEXT))
    if draw(st.integers(0, 9)) == 0:
        argv.append(draw(st.sampled_from(["--nope", "extra", "-x", "--format="])))
    return argv


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_generated_command_lines_never_crash(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = run(app, [*argv, "--max-terms", "200000"])
    captured = capsys.readouterr()
    if code == 2:
        lines = captured.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, captured.err)
        assert captured.out == ""
    else:
        assert code == 0, (argv, code, captured.err)
        assert "Traceback" not in captured.err
