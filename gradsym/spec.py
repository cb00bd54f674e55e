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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from gradsym.errors import SpecError
from gradsym.shapes import conv_output_shape, conv_remainder, same_padding, transposed_output_shape

Number = int | Fraction

MAX_DIMS = 3
MAX_EXTENT = 100_000
_SHAPE_SPLIT = re.compile(r"[xX,×]")


def parse_shape(text: object, option: str, *, max_dims: int = MAX_DIMS) -> tuple[int, ...]:
    """Parse ``L``, ``HxW`` or ``DxHxW`` (also ``3X3`` and ``3,3``) into positive ints.

    >>> parse_shape("4X5", "--input")
    (4, 5)
    """
    parts = _split_dims(text, option, "a shape such as 3x3")
    dims = tuple(_positive_int(p, option, "sizes") for p in parts)
    if len(dims) > max_dims:
        raise SpecError(
            f"{option} has {len(dims)} dimensions ({text}); at most {max_dims} are supported"
        )
    return dims


def parse_per_dim(
    text: object, ndim: int, option: str, *, minimum: int = 1, what: str = "values"
) -> tuple[int, ...]:
    """Parse a per-dimension option: one number for all dimensions, or one per dimension.

    >>> parse_per_dim("2x1", 2, "--stride")
    (2, 1)
    """
    parts = _split_dims(text, option, f"a number or one per dimension such as {_example(ndim)}")
    values = tuple(_int_at_least(p, option, minimum, what) for p in parts)
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        raise SpecError(
            f"{option} has {len(values)} values ({text}) but the input has {ndim} "
            f"dimension{'s' if ndim != 1 else ''}; give one value or {ndim}"
        )
    return values


def _example(ndim: int) -> str:
    return "x".join(["1"] * max(ndim, 2))


def _split_dims(text: object, option: str, expected: str) -> list[str]:
    if isinstance(text, int) and not isinstance(text, bool):
        return [str(text)]
    if isinstance(text, (tuple, list)):
        return [str(t) for t in text] if text else [""]
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"{option} is empty; expected {expected}")
    parts = [p.strip() for p in _SHAPE_SPLIT.split(text.strip())]
    if any(p == "" for p in parts):
        raise SpecError(f"{option} '{text}' is malformed; expected {expected}")
    return parts


def _int_at_least(part: str, option: str, minimum: int, what: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,7}", part):
        raise SpecError(f"{option} must be whole numbers, got '{part}'")
    value = int(part)
    if value < minimum:
        raise SpecError(f"{option} {what} must be ≥ {minimum}, got {value}")
    if value > MAX_EXTENT:
        raise SpecError(f"{option} value {value} is too large (at most {MAX_EXTENT})")
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
        pairs = tuple((int(a), int(b)) for a, b in text)  # type: ignore[misc]
        if len(pairs) != ndim or any(a < 0 or b < 0 for a, b in pairs):
            raise SpecError(f"{option} needs {ndim} (before, after) pairs of numbers ≥ 0")
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
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,12})?(/[+-]?\d+)?")


def parse_values(
    text: object, shape: tuple[int, ...], option: str, *, seed: int | None = None
) -> Values:
    """Parse a value option for a tensor of ``shape``.

    Accepts a nested list literal ``"[[1,2],[3,4]]"``, a flat row-major list
    ``"1,2,3,4"``, a Python nested list, or a word: ``arange``, ``ones``,
    ``zeros``, ``random`` (small integers, reproducible with ``seed``).
    Integers, decimals and fractions stay exact. Nothing is evaluated.

    >>> parse_values("1/2, 0.25", (2,), "--x").flat
    (Fraction(1, 2), Fraction(1, 4))
    """
    size = math.prod(shape)
    if isinstance(text, str) and text.strip().lower() in WORDS:
        return _word_values(text.strip().lower(), shape, size, seed, option)
    if isinstance(text, str):
        if len(text) > MAX_VALUE_TEXT:
            raise SpecError(f"{option} is too long ({len(text)} characters)")
        flat, decimal, nested_shape = _parse_literal(text, option)
    else:
        flat, decimal, nested_shape = _from_python(text, option)
    if nested_shape is not None and len(nested_shape) > 1 and nested_shape != tuple(shape):
        if math.prod(nested_shape) != size or len(nested_shape) != len(shape):
            raise SpecError(
                f"{option} has shape {_fmt_shape(nested_shape)} but the tensor is "
                f"{_fmt_shape(shape)}; give {size} values"
            )
    if len(flat) != size:
        raise SpecError(
            f"{option} has {len(flat)} value{'s' if len(flat) != 1 else ''} but the tensor "
            f"{_fmt_shape(shape)} needs {size}; give {size} values row-major, or a word "
            f"such as arange"
        )
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
        raise SpecError(f"{option} contains '{token}'; values must be finite numbers")
    if not _NUMBER.fullmatch(token):
        raise SpecError(
            f"{option} contains '{token[:40]}', which is not a number; use integers, "
            f"decimals or fractions such as 1/2"
        )
    decimal = "/" not in token and any(c in token for c in ".eE")
    if "/" in token:
        num, den = token.split("/")
        if any(c in num for c in ".eE"):
            raise SpecError(f"{option}: a fraction needs whole numbers, got '{token}'")
        if int(den) == 0:
            raise SpecError(f"{option} contains '{token}', a division by zero")
        value = Fraction(int(num), int(den))
    else:
        mantissa, _, exponent = token.lower().partition("e")
        if exponent and abs(int(exponent)) > 400:
            raise SpecError(f"{option} contains '{token}', whose exponent is too large (at most 400)")
        value = Fraction(token)
    return (int(value) if value.denominator == 1 else value), decimal


