"""Parse what users type — shapes, per-dimension options, value lists — into plain data.

This module is pure: no SymPy, no I/O. Every parse error is a :class:`SpecError`
whose message names the option and says what was expected.

>>> parse_shape("3x3", "--input")
(3, 3)
>>> parse_per_dim("2", 2, "--stride")
(2, 2)
>>> parse_values("[[1,2],[3,4]]", (2, 2), "--k").flat
(1, 2, 3, 4)
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from gradsym.errors import SpecError, Verbatim

Number = int | Fraction

MAX_DIMS = 3
MAX_EXTENT = 100_000
_SHAPE_SPLIT = re.compile(r"[xX,×]")


def parse_shape(text: object, option: str, *, max_dims: int = MAX_DIMS) -> tuple[int, ...]:
    """Parse ``L``, ``HxW`` or ``DxHxW`` (also ``3X3`` and ``3,3``) into positive ints.

    >>> parse_shape("4X5", "--input")
    (4, 5)
    """
    parts = _split_dims(text, option, "shape", "3x3")
    dims = tuple(_positive_int(p, option, "sizes") for p in parts)
    if len(dims) > max_dims:
        raise SpecError("shape.dims_max", param=option_param(option), count=len(dims), text=str(text),
                        limit=max_dims)
    return dims


def parse_per_dim(
    text: object, ndim: int, option: str, *, minimum: int = 1, what: str = "values"
) -> tuple[int, ...]:
    """Parse a per-dimension option: one number for all dimensions, or one per dimension.

    >>> parse_per_dim("2x1", 2, "--stride")
    (2, 1)
    """
    parts = _split_dims(text, option, "per_dim", _example(ndim))
    values = tuple(_int_at_least(p, option, minimum, what) for p in parts)
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        raise SpecError("shape.per_dim_count", param=option_param(option), count=len(values),
                        text=str(text), ndim=ndim)
    return values


def _example(ndim: int) -> str:
    return "x".join(["1"] * max(ndim, 2))


def option_param(option: str) -> str:
    """``--output-padding`` → ``output_padding``: the parameter a keyed error names; any other
    label (``--shape a=2y``, a layer's ``size``) stays as it is."""
    if re.fullmatch(r"--[a-z][a-z0-9]*(?:-[a-z0-9]+)*", option):
        return option.removeprefix("--").replace("-", "_")
    return Verbatim(option)


def _split_dims(text: object, option: str, kind: str, example: str) -> list[str]:
    """The parts of a shape (``kind`` "shape") or per-dimension option ("per_dim")."""
    if isinstance(text, int) and not isinstance(text, bool):
        return [str(text)]
    if isinstance(text, (tuple, list)):
        for t in text:
            if isinstance(t, bool) or not isinstance(t, (int, str)):
                raise SpecError("shape.int_type", param=option_param(option), type=type(t).__name__,
                                value=t, text=text)
        return [str(t) for t in text] if text else [""]
    if not isinstance(text, str):
        raise SpecError("shape.type", param=option_param(option), type=type(text).__name__,
                        text=str(text)[:60])
    if not text.strip():
        raise SpecError("shape.empty_shape" if kind == "shape" else "shape.empty_per_dim",
                        param=option_param(option), example=example)
    parts = [p.strip() for p in _SHAPE_SPLIT.split(text.strip())]
    if any(p == "" for p in parts):
        raise SpecError("shape.malformed_shape" if kind == "shape" else "shape.malformed_per_dim",
                        param=option_param(option), text=text, example=example)
    return parts


def _int_at_least(part: str, option: str, minimum: int, what: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,7}", part):
        raise SpecError("shape.not_int", param=option_param(option), part=part)
    value = int(part)
    if value < minimum:
        key = {"sizes": "shape.too_small_sizes", "factors": "shape.too_small_factors"}.get(
            what, "shape.too_small_values")
        raise SpecError(key, param=option_param(option), minimum=minimum, got=value)
    if value > MAX_EXTENT:
        raise SpecError("shape.too_large", param=option_param(option), got=value, limit=MAX_EXTENT)
    return value


def _positive_int(part: str, option: str, what: str) -> int:
    return _int_at_least(part, option, 1, what)


# ---------------------------------------------------------------------------
# Padding


def parse_padding(
    text: object,
    *,
    ndim: int,
    option: str = "--padding",
) -> tuple[tuple[int, int], ...] | str:
    """Parse ``--padding``: a number, one per dimension, or the words ``valid``/``same``.

    Returns (before, after) pairs, or the word ``"same"`` (resolved later, since it
    needs the kernel, dilation and stride).

    >>> parse_padding("1x0", ndim=2)
    ((1, 1), (0, 0))
    >>> parse_padding("valid", ndim=1)
    ((0, 0),)
    """
    if isinstance(text, str) and text.strip().lower() in {"valid", "same"}:
        word = text.strip().lower()
        return ((0, 0),) * ndim if word == "valid" else "same"
    if isinstance(text, (tuple, list)) and text and all(isinstance(t, (tuple, list)) for t in text):
        if not all(
            isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            for pair in text
        ):
            raise SpecError("values.pairs_type", param=option_param(option), text=repr(text))
        pairs = tuple((int(a), int(b)) for a, b in text)  # type: ignore[misc]
        if len(pairs) != ndim or any(a < 0 or b < 0 for a, b in pairs):
            raise SpecError("values.pairs_count", param=option_param(option), ndim=ndim)
        return pairs
    values = parse_per_dim(text, ndim, option, minimum=0)
    return tuple((p, p) for p in values)


# ---------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Values:
    """Exact numbers for one tensor, row-major, plus whether the user wrote decimals."""

    shape: tuple[int, ...]
    flat: tuple[Number, ...]
    decimal: bool = False

    def nested(self) -> object:
        """The values as nested lists in ``shape``."""
        return nest(list(self.flat), self.shape)


def nest(flat: Sequence[object], shape: Sequence[int]) -> object:
    """Turn a row-major flat sequence into nested lists of the given shape.

    >>> nest([1, 2, 3, 4], (2, 2))
    [[1, 2], [3, 4]]
    """
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


WORDS = ("arange", "ones", "zeros", "random")
MAX_VALUE_TEXT = 1_000_000
MAX_DIGITS = 1_000
"""Most digits one value may have (Python cannot even print an integer of more than 4,300)."""
MAX_VALUE_EXPONENT = 300
"""Largest decimal exponent of a value (``1e300``; beyond it the floating-point check overflows)."""
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,12})?(/[+-]?\d+)?")


