"""Emitted code for ``groupnorm``: the compact form, per group of C/G channels.

x (N, C, *spatial) is viewed as (N, G, M) with M = (C/G)·∏spatial values per group;
x̂ = (x − mean)/σ per (sample, group), y = γ∘x̂ + β with γ, β per channel, and the proved
dL/dx = (M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) / (M·σ) with ĝ = g∘γ — the layer-norm form on each group.
"""

from __future__ import annotations

from math import prod
from typing import Any

from gradsym.render.emit.batchnorm import _eps, norm_forward, norm_module
from gradsym.render.emit.writer import literal


def emit_groupnorm(config: dict[str, Any], framework: str, command_line: str) -> str:
    shape = tuple(int(s) for s in config["shape"])
    groups = int(config["groups"])
    batch, channels = shape[0], shape[1]
    count = channels // groups * prod(shape[2:])
    eps, eps_note = _eps(config.get("eps", "1/100000"))
    keyword = "dim" if framework == "torch" else "axis"
    keep = f"{keyword}=-1, keepdim=True" if framework == "torch" else f"{keyword}=-1, keepdims=True"
    sqrt = {"numpy": "np.sqrt", "torch": "torch.sqrt", "jax": "jnp.sqrt"}[framework]
    per_channel = (1, channels) + (1,) * (len(shape) - 2)
    others = tuple(i for i in range(len(shape)) if i != 1)
    api = (
        "forward(x, gamma, beta) -> y\n"
        "backward(grad_output, x, gamma, beta) -> (grad_input, grad_gamma, grad_beta)\n"
        f"Layouts: x {literal(shape)} (N, C, …), gamma and beta ({channels},) (per channel)."
    )
    layer = f'''
# -- configuration --
EPS = {eps!r}  # {eps_note}
GROUPS = {groups}  # G groups of C/G = {channels // groups} channels
GROUPED = ({batch}, {groups}, {count})  # (N, G, M): M values per (sample, group)
PER_CHANNEL = {literal(per_channel)}  # γ and β broadcast over the samples and positions
OTHERS = {literal(others)}  # dL/dγ and dL/dβ sum over every axis but the channels
COUNT = {count}  # M


# -- the layer and its derived backward --
def normalize(x):
    """(x̂, σ) in the grouped view: x̂ = (x − mean) / σ per (sample, group), biased variance."""
    grouped = x.reshape(GROUPED)
    mean = grouped.mean({keep})
    var = ((grouped - mean) ** 2).mean({keep})
    sigma = {sqrt}(var + EPS)
    return (grouped - mean) / sigma, sigma


def forward_plain(x, gamma, beta):
    """y = γ∘x̂ + β, γ and β per channel."""
    x_hat, _ = normalize(x)
    return gamma.reshape(PER_CHANNEL) * x_hat.reshape(x.shape) + beta.reshape(PER_CHANNEL)


def backward(grad_output, x, gamma, beta):
    """(grad_input, grad_gamma, grad_beta) for the upstream gradient g = dL/dy."""
    x_hat, sigma = normalize(x)
    g = grad_output
    g_hat = (g * gamma.reshape(PER_CHANNEL)).reshape(GROUPED)  # ĝ = g∘γ, then grouped
    sum_g_hat = g_hat.sum({keep})
    sum_g_hat_x_hat = (g_hat * x_hat).sum({keep})
    # grad_input_equals_compact_form: dL/dx = (M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) / (M·σ), per group
    grad_input = (COUNT * g_hat - sum_g_hat - x_hat * sum_g_hat_x_hat) / (COUNT * sigma)
    grad_input = grad_input.reshape(x.shape)
    # dL/dγ = Σ g∘x̂, dL/dβ = Σ g over the samples and positions of each channel
    return grad_input, (g * x_hat.reshape(x.shape)).sum({keyword}=OTHERS), g.sum({keyword}=OTHERS)
'''
    layer += norm_forward(framework, "F.group_norm(x, GROUPS, gamma, beta, eps=EPS)")
    return norm_module("Group normalization (groupnorm)", "groupnorm", shape, (channels,), layer,
                       config, framework, command_line, api)
