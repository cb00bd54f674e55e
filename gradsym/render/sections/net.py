"""``net``: the layers forward and backward, each with its formula, rule and numbers; the JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.net import NetDerivation
from gradsym.layers.net_layers import NetLayer
from gradsym.layers.net_numeric import NetEvaluation
from gradsym.numeric import json_number
from gradsym.render.document import (
    MAX_EQUATIONS,
    Equations,
    Expr,
    Label,
    Para,
    Row,
    Text,
    index1,
    number_grids,
)
from gradsym.render.jsonvalues import expr_text, nested

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue

LETTERS = {"input": "a", "kernel": "k", "weight": "w", "bias": "b", "gamma": "γ", "beta": "β"}


def _layer_json(d: NetDerivation, layer: NetLayer) -> dict[str, Any]:
    def text(e: Any) -> str:
        return expr_text(d, e)

    entry: dict[str, Any] = {
        "kind": layer.kind,
        "spec": layer.spec.text,
        "input_shape": list(layer.in_shape),
        "output_shape": list(layer.out_shape),
        "params": {role: layer.param_name(role) for role in layer.params},
    }
    if layer.forward_elems is not None:
        entry["symbols"] = {role: t.names() for role, t in layer.tensors.items()}
        entry["forward"] = nested(layer.forward_elems, text)
        entry["grad"] = {role: nested(arr, text) for role, arr in layer.grad_elems.items()}
    else:
        formula = dict(layer.formula)
        if "y" in formula:
            entry["forward"] = text(formula["y"])
        elif "ℓ" in formula:
            entry["forward"] = text(formula["ℓ"])
        grad = [e for label, e in layer.formula if label.startswith(("∂L/∂", "∂ℓ/∂"))]
        if grad:
            entry["grad"] = {"input": text(grad[0])}
    return entry


def json_fields(d: Derivation) -> dict[str, Any]:
    """``layers``: per layer its kind, shapes, parameter names and symbolic part."""
    assert isinstance(d, NetDerivation)
    return {"layers": [_layer_json(d, layer) for layer in d.net_layers]}


def numeric_json(d: Derivation) -> dict[str, Any]:
    """``numeric``: every value used, the loss, per-layer numbers and every gradient by name."""
    assert isinstance(d, NetDerivation)
    ev = d.numeric
    assert isinstance(ev, NetEvaluation)

    def num(v: Any) -> Any:
        return json_number(v, ev.decimal)

    target = ev.target if isinstance(ev.target, list) else nested(ev.target, num)
    values = {name: nested(arr, num) for name, arr in ev.named.items()}
    values["target"] = target
    layers = [
        {"forward": nested(lv.forward_values, num),
         "grad": {role: nested(arr, num) for role, arr in lv.grad_values.items()}}
        for lv in ev.layers
    ]
    return {
        "values": values,
        "forward": num(ev.forward_values[()]),
        "loss": num(ev.forward_values[()]),
        "layers": layers,
        "grad": {name: nested(arr, num) for name, arr in ev.gradients.items()},
    }


def large(d: Derivation) -> bool:
    assert isinstance(d, NetDerivation)
    return sum(int(np.prod(layer.out_shape)) for layer in d.net_layers) > 1_000


def _equations(d: NetDerivation, letter: str, number: int, arr: np.ndarray, full: bool,
               t: Catalogue, prefix: str = "") -> Equations:
    flat = arr.reshape(-1)
    limit = len(flat) if full else min(len(flat), MAX_EQUATIONS)
    rows: list[tuple[Any, Any]] = [
        (Label(letter, (number, *index1(i, arr.shape)), prefix=prefix), Expr(flat[i])) for i in range(limit)
    ]
    return Equations(rows, t("summary.more", count=len(flat) - limit) if limit < len(flat) else "")


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The forward pass and the backward pass, one heading per layer."""
    assert isinstance(d, NetDerivation)
    ev = d.numeric
    dec = ev.decimal if ev else False

    def values(title: str, arr: np.ndarray) -> list[Any]:
        return number_grids(title, arr, dec, full, t)

    def formula(layer: NetLayer) -> Equations:
        return Equations([(Text(label), Expr(e)) for label, e in layer.formula])

    forward: list[Any] = []
    if ev is not None:
        forward.append(Row(values("a_1", ev.layers[0].input)))
    for i, layer in enumerate(d.net_layers):
        n = layer.number
        lv = ev.layers[i] if ev else None
        key = "net.forward.loss" if not layer.out_shape else "net.forward.layer"
        forward.append(Para(t(key, layer=n, text=layer.spec.text,
                              input="x".join(map(str, layer.in_shape)),
                              output="x".join(map(str, layer.out_shape)) or "1", next=n + 1)))
        if lv is not None and lv.params:
            forward.append(Row([g for role, arr in lv.params.items()
                                for g in values(layer.param_name(role), arr)]))
        if layer.forward_elems is not None:
            forward.append(_equations(d, "a", n + 1, layer.forward_elems, full, t))
        elif layer.formula:
            forward.append(formula(layer))
        if layer.kind == "batchnorm":
            forward.append(Para(t("net.forward.batchnorm")))
        if lv is not None and layer.out_shape:
            forward.append(Row(values(f"a_{n + 1}", lv.forward_values)))
    out: list[tuple[str, Any, list[Any]]] = [("forward", ("net.section.forward", {}), forward)]

    backward: list[Any] = []
    for i in reversed(range(len(d.net_layers))):
        layer = d.net_layers[i]
        n = layer.number
        lv = ev.layers[i] if ev else None
        backward.append(Para(t("net.backward.layer", layer=n, text=layer.spec.text)))
        for key, params in layer.rule:
            backward.append(Para(t(key, **params)))
        if layer.forward_elems is not None:
            backward.append(Para(t("net.rule.engine", layer=n, next=n + 1)))
            for role, arr in layer.grad_elems.items():
                backward.append(_equations(d, LETTERS[role], n, arr, full, t, prefix="∂L/∂"))
        if lv is None:
            continue
        if lv.upstream is not None:
            backward.append(Row(values(f"∂L/∂a_{n + 1}", lv.upstream)))
        grids = []
        for role, arr in lv.grad_values.items():
            name = "a_1" if role == "input" and n == 1 else f"a_{n}" if role == "input" else layer.param_name(role)
            grids += values(f"∂L/∂{name}", arr)
        backward.append(Row(grids))
    out.append(("grad", ("net.section.backward", {"count": len(d.net_layers)}), backward))
    return out
