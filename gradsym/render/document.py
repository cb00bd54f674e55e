"""A renderer-neutral document of a derivation: headings, grids, equations, checks.

Built once from a :class:`~gradsym.derivation.Derivation`; each backend
(plain text, Rich, Markdown, LaTeX) only decides how blocks and cells look.
Large derivations are summarised here, in one place, unless ``full`` is set.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.grids import ZERO
from gradsym.render.messages import Catalogue

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


# -- the builder -------------------------------------------------------------------
def build_document(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en"
) -> Document:
    """Lay out a derivation as sections of blocks."""
    t = Catalogue(lang)
    ev = d.numeric
    dec = ev.decimal if ev else False
    sections: list[Section] = []

    setup = Section("setup", t("section.setup"))
    for line in d.extra.get("setup", []):
        setup.blocks.append(Para(_message(t, line)))
    for note in d.notes:
        setup.blocks.append(Para(_message(t, note)))
    sym_grids: list[Grid] = []
    for role, tensor in d.symbols.items():
        ids = tensor.ids
        sym_grids.extend(
            grids_of(t.get(f"tensor.{role}", role), ids,
                     lambda v, _i: _var_cell_from(d, int(v)), full, t)
        )
    setup.blocks.append(Row(sym_grids))
    sections.append(setup)

    out_letter = d.extra.get("output_letter", "y")
    out_shape = d.forward_elems.shape
    if "forward" in show:
        sec = Section("forward", t("section.forward"))
        rows: list[tuple[Cell, Cell]] = []
        total = math.prod(out_shape) if out_shape else 1
        limit = total if full else min(total, MAX_EQUATIONS)
        flat = d.forward_elems.reshape(-1)
        for o in range(limit):
            rows.append((Label(out_letter, index1(o, out_shape)), Expr(flat[o])))
        sec.blocks.append(Equations(rows, t("summary.more", count=total - limit) if limit < total else ""))
        if ev is not None:
            sec.blocks.extend(
                grids_of(f"{out_letter} ({t('numeric.values')})", ev.forward_values,
                         lambda v, _i: Num(v, dec), full, t,
                         symbol=lambda _v, i: element_name(out_letter, i))
            )
        sections.append(sec)

    if "jacobian" in show and d.jacobians:
        sec = Section("jacobian", t("section.jacobian"))
        for role, jac in d.jacobians.items():
            tensor = d.symbols[role]
            wrt = tensor.letter
            total = math.prod(jac.shape) if jac.shape else 1
            sec.blocks.append(Para(t("jacobian.intro", wrt=wrt, nonzeros=len(jac.entries), total=total)))
            n_out = math.prod(jac.out_shape) if jac.out_shape else 1
            shown = n_out if full else min(n_out, MAX_TABLES)
            numeric = ev.jacobian_values.get(role) if ev else None
            by_out: dict[int, dict[int, Any]] = {}
            for (o, w), p in jac.entries.items():
                if o < shown:
                    by_out.setdefault(o, {})[w] = p
            tables: list[Grid] = []
            for o in range(shown):
                entries = by_out.get(o, {})
                label = _label_text(out_letter, index1(o, jac.out_shape))
                dense = np.arange(math.prod(jac.wrt_shape) if jac.wrt_shape else 1).reshape(jac.wrt_shape)
                title = t("jacobian.table", out=label, wrt=wrt)
                wrt_name = lambda w, _i, first=tensor.first: d.table.names[first + int(w)]  # noqa: E731
                tables.extend(grids_of(title, dense, lambda w, _i, e=entries: Expr(e[int(w)]) if int(w) in e else Num(0),
                                       full, t, symbol=wrt_name))
                if numeric is not None:
                    tables.extend(grids_of(
                        f"{title} ({t('numeric.values')})", dense,
                        lambda w, _i, o=o, values=numeric: Num(values.get((o, int(w)), 0), dec),
                        full, t, symbol=wrt_name))
            sec.blocks.append(Row(tables))
            if shown < n_out:
                sec.blocks.append(Para(t("summary.more", count=n_out - shown)))
        sections.append(sec)

    if "grad" in show and d.grad_elems:
        sec = Section("grad", t("section.grad"))
        for role, arr in d.grad_elems.items():
            tensor = d.symbols[role]
            sec.blocks.append(Para(t("grad.intro", wrt=tensor.letter)))
            flat = arr.reshape(-1)
            total = len(flat)
            limit = total if full else min(total, MAX_EQUATIONS)
            rows = [
                (Label(tensor.letter, index1(i, arr.shape), prefix="∂L/∂"), Expr(flat[i]))
                for i in range(limit)
            ]
            sec.blocks.append(Equations(rows, t("summary.more", count=total - limit) if limit < total else ""))
            if ev is not None and role in ev.grad_values:
                sec.blocks.extend(grids_of(f"∂L/∂{tensor.letter} ({t('numeric.values')})",
                                           ev.grad_values[role], lambda v, _i: Num(v, dec), full, t,
                                           symbol=lambda _v, i, tensor=tensor: tensor_name(tensor, i)))
        sections.append(sec)

    if "proof" in show:
        sec = Section("proof", t("section.proof"))
        for check in d.all_checks():
            statement = t.get(f"check.{check.name}", check.statement)
            sec.blocks.append(CheckLine(check.name, statement, check.holds))
            detail = check.detail
            cell = lambda v, _i: _var_cell_from(d, int(v))  # noqa: E731
            proof_grids: list[Grid] = []
            for title, arr in detail.get("grids", []):
                proof_grids += grids_of(_message(t, title), arr, cell, full, t)
            if proof_grids:
                sec.blocks.append(Row(proof_grids))
            for line in detail.get("lines", []):
                sec.blocks.append(Para(_message(t, line)))
        sections.append(sec)

    extra_sections = d.extra.get("sections", [])
    # A command's own sections: a list, or a callable given the catalogue and --full.
    items = extra_sections(t, full) if callable(extra_sections) else extra_sections
    for key, title, blocks in items:
        if key in show or key not in SECTIONS:
            resolved = [Para(_message(t, b.text)) if isinstance(b, Para) else b for b in blocks]
            sections.insert(_position(sections, key), Section(key, _message(t, title), resolved))

    checks = d.all_checks()
    failed = sum(not c.holds for c in checks)
    if failed:
        verdict = t("verdict.fail", count=failed)
    elif not checks:
        verdict = t("verdict.none")
    else:
        verdict = t("verdict.ok_one") if len(checks) == 1 else t("verdict.ok", count=len(checks))
    if ev is None and d.model is not None:
        options = ", ".join(f"--{o}" for o, r in d.model.options.items() if r in d.symbols and r != "upstream")
        verdict += " " + t("numeric.absent", options=options)
    title = _message(t, d.extra.get("title", d.command))
    return Document(f"gradsym {d.command} — {title}", sections, verdict, failed == 0, d)


def _position(sections: list[Section], key: str) -> int:
    """Where a command's own section goes: after the built-in section of the same key."""
    same = [i for i, sec in enumerate(sections) if sec.key == key]
    if same:  # after the last section of that key, so a command's sections keep their order
        return same[-1] + 1
    if key in SECTIONS:  # the built-in section is absent (nothing to show): keep the order
        later = SECTIONS[SECTIONS.index(key) + 1 :]
        for i, sec in enumerate(sections):
            if sec.key in later:
                return i
    return len(sections)


def _message(t: Catalogue, message: Any) -> str:
    """A prose line: plain text, or a catalogue key with parameters."""
    if isinstance(message, str):
        return message
    key, params = message
    return t(key, **params)


def _var_cell_from(d: Derivation, v: int) -> Cell:
    if v == ZERO:
        return Num(0)
    letter, index = d.table.keys[v]
    return Label(letter, index)


def _label_text(letter: str, index: tuple[int, ...]) -> str:
    return f"{letter}[{','.join(map(str, index))}]" if index else letter
