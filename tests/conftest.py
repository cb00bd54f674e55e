"""Shared test helpers: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

ON_CI = os.environ.get("CI") == "true"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """``cli("conv", "--input", "3x3", ...)`` → Result(code, stdout, stderr)."""
    from gradsym.cli import app
    from gradsym.cli.common import run

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(app, list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def require(module: str):
    """Import an oracle; required on CI, skipped locally when missing."""
    if ON_CI:
        import importlib

        return importlib.import_module(module)
    return pytest.importorskip(module)