def parse_values(
    text: object,
    shape: tuple[int, ...],
    option: str,
    *,
    seed: int | None = None,
    weight_layout: tuple[str, int, int] | None = None,
) -> Values:
    """Parse a value option for a tensor of ``shape``.

    Accepts a nested list literal ``"[[1,2],[3,4]]"``, a flat row-major list
    ``"1,2,3,4"``, a Python nested list, or a word: ``arange``, ``ones``,
    ``zeros``, ``random`` (small integers, reproducible with ``seed``).
    Integers, decimals and fractions stay exact. Nothing is evaluated. A nested list must
    have exactly the tensor's shape (``weight_layout``, an mlp weight's name, rows and columns,
    adds its layout to that error); a flat list
    is read row-major.

    >>> parse_values("1/2, 0.25", (2,), "--x").flat
    (Fraction(1, 2), Fraction(1, 4))
    """
    size = math.prod(shape)
    if isinstance(text, str) and text.strip().lower() in WORDS:
        return _word_values(text.strip().lower(), shape, size, seed, option)
    if isinstance(text, str):
        if len(text) > MAX_VALUE_TEXT:
            raise SpecError("values.too_long", param=option_param(option), length=len(text))
        flat, decimal, nested_shape = _parse_literal(text, option)
    else:
        flat, decimal, nested_shape = _from_python(text, option)
    if nested_shape is not None and len(nested_shape) > 1 and nested_shape != tuple(shape):
        facts = {"param": option_param(option), "nested": _fmt_shape(nested_shape),
                 "shape": _fmt_shape(shape), "size": size}
        if weight_layout is None:
            raise SpecError("values.nested_shape", **facts)
        name, rows, cols = weight_layout
        raise SpecError("values.nested_shape_weight", **facts, tensor=name, rows=rows, cols=cols)
    if len(flat) != size:
        raise SpecError("values.count_one" if len(flat) == 1 else "values.count",
                        param=option_param(option), count=len(flat), shape=_fmt_shape(shape),
                        size=size)
    return Values(tuple(shape), tuple(flat), decimal)


def _fmt_shape(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape) if shape else "scalar"


def _word_values(
    word: str, shape: tuple[int, ...], size: int, seed: int | None, option: str
) -> Values:
    if word == "arange":
        flat: list[Number] = list(range(1, size + 1))
    elif word == "ones":
        flat = [1] * size
    elif word == "zeros":
        flat = [0] * size
    else:
        rng = random.Random(f"{seed if seed is not None else 0}:{option}")
        flat = [rng.randint(-3, 3) for _ in range(size)]
    return Values(tuple(shape), tuple(flat), False)


def parse_number(token: str, option: str) -> tuple[Number, bool]:
    """Parse one exact number: integer, decimal or fraction. Returns (value, is_decimal).

    >>> parse_number("-0.5", "--x")
    (Fraction(-1, 2), True)
    """
    token = token.strip()
    low = token.lower().lstrip("+-")
    if low in {"nan", "inf", "infinity"}:
        raise SpecError("values.not_finite", param=option_param(option), token=token)
    digits = sum(c.isdigit() for c in token.partition("e")[0].partition("E")[0])
    if digits > MAX_DIGITS:
        raise SpecError("values.digits", param=option_param(option), digits=f"{digits:,}",
                        limit=f"{MAX_DIGITS:,}")
    if not _NUMBER.fullmatch(token):
        raise SpecError("values.not_number", param=option_param(option), token=token[:40])
    decimal = "/" not in token and any(c in token for c in ".eE")
    if "/" in token:
        num, den = token.split("/")
        if any(c in num for c in ".eE"):
            raise SpecError("values.fraction", param=option_param(option), token=token)
        if int(den) == 0:
            raise SpecError("values.zero_division", param=option_param(option), token=token)
        value = Fraction(int(num), int(den))
    else:
        mantissa, _, exponent = token.lower().partition("e")
        if exponent and abs(int(exponent)) > MAX_VALUE_EXPONENT:
            raise SpecError("values.exponent", param=option_param(option), token=token,
                            limit=MAX_VALUE_EXPONENT)
        value = Fraction(token)
    return (int(value) if value.denominator == 1 else value), decimal


