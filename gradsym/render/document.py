"""A renderer-neutral document of a derivation: headings, grids, equations, checks.

Built once from a :class:`~gradsym.derivation.Derivation`; each backend
(plain text, Rich, Markdown, LaTeX) only decides how blocks and cells look.
Large derivations are summarised here, in one place, unless ``full`` is set.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.grids import ZERO
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

SECTIONS = ("forward", "jacobian", "grad", "proof")
MAX_EQUATIONS = 24
MAX_TABLES = 6
MAX_GRID = 10
MAX_SLICES = 4


# -- cells -------------------------------------------------------------------------
@dataclass(frozen=True)
class Expr:
    """An engine element: Poly, exact number or SymPy expression."""

    elem: Any


@dataclass(frozen=True)
class Num:
    """A numeric value (exact), printed as a decimal if the user wrote decimals."""

    value: Any
    decimal: bool = False


@dataclass(frozen=True)
class Label:
    """A tensor element's name: letter with 1-based index, optional prefix (∂L/∂)."""

    letter: str
    index: tuple[int, ...]
    prefix: str = ""


@dataclass(frozen=True)
class Text:
    text: str


Cell = Expr | Num | Label | Text
ELLIPSIS = Text("…")


# -- prose with typeset formulas -------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """A formula inside prose: ``text`` for the terminal (code form), ``tex`` (LaTeX maths,
    no ``$``) for LaTeX, PDF and Markdown."""

    text: str
    tex: str

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)


class Typeset(str):
    """A prose line whose formulas are typeset in LaTeX and Markdown: as a ``str`` it is the
    terminal text; ``segments`` alternate prose (str) and :class:`Formula`."""

    segments: tuple[str | Formula, ...]

    def __new__(cls, segments: tuple[str | Formula, ...]) -> Typeset:
        self = super().__new__(cls, "".join(str(x) for x in segments))
        self.segments = segments
        return self

    def prefixed(self, head: str | Formula, glue: str) -> Typeset:
        """``head`` + ``glue`` + this line."""
        return Typeset((head, glue, *self.segments))


_SLOT = "\x00{}\x00"


def typeset(t: Any, key: str, **params: Any) -> Typeset:
    """``t(key, **params)`` keeping every :class:`Formula` (or :class:`Typeset`) parameter as
    a formula, so LaTeX and Markdown can typeset it."""
    pieces: list[str | Formula] = []
    plain: dict[str, Any] = {}
    slots: list[tuple[str | Formula, ...]] = []
    for name, value in params.items():
        if isinstance(value, Formula | Typeset):
            plain[name] = _SLOT.format(len(slots))
            slots.append(value.segments if isinstance(value, Typeset) else (value,))
        else:
            plain[name] = value
    for i, part in enumerate(str(t(key, **plain)).split("\x00")):
        if i % 2 == 0:
            if part:
                pieces.append(part)
        else:
            pieces.extend(slots[int(part)])
    return Typeset(tuple(pieces))


# -- blocks ------------------------------------------------------------------------
@dataclass
class Para:
    text: Any  # str; in a command's own sections also (catalogue key, params), resolved here


@dataclass
class Grid:
    title: str
    cells: list[list[Cell]]
    note: str = ""
    # Per cell, the name of the tensor element it shows where the cell alone does not say
    # (a value, a Jacobian entry); "" for none. Used by the HTML backend's links.
    symbols: list[list[str]] | None = None


@dataclass
class Row:
    """Grids shown side by side."""

    grids: list[Grid]


@dataclass
class Equations:
    rows: list[tuple[Cell, Cell]]
    note: str = ""


@dataclass
class CheckLine:
    name: str
    statement: str
    holds: bool


Block = Para | Grid | Row | Equations | CheckLine


def group_checks(blocks: list[Block]) -> list[tuple[CheckLine | None, list[Block]]]:
    """Split a section's blocks into runs: (None, [block]) for a plain block, and
    (check, illustrating blocks) for a check and the blocks after it up to the next check."""
    groups: list[tuple[CheckLine | None, list[Block]]] = []
    for block in blocks:
        if isinstance(block, CheckLine):
            groups.append((block, []))
        elif groups and groups[-1][0] is not None:
            groups[-1][1].append(block)
        else:
            groups.append((None, [block]))
    return groups


def verdict_text(t: Catalogue, holds: bool) -> str:
    """``(holds)`` / ``(fails)`` after a check's statement (LaTeX, Markdown, HTML)."""
    return t("latex.verdict", verdict=t("check.holds" if holds else "check.fails"))


def check_of(d: Derivation, line: CheckLine) -> Any:
    """The derivation's check a check line states (None when there is none)."""
    check = getattr(line, "check", None)
    if check is None:
        check = next((c for c in d.all_checks() if c.name == line.name), None)
    return check


class ElementCells:
    """Formats cells in one markup (shared by the renderers): each table element's name,
    computed once, and a polynomial printed with the markup's product sign, power form and
    numbers. Subclasses say how a name and a number are written."""

    times = " "
    power = "{base}^{exp}"

    def __init__(self, d: Derivation) -> None:
        self.d = d
        self._names: list[str] | None = None

    def name(self, letter: str, index: Sequence[int]) -> str:
        raise NotImplementedError

    def number(self, value: Any) -> str:
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        if self._names is None:
            self._names = [self.name(letter, index) for letter, index in self.d.table.keys]
        return self._names

    def poly(self, elem: Any) -> str:
        """A polynomial element in this markup."""
        return self.d.table.format(
            elem, names=self.names, times=self.times, power=self.power, number=self.number
        )


