"""``softmax``: the closed forms in s = softmax(x/T), the probabilities and the loss."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.softmax import MAX_ROWS, SoftmaxDerivation
from gradsym.numeric import json_number
from gradsym.render.document import Equations, Expr, Label, Num, Para, Text, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The Jacobian and gradient of each row in the abbreviation s = softmax(x/T)."""
    import sympy

    assert isinstance(d, SoftmaxDerivation)
    cfg = d.sm
    n_rows, n_classes = cfg.shape
    inv_t = 1 / sympy.Rational(str(cfg.temperature))
    names = d.table.symbols()
    first = d.symbols["probabilities"].first
    s = [[names[first + n * n_classes + k] for k in range(n_classes)] for n in range(n_rows)]
    kind = "loss" if cfg.loss else ("log" if cfg.log else "plain")
    jac_rows: list[tuple[Any, Any]] = []
    grad_rows: list[tuple[Any, Any]] = []
    q = cfg.target_distribution() if cfg.loss else None
    n_entries = 0
    for n in range(n_rows):
        if q is not None:
            for m in range(n_classes):
                n_entries += 1
                if full or len(grad_rows) < MAX_ROWS:
                    target = sympy.Rational(q[n][m].numerator, q[n][m].denominator)
                    grad_rows.append((Label("x", (n + 1, m + 1), prefix="∂L/∂"),
                                      Expr((s[n][m] - target) * inv_t / n_rows)))
            continue
        gs = [sympy.Symbol(f"g_{n + 1}_{k + 1}") for k in range(n_classes)]
        if n == 0:  # one row shows the Jacobian's pattern; every row has the same
            for k in range(n_classes):
                for m in range(n_classes):
                    if full or len(jac_rows) < MAX_ROWS:
                        delta = 1 if k == m else 0
                        entry = (delta - s[n][m]) if cfg.log else s[n][k] * (delta - s[n][m])
                        jac_rows.append((Text(f"∂y_1,{k + 1}/∂x_1,{m + 1}"), Expr(entry * inv_t)))
        for m in range(n_classes):
            n_entries += 1
            if full or len(grad_rows) < MAX_ROWS:
                if cfg.log:
                    form = (gs[m] - s[n][m] * sympy.Add(*gs)) * inv_t
                else:
                    form = s[n][m] * (gs[m] - sympy.Add(*[g * v for g, v in zip(gs, s[n])])) * inv_t
                grad_rows.append((Label("x", (n + 1, m + 1), prefix="∂L/∂"), Expr(form)))
    hidden = n_entries - len(grad_rows)
    blocks: list[Any] = [Para(t(f"softmax.jacobian.{kind}"))]
    if jac_rows:
        blocks += [Equations(jac_rows), Para(t("softmax.grad"))]
    blocks.append(Equations(grad_rows, t("softmax.more", count=hidden) if hidden else ""))
    ev = d.numeric
    if ev is not None:
        x = ev.values["input"]
        probs = np.empty(x.shape, dtype=object)
        for n in range(n_rows):
            exps = [sympy.exp(sympy.Rational(str(v)) * inv_t) for v in x[n]]
            total = sympy.Add(*exps)
            for k in range(n_classes):
                value = exps[k] / total
                probs[n, k] = int(value) if value.is_Integer else value
        cell = lambda v, _i: Num(v, ev.decimal)  # noqa: E731
        blocks += grids_of(t("softmax.values"), probs, cell, full, t)
        if q is not None:
            blocks += grids_of(t("softmax.target"), np.array(q, dtype=object), cell, full, t)
            blocks.append(Equations([(Label("L", ()), Num(ev.forward_values[()], ev.decimal))]))
    return [("grad", ("softmax.section", {}), blocks)]


def numeric_extra(d: Derivation) -> dict[str, Any]:
    """``numeric.loss``: the mean cross-entropy at the given values (with ``--loss``)."""
    assert isinstance(d, SoftmaxDerivation)
    ev = d.numeric
    if ev is None or d.sm.loss is None:
        return {}
    return {"loss": json_number(ev.forward_values[()], ev.decimal)}
