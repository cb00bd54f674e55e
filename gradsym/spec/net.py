"""``gradsym net``: the layer string, parsed (never evaluated) into one spec per layer.

Grammar, layers separated by commas (case-insensitive words, sizes in the shape syntax)::

    conv COUTxKHxKW [stride S] [pad P] [bias]    (the kernel has as many sizes as the input)
    deconv COUTxKHxKW [stride S] [pad P] [bias]
    relu | sigmoid | tanh
    maxpool K [stride S] | avgpool K [stride S]  (stride defaults to K, as PyTorch's)
    batchnorm                                    (training mode; per channel, or per feature)
    flatten
    linear OUT [nobias]                          (bias on by default, as nn.Linear)
    softmax_ce | mse | l1                        (the loss: last, exactly once)

>>> [s.kind for s in parse_net_layers("conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce")]
['conv', 'relu', 'maxpool', 'flatten', 'linear', 'softmax_ce']
>>> parse_net_layers("conv 2x3x3 pad 1, mse")[0].options["padding"]
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradsym.errors import SpecError
from gradsym.spec.values import parse_shape

MAX_LAYERS = 32
ACTIVATIONS = ("relu", "sigmoid", "tanh")
POOLS = ("maxpool", "avgpool")
LOSSES = ("softmax_ce", "mse", "l1")
FORMS = (
    "conv COUTxKHxKW [stride S] [pad P] [bias]; deconv COUTxKHxKW [stride S] [pad P] [bias]; "
    "relu; sigmoid; tanh; maxpool K [stride S]; avgpool K [stride S]; batchnorm; flatten; "
    "linear OUT [nobias]; softmax_ce; mse; l1"
)
KINDS = ("conv", "deconv", *ACTIVATIONS, *POOLS, "batchnorm", "flatten", "linear", *LOSSES)


@dataclass(frozen=True)
class LayerSpec:
    """One layer as written: its kind, 0-based position, text and parsed options."""

    kind: str
    position: int
    text: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def _fail(spec_text: str, position: int, why: str) -> SpecError:
    return SpecError(
        f"--layers: layer {position + 1} ({spec_text!r}): {why}; accepted forms: {FORMS}"
    )


def _int(word: str, spec_text: str, position: int, what: str) -> int:
    if not word.isdigit() or int(word) < 1:
        raise _fail(spec_text, position, f"{what} must be a whole number ≥ 1, got {word!r}")
    return int(word)


def _parse_one(text: str, position: int) -> LayerSpec:
    words = text.lower().split()
    if not words:
        raise _fail(text, position, "the layer is empty (two commas in a row?)")
    kind, rest = words[0], words[1:]
    if kind not in KINDS:
        raise _fail(text, position, f"unknown layer {kind!r}")
    options: dict[str, Any] = {}
    if kind in ("conv", "deconv"):
        if not rest:
            raise _fail(text, position, f"{kind} needs its size COUTxKHxKW (e.g. {kind} 2x3x3)")
        try:
            dims = parse_shape(rest[0], "size", max_dims=4)
        except SpecError as exc:
            raise _fail(text, position, str(exc)) from None
        if len(dims) < 2:
            raise _fail(text, position, f"{kind} size {rest[0]!r} needs the output channels and a "
                                        f"kernel size, e.g. 2x3x3 (2 channels, 3x3 kernel)")
        options.update(out_channels=dims[0], kernel=dims[1:], stride=1, padding=0, bias=False)
        rest = rest[1:]
        while rest:
            word = rest.pop(0)
            if word == "bias":
                options["bias"] = True
            elif word in ("stride", "pad", "padding"):
                if not rest:
                    raise _fail(text, position, f"{word} needs a number")
                value = rest.pop(0)
                minimum = 1 if word == "stride" else 0
                if not value.isdigit() or int(value) < minimum:
                    raise _fail(text, position, f"{word} must be a whole number ≥ {minimum}, got {value!r}")
                options["stride" if word == "stride" else "padding"] = int(value)
            else:
                raise _fail(text, position, f"unexpected {word!r}")
    elif kind in POOLS:
        if not rest:
            raise _fail(text, position, f"{kind} needs its window size K (e.g. {kind} 2)")
        try:
            options["size"] = parse_shape(rest[0], "window", max_dims=3)
        except SpecError as exc:
            raise _fail(text, position, str(exc)) from None
        options["stride"] = None
        rest = rest[1:]
        if rest:
            if rest[0] != "stride" or len(rest) != 2:
                raise _fail(text, position, f"unexpected {' '.join(rest)!r}")
            options["stride"] = _int(rest[1], text, position, "stride")
    elif kind == "linear":
        if not rest:
            raise _fail(text, position, "linear needs its output size OUT (e.g. linear 3)")
        options["out_features"] = _int(rest[0], text, position, "OUT")
        options["bias"] = True
        rest = rest[1:]
        if rest == ["nobias"]:
            options["bias"] = False
        elif rest:
            raise _fail(text, position, f"unexpected {' '.join(rest)!r}")
    elif rest:
        raise _fail(text, position, f"{kind} takes no options, got {' '.join(rest)!r}")
    return LayerSpec(kind, position, " ".join(text.split()), options)


def parse_net_layers(text: Any) -> list[LayerSpec]:
    """Parse ``--layers``; the loss must be the last layer and appear once."""
    if text is None:
        raise SpecError("--layers is required, e.g. --layers 'conv 2x3x3 pad 1, relu, maxpool 2, "
                        "flatten, linear 3, softmax_ce'")
    if isinstance(text, (list, tuple)):
        text = ", ".join(str(t) for t in text)
    if not isinstance(text, str):
        raise SpecError(f"--layers must be a string such as \"linear 3, mse\", got {type(text).__name__}")
    parts = text.split(",")
    if len(parts) > MAX_LAYERS:
        raise SpecError(f"--layers has {len(parts)} layers; at most {MAX_LAYERS} are supported")
    specs = [_parse_one(part.strip(), i) for i, part in enumerate(parts)]
    for spec in specs[:-1]:
        if spec.kind in LOSSES:
            raise _fail(spec.text, spec.position, "a loss must be the last layer")
    if specs[-1].kind not in LOSSES:
        raise _fail(specs[-1].text, specs[-1].position,
                    "the network must end with a loss (softmax_ce, mse or l1)")
    return specs


def parse_net_input(text: Any) -> tuple[int, ...]:
    """``--input``: NxF, NxCxL, NxCxHxW or NxCxDxHxW."""
    if text is None:
        raise SpecError("--input is required: the input shape NxCxHxW (or NxCxL, NxF), e.g. 1x1x6x6")
    shape = parse_shape(text, "--input", max_dims=5)
    if len(shape) < 2:
        raise SpecError(f"--input {text} has one size; give NxF, NxCxL, NxCxHxW or NxCxDxHxW "
                        f"(N samples first, e.g. 1x1x6x6)")
    return shape


__all__ = ["FORMS", "LOSSES", "LayerSpec", "parse_net_input", "parse_net_layers"]
