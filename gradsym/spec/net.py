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


def _fail(spec_text: str, position: int, why: str | SpecError, **facts: object) -> SpecError:
    """The error of one layer: ``why`` (a key with its ``facts``, or an error
    from parsing the layer's sizes) in the frame that names the layer and the accepted forms."""
    reason = why if isinstance(why, SpecError) else SpecError(why, **facts)
    return SpecError("net.layer", layer=position + 1, text=repr(spec_text), why=reason, forms=FORMS)


def _int(word: str, spec_text: str, position: int, what: str) -> int:
    if not word.isdigit() or int(word) < 1:
        raise _fail(spec_text, position, "net.whole", what=what, got=repr(word))
    return int(word)


def _parse_one(text: str, position: int) -> LayerSpec:
    words = text.lower().split()
    if not words:
        raise _fail(text, position, "net.empty")
    kind, rest = words[0], words[1:]
    if kind not in KINDS:
        raise _fail(text, position, "net.unknown", kind=repr(kind))
    options: dict[str, Any] = {}
    if kind in ("conv", "deconv"):
        if not rest:
            raise _fail(text, position, "net.conv_size", kind=kind)
        try:
            dims = parse_shape(rest[0], "size", max_dims=4)
        except SpecError as exc:
            raise _fail(text, position, exc) from None
        if len(dims) < 2:
            raise _fail(text, position, "net.conv_channels", kind=kind, size=repr(rest[0]))
        options.update(out_channels=dims[0], kernel=dims[1:], stride=1, padding=0, bias=False)
        rest = rest[1:]
        while rest:
            word = rest.pop(0)
            if word == "bias":
                options["bias"] = True
            elif word in ("stride", "pad", "padding"):
                if not rest:
                    raise _fail(text, position, "net.number", word=word)
                value = rest.pop(0)
                minimum = 1 if word == "stride" else 0
                if not value.isdigit() or int(value) < minimum:
                    raise _fail(text, position, "net.at_least", word=word, minimum=minimum, got=repr(value))
                options["stride" if word == "stride" else "padding"] = int(value)
            else:
                raise _fail(text, position, "net.unexpected", got=repr(word))
    elif kind in POOLS:
        if not rest:
            raise _fail(text, position, "net.pool_size", kind=kind)
        try:
            options["size"] = parse_shape(rest[0], "window", max_dims=3)
        except SpecError as exc:
            raise _fail(text, position, exc) from None
        options["stride"] = None
        rest = rest[1:]
        if rest:
            if rest[0] != "stride" or len(rest) != 2:
                raise _fail(text, position, "net.unexpected", got=repr(" ".join(rest)))
            options["stride"] = _int(rest[1], text, position, "stride")
    elif kind == "linear":
        if not rest:
            raise _fail(text, position, "net.linear_size")
        options["out_features"] = _int(rest[0], text, position, "OUT")
        options["bias"] = True
        rest = rest[1:]
        if rest == ["nobias"]:
            options["bias"] = False
        elif rest:
            raise _fail(text, position, "net.unexpected", got=repr(" ".join(rest)))
    elif rest:
        raise _fail(text, position, "net.no_options", kind=kind, got=repr(" ".join(rest)))
    return LayerSpec(kind, position, " ".join(text.split()), options)


def parse_net_layers(text: Any) -> list[LayerSpec]:
    """Parse ``--layers``; the loss must be the last layer and appear once."""
    if text is None:
        raise SpecError("net.layers_required", param="layers",
                        example="conv 2x3x3 pad 1, relu, maxpool 2, flatten, linear 3, softmax_ce")
    if isinstance(text, (list, tuple)):
        text = ", ".join(str(t) for t in text)
    if not isinstance(text, str):
        raise SpecError("net.layers_type", type=type(text).__name__)
    parts = text.split(",")
    if len(parts) > MAX_LAYERS:
        raise SpecError("mlp.layers_max", count=len(parts), limit=MAX_LAYERS)
    specs = [_parse_one(part.strip(), i) for i, part in enumerate(parts)]
    for spec in specs[:-1]:
        if spec.kind in LOSSES:
            raise _fail(spec.text, spec.position, "net.loss_last")
    if specs[-1].kind not in LOSSES:
        raise _fail(specs[-1].text, specs[-1].position, "net.loss_end")
    return specs


def parse_net_input(text: Any) -> tuple[int, ...]:
    """``--input``: NxF, NxCxL, NxCxHxW or NxCxDxHxW."""
    if text is None:
        raise SpecError("net.input_required")
    shape = parse_shape(text, "--input", max_dims=5)
    if len(shape) < 2:
        raise SpecError("net.input_one", input=text)
    return shape


__all__ = ["FORMS", "LOSSES", "LayerSpec", "parse_net_input", "parse_net_layers"]
