"""Golden files: the text, Markdown and LaTeX of the seed examples, byte for byte.

tests/golden/NAME.txt, NAME.md and NAME.tex hold what ``gradsym ARGS --format text``,
``markdown`` and ``latex`` print for each command in ``CASES``. After a deliberate change of
output, review the diff and refresh every golden file with the one command:

    python tests/test_golden.py --update
"""

from __future__ import annotations

import difflib
import io
import shlex
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = "python tests/test_golden.py --update"

# name → the command, as a user types it (the seed README's worked examples).
CASES = {
    "conv_seed003": "conv --input 3x3 --kernel 2x2 --x arange --k 1,2,3,4",
    "deconv_seed003": "deconv --input 3x3 --kernel 2x2 --x arange --k 1,2,3,4",
    "chain_seed000": "chain --input 4x4 --x '[[1,2,3,4],[4,3,2,1],[1,2,3,4],[4,3,2,1]]' "
                     "--kernel 3x3 --k ones --b 1 --bias --padding 1 --loss l1 --depth 1",
    "matrix_seed001": "matrix '(X*w - y).T*(X*w - y)' --shape X=3x2 --shape w=2x1 --shape y=3x1 "
                      "--wrt X --wrt w --wrt y",
    "expr_seed004": "expr 'mean(3*(a+3)**2)' --shape a=2 --wrt a --at 'a=[2,3]'",
    "mlp_seed004": "mlp --layers 1,2,1",
    "pool_seed002": "pool --input 4x4 --size 2 --x arange",
}
FORMATS = {"text": "txt", "markdown": "md", "latex": "tex"}
FILES = [(name, fmt, GOLDEN / f"{name}.{suffix}") for name in CASES for fmt, suffix in FORMATS.items()]


def render(argv: list[str]) -> bytes:
    """Run the CLI in-process, as the ``cli`` fixture does, and return what it printed."""
    from gradsym.cli import app
    from gradsym.cli.common import run

    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = run(app, argv)
    if code != 0:
        raise AssertionError(f"gradsym {shlex.join(argv)} exited {code}: {stderr.getvalue()}")
    return stdout.getvalue().encode("utf-8")


def command(name: str, fmt: str) -> list[str]:
    return [*shlex.split(CASES[name]), "--format", fmt]


@pytest.mark.parametrize(("name", "fmt", "path"), FILES, ids=[p.name for *_, p in FILES])
def test_output_matches_golden_file(name: str, fmt: str, path: Path) -> None:
    argv = command(name, fmt)
    assert path.is_file(), f"{path} is missing; create it with: {UPDATE}"
    got, want = render(argv), path.read_bytes()
    if got != want:
        diff = difflib.unified_diff(want.decode("utf-8", "replace").splitlines(),
                                    got.decode("utf-8", "replace").splitlines(),
                                    f"golden/{path.name}", "now", lineterm="", n=1)
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"`gradsym {CASES[name]} --format {fmt}` no longer prints tests/golden/{path.name}.\n"
                    f"{shown}\nIf the change is intended, refresh the golden files with: {UPDATE}")


def test_golden_folder_holds_exactly_the_cases() -> None:
    present = {p.name for p in GOLDEN.iterdir()}
    expected = {p.name for *_, p in FILES}
    assert present == expected, (f"stray or missing golden files: {sorted(present ^ expected)}; "
                                 f"run: {UPDATE}")
    assert len(expected) <= 25  # keep the set small


def update() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for path in GOLDEN.iterdir():
        if path.name not in {p.name for *_, p in FILES}:
            path.unlink()
            print(f"removed {path}")
    for name, fmt, path in FILES:
        data = render(command(name, fmt))
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"updated {path}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE}   (refreshes tests/golden/ from the current output)")
    update()
