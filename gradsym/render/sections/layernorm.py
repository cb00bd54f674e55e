"""``layernorm`` and ``groupnorm``: the chain-rule pieces and the compact forms in μ, σ, x̂ and ĝ = g∘γ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradsym.layers.layernorm import LayerNormDerivation
from gradsym.render.document import Equations, Para
from gradsym.render.sections.batchnorm import chain_blocks, compact_rows, statistics_blocks

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """As batch norm's, with statistics per sample and γ per position (ĝ = g∘γ)."""
    assert isinstance(d, LayerNormDerivation)
    groups = d.groups
    prefix = d.stats  # layernorm | groupnorm
    blocks = chain_blocks(d, t, "layernorm.chain", "γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ)")
    rows, hidden = compact_rows(d, groups, False, full)
    blocks += [Para(t("layernorm.compact")),
               Equations(rows, t("batchnorm.more", count=hidden) if hidden else "")]
    ev = d.numeric
    if ev is not None and d.norm.eps is not None:
        blocks += statistics_blocks(d, t, full, groups, d.norm.eps, d.norm.stats_of(ev.values), prefix)
    return [("grad", ("batchnorm.section", {}), blocks)]
