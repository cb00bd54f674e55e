"""Engine elements and arrays as JSON values (strings in SymPy syntax, nested lists)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.poly import Poly
from gradsym.sympy_text import sympy_text

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def expr_text(d: Derivation, elem: Any) -> str:
    """SymPy-syntax text of one engine element."""
    if type(elem) is Poly:
        return d.table.format(elem)
    if hasattr(elem, "free_symbols"):
        return sympy_text(elem)
    return d.table.format(elem)


def nested(arr: np.ndarray, fn: Any) -> Any:
    """An object array as nested lists, mapping every element."""
    if arr.ndim == 0:
        return fn(arr[()])
    flat = [fn(e) for e in arr.reshape(-1).tolist()]
    for n in reversed(arr.shape[1:]):
        flat = [flat[i : i + n] for i in range(0, len(flat), n)]
    return flat


__all__ = ["expr_text", "nested"]
