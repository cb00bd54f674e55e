"""The sections and JSON fields of one command family, built from the derivation's data.

Each module here presents one layer: ``sections(d, t, full)`` gives its own document
sections as ``(key, title, blocks)`` (placed after the built-in section of the same key),
``json_fields(d)`` the JSON keys it adds. The layer only stores plain data in
``Derivation.extra``; this package dispatches on the command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gradsym.render.sections import batchnorm, linear, mlp, pool

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.messages import Catalogue

SectionList = list[tuple[str, Any, list[Any]]]

SECTIONS: dict[str, Callable[[Derivation, Catalogue, bool], SectionList]] = {
    "mlp": mlp.sections,
    "batchnorm": batchnorm.sections,
    "linear": linear.sections,
    "pool": pool.sections,
}
JSON_FIELDS: dict[str, Callable[[Derivation], dict[str, Any]]] = {
    "mlp": mlp.json_fields,
}


def _family(d: Derivation) -> str:
    return "general" if d.config.get("general") else d.command


def command_sections(d: Derivation, t: Catalogue, full: bool) -> SectionList:
    """The command's own sections in the language of ``t``."""
    make = SECTIONS.get(_family(d))
    if make:
        return make(d, t, full)
    legacy = d.extra.get("sections", [])  # layers not moved here yet
    return legacy(t, full) if callable(legacy) else list(legacy)


def command_json(d: Derivation) -> dict[str, Any]:
    """The command's own JSON fields."""
    make = JSON_FIELDS.get(_family(d))
    if make:
        return make(d)
    legacy = d.extra.get("json")  # layers not moved here yet
    if legacy is None:
        return {}
    return dict(legacy(d) if callable(legacy) else legacy)
