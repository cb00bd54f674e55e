"""The sections and JSON fields of one command family, built from the derivation's data.

Each module here presents one layer: ``sections(d, t, full)`` gives its own document
sections as ``(key, title, blocks)`` (placed after the built-in section of the same key),
``json_fields(d)`` the JSON keys it adds. The layer only stores plain data, in typed
attributes of its :class:`~gradsym.derivation.Derivation` subclass; this package dispatches
on the command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gradsym.render.sections import (
    attention,
    batchnorm,
    chain,
    expr,
    general,
    layernorm,
    linear,
    matrix,
    matrix_general,
    mlp,
    net,
    pool,
    rnn,
    sizes,
    softmax,
    upsample,
)

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue

SectionList = list[tuple[str, Any, list[Any]]]

SECTIONS: dict[str, Callable[[Derivation, Catalogue, bool], SectionList]] = {
    "attention": attention.sections,
    "batchnorm": batchnorm.sections,
    "chain": chain.sections,
    "expr": expr.sections,
    "general": general.sections,
    "layernorm": layernorm.sections,
    "groupnorm": layernorm.sections,
    "linear": linear.sections,
    "matrix": matrix.sections,
    "matrix_general": matrix_general.sections,
    "mlp": mlp.sections,
    "net": net.sections,
    "pool": pool.sections,
    "softmax": softmax.sections,
    "upsample": upsample.sections,
    "rnn": rnn.sections,
}
JSON_FIELDS: dict[str, Callable[[Derivation], dict[str, Any]]] = {
    "chain": chain.json_fields,
    "expr": expr.json_fields,
    "general": general.json_fields,
    "matrix": matrix.json_fields,
    "matrix_general": matrix_general.json_fields,
    "mlp": mlp.json_fields,
    "net": net.json_fields,
    "rnn": rnn.json_fields,
    "sizes": sizes.json_fields,
}

# A command's own set-up lines (default: ``d.setup``), numeric JSON (default: the
# common ``numeric`` object) and compact-JSON rule (default: by Jacobian size).
SETUP: dict[str, Callable[[Derivation], Iterable[Any]]] = {"chain": chain.setup,
                                                           "matrix": matrix.setup,
                                                           "matrix_general": matrix_general.setup,
                                                           "sizes": sizes.setup}
NUMERIC_JSON: dict[str, Callable[[Derivation], dict[str, Any]]] = {
    "chain": chain.numeric_json, "net": net.numeric_json, "rnn": rnn.numeric_json,
}
LARGE_JSON: dict[str, Callable[[Derivation], bool]] = {"chain": chain.large, "net": net.large}
# Fields a command adds to the common ``numeric`` object (e.g. softmax's ``loss``).
NUMERIC_EXTRA: dict[str, Callable[[Derivation], dict[str, Any]]] = {"softmax": softmax.numeric_extra}


def _family(d: Derivation) -> str:
    if d.command == "matrix" and d.config.get("symbolic_sizes"):
        return "matrix_general"  # letter sizes (--shape X=nxn)
    return "general" if d.config.get("general") else d.command


def command_sections(d: Derivation, t: Catalogue, full: bool) -> SectionList:
    """The command's own sections in the language of ``t``."""
    make = SECTIONS.get(_family(d))
    return make(d, t, full) if make else []


def command_json(d: Derivation) -> dict[str, Any]:
    """The command's own JSON fields."""
    make = JSON_FIELDS.get(_family(d))
    return make(d) if make else {}


def command_setup(d: Derivation) -> Iterable[Any]:
    """The set-up lines (catalogue keys and parameters)."""
    make = SETUP.get(_family(d))
    return make(d) if make else d.setup


def command_numeric_json(d: Derivation) -> dict[str, Any] | None:
    """The command's own ``numeric`` object, or None for the common one."""
    make = NUMERIC_JSON.get(_family(d))
    return make(d) if make else None


def command_numeric_extra(d: Derivation) -> dict[str, Any]:
    """Fields added to the common ``numeric`` object."""
    make = NUMERIC_EXTRA.get(_family(d))
    return make(d) if make else {}


def command_json_large(d: Derivation) -> bool | None:
    """Whether the command's JSON is written compactly, or None for the common rule."""
    decide = LARGE_JSON.get(_family(d))
    return decide(d) if decide else None
