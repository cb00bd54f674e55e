"""``matrix --hessian``: the Hessians section (after the gradients) and the JSON ``hessians``."""

from __future__ import annotations

from typing import Any

from gradsym.layers.expr import shape_text
from gradsym.layers.matrix_algebra import lc_text
from gradsym.layers.matrix_hessian import hessian_values
from gradsym.numeric import json_number
from gradsym.render.document import Expr, Formula, Para, grids_of, typeset
from gradsym.render.jsonvalues import expr_text, nested
from gradsym.render.matrix_tex import lc_tex, shape_tex
from gradsym.render.sections.expr import value_grids


def hessian_sections(d: Any, t: Any, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The "Hessians" section: closed form, its check, symmetry, the element table, values."""
    hessians = getattr(d, "hessians", None)
    if not hessians:
        return []
    ev = d.numeric
    blocks: list[Any] = []
    for name, h in hessians.items():
        shape = Formula(shape_text(h.shape), shape_tex(h.shape)) if h.shape else shape_text(())
        blocks.append(Para(typeset(t, "matrix_hessian.target", name=name, shape=shape)))
        if h.lc is not None:
            blocks.append(Para(typeset(t, "matrix_hessian.closed_form", name=name,
                                       expression=Formula(lc_text(h.lc), lc_tex(h.lc)))))
            blocks.append(Para(t("matrix_hessian.verified", name=name) if h.mismatch is None
                               else t("matrix_hessian.refuted", mismatch=h.mismatch)))
        else:
            key, params = h.reason
            blocks.append(Para(t("matrix_hessian.no_closed_form", name=name,
                                 reason=t(key, **params))))
        blocks.append(Para(t("matrix_hessian.symmetric", name=name) if h.asymmetry is None
                           else t("matrix_hessian.asymmetric", mismatch=h.asymmetry)))
        blocks.extend(grids_of(t("matrix_hessian.table", name=name), h.elements,
                               lambda e, _i: Expr(e), full, t))
        values = hessian_values(d, name)
        if values is not None and ev is not None:
            blocks.extend(value_grids(f"∂²J/∂{name}² ({t('numeric.values')})", values,
                                      ev.decimal, t, full))
    return [("grad", ("section.matrix_hessian", {}), blocks)]


def hessian_json(d: Any) -> dict[str, Any]:
    """``{"hessians": {name: {"expression", "numeric", "shape", "elementwise", …}}}``."""
    hessians = getattr(d, "hessians", None)
    if not hessians:
        return {}
    ev = d.numeric
    out: dict[str, Any] = {}
    for name, h in hessians.items():
        values = hessian_values(d, name)
        entry: dict[str, Any] = {
            "expression": h.expression,
            "numeric": (nested(values, lambda v: json_number(v, ev.decimal))
                        if values is not None and ev is not None else None),
            "shape": list(h.shape),
            "elementwise": nested(h.elements, lambda e: expr_text(d, e)),
            "symmetric": h.asymmetry is None,
        }
        if h.lc is None:
            from gradsym.render.wording import Catalogue

            key, params = h.reason
            entry["reason"] = "no closed matrix form: " + Catalogue("en")(key, **params)
        else:
            entry["verified"] = h.mismatch is None
        out[name] = entry
    return {"hessians": out}
