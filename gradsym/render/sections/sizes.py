"""``sizes``: the size arithmetic the layer found (formulas, unread and unwritten positions,
the output_padding table), as JSON fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradsym.layers.sizes import SizesDerivation

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def json_fields(d: Derivation) -> dict[str, Any]:
    """``output``, ``shape``, ``formula``, … exactly as the layer computed them."""
    assert isinstance(d, SizesDerivation)
    return dict(d.facts)
