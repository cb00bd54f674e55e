"""Layer normalisation (torch.nn.functional.layer_norm), derived and proved.

Input of any shape with 2–4 dimensions; the trailing K (``normalized``) dimensions of every
sample are normalised with that sample's statistics (biased variance), then scaled and
shifted element-wise by γ and β of the normalised shape:

    μ = (1/M)·Σ_m x_m,   σ = sqrt((1/M)·Σ_m (x_m − μ)² + ε),   y_m = γ_m·(x_m − μ)/σ + β_m.

The same core as batch norm (:mod:`gradsym.layers.normalise`), with the groups running
over the normalised dimensions and a γ, β per position. The proof
``grad_input_equals_compact_form`` shows, with ĝ = g∘γ (γ multiplies before the
reduction), that dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂), that every
∂y_n/∂x_m = γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ), and that dL/dγ = Σ g∘x̂ and dL/dβ = Σ g
over the samples.

>>> d = layernorm(shape=(1, 2))
>>> d.grad["beta"].tolist()
[g_1_1, g_1_2]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from gradsym.budget import given
from gradsym.derivation import Derivation, NumericModel
from gradsym.layers.normalise import (
    Group,
    NormDerivation,
    NormSetup,
    admit_normalisation,
    assemble,
    derive_template,
    eps_symbol,
    normalise_values,
    trailing_groups,
)
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec.layernorm import LayerNormConfig, layernorm_config
from gradsym.symbols import Tensor

__all__ = ["LayerNormConfig", "LayerNormDerivation", "build_norm_derivation", "layernorm", "layernorm_config"]


class LayerNormDerivation(NormDerivation):
    """Layer norm (and group norm): see :class:`gradsym.layers.normalise.NormDerivation`."""

    stats: str  # whose statistics the sections name: "layernorm" or "groupnorm"


STATEMENT = (
    "dL/dx from SymPy's derivatives (chain rule through c = x − μ and v = σ²) equals "
    "(1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂) with ĝ = g∘γ; every ∂y_n/∂x_m equals "
    "γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ); dL/dγ = Σ g∘x̂ and dL/dβ = Σ g over the groups "
    "(exact polynomial arithmetic for a generic group of M = {count} values; every group is a "
    "renaming of it)"
)


def build_norm_derivation(command: str, shape: tuple[int, ...], param_shape: tuple[int, ...],
                          groups: list[Group], eps_value: Fraction | int | None, config: dict[str, Any],
                          what: str, *, title: tuple[str, dict[str, Any]], setup: list[Any], identity: str,
                          stats: str) -> LayerNormDerivation:
    """A normalisation with a γ, β per sample of each group (layer norm, group norm): one
    generic group derived and proved, every group a renaming of it."""
    table = VarTable()
    x = Tensor.create(table, "x", shape)
    gamma = Tensor.create(table, "gamma", param_shape)
    beta = Tensor.create(table, "beta", param_shape)
    g = Tensor.create(table, "g", shape)
    eps_tensor = Tensor.create(table, "eps", ()) if eps_value is None else None
    sym = table.symbols()
    eps = eps_symbol(eps_value, sym[eps_tensor.first] if eps_tensor is not None else None)
    count = len(groups[0].samples)
    template = derive_template(count, eps, shared=False)
    built = assemble(template, groups, x, g, gamma, beta, sym)
    mismatch = template.mismatch
    check = Check("grad_input_equals_compact_form", STATEMENT.format(count=count), mismatch is None, mismatch,
                  {"identity": identity})
    symbols = {"input": x, "gamma": gamma, "beta": beta, "upstream": g}
    if eps_tensor is not None:
        symbols["eps"] = eps_tensor
    model = None
    if eps_value is not None:
        number = eps_value

        def numeric_forward(pt: dict[str, np.ndarray]) -> np.ndarray:
            return normalise_values(pt["input"], pt["gamma"], pt["beta"], groups, number)

        model = NumericModel({"x": "input", "gamma": "gamma", "beta": "beta", "g": "upstream"},
                             numeric_forward, defaults={"upstream": "ones", "gamma": "ones", "beta": "zeros"})
    d = LayerNormDerivation(
        command=command,
        config=config,
        table=table,
        symbols=symbols,
        forward=built.forward,
        jacobians=built.jacobians,  # type: ignore[arg-type]
        grads=built.grads,
        checks=[check],
        model=model,
        title=title,
        setup=setup,
    )
    d.norm = NormSetup(groups, eps_value, what, "--x, --gamma, --beta, --g")
    d.chain = template.chain
    d.groups = groups
    d.stats = stats
    return d


def derive_layernorm(cfg: LayerNormConfig) -> LayerNormDerivation:
    """Forward, Jacobians, gradients and the compact-form proof, sample by sample."""
    shape_text = "×".join(str(s) for s in cfg.shape)
    norm_text = "×".join(str(s) for s in cfg.normalized_shape)
    return build_norm_derivation(
        "layernorm", cfg.shape, cfg.normalized_shape, trailing_groups(cfg.shape, cfg.normalized), cfg.eps,
        cfg.to_json(), "layer-norm",
        title=("title.layernorm", {"shape": shape_text, "normalized": norm_text}),
        setup=[("layernorm.setup", {"shape": shape_text, "normalized": norm_text, "count": cfg.per_group,
                                    "groups": cfg.groups, "eps": cfg.eps_text}),
               ("layernorm.definitions", {}), ("layernorm.defaults", {}), ("setup.upstream", {})],
        identity="grad_input_equals_compact_form_layernorm", stats="layernorm",
    )


def layernorm(
    shape: Any = None,
    normalized: int = 1,
    *,
    eps: Any = None,
    x: Any = None,
    gamma: Any = None,
    beta: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive layer normalisation over the trailing ``normalized`` dimensions of ``shape``
    (``"2x4"``, ``(2, 3, 4)``; 2–4 dimensions) and prove its compact backward formula.

    γ and β have the normalised shape (values default to ones and zeros, PyTorch's initial
    values); ``eps`` is a positive number (default 1e-5, kept exact) or ``"eps"``.

    >>> d = layernorm(shape="1x2", x="1,3")
    >>> d.numeric.grad["beta"].tolist()
    [1, 1]
    """
    cfg = layernorm_config(shape, normalized, eps)
    admit_normalisation(cfg.groups, cfg.per_group, given(x, gamma, beta, g), cfg.eps is None, max_terms,
                        "this layer norm")
    d = derive_layernorm(cfg)
    return d.with_values(seed=seed, x=x, gamma=gamma, beta=beta, g=g)