def _parse_literal(text: str, option: str) -> tuple[list[Number], bool, tuple[int, ...] | None]:
    stripped = text.strip()
    if not stripped:
        raise SpecError(f"{option} is empty; give numbers such as 1,2,3,4 or a word like arange")
    if "[" not in stripped and "]" not in stripped:
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
            raise SpecError(f"{option} is nested too deeply")
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
                raise SpecError(f"{option}: expected ',' or ']' at character {pos + 1} in '{text[:60]}'")
        start = pos
        while pos < len(text) and text[pos] not in ",[] \t\n":
            pos += 1
        token = text[start:pos]
        if not token:
            raise SpecError(f"{option}: expected a number at character {pos + 1} in '{text[:60]}'")
        return _NumberToken(token)

    result = value(0)
    skip()
    if pos != len(text):
        raise SpecError(f"{option}: unexpected '{text[pos]}' at character {pos + 1}")
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
            raise SpecError(f"{option} is nested too deeply")
        if isinstance(o, (list, tuple)):
            if not o:
                raise SpecError(f"{option} contains an empty list")
            shapes = [shape_of(item, depth + 1) for item in o]
            if any(s != shapes[0] for s in shapes):
                raise SpecError(f"{option} is ragged: every row must have the same length")
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
        raise SpecError(f"{option} contains {o}; values must be numbers")
    if isinstance(o, int):
        return o, False
    if isinstance(o, Fraction):
        return (int(o) if o.denominator == 1 else o), False
    if isinstance(o, float):
        if not math.isfinite(o):
            raise SpecError(f"{option} contains {o}; values must be finite numbers")
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
    raise SpecError(f"{option} contains {o!r}, which is not a number")


def parse_seed(seed: object) -> int | None:
    """Validate ``--seed``."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError(f"--seed must be a whole number, got {seed!r}")
    return seed


# ---------------------------------------------------------------------------
# The convolution family: conv, deconv, sizes, chain and --general share one options object


@dataclass(frozen=True)
class ConvOptions:
    """The convolution family's options as the user gave them (CLI strings or Python values).

    conv, deconv, sizes, chain and ``--general`` all take these twelve, and parse them in one
    place, :meth:`config` (:func:`conv_config`). ``padding`` and ``output_padding`` None mean
    the command's default (0; ``valid`` for a TensorFlow/JAX transposed convolution).

    >>> ConvOptions.of({"input": "4x4", "kernel": "3x3", "padding": 1, "x": "ones"}).config().output
    (4, 4)
    """

    input: Any = None
    kernel: Any = None
    stride: Any = 1
    padding: Any = None
    dilation: Any = 1
    groups: Any = 1
    in_channels: Any = None
    out_channels: Any = None
    batch: Any = None
    bias: bool = False
    output_padding: Any = None
    convention: str = "torch"

    @classmethod
    def of(cls, arguments: Mapping[str, Any], **override: Any) -> ConvOptions:
        """The convolution options among a function's arguments (e.g. its ``locals()``)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in {**arguments, **override}.items() if k in names})

    def changed(self, names: Sequence[str]) -> list[str]:
        """Which of ``names`` differ from their defaults, as options (``--in-channels``)."""
        defaults = ConvOptions()
        return [f"--{n.replace('_', '-')}" for n in names if getattr(self, n) != getattr(defaults, n)]

    def config(self, *, transposed: bool = False) -> ConvConfig:
        """Parse and validate every option; the output shape by PyTorch's rules."""
        return conv_config(
            self.input, self.kernel, stride=self.stride,
            padding=0 if self.padding is None else self.padding, dilation=self.dilation,
            groups=self.groups, in_channels=self.in_channels, out_channels=self.out_channels,
            batch=self.batch, bias=self.bias, transposed=transposed,
            output_padding=0 if self.output_padding is None else self.output_padding,
            convention=self.convention,
        )


CONVENTIONS = ("torch", "tensorflow", "jax")


