"""``batchnorm`` (and ``layernorm``): the chain-rule pieces and the compact forms in μ, σ, x̂."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.batchnorm import MAX_ROWS, BatchNormDerivation
from gradsym.render.document import Equations, Expr, Label, Num, Para, Row, Text, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.layers.normalise import Group, NormDerivation
    from gradsym.render.wording import Catalogue


def _index(shape: tuple[int, ...], flat: int) -> tuple[int, ...]:
    return tuple(int(i) + 1 for i in np.unravel_index(flat, shape))


def _name(letter: str, index: tuple[int, ...]) -> Any:
    import sympy

    return sympy.Symbol(f"{letter}_{'_'.join(str(i) for i in index)}")


def chain_blocks(d: NormDerivation, t: Catalogue, key: str, jac_text: str) -> list[Any]:
    """SymPy's derivatives of y in c and v, for one generic sample."""
    import sympy

    chain = d.chain
    show = {chain["t"]: 1 / sympy.Symbol("sigma"), chain["c"]: sympy.Symbol("c_n"),
            chain["gamma"]: sympy.Symbol("gamma")}
    return [Para(t(key)), Equations([
        (Text("∂y_n/∂c_n"), Expr(chain["dy_dc"].xreplace(show))),
        (Text("∂y_n/∂v"), Expr(chain["dy_dv"].xreplace(show))),
        (Text("∂y_n/∂x_m"), Text(jac_text)),
    ])]


def compact_rows(d: Derivation, groups: list[Group], shared: bool, full: bool,
                 param_letters: tuple[str, str] = ("gamma", "beta")) -> tuple[list[Any], int]:
    """∂L/∂x rows (at most MAX_ROWS unless ``full``) and the γ, β rows, per group."""
    import sympy

    shape = d.symbols["input"].shape
    param_shape = d.symbols["gamma"].shape
    rows: list[tuple[Any, Any]] = []
    shown = 0
    gamma_parts: dict[int, list[Any]] = {}
    beta_parts: dict[int, list[Any]] = {}
    for group in groups:
        count = len(group.samples)
        label = "_".join(str(i) for i in group.label)
        sig = sympy.Symbol(f"sigma_{label}")
        idx = [_index(shape, i) for i in group.samples]
        gs = [_name("g", i) for i in idx]
        xh = [_name("xhat", i) for i in idx]
        gams = [_name(param_letters[0], _index(param_shape, p)) for p in group.params]
        ghat = gs if shared else [g * gam for g, gam in zip(gs, gams)]
        dot = sympy.Add(*[g * x for g, x in zip(ghat, xh)])
        total = sympy.Add(*ghat)
        scale = gams[0] / (count * sig) if shared else 1 / (count * sig)
        for n in range(count):
            if full or shown < MAX_ROWS:
                rows.append((Label("x", idx[n], prefix="∂L/∂"),
                             Expr(scale * (count * ghat[n] - total - xh[n] * dot))))
                shown += 1
        if shared:
            rows.append((Label(param_letters[0], (group.params[0] + 1,), prefix="∂L/∂"), Expr(dot)))
            rows.append((Label(param_letters[1], (group.params[0] + 1,), prefix="∂L/∂"), Expr(sympy.Add(*gs))))
        else:
            for n, p in enumerate(group.params):
                gamma_parts.setdefault(p, []).append(gs[n] * xh[n])
                beta_parts.setdefault(p, []).append(gs[n])
    for p in sorted(gamma_parts):
        rows.append((Label(param_letters[0], _index(param_shape, p), prefix="∂L/∂"), Expr(sympy.Add(*gamma_parts[p]))))
    for p in sorted(beta_parts):
        rows.append((Label(param_letters[1], _index(param_shape, p), prefix="∂L/∂"), Expr(sympy.Add(*beta_parts[p]))))
    hidden = sum(len(gr.samples) for gr in groups) - shown
    return rows, hidden


