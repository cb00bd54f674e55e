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


def _grid_tables(grid: Grid, fmt: CellFormatter, width: int, lang: str) -> list[Any]:
    """The grid as Rich tables no wider than ``width``: whole cells, never cut; a grid too
    wide for the terminal is split into column bands, each titled with its columns."""
    from gradsym.render.text import display_width
    from gradsym.render.wording import Catalogue

    texts = [[fmt.cell(c) for c in row] for row in grid.cells]
    ncols = max((len(r) for r in texts), default=0)
    needed = [max((display_width(r[j]) for r in texts if j < len(r)), default=0) for j in range(ncols)]
    bands: list[list[int]] = [[]]
    used = 1
    for j, w in enumerate(needed):
        if bands[-1] and used + w + 3 > width:
            bands.append([])
            used = 1
        bands[-1].append(j)
        used += w + 3
    if len(bands) == 1:
        return [_grid_table(grid, grid.title, range(ncols), needed, fmt, width)]
    t = Catalogue(lang)
    return [_grid_table(grid, t("grid.columns" if len(band) > 1 else "grid.column",
                                title=grid.title, first=band[0] + 1, last=band[-1] + 1,
                                count=ncols), band, needed, fmt, width, last=band is bands[-1])
            for band in bands]


def _grid_table(grid: Grid, title: str, columns: Any, needed: list[int], fmt: CellFormatter,
                width: int, last: bool = True) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    cells = [[row[j] if j < len(row) else None for j in columns] for row in grid.cells]
    tall = any("\n" in fmt.cell(c) for row in cells for c in row if c is not None)
    # The title and note wrap (folding a long name) rather than being cut to the table's width.
    table = Table(title=Text(title, style="bold", overflow="fold"), show_header=False,
                  box=box.SQUARE, padding=(0, 1), show_lines=tall,
                  caption=Text(grid.note, overflow="fold") if grid.note and last else None)
    for j in columns:
        if needed[j] + 4 > width:  # wider than the terminal on its own: wrap it, rows ruled
            table.add_column(justify="left", overflow="fold")
            table.show_lines = True
        else:
            table.add_column(justify="right", no_wrap=True, min_width=needed[j])
    for row in cells:
        table.add_row(*[_styled(c, fmt) if c is not None else "" for c in row])
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


def _block(block: Block, fmt: CellFormatter, width: int = 120, lang: str = "en") -> Any:
    from rich.columns import Columns
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if isinstance(block, Para):
        return Text(block.text, style="italic")
    if isinstance(block, Grid):
        return Group(*_grid_tables(block, fmt, width, lang))
    if isinstance(block, Row):
        return Columns([table for g in block.grids for table in _grid_tables(g, fmt, width, lang)],
                       padding=(0, 2))
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
        inner = max(console.width - 4, 20)  # the panel's border and padding
        console.print(Panel(Group(*[_block(b, fmt, inner, doc.lang) for b in sec.blocks]), title=sec.title,
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
