"""JSON output: the contract's schema (see the README), deterministic key order.

Expressions are strings in SymPy syntax printed by the engine's own printer,
never by SymPy's (which is far slower and sorts ``x_10`` before ``x_2``).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.numeric import json_number
from gradsym.render.jsonvalues import expr_text, nested
from gradsym.render.sections import (
    command_json,
    command_json_large,
    command_numeric_extra,
    command_numeric_json,
)

if TYPE_CHECKING:
    from gradsym.calculus import SparseJacobian
    from gradsym.derivation import Derivation, Evaluation


def _unravel_all(keys: list[tuple[int, int]], jac: SparseJacobian) -> list[tuple[list[int], list[int]]]:
    if not keys:
        return []
    outs = np.array([k[0] for k in keys])
    wrts = np.array([k[1] for k in keys])
    o_idx = np.stack(np.unravel_index(outs, jac.out_shape), axis=1).tolist() if jac.out_shape else [[] for _ in keys]
    w_idx = np.stack(np.unravel_index(wrts, jac.wrt_shape), axis=1).tolist() if jac.wrt_shape else [[] for _ in keys]
    return list(zip(o_idx, w_idx))


def jacobian_doc(
    jac: SparseJacobian, values: dict[tuple[int, int], Any], fn: Any,
    index: list[tuple[list[int], list[int]]] | None = None,
) -> dict[str, Any]:
    """``index``: the entries' multi-indices, when already unravelled for the same keys."""
    keys = list(values)
    if index is None:
        index = _unravel_all(keys, jac)
    return {
        "shape": list(jac.shape),
        "nonzeros": [[o, w, fn(values[k])] for (o, w), k in zip(index, keys)],
    }


def to_dict(d: Derivation) -> dict[str, Any]:
    """The whole derivation as the JSON document of the contract."""
    from gradsym import progress

    progress.report("writing JSON", 0, 1)
    text = lambda e: expr_text(d, e)  # noqa: E731
    doc: dict[str, Any] = {"command": d.command, "config": d.config}
    doc["symbols"] = {role: t.names() for role, t in d.symbols.items()}
    doc["forward"] = nested(d.forward_elems, text)
    # Unravelled once, shared with the numeric Jacobians (same entries, same order).
    index = {role: _unravel_all(list(jac.entries), jac) for role, jac in d.jacobians.items()}
    if d.jacobians:
        doc["jacobian"] = {
            role: jacobian_doc(jac, jac.entries, text, index[role])
            for role, jac in d.jacobians.items()
        }
    if d.grad_elems:
        doc["grad"] = {role: nested(arr, text) for role, arr in d.grad_elems.items()}
    doc.update(command_json(d))
    doc["checks"] = [c.to_dict() for c in d.all_checks()]
    if d.notes:
        from gradsym.render.wording import Catalogue

        english = Catalogue("en")
        doc["notes"] = [n if isinstance(n, str) else english(n[0], **n[1]) for n in d.notes]
    if d.numeric is not None:
        own = command_numeric_json(d)
        doc["numeric"] = own if own is not None else numeric_dict(d, d.numeric, index)
        doc["numeric"].update(command_numeric_extra(d))
    return doc


def numeric_dict(
    d: Derivation, ev: Evaluation, index: dict[str, list[tuple[list[int], list[int]]]] | None = None
) -> dict[str, Any]:
    num = lambda v: json_number(v, ev.decimal)  # noqa: E731

    def same_keys(role: str, vals: dict[tuple[int, int], Any]) -> Any:
        known = (index or {}).get(role)
        return known if known is not None and list(vals) == list(d.jacobians[role].entries) else None

    return {
        "values": {role: nested(arr, num) for role, arr in ev.values.items()},
        "forward": nested(ev.forward_values, num),
        "jacobian": {
            role: jacobian_doc(d.jacobians[role], vals, num, same_keys(role, vals))
            for role, vals in ev.jacobian_values.items()
        },
        "grad": {role: nested(arr, num) for role, arr in ev.grad_values.items()},
    }


def to_json(d: Derivation) -> str:
    """The JSON text (two-space indent for small documents, compact for large ones)."""
    doc = to_dict(d)
    large = command_json_large(d)
    if large is None:
        large = sum(len(j.entries) for j in d.jacobians.values()) > 2_000 or math.prod(
            d.forward_elems.shape
        ) > 1_000
    return json.dumps(doc, ensure_ascii=False, indent=None if large else 2) + "\n"
