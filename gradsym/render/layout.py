"""Lay out a derivation as a :class:`~gradsym.render.document.Document`.

The sections every command has (set-up, forward, Jacobians, gradients, proofs) are built
here from the derivation's data; a command's own sections come from
:mod:`gradsym.render.sections`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.render.document import (
    MAX_EQUATIONS,
    MAX_TABLES,
    SECTIONS,
    Cell,
    CheckLine,
    Document,
    Equations,
    Expr,
    Grid,
    Label,
    Num,
    Para,
    Row,
    Section,
    _label_text,
    _message,
    _var_cell_from,
    element_name,
    grids_of,
    index1,
    number_grids,
    tensor_name,
)
from gradsym.render.sections import command_sections, command_setup
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def build_document(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en"
) -> Document:
    """Lay out a derivation as sections of blocks."""
    t = Catalogue(lang)
    ev = d.numeric
    dec = ev.decimal if ev else False
    sections: list[Section] = []

    setup = Section("setup", t("section.setup"))
    for line in command_setup(d):
        setup.blocks.append(Para(_message(t, line)))
    for note in d.notes:
        setup.blocks.append(Para(_message(t, note)))
    sym_grids: list[Grid] = []
    # expr and matrix tensors carry the user's names: never a layer's role title ("bias b")
    user_named = getattr(d, "declared", None) is not None
    for role, tensor in d.symbols.items():
        ids = tensor.ids
        sym_grids.extend(
            grids_of(role if user_named else t.get(f"tensor.{role}", role), ids,
                     lambda v, _i: _var_cell_from(d, int(v)), full, t)
        )
    setup.blocks.append(Row(sym_grids))
    sections.append(setup)

    out_letter = d.output_letter
    out_shape = d.forward_elems.shape
    # A command whose element-wise expressions are long may print them only with --full.
    elementwise = full or not d.elementwise_hidden
    hidden = Para(t("summary.elementwise_hidden"))
    if "forward" in show and d.forward_elems.size:  # none: J has no SymPy form (letter sizes)
        sec = Section("forward", t("section.forward"))
        rows: list[tuple[Cell, Cell]] = []
        total = math.prod(out_shape) if out_shape else 1
        limit = (total if full else min(total, MAX_EQUATIONS)) if elementwise else 0
        flat = d.forward_elems.reshape(-1)
        for o in range(limit):
            rows.append((Label(out_letter, index1(o, out_shape)), Expr(flat[o])))
        sec.blocks.append(Equations(rows, t("summary.more", count=total - limit) if limit < total else "")
                          if elementwise else hidden)
        if ev is not None and elementwise:
            sec.blocks.extend(
                number_grids(out_letter, ev.forward_values, dec, full, t,
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
            shown = (n_out if full else min(n_out, MAX_TABLES)) if elementwise else 0
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
            if elementwise:
                sec.blocks.append(Row(tables))
            if elementwise and shown < n_out:
                sec.blocks.append(Para(t("summary.more", count=n_out - shown)))
        if not elementwise:
            sec.blocks.append(hidden)
        sections.append(sec)

    if "grad" in show and d.grad_elems:
        sec = Section("grad", t("section.grad"))
        for role, arr in d.grad_elems.items():
            tensor = d.symbols[role]
            sec.blocks.append(Para(t("grad.intro", wrt=tensor.letter)))
            flat = arr.reshape(-1)
            total = len(flat)
            limit = (total if full else min(total, MAX_EQUATIONS)) if elementwise else 0
            rows = [
                (Label(tensor.letter, index1(i, arr.shape), prefix="∂L/∂"), Expr(flat[i]))
                for i in range(limit)
            ]
            if elementwise:
                sec.blocks.append(Equations(rows, t("summary.more", count=total - limit) if limit < total else ""))
            if ev is not None and role in ev.grad_values and elementwise:
                sec.blocks.extend(number_grids(f"∂L/∂{tensor.letter}", ev.grad_values[role], dec, full, t,
                                               symbol=lambda _v, i, tensor=tensor: tensor_name(tensor, i)))
        if not elementwise:
            sec.blocks.append(hidden)
        sections.append(sec)

    if "proof" in show:
        sec = Section("proof", t("section.proof"))
        for check in d.all_checks():
            statement = t.get(f"check.{check.detail.get('identity', check.name)}", check.statement)
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

    for key, title, blocks in command_sections(d, t, full):
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
    title = _message(t, d.title)
    return Document(f"gradsym {d.command} — {title}", sections, verdict, failed == 0, d, lang)


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
