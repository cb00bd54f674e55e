"""``attention``: S, P and O, the matrix forms of the backward pass, values at a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.attention import AttentionDerivation, build, rows_array
from gradsym.render.document import Equations, Expr, Para, Row, Text, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue

MINUS_INFINITY = Text("−∞")


def _approx(value: Any) -> Text:
    """Six significant digits; round-off below 1e-20 shows as 0 (the values are exact elsewhere)."""
    number = float(value)
    return Text("0" if abs(number) < 1e-20 else f"{number:.6g}")


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    assert isinstance(d, AttentionDerivation)
    cfg = d.cfg
    pieces = d.pieces
    masked = lambda i, c: c >= cfg.allowed(i)  # noqa: E731
    forward: list[Any] = [Para(("attention.definition", {})), Equations([
        (Text("S"), Text("Q·Kᵀ/√D" + (" " + t("attention.mask_rule") if cfg.causal else ""))),
        (Text("P_ij"), Text("exp(S_ij) / Σ_l exp(S_il)")),
        (Text("O"), Text("P·V")),
    ])]
    index = np.empty((cfg.seq, cfg.seq), dtype=object)
    for i in range(cfg.seq):
        for c in range(cfg.seq):
            index[i, c] = (i, c)
    if full or not d.elementwise_hidden:
        forward.append(Row([
            *grids_of("S", index, lambda e, _i: MINUS_INFINITY if masked(*e) else Expr(pieces.s[e[0]][e[1]]),
                      full, t),
            *grids_of("P", index, lambda e, _i: Expr(pieces.p[e[0]][e[1]]), full, t),
        ]))
    grad: list[Any] = [Para(("attention.matrix_forms", {})), Equations([
        (Text("∂o_ij/∂S_il"), Text("P_il·(v_lj − o_ij)")),
        (Text("∂o_ij/∂v_lj"), Text("P_il")),
        (Text("dV"), Text("Pᵀ·G")),
        (Text("dP"), Text("G·Vᵀ")),
        (Text("dS"), Text("P ∘ (dP − rowsum(dP ∘ P)·1ᵀ)")),
        (Text("dQ"), Text("dS·K/√D")),
        (Text("dK"), Text("dSᵀ·Q/√D")),
    ])]
    if cfg.causal:
        grad.append(Para(("attention.masked", {})))
    ev = d.numeric
    values = d.scores
    if ev is not None and values is not None:
        import mpmath

        exact_s = values["s"]
        forward.append(Para(("attention.at_values", {})))
        forward.append(Row(grids_of(t("attention.scores"), index,
                                    lambda e, _i: MINUS_INFINITY if masked(*e) else Expr(exact_s[e[0]][e[1]]),
                                    full, t)))
        with mpmath.workdps(30):
            mp = {role: [[mpmath.mpf(x.numerator) / x.denominator if hasattr(x, "denominator") else mpmath.mpf(x)
                          for x in row] for row in ev.values[role].tolist()] for role in ev.values}
            num = build(cfg, mp["q"], mp["k"], mp["v"], mp["upstream"], 1 / mpmath.sqrt(cfg.dim), mpmath.exp,
                        jacobians=False)
            forward.append(Row(grids_of(t("attention.weights"), rows_array(num.p), lambda e, _i: _approx(e), full, t)))
            cell = lambda e, _i: _approx(e)  # noqa: E731
            if d.elementwise_hidden and not full:  # the exact values are in the JSON
                forward.append(Row(grids_of(t("attention.output"), rows_array(num.forward), cell, full, t)))
            grad.append(Para(("attention.at_values", {})))
            grad.append(Row([*grids_of(t("attention.dp"), rows_array(num.backward["dp"]), cell, full, t),
                             *grids_of(t("attention.ds"), rows_array(num.backward["ds"]), cell, full, t)]))
            if d.elementwise_hidden and not full:
                grad.append(Row([grid for role in ("q", "k", "v")
                                 for grid in grids_of(f"dL/d{role.upper()} ≈", rows_array(num.grads[role]), cell,
                                                      full, t)]))
    return [("forward", ("attention.forward_section", {}), forward),
            ("grad", ("attention.grad_section", {}), grad)]
