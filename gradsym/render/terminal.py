"""Rich rendering for a terminal (``--format rich``): panels, tables, colour."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gradsym.render.document import (
    SECTIONS,
    Block,
    CheckLine,
    Document,
    Equations,
    Expr,
    Grid,
    Label,
    Num,
    Para,
    Row,
)
from gradsym.render.layout import build_document
from gradsym.render.text import CellFormatter

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def _grid_table(grid: Grid, fmt: CellFormatter) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(title=grid.title, show_header=False, box=box.SQUARE, padding=(0, 1),
                  title_style="bold", caption=grid.note or None)
    ncols = max((len(r) for r in grid.cells), default=0)
    for _ in range(ncols):
        table.add_column(justify="right")
    for row in grid.cells:
        table.add_row(*[_styled(c, fmt) for c in row])
    return table


def _styled(cell: Any, fmt: CellFormatter) -> Any:
    from rich.text import Text

    text = fmt.cell(cell)
    if isinstance(cell, Num) and text == "0":
        return Text(text, style="dim")
    if isinstance(cell, Label):
        return Text(text, style="cyan")
    if isinstance(cell, Expr):
        return Text(text, style="green" if text != "0" else "dim")
    return Text(text)


def _block(block: Block, fmt: CellFormatter) -> Any:
    from rich.columns import Columns
    from rich.table import Table
    from rich.text import Text

    if isinstance(block, Para):
        return Text(block.text, style="italic")
    if isinstance(block, Grid):
        return _grid_table(block, fmt)
    if isinstance(block, Row):
        return Columns([_grid_table(g, fmt) for g in block.grids], padding=(0, 2))
    if isinstance(block, Equations):
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="cyan", no_wrap=True)
        table.add_column()
        table.add_column()
        for lhs, rhs in block.rows:
            table.add_row(fmt.cell(lhs), "=", Text(fmt.cell(rhs)))
        if block.note:
            table.add_row("", "", Text(block.note, style="dim"))
        return table
    assert isinstance(block, CheckLine)
    mark = Text("✓ ", style="bold green") if block.holds else Text("✗ ", style="bold red")
    return Text.assemble(mark, (block.name, "bold"), ": ", block.statement)


def render_rich(doc: Document, console: Any) -> None:
    """Print a document on a Rich console."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    fmt = CellFormatter(doc.derivation)
    console.print(Rule(Text(doc.title, style="bold")))
    for sec in doc.sections:
        console.print(Panel(Group(*[_block(b, fmt) for b in sec.blocks]), title=sec.title,
                            title_align="left", border_style="blue"))
    style = "bold green" if doc.holds else "bold red"
    console.print(Text(("✓ " if doc.holds else "✗ ") + doc.verdict, style=style))


def print_rich(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en",
    console: Any = None,
) -> None:
    """Render a derivation to the terminal."""
    from rich.console import Console

    render_rich(build_document(d, show=show, full=full, lang=lang), console or Console())


def rich_text(d: Derivation, *, width: int = 120, **options: Any) -> str:
    """The Rich rendering captured as text (for files and tests)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    print_rich(d, console=console, **options)
    return str(console.export_text())
