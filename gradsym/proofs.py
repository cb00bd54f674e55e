"""Checks: named identities, verified exactly, entry by entry.

>>> from gradsym.poly import Poly
>>> check = compare("same", "p = p", [Poly({(1,): 2})], [Poly({(1,): 2})])
>>> check.holds
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Check:
    """One proved (or refuted) identity. ``detail`` carries data for renderers only."""

    name: str
    statement: str
    holds: bool
    mismatch: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "statement": self.statement, "holds": self.holds}
        if self.mismatch:
            out["mismatch"] = self.mismatch
        return out


def compare(
    name: str,
    statement: str,
    lhs: Sequence[Any],
    rhs: Sequence[Any],
    *,
    equal: Any = None,
    detail: dict[str, Any] | None = None,
) -> Check:
    """Entry-by-entry exact comparison of two equally long sequences of expressions."""
    equal = equal or (lambda a, b: a == b)
    mismatch = None
    if len(lhs) != len(rhs):
        mismatch = f"{len(lhs)} entries on the left, {len(rhs)} on the right"
    else:
        for i, (a, b) in enumerate(zip(lhs, rhs)):
            if not equal(a, b):
                mismatch = f"entry {i} differs"
                break
    return Check(name, statement, mismatch is None, mismatch, detail or {})