@dataclass(frozen=True)
class ConvConfig:
    """A convolution (or transposed convolution) fully specified, PyTorch layout."""

    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int
    in_channels: int
    out_channels: int
    batch: int
    bias: bool
    channels: bool
    output: tuple[int, ...]
    transposed: bool = False
    output_padding: tuple[int, ...] = ()
    convention: str = "torch"
    padding_word: str | None = None

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.spatial) if self.channels else self.spatial

    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels, *self.output) if self.channels else self.output

    def weight_shape(self) -> tuple[int, ...]:
        """The weight in PyTorch's layout, always with its channel axes."""
        if self.transposed:
            return (self.in_channels, self.out_per_group, *self.kernel)
        return (self.out_channels, self.in_per_group, *self.kernel)

    def kernel_shape(self) -> tuple[int, ...]:
        return self.weight_shape() if self.channels else self.kernel

    def bias_shape(self) -> tuple[int, ...]:
        return (self.out_channels,) if self.channels else ()

    def remainder(self) -> tuple[int, ...]:
        """Per dimension: input rows a (forward) convolution leaves unread at the end."""
        return tuple(
            conv_remainder(i, k, stride=s, padding=p, dilation=d)
            for i, k, s, p, d in zip(self.spatial, self.kernel, self.stride, self.padding, self.dilation)
        )

    def terms(self) -> int:
        """Number of x·w products in the forward pass (work estimate)."""
        per_output = math.prod(self.kernel) * self.in_per_group
        outputs = self.batch * self.out_channels * math.prod(self.output)
        if self.transposed:
            per_output = math.prod(self.kernel) * self.out_per_group
            outputs = self.batch * self.in_channels * math.prod(self.spatial)
        return per_output * outputs

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": list(self.spatial),
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": [list(p) for p in self.padding],
            "dilation": list(self.dilation),
            "groups": self.groups,
        }
        if self.transposed:
            out["output_padding"] = list(self.output_padding)
        out.update(
            {
                "in_channels": self.in_channels,
                "out_channels": self.out_channels,
                "batch": self.batch,
                "bias": self.bias,
                "layout": "channels" if self.channels else "plain",
                "convention": self.convention,
                "output": list(self.output),
            }
        )
        return out


def conv_config(
    input: Any,
    kernel: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    in_channels: int | None = None,
    out_channels: int | None = None,
    batch: int | None = None,
    bias: bool = False,
    transposed: bool = False,
    output_padding: Any = 0,
    convention: str = "torch",
) -> ConvConfig:
    """Validate every option and compute the output shape (PyTorch's rules)."""
    if convention not in CONVENTIONS:
        raise SpecError(f"--convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}")
    spatial = parse_shape(input, "--input")
    ndim = len(spatial)
    ksize = parse_shape(kernel, "--kernel")
    if len(ksize) != ndim:
        raise SpecError(
            f"--kernel has {len(ksize)} dimension{'s' if len(ksize) != 1 else ''} but --input has "
            f"{ndim}; give the kernel as many sizes as the input (e.g. {'x'.join(['2'] * ndim)})"
        )
    stride_t = parse_per_dim(stride, ndim, "--stride")
    dilation_t = parse_per_dim(dilation, ndim, "--dilation")
    pads = parse_padding(padding, ndim=ndim)
    padding_word = None
    if pads == "same":
        padding_word = "same"
        if transposed:
            raise SpecError("--padding same is not defined for a transposed convolution; give numbers")
        if convention == "torch" and any(s != 1 for s in stride_t):
            raise SpecError(
                "--padding same needs --stride 1 (PyTorch's rule); give numbers, or use "
                "--convention tensorflow (or jax) for TensorFlow's SAME padding"
            )
        pads = tuple(
            same_padding(k, d, stride=s, size=i, convention=convention)
            for i, k, s, d in zip(spatial, ksize, stride_t, dilation_t)
        )
    elif isinstance(padding, str) and padding.strip().lower() == "valid":
        padding_word = "valid"
    assert not isinstance(pads, str)
    channels = in_channels is not None or out_channels is not None or batch is not None
    cin = _positive(in_channels, "--in-channels")
    cout = _positive(out_channels, "--out-channels")
    nbatch = _positive(batch, "--batch")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise SpecError(f"--groups must be a whole number ≥ 1, got {groups}")
    if cin % groups or cout % groups:
        raise SpecError(
            f"--groups {groups} must divide both --in-channels ({cin}) and --out-channels ({cout})"
        )
    if groups > 1 and not channels:
        raise SpecError("--groups needs --in-channels and --out-channels")
    if transposed:
        op = parse_per_dim(output_padding, ndim, "--output-padding", minimum=0)
        out = transposed_output_shape(spatial, ksize, stride_t, pads, dilation_t, op)
    else:
        op = ()
        out = conv_output_shape(spatial, ksize, stride_t, pads, dilation_t)
    return ConvConfig(
        spatial, ksize, stride_t, pads, dilation_t, groups, cin, cout, nbatch, bool(bias),
        channels, out, transposed, op, convention, padding_word,
    )


def _positive(value: int | None, option: str) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{option} must be a whole number ≥ 1, got {value}")
    if value > 4096:
        raise SpecError(f"{option} {value} is too large (at most 4096)")
    return value




def require(value: Any, option: str, example: str) -> None:
    """A SpecError when a required option is missing."""
    if value is None:
        raise SpecError(f"{option} is required (e.g. {option} {example})")
