"""``batchnorm``: the chain-rule pieces and the compact forms in μ, σ, x̂."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.layers.batchnorm import MAX_ROWS, BatchNormDerivation
from gradsym.render.document import Equations, Expr, Label, Num, Para, Row, Text, grids_of

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.messages import Catalogue


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The chain-rule pieces and the compact forms in μ, σ, x̂ (abbreviations for display)."""
    import sympy

    assert isinstance(d, BatchNormDerivation)
    cfg = d.bn
    n_samples, n_features = cfg.batch, cfg.features
    chain = d.extra["chain"]
    # Generic names for display: γ, σ, c_n (every feature has the same pieces).
    show = {chain["t"]: 1 / sympy.Symbol("sigma"), chain["c"]: sympy.Symbol("c_n"),
            chain["gamma"]: sympy.Symbol("gamma")}
    blocks: list[Any] = [Para(t("batchnorm.chain")), Equations([
        (Text("∂y_n/∂c_n"), Expr(chain["dy_dc"].xreplace(show))),
        (Text("∂y_n/∂v"), Expr(chain["dy_dv"].xreplace(show))),
        (Text("∂y_n/∂x_m"), Text("γ·(N·δ_nm − 1 − x̂_n·x̂_m)/(N·σ)")),
    ])]
    rows: list[tuple[Any, Any]] = []
    for f in range(n_features):
        gam, sig = sympy.Symbol(f"gamma_{f + 1}"), sympy.Symbol(f"sigma_{f + 1}")
        gs = [sympy.Symbol(f"g_{n + 1}_{f + 1}") for n in range(n_samples)]
        xh = [sympy.Symbol(f"xhat_{n + 1}_{f + 1}") for n in range(n_samples)]
        dot = sympy.Add(*[g * x for g, x in zip(gs, xh)])
        for n in range(n_samples):
            if full or len(rows) < MAX_ROWS:
                rows.append((Label("x", (n + 1, f + 1), prefix="∂L/∂"),
                             Expr(gam / (n_samples * sig) * (n_samples * gs[n] - sympy.Add(*gs) - xh[n] * dot))))
        rows.append((Label("gamma", (f + 1,), prefix="∂L/∂"), Expr(dot)))
        rows.append((Label("beta", (f + 1,), prefix="∂L/∂"), Expr(sympy.Add(*gs))))
    hidden = n_features * n_samples - sum(1 for lhs, _ in rows if lhs.letter == "x")
    blocks += [Para(t("batchnorm.compact")),
               Equations(rows, t("batchnorm.more", count=hidden) if hidden else "")]
    ev = d.numeric
    if ev is not None and cfg.eps is not None:
        x = ev.values["input"]
        means, variances, sigmas = [], [], []
        xhat = np.empty(x.shape, dtype=object)
        for f in range(n_features):
            column = [Fraction(v) for v in x[:, f]]
            mean = sum(column, Fraction(0)) / n_samples
            var = sum(((v - mean) ** 2 for v in column), Fraction(0)) / n_samples
            root = sympy.sqrt(sympy.Rational(var + cfg.eps))
            means.append(mean)
            variances.append(var)
            sigmas.append(root)
            for n in range(n_samples):
                xhat[n, f] = sympy.Rational(column[n] - mean) / root
        cell = lambda v, _i: Num(v, ev.decimal)  # noqa: E731
        stats = [grids_of(t(key), np.array(vals, dtype=object), cell, full, t)
                 for key, vals in (("batchnorm.mean", means), ("batchnorm.variance", variances),
                                   ("batchnorm.sigma", sigmas))]
        blocks.append(Para(t("batchnorm.values")))
        blocks.append(Row([grid for group in stats for grid in group]))
        blocks += grids_of(t("batchnorm.xhat"), xhat, cell, full, t)
    return [("grad", ("batchnorm.section", {}), blocks)]
