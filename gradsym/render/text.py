"""Plain-text rendering (``--format text``): the terminal layout without colour.

Names print as ``x₁,₁``; products as ``k₁,₁·x₁,₁``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gradsym.numeric import number_text
from gradsym.poly import Poly
from gradsym.render.document import (
    SECTIONS,
    Block,
    Cell,
    CheckLine,
    Document,
    ElementCells,
    Equations,
    Expr,
    Grid,
    Label,
    Num,
    Para,
    Row,
    Text,
)
from gradsym.render.layout import build_document

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

_NAME = re.compile(r"\b([A-Za-z]+)_(\d+(?:_\d+)*)\b")
SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
WIDTH = 100


def subscript_name(letter: str, index: Sequence[int]) -> str:
    """``x₁,₁`` for letter x and index (1, 1)."""
    if not index:
        return letter
    return letter + ",".join(str(i).translate(SUB) for i in index)


class CellFormatter(ElementCells):
    """Formats cells as Unicode text; shared by the plain and Rich backends."""

    times = "·"
    name = staticmethod(subscript_name)

    def number(self, value: Any) -> str:
        return _num(value)

    def expr(self, elem: Any) -> str:
        if isinstance(elem, Poly):
            return self.poly(elem)
        if hasattr(elem, "free_symbols"):
            return _NAME.sub(lambda m: subscript_name(m.group(1), [int(i) for i in m.group(2).split("_")]),
                             readable_text(elem).replace("**", "^"))
        return _num(elem)

    def cell(self, c: Cell) -> str:
        if isinstance(c, Expr):
            return self.expr(c.elem)
        if isinstance(c, Num):
            if hasattr(c.value, "free_symbols"):  # an exact irrational such as tanh(2)**2
                return self.expr(c.value)
            return number_text(c.value, c.decimal)
        if isinstance(c, Label):
            return c.prefix + subscript_name(c.letter, c.index)
        assert isinstance(c, Text)
        return c.text


def readable_text(expr: Any) -> str:
    """A SymPy expression as terminal maths: ``Σ[a=0..k − 1]``, ``δ(u, v)``, ``∂y[i]/∂x[j]``,
    ``{f if C; 0 otherwise}``, ``v ∈ {0, …, k − 1}`` instead of SymPy's own syntax."""
    return _readable_printer()().doprint(expr)


@functools.cache
def _readable_printer() -> Any:
    from gradsym.sympy_text import natural_printer

    class ReadablePrinter(natural_printer()):  # type: ignore[misc]
        def _print_Sum(self, expr: Any) -> str:
            ranges = ", ".join(f"{self._print(v)}={self._print(lo)}..{self._print(hi)}"
                               for v, lo, hi in expr.limits)
            return f"Σ[{ranges}] {self.parenthesize(expr.function, 50)}"

        def _print_KroneckerDelta(self, expr: Any) -> str:
            return f"δ({self._print(expr.args[0])}, {self._print(expr.args[1])})"

        def _print_Derivative(self, expr: Any) -> str:
            wrt = "".join(f"∂{self._print(v)}" + (f"^{n}" if n != 1 else "")
                          for v, n in expr.variable_count)
            order = sum(n for _, n in expr.variable_count)
            top = "∂" if order == 1 else f"∂^{order}"
            return f"{top}{self._print(expr.expr)}/{wrt}"

        def _print_Piecewise(self, expr: Any) -> str:
            parts = []
            for value, cond in expr.args:
                if cond == True:  # noqa: E712  (SymPy's true)
                    parts.append(f"{self._print(value)} otherwise")
                else:
                    parts.append(f"{self._print(value)} if {self._print(cond)}")
            return "{" + "; ".join(parts) + "}"

        def _print_Contains(self, expr: Any) -> str:
            return f"{self._print(expr.args[0])} ∈ {self._print(expr.args[1])}"

        def _print_Range(self, expr: Any) -> str:
            if expr.step == 1:
                return f"{{{self._print(expr.start)}, …, {self._print(expr.stop - 1)}}}"
            return super()._print_Range(expr)

        def _print_Integers(self, expr: Any) -> str:
            return "ℤ"

        def _print_Relational(self, expr: Any) -> str:
            op = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}.get(expr.rel_op, expr.rel_op)
            return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

        def _print_Max(self, expr: Any) -> str:
            return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_Min(self, expr: Any) -> str:
            return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_And(self, expr: Any) -> str:
            return " and ".join(self._print(a) for a in expr.args)

    return ReadablePrinter


