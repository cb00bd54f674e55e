"""Every script in examples/ runs, asserts its seed's numbers, and writes its documents.

Each script runs in a subprocess (as a user runs it) into a temporary folder. PDFs are
required when ``pdflatex`` is installed, and always on CI.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_CI

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Scripts that draw the README's pictures in a browser are run by their own tests (test_html).
PICTURES = {"html_screenshot.py"}
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_") and p.name not in PICTURES)


def test_there_is_one_example_per_seed_and_a_tour() -> None:
    # The five seed articles (README "The seed documents") are numbered 000 to 004.
    names = [p.stem for p in SCRIPTS]
    assert "tour" in names
    assert [n[:8] for n in names if n.startswith("seed_")] == [f"seed_{i:03d}" for i in range(5)]


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_and_writes_its_documents(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
    want_pdf = ON_CI or shutil.which("pdflatex") is not None
    markdown = sorted(tmp_path.glob("*.md"))
    assert markdown, f"{script.name} wrote no Markdown; it printed:\n{done.stdout}"
    for md in markdown:
        assert md.stat().st_size > 0, f"{md.name} is empty"
        assert f"wrote {md}" in done.stdout
        pdf = md.with_suffix(".pdf")
        if want_pdf:
            assert pdf.is_file(), f"{script.name} made no {pdf.name}:\n{done.stdout}"
            assert pdf.read_bytes().startswith(b"%PDF-"), f"{pdf.name} is not a PDF"
            assert f"wrote {pdf}" in done.stdout
        else:
            assert "pdflatex is not installed" in done.stdout
