"""``expr``: the gradient section and the JSON ``shapes``/``gradients``/assumptions."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.expr import Declared, ExpressionDerivation, shape_text, to_float
from gradsym.numeric import json_number
from gradsym.render.document import Equations, Expr, Label, Num, Para, Text, grids_of
from gradsym.render.jsonvalues import expr_text, nested

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The gradient section of an ``expr`` document, in the renderer's language."""
    assert isinstance(d, ExpressionDerivation)
    if not d.scalar:
        return []
    blocks: list[Any] = []
    ev = d.numeric
    for name, arr in d.gradient_elems.items():
        tensor = d.symbols[name]
        blocks.append(Para(t("expr.grad_intro", name=name, shape=shape_text(arr.shape))))
        rows: list[Any] = [
            (Label(tensor.letter, tuple(i + 1 for i in index), prefix="∂f/∂"), Expr(arr[index]))
            for index in np.ndindex(*arr.shape)
        ]
        blocks.append(Equations(rows))
        if ev is not None:
            blocks.extend(value_grids(f"∂f/∂{name} ({t('numeric.values')})",
                                      ev.gradient_values[name], ev.decimal, t, full))
    return [("grad", ("section.expr_grad", {}), blocks)]


def value_grids(title: str, arr: np.ndarray, decimal: bool, t: Any, full: bool) -> list[Any]:
    """Grids of exact values (irrational ones print like expressions), and of decimal
    approximations when any value is irrational."""
    def exact(v: Any, _i: Any) -> Any:
        return Num(v, decimal) if isinstance(v, int | Fraction) else Expr(v)

    grids = grids_of(title, arr, exact, full, t)
    if any(not isinstance(v, int | Fraction) for v in arr.reshape(-1)):
        grids += grids_of(f"{title} ≈", arr, lambda v, _i: Text(f"{to_float(v):.6g}"), full, t)
    return grids


def json_fields(d: Derivation) -> dict[str, Any]:
    """``shapes``, ``gradients`` (per ``--wrt`` name) and the symbols' assumptions."""
    assert isinstance(d, ExpressionDerivation)
    ev = d.numeric
    gradients: dict[str, Any] = {}
    for name, arr in d.gradient_elems.items():
        entry: dict[str, Any] = {"expression": nested(arr, lambda e: expr_text(d, e))}
        if ev is not None:
            entry["numeric"] = nested(ev.gradient_values[name],
                                      lambda v: json_number(v, ev.decimal))
        gradients[name] = entry
    notes = [] if d.scalar else [
        f"the expression is {shape_text(d.forward_elems.shape)}, not a scalar: there is no "
        f"gradient, only the Jacobian; wrap it in sum(...) or mean(...) for a gradient"
    ]
    return {
        "shapes": {n: list(x.shape) for n, x in d.declared.items() if x.shape},
        "gradients": gradients,
        **({"notes": notes} if notes else {}),
        "assumptions": {name: {"real": True} for name in d.table.names},
        **renamed_json(d.declared),
    }


def renamed_json(declared: Mapping[str, Declared]) -> dict[str, Any]:
    renamed = {n: x.bare for n, x in declared.items() if x.renamed}
    return {"renamed": renamed} if renamed else {}