class SectionWriter:
    """Lines of a document in one markup: a section is its heading, then each check with the
    blocks that illustrate it, and the other blocks in order. Subclasses say how a heading,
    a block and a check are written."""

    def __init__(self, doc: Document, full: bool, lang: str) -> None:
        self.doc = doc
        self.d = doc.derivation
        self.full = full
        self.lang = lang
        self.t = Catalogue(lang)

    def heading(self, title: str) -> list[str]:
        raise NotImplementedError

    def block(self, block: Block) -> list[str]:
        raise NotImplementedError

    def check(self, line: CheckLine, illustration: list[Block]) -> list[str]:
        raise NotImplementedError

    def section(self, section: Section) -> list[str]:
        lines = self.heading(section.title)
        for check, blocks in group_checks(section.blocks):
            if check is not None:
                lines += self.check(check, blocks)
            else:
                for block in blocks:
                    lines += self.block(block)
        return lines


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    sections: list[Section]
    verdict: str
    holds: bool
    derivation: Derivation
    lang: str = "en"


# -- helpers -----------------------------------------------------------------------
def _slices(shape: Sequence[int], full: bool) -> tuple[list[tuple[int, ...]], int]:
    lead = shape[:-2] if len(shape) > 2 else ()
    combos = list(itertools.product(*(range(n) for n in lead)))
    if not full and len(combos) > MAX_SLICES:
        return combos[:MAX_SLICES], len(combos) - MAX_SLICES
    return combos, 0


def grids_of(
    title: str, arr: np.ndarray, cell: Any, full: bool, t: Catalogue, symbol: Any = None
) -> list[Grid]:
    """An N-d array as 2-D grids (one per leading index), summarised when large.

    ``symbol(elem, index)``, if given, names the tensor element each cell shows."""
    if symbol is not None:
        grids = grids_of(title, arr, lambda e, i: (cell(e, i), symbol(e, i)), full, t)
        for grid in grids:
            grid.symbols = [[c[1] if isinstance(c, tuple) else "" for c in row] for row in grid.cells]
            grid.cells = [[c[0] if isinstance(c, tuple) else c for c in row] for row in grid.cells]
        return grids
    if arr.ndim == 0:
        return [Grid(title, [[cell(arr[()], ())]])]
    if arr.ndim == 1:
        arr2 = arr.reshape(1, -1)
        return [_grid(title, arr2, lambda e, i: cell(e, (i[1],)), full, t)]
    combos, more = _slices(arr.shape, full)
    out = []
    for lead in combos:
        sub = arr[lead] if lead else arr
        sub_title = title + (f"[{','.join(str(i + 1) for i in lead)},:,:]" if lead else "")
        out.append(_grid(sub_title, sub, lambda e, i, lead=lead: cell(e, lead + i), full, t))
    if more:
        out[-1].note = (out[-1].note + " " if out[-1].note else "") + t("summary.more", count=more)
    return out


def number_grids(
    title: str, arr: np.ndarray, decimal: bool, full: bool, t: Catalogue, symbol: Any = None
) -> list[Grid]:
    """An array of numbers as grids titled ``TITLE (values)`` (see :func:`grids_of`)."""
    return grids_of(f"{title} ({t('numeric.values')})", arr, lambda v, _i: Num(v, decimal), full, t,
                    symbol=symbol)


def _grid(title: str, arr: np.ndarray, cell: Any, full: bool, t: Catalogue) -> Grid:
    rows, cols = arr.shape
    r, c = (rows, cols) if full else (min(rows, MAX_GRID), min(cols, MAX_GRID))
    cells: list[list[Cell]] = []
    for i in range(r):
        line = [cell(arr[i, j], (i, j)) for j in range(c)]
        if c < cols:
            line.append(ELLIPSIS)
        cells.append(line)
    if r < rows:
        cells.append([ELLIPSIS] * len(cells[0]))
    note = ""
    if (r, c) != (rows, cols):
        note = t("summary.grid", shape=f"{rows}x{cols}", rows=r, cols=c)
    return Grid(title, cells, note)


def index1(flat: int, shape: Sequence[int]) -> tuple[int, ...]:
    """1-based multi-index of a flat position."""
    return tuple(int(i) + 1 for i in np.unravel_index(flat, tuple(shape))) if shape else ()


def element_name(letter: str, index: Sequence[int]) -> str:
    """The symbol name of an element at a 0-based index: ``y_1_2`` (the bare letter for a scalar)."""
    return "_".join([letter, *(str(int(i) + 1) for i in index)])


def tensor_name(tensor: Any, index: Sequence[int]) -> str:
    """The symbol name of a tensor's element at a 0-based index, as the JSON ``symbols`` has it."""
    flat = int(np.ravel_multi_index(tuple(int(i) for i in index), tensor.shape)) if tensor.shape else 0
    return str(tensor.table.names[tensor.first + flat])


def _message(t: Catalogue, message: Any) -> str:
    """A prose line: plain text, or a catalogue key with parameters."""
    if isinstance(message, str):
        return message
    key, params = message
    if any(isinstance(v, Formula | Typeset) for v in params.values()):
        return typeset(t, key, **params)
    return t(key, **params)


def _var_cell_from(d: Derivation, v: int) -> Cell:
    if v == ZERO:
        return Num(0)
    letter, index = d.table.keys[v]
    return Label(letter, index)


def _label_text(letter: str, index: tuple[int, ...]) -> str:
    return f"{letter}[{','.join(map(str, index))}]" if index else letter
