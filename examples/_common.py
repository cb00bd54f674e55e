"""What every example script shares: where to write, and one document from several derivations.

An example regenerates one seed article's worked example as a single document: a title, a
few paragraphs of introduction, then each derivation (``Derivation.to_markdown()`` /
``Derivation.to_latex(standalone=False)``) after a one-line caption. It is written as
Markdown, LaTeX and, when ``pdflatex`` is installed, PDF.

>>> import gradsym
>>> parts = [("The article's example.", gradsym.conv(input=(3, 3), kernel=(2, 2)))]
>>> markdown_document("A title", ["One paragraph with $x^2$."], parts).startswith("# A title")
True
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Intro paragraphs go verbatim into both Markdown and LaTeX, so outside ``$…$`` they keep to
# characters that mean the same in both (no markup, nothing pdflatex's text fonts lack).
_MARKUP = re.compile(r"[^A-Za-z0-9 .,;:!?'()\[\]+=/-]")
_MATH = re.compile(r"\$[^$]*\$")

Parts = Sequence[tuple[str, Any]]  # (caption, Derivation)


def output_folder(script: str) -> Path:
    """The folder named by the first command-line argument, else ``out/`` beside the scripts."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(script).resolve().parent / "out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check_prose(paragraphs: Sequence[str]) -> None:
    for text in paragraphs:
        bad = _MARKUP.search(_MATH.sub("", text))
        if bad:
            raise ValueError(f"put {bad.group(0)!r} inside $…$ (or drop it): {text!r}")


def _demote(markdown: str) -> str:
    """Every heading one level down: the article's title is the document's only ``#``."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        lines.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(lines)


def markdown_document(title: str, intro: Sequence[str], parts: Parts) -> str:
    """The article as GitHub-flavoured Markdown (``$…$`` math)."""
    _check_prose([title, *intro, *(caption for caption, _ in parts)])
    chunks = [f"# {title}", *intro]
    for caption, derivation in parts:
        chunks += ["---", f"**{caption}**", _demote(derivation.to_markdown())]
    return "\n\n".join(chunks) + "\n"


def latex_document(title: str, intro: Sequence[str], parts: Parts) -> str:
    """The article as one standalone LaTeX document (gradsym's own preamble)."""
    _check_prose([title, *intro, *(caption for caption, _ in parts)])
    preamble = parts[0][1].to_latex().split("\\begin{document}", 1)[0]
    chunks = [preamble + "\\begin{document}",
              f"\\begin{{center}}\\Large\\bfseries {title}\\end{{center}}", *intro]
    for caption, derivation in parts:
        chunks += ["\\bigskip\\hrule\\medskip", f"\\textbf{{{caption}}}",
                   derivation.to_latex(standalone=False)]
    return "\n\n".join(chunks) + "\n\\end{document}\n"


def write_article(folder: Path, stem: str, title: str, intro: Sequence[str], parts: Parts) -> list[Path]:
    """Write ``stem.md``, ``stem.tex`` and ``stem.pdf`` (when pdflatex exists); print each path."""
    tex = latex_document(title, intro, parts)
    files = {f"{stem}.md": markdown_document(title, intro, parts).encode("utf-8"),
             f"{stem}.tex": tex.encode("utf-8")}
    if shutil.which("pdflatex") is None:
        print("note: pdflatex is not installed, so no PDF was made "
              "(Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
    else:
        from gradsym.render.latex import compile_pdf

        files[f"{stem}.pdf"] = compile_pdf(tex, lang="en")
    written = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        print(f"wrote {path}")
        written.append(path)
    return written
