"""``chain``: the layer-by-layer sections, the set-up hint, and the per-layer JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.chain import ChainDerivation, ChainEvaluation
from gradsym.numeric import json_number
from gradsym.render.document import (
    MAX_EQUATIONS,
    Equations,
    Expr,
    Label,
    Num,
    Para,
    Row,
    grids_of,
    number_grids,
)
from gradsym.render.jsonvalues import expr_text, nested

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue
    from gradsym.symbols import Tensor


def json_fields(d: Derivation) -> dict[str, Any]:
    """Per-layer ``symbols``, ``layers`` and ``loss``."""
    assert isinstance(d, ChainDerivation)

    def text(e: Any) -> str:
        return expr_text(d, e)

    layers = []
    for layer in d.layers:
        entry: dict[str, Any] = {
            "symbols": {role: t.names() for role, t in layer.symbols().items()},
            "forward": nested(layer.forward_elems, text),
            "grad": {role: nested(arr, text) for role, arr in layer.grad_elems.items()},
        }
        if layer.expanded_elems is not None:
            grads = layer.expanded_elems["grad"]
            entry["expanded"] = {
                "forward": nested(layer.expanded_elems["forward"], text),
                "grad": {role: nested(arr, text) for role, arr in grads.items()},
            }
        layers.append(entry)
    return {
        # Plain arrays of names, as every command's "symbols"; kernels and biases stacked
        # layer first (k_l_i_j), every layer's own names under "layers".
        "symbols": {
            "input": d.layers[0].input.names(),
            "kernel": [layer.kernel.names() for layer in d.layers],
            **({"bias": [layer.bias.names() for layer in d.layers if layer.bias is not None]}
               if d.layers[0].bias is not None else {}),
            "target": d.target.names(),
            "output": d.output.names(),
        },
        "layers": layers,
        "loss": {
            "kind": d.loss,
            "expression": text(d.forward_elems[()]),
            "grad": nested(d.loss_grad_elems, text),
        },
    }


def numeric_json(d: Derivation) -> dict[str, Any]:
    """``numeric``: the loss and per-layer ``layers`` values."""
    assert isinstance(d, ChainDerivation)
    ev = d.numeric
    assert isinstance(ev, ChainEvaluation)

    def num(v: Any) -> Any:
        return json_number(v, ev.decimal)

    values: dict[str, Any] = {
        "input": nested(ev.layers[0].input, num),
        "kernel": [nested(lv.kernel, num) for lv in ev.layers],
    }
    if d.layers[0].bias is not None:
        values["bias"] = [nested(lv.bias, num) for lv in ev.layers if lv.bias is not None]
    values["target"] = nested(ev.values["chain_target"], num)
    assert ev.loss_grad_values is not None
    return {
        "values": values,
        "forward": num(ev.forward_values[()]),
        "layers": [
            {
                "forward": nested(lv.forward_values, num),
                "grad": {role: nested(arr, num) for role, arr in lv.grad_values.items()},
            }
            for lv in ev.layers
        ],
        "loss": {"value": num(ev.forward_values[()]), "grad": nested(ev.loss_grad_values, num)},
    }


def large(d: Derivation) -> bool:
    """Whether the JSON is written compactly."""
    assert isinstance(d, ChainDerivation)
    return sum(lay.upstream.size for lay in d.layers) > 1_000


def setup(d: Derivation) -> Iterator[tuple[str, dict[str, Any]]]:
    """The set-up lines; the hint to give values only while there are none."""
    assert isinstance(d, ChainDerivation)
    yield from d.setup
    if d.numeric is None:
        yield ("chain.setup.values", {"bias": ", --b" if d.layers[0].bias else ""})


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """One section per phase: the forward pass, the loss gradient, the backward pass."""
    assert isinstance(d, ChainDerivation)
    ev = d.numeric
    dec = ev.decimal if ev else False
    depth = len(d.layers)

    def names(title: str, tensor: Tensor) -> list[Any]:
        return grids_of(title, tensor.ids, lambda v, _i: _label(d, int(v)), full, t)

    def values(title: str, arr: np.ndarray) -> list[Any]:
        return number_grids(title, arr, dec, full, t)

    def equations(tensor: Tensor, arr: np.ndarray, prefix: str = "") -> Any:
        flat = arr.reshape(-1)
        limit = len(flat) if full else min(len(flat), MAX_EQUATIONS)
        rows: list[tuple[Any, Any]] = []
        for i in range(limit):
            letter, index = d.table.keys[tensor.first + i]
            rows.append((Label(letter, index, prefix=prefix), Expr(flat[i])))
        more = t("summary.more", count=len(flat) - limit) if limit < len(flat) else ""
        return Equations(rows, more)

    # One section per phase, each layer opened by a heading: the document places every
    # extra section of a key next to that key's first section, so a phase's content
    # stays in order only inside one section.
    forward: list[Any] = []
    for i, layer in enumerate(d.layers):
        lv = ev.layers[i] if ev else None
        n = layer.index
        key = "chain.section.forward_bias" if layer.bias is not None else "chain.section.forward"
        forward.append(Para(t(key, layer=n, next=n + 1)))
        grids = names(f"k_{n}", layer.kernel)
        if layer.bias is not None:
            grids += names(f"b_{n}", layer.bias)
        if lv is not None:
            grids += values(f"k_{n}", lv.kernel)
            if lv.bias is not None:
                grids += values(f"b_{n}", lv.bias)
        forward.append(Row(grids))
        if lv is not None and i == 0:
            forward.append(Row(values("a_1", lv.input)))
        forward.append(equations(layer.output, layer.forward_elems))
        if lv is not None:
            forward.append(Row(values(f"a_{n + 1}", lv.forward_values)))
        if layer.expanded_elems is not None and n > 1:
            forward.append(Para(t("chain.expanded.forward")))
            forward.append(equations(layer.output, layer.expanded_elems["forward"]))
    out: list[tuple[str, Any, list[Any]]] = [("forward", ("chain.section.layers_forward", {}), forward)]

    last = d.layers[-1]
    blocks: list[Any] = [Para(t(f"chain.loss_grad.{d.loss}", count=d.output.size))]
    blocks.append(equations(last.upstream, d.loss_grad_elems))
    if ev is not None and ev.loss_grad_values is not None:
        blocks.append(Row(values(f"d_{depth}", ev.loss_grad_values)))
    out.append(("jacobian", ("chain.section.loss_grad", {"last": depth, "next": depth + 1}), blocks))

    backward: list[Any] = []
    for layer in reversed(d.layers):
        n = layer.index
        lv = ev.layers[n - 1] if ev else None
        backward.append(Para(t("chain.section.backward", layer=n, below=n - 1)))
        source = "chain.incoming.loss" if n == depth else "chain.incoming.layer"
        backward.append(Para(t(source, layer=n, next=n + 1)))
        grids = names(f"d_{n}", layer.upstream)
        if lv is not None:
            grids += values(f"d_{n}", lv.upstream)
        backward.append(Row(grids))
        roles = [("kernel", layer.kernel), ("bias", layer.bias), ("input", layer.input)]
        for role, tensor in roles:
            if tensor is None:
                continue
            below = "chain.grad.input_first" if role == "input" and n == 1 else f"chain.grad.{role}"
            backward.append(Para(t(below, layer=n, below=n - 1)))
            backward.append(equations(tensor, layer.grad_elems[role], prefix="∂L/∂"))
            if lv is not None:
                backward.append(Row(values(f"∂L/∂{tensor.letter}_{n}", lv.grad_values[role])))
            expanded = layer.expanded_elems["grad"][role] if layer.expanded_elems else None
            if expanded is not None and expanded.reshape(-1).tolist() != layer.grad_elems[role].reshape(-1).tolist():
                backward.append(Para(t("chain.expanded.grad", last=depth)))
                backward.append(equations(tensor, expanded, prefix="∂L/∂"))
    out.append(("grad", ("chain.section.layers_backward", {"last": depth}), backward))
    return out


def _label(d: Derivation, v: int) -> Any:
    if v < 0:
        return Num(0)
    letter, index = d.table.keys[v]
    return Label(letter, index)