def _num(value: Any) -> str:
    return number_text(value, False)


# Only wide (east-Asian) characters and combining marks change a string's width from its
# length; the characters below U+0300 (ASCII, Latin-1, …) are neither.
_MAYBE_ODD_WIDTH = re.compile(r"[^\u0000-\u02ff]")


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide (CJK) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    width = len(text)
    for c in set(_MAYBE_ODD_WIDTH.findall(text)):
        odd = -1 if unicodedata.combining(c) else 1 if unicodedata.east_asian_width(c) in "WF" else 0
        if odd:
            width += odd * text.count(c)
    return width


def _ljust(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def grid_lines(grid: Grid, fmt: CellFormatter) -> list[str]:
    texts = [[fmt.cell(c) for c in row] for row in grid.cells]
    ncols = max((len(r) for r in texts), default=0)
    widths = [max((display_width(r[j]) for r in texts if j < len(r)), default=0) for j in range(ncols)]
    lines = [grid.title]
    for row in texts:
        lines.append("  " + "  ".join(" " * (widths[j] - display_width(s)) + s for j, s in enumerate(row)))
    if grid.note:
        lines.append("  " + grid.note)
    return lines


def side_by_side(blocks: list[list[str]], gap: int = 4) -> list[str]:
    """Join text blocks horizontally when they fit in WIDTH, else stack them."""
    out: list[str] = []
    line: list[list[str]] = []
    used = 0
    for block in blocks + [[]]:
        width = max((display_width(s) for s in block), default=0)
        if block and (not line or used + gap + width <= WIDTH):
            line.append(block)
            used += width + (gap if used else 0)
            continue
        if line:
            height = max(len(b) for b in line)
            widths = [max(display_width(s) for s in b) for b in line]
            for i in range(height):
                parts = [_ljust(b[i] if i < len(b) else "", w) for b, w in zip(line, widths)]
                out.append((" " * gap).join(parts).rstrip())
            out.append("")
        line, used = ([block], width) if block else ([], 0)
    return out


def block_lines(block: Block, fmt: CellFormatter) -> list[str]:
    if isinstance(block, Para):
        return [block.text, ""]
    if isinstance(block, Grid):
        return grid_lines(block, fmt) + [""]
    if isinstance(block, Row):
        return side_by_side([grid_lines(g, fmt) for g in block.grids])
    if isinstance(block, Equations):
        lines = [f"  {fmt.cell(lhs)} = {fmt.cell(rhs)}" for lhs, rhs in block.rows]
        if block.note:
            lines.append("  " + block.note)
        return lines + [""]
    assert isinstance(block, CheckLine)
    mark = "✓" if block.holds else "✗"
    return [f"{mark} {block.name}: {block.statement}", ""]


def render_document_text(doc: Document) -> str:
    fmt = CellFormatter(doc.derivation)
    lines = [doc.title, "=" * min(display_width(doc.title), WIDTH), ""]
    for sec in doc.sections:
        lines += [sec.title, "-" * display_width(sec.title)]
        for block in sec.blocks:
            lines += block_lines(block, fmt)
    lines.append(("✓ " if doc.holds else "✗ ") + doc.verdict)
    return "\n".join(lines) + "\n"


def render_text(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en"
) -> str:
    """The derivation as plain text."""
    return render_document_text(build_document(d, show=show, full=full, lang=lang))
