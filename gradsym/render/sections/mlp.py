"""``mlp``: the network's parameters, the forward pass and the chain rule layer by layer;
JSON ``symbols``, ``gradients``, ``shapes`` and per-layer ``layers``."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.mlp import MlpDerivation, _d_array
from gradsym.numeric import json_number
from gradsym.render.document import Equations, Expr, Grid, Label, Num, Para, Row, grids_of
from gradsym.render.jsonvalues import expr_text, nested

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def json_fields(d: Derivation) -> dict[str, Any]:
    """``symbols`` of every tensor, ``gradients`` per name, ``shapes`` and per-layer ``layers``."""
    assert isinstance(d, MlpDerivation)
    text = lambda e: expr_text(d, e)  # noqa: E731
    ev = d.numeric
    num = (lambda v: json_number(v, ev.decimal)) if ev is not None else None  # noqa: E731
    gradients: dict[str, Any] = {}
    for name, arr in d.gradient_elems.items():
        entry: dict[str, Any] = {"expression": nested(arr, text)}
        if ev is not None and num is not None:
            entry["numeric"] = nested(ev.gradient_values[name], num)
        gradients[name] = entry
    named = d.tensors.named()
    shapes: dict[str, Any] = {("input" if n == "x" else n): list(t.shape) for n, t in named.items()}
    shapes["output"] = list(d.cfg.out_shape)
    layers = []
    for layer in range(1, d.cfg.depth + 1):
        record: dict[str, Any] = {
            "z": [text(e) for e in d.network.z[layer]],
            "a": [text(e) for e in d.network.a[layer]],
            "d": nested(_d_array(d, layer), text),
        }
        if ev is not None and num is not None:
            record["numeric"] = {key: nested(arr, num) for key, arr in ev.layer_values[layer - 1].items()}
        layers.append(record)
    return {
        "symbols": {("input" if n == "x" else n): t.names() for n, t in named.items()},
        "gradients": gradients,
        "shapes": shapes,
        "layers": layers,
    }


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    assert isinstance(d, MlpDerivation)
    cfg, net, ev = d.cfg, d.network, d.numeric
    dec = ev.decimal if ev is not None else False
    act = cfg.activation
    named = d.tensors.named()

    def labels(title: str, ids: np.ndarray) -> list[Grid]:
        return grids_of(title, ids, lambda v, _i: Label(*d.table.keys[int(v)]), full, t)

    def grad_label(v: int, prefix: str) -> Label:
        letter, index = d.table.keys[v]
        return Label(letter, index, prefix=prefix)

    def number(v: Any) -> Any:
        # Exact non-rational values (tanh(2)) print like expressions.
        return Num(v, dec) if isinstance(v, (int, Fraction)) else Expr(v)

    def numbers(title: str, arr: np.ndarray) -> list[Grid]:
        return grids_of(title, arr, lambda v, _i: number(v), full, t)

    params: list[Any] = [Para(t("mlp.params"))]
    grids: list[Grid] = []
    for name, tensor in named.items():
        if name != "x":
            grids += labels(name, tensor.ids)
    params.append(Row(grids))
    if ev is not None:
        params.append(Row([g for name in named if name != "x"
                           for g in numbers(f"{name} ({t('numeric.values')})", ev.values[name])]))
    else:
        example = " ".join(f"--at {n}=…" for n in named)
        params.append(Para(t("mlp.values_hint", example=example)))

    forward: list[Any] = [Para(t("mlp.forward_rule", activation=act if act != "none" else "identity"))]
    for layer in range(1, cfg.depth + 1):
        hidden = layer < cfg.depth and act != "none"
        rows: list[tuple[Any, Any]] = [(Label("z", (layer, j + 1)), Expr(e)) for j, e in enumerate(net.z[layer])]
        if hidden:
            rows += [(Label("a", (layer, j + 1)), Expr(e)) for j, e in enumerate(net.a[layer])]
        forward.append(Para(t("mlp.layer", layer=layer, n_in=cfg.widths[layer - 1], n_out=cfg.widths[layer])))
        forward.append(Equations(rows))
        if ev is not None:
            values = ev.layer_values[layer - 1]
            forward.append(Row(numbers(f"z_{layer}", values["z"]) + (numbers(f"a_{layer}", values["a"]) if hidden else [])))

    grad: list[Any] = [Para(t("mlp.backward_rule")), Para(t(f"mlp.derivative_{act}"))]
    multi = cfg.widths[-1] > 1
    for k in range(cfg.widths[-1]):
        out = f"out_{k + 1}" if multi else "out"
        prefix = f"∂{out}/∂"
        if multi:
            grad.append(Para(t("mlp.for_output", output=out)))
        for layer in range(cfg.depth, 0, -1):
            if layer == cfg.depth:
                grad.append(Para(t("mlp.step_output", layer=layer, prev=layer - 1, output=out)))
            else:
                grad.append(Para(t("mlp.step_hidden", layer=layer, prev=layer - 1, next=layer + 1, output=out,
                                   derivative="1" if act == "none" else f"{act}′(z_{layer},j)")))
            rows = [(Label("d", (layer, j + 1)), Expr(e)) for j, e in enumerate(net.d[k][layer])]
            for row in d.tensors.weights[layer - 1].ids.tolist():
                for v in row:
                    rows.append((grad_label(v, prefix), Expr(net.grads[k][d.table.names[v]])))
            if d.tensors.biases:
                for v in d.tensors.biases[layer - 1].flat_ids():
                    rows.append((grad_label(v, prefix), Expr(net.grads[k][d.table.names[v]])))
            grad.append(Equations(rows))
        grad.append(Para(t("mlp.step_input", output=out)))
        rows = [(Label("x", (i + 1,), prefix=prefix), Expr(e)) for i, e in enumerate(net.grads[k]["input"])]
        grad.append(Equations(rows))
    if ev is not None:
        grad.append(Para(t("mlp.values")))
        ids = {name: v for v, name in enumerate(d.table.names)}
        rows = []
        for name, arr in ev.gradient_values.items():
            for index in np.ndindex(arr.shape):
                prefix = "∂out" + (f"_{index[0] + 1}" if multi else "") + "/∂"
                letter, idx = ("x", (index[-1] + 1,)) if name == "input" else d.table.keys[ids[name]]
                rows.append((Label(letter, idx, prefix=prefix), number(arr[index])))
        grad.append(Equations(rows))
    return [
        ("setup", ("section.mlp_params", {}), params),
        ("forward", ("section.mlp_forward", {}), forward),
        ("grad", ("section.mlp_backward", {}), grad),
    ]
