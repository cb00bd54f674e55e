"""Group normalisation (torch.nn.functional.group_norm), derived and proved.

Input (N, C, *spatial); the C channels form G groups of C/G, and every (sample, group) is
normalised over its M = (C/G)·prod(spatial) values; γ, β per channel. The same core as
layer norm (:mod:`gradsym.layers.normalise`, a γ per sample of the group), so the proof
``grad_input_equals_compact_form`` is layer norm's: with ĝ = g∘γ,
dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂). ``--groups 1`` is layer norm over (C, *spatial)
with per-channel γ; ``--groups C`` is instance norm.

>>> d = groupnorm(shape=(1, 2), groups=1)
>>> d.grad["beta"].tolist()
[g_1_1, g_1_2]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradsym.budget import given
from gradsym.derivation import Derivation
from gradsym.layers.layernorm import build_norm_derivation
from gradsym.layers.normalise import Group, admit_normalisation
from gradsym.spec.groupnorm import GroupNormConfig, groupnorm_config

__all__ = ["GroupNormConfig", "channel_block_groups", "groupnorm", "groupnorm_config"]


def channel_block_groups(shape: tuple[int, ...], groups: int) -> list[Group]:
    """One group per (sample, block of C/G channels), over the block's every position."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    per = shape[1] // groups
    out = []
    for n in range(shape[0]):
        for k in range(groups):
            block = flat[n, k * per:(k + 1) * per]
            channels = np.broadcast_to(np.arange(k * per, (k + 1) * per).reshape((per,) + (1,) * (len(shape) - 2)),
                                       block.shape)
            out.append(Group(tuple(int(i) for i in block.reshape(-1)),
                             tuple(int(c) for c in channels.reshape(-1)), (n + 1, k + 1)))
    return out


def groupnorm(
    shape: Any = None,
    groups: int = 1,
    *,
    eps: Any = None,
    x: Any = None,
    gamma: Any = None,
    beta: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive group normalisation of an (N, C, *spatial) input with ``groups`` groups and
    prove its compact backward formula. γ, β per channel (default ones and zeros).

    >>> d = groupnorm(shape="1x2", groups=1, x="1,3")
    >>> d.numeric.grad["beta"].tolist()
    [1, 1]
    """
    cfg: GroupNormConfig = groupnorm_config(shape, groups, eps)
    m_count = cfg.per_group
    admit_normalisation(cfg.shape[0] * cfg.groups, m_count, given(x, gamma, beta, g), cfg.eps is None,
                        max_terms, "this group norm")
    shape_text = "×".join(str(s) for s in cfg.shape)
    d = build_norm_derivation(
        "groupnorm", cfg.shape, (cfg.channels,), channel_block_groups(cfg.shape, cfg.groups), cfg.eps,
        cfg.to_json(), "group-norm",
        title=("title.groupnorm", {"shape": shape_text, "groups": cfg.groups}),
        setup=[("groupnorm.setup", {"shape": shape_text, "groups": cfg.groups, "count": m_count,
                                    "per": cfg.channels // cfg.groups, "eps": cfg.eps_text}),
               ("groupnorm.definitions", {}), ("layernorm.defaults", {}), ("setup.upstream", {})],
        identity="grad_input_equals_compact_form_groupnorm", stats="groupnorm",
    )
    return d.with_values(seed=seed, x=x, gamma=gamma, beta=beta, g=g)
