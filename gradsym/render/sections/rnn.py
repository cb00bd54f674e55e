"""``rnn``: the step form and the unrolled forward, and backpropagation through time step by
step (δ_t, d_t = δ̃_t and each step's contributions), with their values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.rnn import PARAMETERS, RnnDerivation, RnnEvaluation, unrolled
from gradsym.numeric import object_array
from gradsym.render.document import Equations, Expr, Label, Num, Para, Row, grids_of
from gradsym.render.jsonvalues import expr_text, nested

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue

UNROLL_PATHS = 4  # the unrolled forward is shown when H^(T−1) ≤ this (else with --full)


def small_enough(d: RnnDerivation) -> bool:
    cfg = d.rnn_cfg
    return bool(cfg.hidden ** (cfg.steps - 1) <= UNROLL_PATHS)


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    import sympy

    assert isinstance(d, RnnDerivation)
    cfg = d.rnn_cfg
    steps, n_in, n_hidden = cfg.steps, cfg.input_size, cfg.hidden
    ev = d.numeric
    dec = ev.decimal if ev else False
    pre = d.preactivation
    forward: list[Any] = [Para(t("rnn.step_form")), Equations(
        [(Label("a", (s + 1, i + 1)), Expr(pre[s, i])) for s in range(steps) for i in range(n_hidden)])]
    if full or small_enough(d):
        whole = unrolled(d)
        forward += [Para(t("rnn.unrolled")), Equations(
            [(Label("h", (s + 1, i + 1)), Expr(whole[s, i])) for s in range(steps) for i in range(n_hidden)])]
    else:
        forward.append(Para(t("rnn.unrolled_hidden", paths=n_hidden ** (steps - 1))))

    # Display symbols: δ_t_i and d_t_i = δ̃_t_i (BPTT's intermediates).
    delta = [[sympy.Symbol(f"delta_{s + 1}_{i + 1}") for i in range(n_hidden)] for s in range(steps)]
    tilde = [[sympy.Symbol(f"d_{s + 1}_{i + 1}") for i in range(n_hidden)] for s in range(steps)]
    sym = d.table.symbols()

    def tensor(role: str, *index: int) -> Any:
        tens = d.symbols[role]
        return sym[tens.first + int(np.ravel_multi_index(index, tens.shape))]

    out: list[tuple[str, Any, list[Any]]] = [("forward", ("rnn.forward_section", {}), forward)]
    intro: list[Any] = [Para(t("rnn.bptt")), Para(t("rnn.sums"))]
    out.append(("grad", ("rnn.bptt_section", {}), intro))
    values = _step_values(d) if ev is not None else None
    for s in reversed(range(steps)):
        rows: list[tuple[Any, Any]] = []
        for i in range(n_hidden):
            later = [tensor("w_hh", k, i) * tilde[s + 1][k] for k in range(n_hidden)] if s + 1 < steps else []
            rows.append((Expr(delta[s][i]), Expr(sympy.Add(tensor("upstream", s, i), *later))))
        for i in range(n_hidden):
            rows.append((Expr(tilde[s][i]), Expr(delta[s][i] * (1 - tensor("hidden", s, i) ** 2))))

        def prev(j: int, s: int = s) -> Any:
            return tensor("h0", j) if s == 0 else tensor("hidden", s - 1, j)

        for j in range(n_in):
            rows.append((Label("x", (s + 1, j + 1), prefix="∂L/∂"),
                         Expr(sympy.Add(*[tensor("w_ih", i, j) * tilde[s][i] for i in range(n_hidden)]))))
        if s == 0:
            for j in range(n_hidden):
                rows.append((Label("h0", (j + 1,), prefix="∂L/∂"),
                             Expr(sympy.Add(*[tensor("w_hh", i, j) * tilde[0][i] for i in range(n_hidden)]))))
        terms: list[tuple[Any, Any]] = []
        for i in range(n_hidden):
            terms.append((Label("b", (i + 1,), prefix="∂L/∂"), Expr(tilde[s][i])))
            for j in range(n_in):
                terms.append((Label("w_ih", (i + 1, j + 1), prefix="∂L/∂"), Expr(tilde[s][i] * tensor("input", s, j))))
            for j in range(n_hidden):
                terms.append((Label("w_hh", (i + 1, j + 1), prefix="∂L/∂"), Expr(tilde[s][i] * prev(j))))
        blocks: list[Any] = [Equations(rows), Para(t("rnn.terms", t=s + 1)), Equations(terms)]
        if values is not None:
            cell = lambda v, _i: Num(v, dec)  # noqa: E731
            grids = [*grids_of(f"δ_{s + 1} ({t('numeric.values')})", values["delta"][s], cell, full, t),
                     *grids_of(f"d_{s + 1} ({t('numeric.values')})", values["tilde"][s], cell, full, t)]
            blocks.append(Row(grids))
        out.append(("grad", ("rnn.step", {"t": s + 1}), blocks))
    return out


def _step_values(d: RnnDerivation) -> dict[str, list[np.ndarray]]:
    """δ_t and d_t = δ̃_t at the given values (exact)."""
    ev = d.numeric
    assert isinstance(ev, RnnEvaluation)

    def row(items: list[Any]) -> np.ndarray:
        return object_array([ev.exact(e) for e in items], (len(items),))

    return {"delta": [row(r) for r in d.bptt.delta], "tilde": [row(r) for r in d.bptt.delta_tilde]}


def json_fields(d: Derivation) -> dict[str, Any]:
    """The pre-activations (in the symbols h_{t−1}) and BPTT's δ_t, δ̃_t."""
    assert isinstance(d, RnnDerivation)
    text = lambda e: expr_text(d, e)  # noqa: E731
    from gradsym.layers.rnn import as_array

    return {
        "preactivation": nested(d.preactivation, text),
        "bptt": {"delta": nested(as_array(d.bptt.delta), text),
                 "delta_tilde": nested(as_array(d.bptt.delta_tilde), text)},
        "parameters": list(PARAMETERS),
    }


def numeric_json(d: Derivation) -> dict[str, Any]:
    """The common ``numeric`` object, with exact irrational values printed in SymPy syntax
    without sorting their terms (sorting nested tanh values evaluates them again and again)."""
    import sympy

    from gradsym.numeric import json_number

    ev = d.numeric
    assert ev is not None

    def num(value: Any) -> Any:
        if isinstance(value, sympy.Basic) and not value.is_Rational:
            return sympy.sstr(value, order="none")
        return json_number(value, ev.decimal)

    return {
        "values": {role: nested(arr, num) for role, arr in ev.values.items()},
        "forward": nested(ev.forward_values, num),
        "jacobian": {role: _jacobian_doc(d.jacobians[role], vals, num) for role, vals in ev.jacobian_values.items()},
        "grad": {role: nested(arr, num) for role, arr in ev.grad_values.items()},
    }


def _jacobian_doc(jac: Any, values: dict[tuple[int, int], Any], num: Any) -> dict[str, Any]:
    """``{"shape", "nonzeros": [[output index, wrt index, value], …]}`` (0-based), as the
    common JSON writes it."""
    rows = [[list(map(int, np.unravel_index(o, jac.out_shape))), list(map(int, np.unravel_index(w, jac.wrt_shape))),
             num(v)] for (o, w), v in values.items()]
    return {"shape": list(jac.shape), "nonzeros": rows}
