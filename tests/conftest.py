"""Shared test helpers: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


_MODULES = itertools.count()


def write_module(code: str, folder: Path, prefix: str = "emitted") -> Path:
    """``code`` in a fresh ``.py`` file of ``folder``."""
    path = folder / f"{prefix}_{next(_MODULES)}.py"
    path.write_text(code, encoding="utf-8")
    return path


def load_module(code: str, folder: Path, prefix: str = "emitted") -> Any:
    """``code`` written to a fresh file in ``folder`` and imported as a module."""
    return import_path(write_module(code, folder, prefix))


def import_path(path: Path) -> Any:
    """The Python file ``path`` imported as a module."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unformatted(code: str) -> str:
    """What ``ruff format --line-length 100`` would change in ``code`` (its diff; "" when it
    changes nothing). Skips the test when ruff is not installed."""
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "format", "--line-length", "100", "--diff", "-"],
                            input=code, capture_output=True, text=True)
    return result.stdout if result.returncode else ""
