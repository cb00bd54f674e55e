"""``linear``: Y = X·Wᵀ + b and the three VJPs as matrix products."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.render.document import Expr, Grid, Label, Num, Para, Row, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """(key, title, blocks) for the forward and gradient matrix forms."""
    sym = d.symbols
    ev = d.numeric
    dec = ev.decimal if ev is not None else False

    def labels(title: str, ids: np.ndarray) -> list[Grid]:
        return grids_of(title, ids, lambda v, _i: Label(*d.table.keys[int(v)]), full, t)

    def exprs(title: str, arr: np.ndarray) -> list[Grid]:
        return grids_of(title, arr, lambda e, _i: Expr(e), full, t)

    def numbers(title: str, arr: np.ndarray) -> list[Grid]:
        return grids_of(title, arr, lambda v, _i: Num(v, dec), full, t)

    x, w, g = sym["input"].ids, sym["weight"].ids, sym["upstream"].ids
    has_bias = "bias" in sym
    forward: list[Any] = [Para("Y = X·Wᵀ + b" if has_bias else "Y = X·Wᵀ")]
    grids = labels("X", x) + labels("Wᵀ", w.T)
    if has_bias:
        grids += labels("b", sym["bias"].ids)
    forward.append(Row(grids + exprs("Y", d.forward_elems)))
    if ev is not None:
        grids = numbers("X", ev.values["input"]) + numbers("Wᵀ", ev.values["weight"].T)
        if has_bias:
            grids += numbers("b", ev.values["bias"])
        forward.append(Row(grids + numbers("Y", ev.forward_values)))

    grad: list[Any] = []
    products: list[tuple[str, str, Callable[[Any], Any], str, Callable[[Any], Any], str]] = [
        ("input", "G", lambda s: s["upstream"], "W", lambda s: s["weight"], "dL/dX = G·W"),
        ("weight", "Gᵀ", lambda s: s["upstream"].T, "X", lambda s: s["input"], "dL/dW = Gᵀ·X"),
    ]
    ids = {"upstream": g, "weight": w, "input": x}
    for role, left_title, left, right_title, right, formula in products:
        grad.append(Para(formula))
        grad.append(Row(labels(left_title, left(ids)) + labels(right_title, right(ids))
                        + exprs(formula.split(" = ")[0], d.grad_elems[role])))
        if ev is not None:
            grad.append(Row(numbers(left_title, left(ev.values)) + numbers(right_title, right(ev.values))
                            + numbers(formula.split(" = ")[0], ev.grad_values[role])))
    if has_bias:
        grad.append(Para("dL/db = Σ_n G[n, :] = 1ᵀ·G"))
        grad.append(Row(labels("G", g) + exprs("dL/db", d.grad_elems["bias"])))
        if ev is not None:
            grad.append(Row(numbers("G", ev.values["upstream"]) + numbers("dL/db", ev.grad_values["bias"])))
    return [
        ("forward", ("section.linear_matrix_forward", {}), forward),
        ("grad", ("section.linear_matrix_grad", {}), grad),
    ]
