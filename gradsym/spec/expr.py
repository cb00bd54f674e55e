"""Options of ``expr`` and ``matrix``: ``--shape NAME=SHAPE`` declarations, ``--wrt``, ``--at``."""

from __future__ import annotations

import itertools
import keyword
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gradsym.errors import Phrase, SizeError, SpecError
from gradsym.spec.values import Values, option_param, parse_shape, parse_values

MAX_DECLARED_ELEMENTS = 100_000
"""No tensor may have more elements than this, whatever the budget."""
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Declared:
    """One named tensor of an expression.

    ``name`` is what the user writes (in the expression, ``--wrt`` and ``--at``); ``shape`` as
    declared (elements are named from it: ``a_1``, ``X_2_1``); ``bare`` is the name used where
    the tensor appears as one symbol (a scalar; a matrix in a closed form) — the user's name,
    unless SymPy reserves it (``E``, ``I``, ``beta``, …), then with ``_`` appended.
    """

    name: str
    shape: tuple[int, ...]
    bare: str

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def renamed(self) -> bool:
        return self.bare != self.name

    def element_names(self) -> list[str]:
        if not self.shape:
            return [self.bare]
        return ["_".join([self.name, *(str(i + 1) for i in index)])
                for index in itertools.product(*(range(n) for n in self.shape))]


@lru_cache(maxsize=1)
def _sympy_namespace() -> frozenset[str]:
    """Every public name of ``sympy`` (what ``sympify`` would read as something else)."""
    import sympy  # only when a name is checked: parsing options does not import SymPy

    return frozenset(n for n in dir(sympy) if not n.startswith("_"))


def reserved_by_sympy(name: str) -> bool:
    """True for names SymPy gives a meaning of its own (``E``, ``I``, ``N``, ``beta``, ``det``)."""
    from gradsym.symbols import RESERVED

    return name in RESERVED or name in _sympy_namespace()


def shape_text(shape: Sequence[int]) -> str:
    """``3x2``; ``scalar`` for ``()``."""
    return "x".join(map(str, shape)) if shape else "scalar"


def declare(
    spec: Any, *, functions: Iterable[str], max_dims: int = 3, option: str = "--shape"
) -> dict[str, Declared]:
    """Parse ``--shape NAME=SHAPE`` declarations (repeatable) into :class:`Declared` names.

    ``spec`` is a list of ``"a=2"`` / ``"X=3x2"`` / ``"s=scalar"`` strings, or a mapping
    ``{"X": (3, 2)}``. Names must be identifiers of ASCII letters, digits and ``_``; they may not
    be function names, and no two names may share an element name.

    >>> declare(["a=2", "E=scalar"], functions=["sum"])["E"].bare
    'E_'
    """
    items = _declaration_items(spec, option)
    param = option_param(option)
    if not items:
        raise SpecError("expr.shape_required", param=param)
    funcs = set(functions)
    shapes: dict[str, tuple[int, ...]] = {}
    for name, shape in items:
        label = f"{option} {name}={shape}" if isinstance(shape, str) else f"{option} {name}"
        where = (Phrase("expr.declaration", param=param, name=name, shape=shape)
                 if isinstance(shape, str) else
                 Phrase("expr.declared_name", param=param, name=name))
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise SpecError("expr.name_form", param=param, name=str(name))
        if keyword.iskeyword(name):
            raise SpecError("expr.name_keyword", where=where, name=name)
        if name in funcs:
            raise SpecError("expr.name_function", where=where, name=name)
        if name in shapes:
            raise SpecError("expr.declared_twice", param=param, name=name)
        shapes[name] = _parse_declared_shape(shape, label, where, max_dims)
        size = math.prod(shapes[name])
        if size > MAX_DECLARED_ELEMENTS:
            raise SizeError("expr.too_many_elements", where=where, size=size,
                            limit=MAX_DECLARED_ELEMENTS)
    declared: dict[str, Declared] = {}
    taken = set(shapes)
    for name, shape in shapes.items():
        bare = name
        while reserved_by_sympy(bare) or (bare != name and bare in taken):
            bare += "_"
        taken.add(bare)
        declared[name] = Declared(name, shape, bare)
    _check_collisions(declared, option)
    return declared