def statistics_blocks(d: Derivation, t: Catalogue, full: bool, groups: list[Group], eps: Any,
                      stats: list[tuple[Any, Any]], prefix: str) -> list[Any]:
    """μ, σ², σ per group and x̂ at the given values."""
    import sympy

    ev = d.numeric
    assert ev is not None
    x = ev.values["input"]
    flat = x.reshape(-1)
    means, variances, sigmas = [], [], []
    xhat = np.empty(flat.size, dtype=object)
    for group, (mean, var) in zip(groups, stats):
        root = sympy.sqrt(sympy.Rational(Fraction(var) + eps))
        means.append(mean)
        variances.append(var)
        sigmas.append(root)
        for i in group.samples:
            xhat[i] = sympy.Rational(Fraction(flat[i]) - Fraction(mean)) / root
    cell = lambda v, _i: Num(v, ev.decimal)  # noqa: E731
    grids = [grids_of(t(key), np.array(vals, dtype=object), cell, full, t)
             for key, vals in ((f"{prefix}.mean", means), (f"{prefix}.variance", variances),
                               (f"{prefix}.sigma", sigmas))]
    return [Para(t(f"{prefix}.values")), Row([grid for group in grids for grid in group]),
            *grids_of(t(f"{prefix}.xhat"), xhat.reshape(x.shape), cell, full, t)]


def eval_sections(d: BatchNormDerivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    import sympy

    shape = d.symbols["input"].shape
    rows: list[tuple[Any, Any]] = []
    shown = 0
    eps = sympy.Symbol("epsilon")
    for group in d.groups:
        c = group.params[0] + 1
        gam, mean, var = _name("gamma", (c,)), _name("running_mean", (c,)), _name("running_var", (c,))
        root = sympy.sqrt(var + eps)
        idx = [_index(shape, i) for i in group.samples]
        for i in idx:
            if full or shown < MAX_ROWS:
                rows.append((Label("x", i, prefix="∂L/∂"), Expr(gam * _name("g", i) / root)))
                shown += 1
        rows.append((Label("gamma", (c,), prefix="∂L/∂"),
                     Expr(sympy.Add(*[_name("g", i) * (_name("x", i) - mean) for i in idx]) / root)))
        rows.append((Label("beta", (c,), prefix="∂L/∂"), Expr(sympy.Add(*[_name("g", i) for i in idx]))))
    hidden = int(np.prod(shape)) - shown
    blocks: list[Any] = [Para(t("batchnorm.eval_chain")),
                         Equations(rows, t("batchnorm.more", count=hidden) if hidden else "")]
    ev = d.numeric
    if ev is not None and d.bn.eps is not None:
        stats = d.norm.stats_of(ev.values)
        blocks += statistics_blocks(d, t, full, d.groups, d.bn.eps, stats, "batchnorm.running")
    return [("grad", ("batchnorm.section", {}), blocks)]


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The chain-rule pieces and the compact forms in μ, σ, x̂ (abbreviations for display)."""
    assert isinstance(d, BatchNormDerivation)
    cfg = d.bn
    if cfg.eval:
        return eval_sections(d, t, full)
    count = "N" if not cfg.spatial else "M"
    blocks = chain_blocks(d, t, "batchnorm.chain" if not cfg.spatial else "batchnorm.chain_spatial",
                          f"γ·({count}·δ_nm − 1 − x̂_n·x̂_m)/({count}·σ)")
    rows, hidden = compact_rows(d, d.groups, True, full)
    blocks += [Para(t("batchnorm.compact")),
               Equations(rows, t("batchnorm.more", count=hidden) if hidden else "")]
    ev = d.numeric
    if ev is not None and cfg.eps is not None:
        stats = d.norm.stats_of(ev.values)
        blocks += statistics_blocks(d, t, full, d.groups, cfg.eps, stats, "batchnorm")
    return [("grad", ("batchnorm.section", {}), blocks)]