def _parse_literal(text: str, option: str) -> tuple[list[Number], bool, tuple[int, ...] | None]:
    stripped = text.strip()
    if not stripped:
        raise SpecError("values.empty", param=option_param(option))
    if "[" not in stripped and "]" not in stripped:
        entries = [t.strip() for t in stripped.split(",")]
        if "," in stripped and "" in entries:
            position = entries.index("") + 1
            raise SpecError("values.empty_entry", param=option_param(option), text=stripped[:60],
                            position=position)
        tokens = [t for t in re.split(r"[,\s]+", stripped) if t]
        parsed = [parse_number(t, option) for t in tokens]
        return [v for v, _ in parsed], any(d for _, d in parsed), None
    nested = _parse_nested(stripped, option)
    return _from_python(nested, option, _parsed=True)


def _parse_nested(text: str, option: str) -> object:
    """A tiny bracket parser: lists of numbers, arbitrarily nested (bounded depth)."""
    pos = 0
    depth_limit = 16

    def skip() -> None:
        nonlocal pos
        while pos < len(text) and text[pos] in " \t\n":
            pos += 1

    def value(depth: int) -> object:
        nonlocal pos
        if depth > depth_limit:
            raise SpecError("values.nested_deep", param=option_param(option))
        skip()
        if pos < len(text) and text[pos] == "[":
            pos += 1
            items: list[object] = []
            skip()
            if pos < len(text) and text[pos] == "]":
                pos += 1
                return items
            while True:
                items.append(value(depth + 1))
                skip()
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    continue
                if pos < len(text) and text[pos] == "]":
                    pos += 1
                    return items
                raise SpecError("values.expected_comma", param=option_param(option), position=pos + 1,
                               text=text[:60])
        start = pos
        while pos < len(text) and text[pos] not in ",[] \t\n":
            pos += 1
        token = text[start:pos]
        if not token:
            raise SpecError("values.expected_number", param=option_param(option), position=pos + 1,
                           text=text[:60])
        return _NumberToken(token)

    result = value(0)
    skip()
    if pos != len(text):
        raise SpecError("values.unexpected", param=option_param(option), char=text[pos],
                        position=pos + 1)
    return result


@dataclass(frozen=True)
class _NumberToken:
    text: str


def _from_python(
    obj: object, option: str, _parsed: bool = False
) -> tuple[list[Number], bool, tuple[int, ...] | None]:
    flat: list[Number] = []
    decimal = False

    def shape_of(o: object, depth: int) -> tuple[int, ...]:
        nonlocal decimal
        if depth > 16:
            raise SpecError("values.nested_deep", param=option_param(option))
        if isinstance(o, (list, tuple)):
            if not o:
                raise SpecError("values.empty_list", param=option_param(option))
            shapes = [shape_of(item, depth + 1) for item in o]
            if any(s != shapes[0] for s in shapes):
                raise SpecError("values.ragged", param=option_param(option))
            return (len(o),) + shapes[0]
        if hasattr(o, "tolist") and not isinstance(o, (int, float, Fraction)):
            return shape_of(o.tolist(), depth)
        value, dec = _number_from(o, option)
        decimal = decimal or dec
        flat.append(value)
        return ()

    shape = shape_of(obj, 0)
    return flat, decimal, shape


def _number_from(o: object, option: str) -> tuple[Number, bool]:
    if isinstance(o, _NumberToken):
        return parse_number(o.text, option)
    if isinstance(o, bool):
        raise SpecError("values.bool", param=option_param(option), got=o)
    if isinstance(o, int):
        return o, False
    if isinstance(o, Fraction):
        return (int(o) if o.denominator == 1 else o), False
    if isinstance(o, float):
        if not math.isfinite(o):
            raise SpecError("values.float_not_finite", param=option_param(option), got=o)
        # A float the user handed over in Python: keep the decimal they wrote.
        return parse_number(repr(o), option)
    if isinstance(o, str):
        return parse_number(o, option)
    try:  # SymPy Integer / Rational
        import sympy

        if isinstance(o, sympy.Rational):
            return (int(o) if o.q == 1 else Fraction(int(o.p), int(o.q))), False
    except ImportError:  # pragma: no cover
        pass
    raise SpecError("values.type", param=option_param(option), got=repr(o))


def parse_seed(seed: object) -> int | None:
    """Validate ``--seed``."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError("values.seed", param="seed", got=repr(seed))
    return seed
