"""Markdown rendering (``--format markdown``): GitHub-flavoured, ``$…$`` math, tables.

Suitable for a README, a wiki page or a notebook cell (``Derivation._repr_markdown_``).
Grids become tables with 1-based row/column indices; equations become
``$$\\begin{aligned}…\\end{aligned}$$`` blocks; each proof ends in the identity it
checks, derived as in the LaTeX output.

>>> import gradsym
>>> md = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_markdown()
>>> md.splitlines()[0]
'# gradsym conv — 2-D convolution (cross-correlation, PyTorch semantics)'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gradsym.render.document import (
    ELLIPSIS,
    SECTIONS,
    Block,
    CheckLine,
    Document,
    Equations,
    Formula,
    Grid,
    Num,
    Para,
    Row,
    Typeset,
    verdict_text,
)
from gradsym.render.latex import (
    EQUATIONS_PER_BLOCK,
    TexCells,
    TexSectionWriter,
)
from gradsym.render.layout import build_document

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

_OPTION = re.compile(r"(?<![\w`])(--[a-z][a-z0-9-]*)")
_ESCAPE = re.compile(r"([\\`*_<>#|$~])")


def md_text(text: str) -> str:
    """Prose for Markdown: special characters escaped, option names as code (`--full`)."""
    out: list[str] = []
    pos = 0
    for match in _OPTION.finditer(text):
        out.append(_ESCAPE.sub(r"\\\1", text[pos : match.start()]))
        out.append(f"`{match.group(1)}`")
        pos = match.end()
    out.append(_ESCAPE.sub(r"\\\1", text[pos:]))
    return "".join(out)


def md_math(tex: str) -> str:
    """LaTeX math made safe inside GitHub tables and ``$…$`` (no bare ``|``)."""
    return tex.replace(r"\|", r"\Vert ").replace("|", r"\vert ")


class MarkdownWriter(TexSectionWriter):
    """Turns a document's blocks into Markdown lines."""

    def render(self) -> str:
        lines = [f"# {md_text(self.doc.title)}", ""]
        for section in self.doc.sections:
            lines += self.section(section)
        mark = "✅" if self.doc.holds else "❌"
        lines += [f"**{mark} {md_text(self.doc.verdict)}**", ""]
        return "\n".join(lines)

    def heading(self, title: str) -> list[str]:
        return [f"## {md_text(title)}", ""]

    def block(self, block: Block) -> list[str]:
        if isinstance(block, Para):
            text = block.text
            if isinstance(text, Typeset):  # formulas as $…$ maths, the prose escaped
                return ["".join(f"${md_math(x.tex)}$" if isinstance(x, Formula) else md_text(x)
                                for x in text.segments), ""]
            return [md_text(text), ""]
        if isinstance(block, Grid):
            return self.grid(block)
        if isinstance(block, Row):
            notes = {g.note for g in block.grids}
            shared = notes.pop() if len(notes) == 1 and len(block.grids) > 1 else ""
            lines: list[str] = []
            for grid in block.grids:
                lines += self.grid(grid, show_note=not shared)
            if shared:
                lines += [f"*{md_text(shared)}*", ""]
            return lines
        if isinstance(block, Equations):
            return self.equations(block)
        if isinstance(block, CheckLine):
            return self.check(block, [])
        text = getattr(block, "text", None)
        return [md_text(str(text if text is not None else block)), ""]

    def cell(self, cell: object) -> str:
        if cell == ELLIPSIS:
            return "…"
        if isinstance(cell, Num):
            return _plain_number(self.cells, cell)
        return f"${md_math(self.cells.cell(cell))}$"  # type: ignore[arg-type]

    def grid(self, grid: Grid, show_note: bool = True) -> list[str]:
        ncols = max((len(r) for r in grid.cells), default=0)
        elided_col = bool(grid.cells) and grid.cells[0][-1] == ELLIPSIS
        header = ["", *(str(j + 1) for j in range(ncols))]
        if elided_col:
            header[-1] = "…"
        lines = [f"**{md_text(grid.title)}**", ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---:|" * (ncols + 1))
        last = len(grid.cells) - 1
        for i, row in enumerate(grid.cells):
            elided = i == last and i > 0 and all(c == ELLIPSIS for c in row)
            label = "⋮" if elided else f"**{i + 1}**"
            cells = ["⋮" if elided else self.cell(c) for c in row]
            cells += [""] * (ncols - len(cells))
            lines.append("| " + " | ".join([label, *cells]) + " |")
        lines.append("")
        if grid.note and show_note:
            lines += [f"*{md_text(grid.note)}*", ""]
        return lines

    def equations(self, block: Equations) -> list[str]:
        rows: list[str] = []
        for lhs, rhs in block.rows:
            left = self.cells.cell(lhs)
            parts, note = self.rhs_parts(rhs)
            if note:
                parts[-1] += rf"\qquad\text{{({_math_text(note)})}}"
            for i, part in enumerate(parts):
                prefix = "= " if i == 0 else r"\quad "
                rows.append(f"{left if i == 0 else ''} &{prefix}{part}")
        lines = self.aligned(rows)
        if block.note:
            lines += [f"*{md_text(block.note)}*", ""]
        return lines

    def aligned(self, rows: list[str]) -> list[str]:
        lines: list[str] = []
        for start in range(0, len(rows), EQUATIONS_PER_BLOCK):
            chunk = rows[start : start + EQUATIONS_PER_BLOCK]
            lines += ["$$", r"\begin{aligned}", *(md_math(r) + r" \\" for r in chunk[:-1]),
                      md_math(chunk[-1]), r"\end{aligned}", "$$", ""]
        return lines

    def check(self, line: CheckLine, illustration: list[Block]) -> list[str]:
        mark = "✅" if line.holds else "❌"
        verdict = verdict_text(self.t, line.holds)
        lines = [f"### {mark} `{line.name}`", "", f"{md_text(line.statement)} {md_text(verdict)}", ""]
        for block in illustration:
            lines += self.block(block)
        body = []
        for lhs, rhs, reason in self.proof_rows(line):
            tail = rf" && \text{{{_math_text(reason)}}}" if reason else ""
            body.append(f"{lhs} &{rhs}{tail}")
        if body:
            lines += self.aligned(body)
        return lines


def _plain_number(cells: TexCells, cell: Num) -> str:
    tex = cells.cell(cell)
    return tex if tex.lstrip("-").replace(".", "", 1).isdigit() else f"${md_math(tex)}$"


def _math_text(text: str) -> str:
    """Plain text inside ``\\text{…}`` in math."""
    return re.sub(r"([\\{}$&#%_^~])", r"\\\1", text)


def render_document_markdown(doc: Document, *, full: bool = False, lang: str = "en") -> str:
    return MarkdownWriter(doc, full, lang).render()


def render_markdown(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en"
) -> str:
    """The derivation as GitHub-flavoured Markdown.

    >>> import gradsym
    >>> md = render_markdown(gradsym.conv(input=(3, 3), kernel=(2, 2)))
    >>> "y_{1,1} &= k_{1,1} x_{1,1}" in md
    True
    """
    doc = build_document(d, show=show, full=full, lang=lang)
    return render_document_markdown(doc, full=full, lang=lang)