def _declaration_items(spec: Any, option: str) -> list[tuple[Any, Any]]:
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return list(spec.items())
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, (list, tuple)):
        raise SpecError("expr.shape_type", param=option_param(option), type=type(spec).__name__,
                        value=spec)
    items: list[tuple[Any, Any]] = []
    for entry in spec:
        if isinstance(entry, tuple) and len(entry) == 2:
            items.append(entry)
            continue
        if not isinstance(entry, str) or "=" not in entry:
            raise SpecError("expr.shape_entry", param=option_param(option), entry=str(entry))
        name, _, shape = entry.partition("=")
        items.append((name.strip(), shape.strip()))
    return items


def _parse_declared_shape(shape: Any, label: str, where: Phrase, max_dims: int
                          ) -> tuple[int, ...]:
    if isinstance(shape, str) and shape.strip().lower() in ("scalar", "()", ""):
        if not shape.strip():
            raise SpecError("expr.shape_empty", where=where)
        return ()
    if isinstance(shape, tuple | list) and len(shape) == 0:
        return ()
    return parse_shape(shape, label, max_dims=max_dims)


def _check_collisions(declared: Mapping[str, Declared], option: str) -> None:
    owner: dict[str, str] = {}
    for d in declared.values():
        names = d.element_names() + ([d.bare] if d.shape else [])
        for element in names:
            other = owner.get(element)
            if other is not None and other != d.name:
                raise SpecError("expr.collision", param=option_param(option), other=other,
                                name=d.name, element=element)
            owner[element] = d.name


def parse_wrt(wrt: Any, declared: Mapping[str, Declared], used: set[str]) -> list[str]:
    """``--wrt`` names (repeatable, or comma-separated); all used names when none is given."""
    if wrt is None or (not isinstance(wrt, str) and len(wrt) == 0):
        names = [n for n in declared if n in used]
        if not names:
            raise SpecError("expr.nothing_to_differentiate")
        return names
    items = [wrt] if isinstance(wrt, str) else list(wrt)
    out: list[str] = []
    for item in items:
        for name in str(item).split(","):
            name = name.strip()
            if not name:
                continue
            if name not in declared:
                raise SpecError("expr.wrt_unknown", name=name, declared=", ".join(declared))
            if name not in out:
                out.append(name)
    if not out:
        raise SpecError("expr.wrt_empty", wrt=next(iter(declared)))
    return out


def at_items(at: Any, entry_error: tuple[str, dict[str, Any]] = ("expr.at_entry", {})) -> dict[str, Any]:
    """``--at NAME=VALUES`` (one such text, a list of them, or a mapping) → ``{name: values}``.

    ``entry_error`` is the catalogue key (and facts besides the entry) of the error for an
    entry without ``=``; a name given twice is an error.

    >>> at_items(["x=[1,2]", "w_1 = ones"])
    {'x': '[1,2]', 'w_1': 'ones'}
    """
    if at is None:
        return {}
    if isinstance(at, Mapping):
        return {str(k): v for k, v in at.items()}
    if not isinstance(at, (str, list, tuple)):
        raise SpecError("at.type", type=type(at).__name__, got=repr(at))
    key, facts = entry_error
    out: dict[str, Any] = {}
    for entry in [at] if isinstance(at, str) else at:
        if not isinstance(entry, str) or "=" not in entry:
            raise SpecError(key, entry=str(entry), got=repr(entry), **facts)
        name, _, values = entry.partition("=")
        name = name.strip()
        if name in out:
            raise SpecError("at.twice", name=name)
        out[name] = values.strip()
    return out


def parse_at(
    given: Mapping[str, Any], declared: Mapping[str, Declared], seed: int | None
) -> dict[str, Values]:
    """Parse every ``--at`` value for the shape of its name."""
    values: dict[str, Values] = {}
    for name, text in given.items():
        if name not in declared:
            raise SpecError("expr.at_unknown", name=name, declared=", ".join(declared))
        values[name] = parse_values(text, declared[name].shape, f"--at {name}", seed=seed)
    return values


def name_list(key: str, names: Sequence[str], separator: str) -> Phrase | str:
    """``--at a, --at b`` (``key`` ``expr.at_name``, ``separator`` ``expr.more_comma``) or
    ``--at a=… --at b=…``: each name as the caller writes it, in one message part."""
    listed: Phrase | str = ""
    for name in reversed(names):
        more = Phrase(separator, rest=listed) if listed else ""
        listed = Phrase(key, name=name, more=more)
    return listed
