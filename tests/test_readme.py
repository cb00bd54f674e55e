"""Every ``$ gradsym …`` example in the README runs, and prints exactly what the README shows.

After a deliberate change of output, refresh the README's examples with:

    python tests/test_readme.py --update
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples(text: str) -> list[tuple[str, str]]:
    """(command, shown output) for each console block: the first line is ``$ gradsym …``."""
    out = []
    for block in BLOCK.findall(text):
        lines = block.splitlines()
        if lines and lines[0].startswith("$ gradsym"):
            out.append((lines[0][2:], "\n".join(lines[1:]).rstrip()))
    return out


def execute(command: str) -> tuple[int, str]:
    from gradsym.cli import app
    from gradsym.cli.common import run

    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = run(app, shlex.split(command)[1:])
    return code, (stdout.getvalue() + stderr.getvalue()).rstrip()


def _trim(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize(("command", "shown"), examples(README.read_text(encoding="utf-8")))
def test_readme_example(command: str, shown: str) -> None:
    code, printed = execute(command)
    assert code in (0, 2), f"{command} exited {code}"
    if shown:
        assert _trim(printed) == _trim(shown), f"README output of `{command}` is stale"


def test_readme_quick_start_has_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, re.S)
    assert len(commands) == 2
    assert "gradsym conv --input 3x3 --kernel 2x2" in commands[0]
    assert "pytest" in commands[1] and ".[test]" in commands[1]


def update() -> None:
    text = README.read_text(encoding="utf-8")

    def refresh(match: re.Match[str]) -> str:
        lines = match.group(1).splitlines()
        if not lines or not lines[0].startswith("$ gradsym"):
            return match.group(0)
        _, printed = execute(lines[0][2:])
        return f"```console\n{lines[0]}\n{_trim(printed)}\n```"

    README.write_text(BLOCK.sub(refresh, text), encoding="utf-8")


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
