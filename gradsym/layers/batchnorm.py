"""Batch normalisation (torch.nn.BatchNorm1d/2d/3d), derived and proved.

Input (N, F) — or (N, C, *spatial) with ``--spatial`` — and each feature/channel normalised
over its M = N·prod(spatial) values. In training mode with the batch statistics (biased
variance, as PyTorch does):

    μ = (1/M)·Σ_n x_n,   c_n = x_n − μ,   v = (1/M)·Σ_n c_n²,   σ = sqrt(v + ε),
    y_n = γ·c_n/σ + β.

The forward pass is written out in x (c_n expanded, v as Σx²/M − (Σx)²/M²). SymPy
differentiates y_n in its inner quantities c_n and v, and the polynomials c_n(x), v(x) in
x; the chain rule assembles ∂y_n/∂x_m. The proof ``grad_input_equals_compact_form``
shows, by exact polynomial arithmetic in independent symbols (c_n, g_n, γ and t = 1/σ),
that this equals γ/(M·σ)·(M·δ_nm − 1 − x̂_n·x̂_m) and that
dL/dx = γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂) (see :mod:`gradsym.layers.normalise`, shared with
layer norm). Channels are independent and alike: one generic channel is derived and proved
once and every channel is a renaming of it.

In eval mode (``--eval``) the running statistics are constants (symbols ``running_mean_c``,
``running_var_c``): y = γ·(x − running_mean)/sqrt(running_var + ε) + β, a diagonal Jacobian
γ/sqrt(running_var + ε), and dL/dx = γ·g/sqrt(running_var + ε), dL/dγ = Σ g·x̂, dL/dβ = Σ g.

>>> d = batchnorm(batch=2, features=1)
>>> d.grad["beta"].tolist()
[g_1_1 + g_2_1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import given
from gradsym.calculus import SparseJacobian, derivative
from gradsym.derivation import Derivation, NumericModel
from gradsym.errors import SpecError
from gradsym.layers.normalise import (
    Group,
    NormDerivation,
    NormSetup,
    admit_normalisation,
    assemble,
    channel_groups,
    compact_forms,
    derive_template,
    eps_symbol,
    normalise_values,
)
from gradsym.numeric import object_array
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec.batchnorm import BatchNormConfig as BatchNormConfig
from gradsym.spec.batchnorm import batchnorm_config as batchnorm_config
from gradsym.symbols import Tensor

__all__ = ["BatchNormConfig", "BatchNormDerivation", "batchnorm", "batchnorm_config", "compact_forms",
           "derive_template"]

MAX_ROWS = 32  # compact dL/dx rows shown in the terminal section


@dataclass
class BatchNormTensors:
    table: VarTable
    input: Tensor
    gamma: Tensor
    beta: Tensor
    upstream: Tensor
    eps: Tensor | None
    running_mean: Tensor | None = None
    running_var: Tensor | None = None

    def as_dict(self) -> dict[str, Tensor]:
        out = {"input": self.input, "gamma": self.gamma, "beta": self.beta, "upstream": self.upstream}
        if self.running_mean is not None and self.running_var is not None:
            out["running_mean"], out["running_var"] = self.running_mean, self.running_var
        if self.eps is not None:
            out["eps"] = self.eps
        return out


def make_tensors(cfg: BatchNormConfig) -> BatchNormTensors:
    table = VarTable()
    x = Tensor.create(table, "x", cfg.shape)
    gamma = Tensor.create(table, "gamma", (cfg.features,))
    beta = Tensor.create(table, "beta", (cfg.features,))
    g = Tensor.create(table, "g", cfg.shape)
    mean = Tensor.create(table, "running_mean", (cfg.features,)) if cfg.eval else None
    var = Tensor.create(table, "running_var", (cfg.features,)) if cfg.eval else None
    eps = Tensor.create(table, "eps", ()) if cfg.eps is None else None
    return BatchNormTensors(table, x, gamma, beta, g, eps, mean, var)


class BatchNormDerivation(NormDerivation):
    """Batch norm: see :class:`gradsym.layers.normalise.NormDerivation`."""

    bn: BatchNormConfig


# ---------------------------------------------------------------------------
# Eval mode: the running statistics are constants


def eval_template(eps: Any) -> dict[str, Any]:
    """One generic sample of eval mode, y = γ·(x − m)/sqrt(r + ε) + β, differentiated by
    SymPy and compared, as polynomials in x, m, γ, β, g and t = 1/sqrt(r + ε), with the
    compact forms ∂y/∂x = γ·t, ∂y/∂γ = (x − m)·t, ∂y/∂β = 1. Two samples of one channel
    show that a sample never depends on another (the Jacobian is diagonal), so the VJPs are
    dL/dx = γ·g·t, dL/dγ = Σ g·x̂, dL/dβ = Σ g."""
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    xs = [sympy.Dummy("x1"), sympy.Dummy("x2")]
    gs = [sympy.Dummy("g1"), sympy.Dummy("g2")]
    m, r, gamma, beta = sympy.Dummy("m"), sympy.Dummy("r"), sympy.Dummy("gamma"), sympy.Dummy("beta")
    t = sympy.Dummy("t", positive=True)
    ys = [gamma * (x - m) / sympy.sqrt(r + eps) + beta for x in xs]
    to_t = {r + eps: t**-2}
    ring_ = ring([*xs, *gs, m, gamma, beta, t], QQ)[0]

    def poly(expr: Any) -> Any:
        return ring_(sympy.sympify(expr).xreplace(to_t))

    xhat = [(x - m) * t for x in xs]
    checks = [(derivative(ys[n], xs[k]), gamma * t if n == k else 0, f"∂y_{n + 1}/∂x_{k + 1}")
              for n in range(2) for k in range(2)]
    checks += [(derivative(ys[n], gamma), xhat[n], f"∂y_{n + 1}/∂γ") for n in range(2)]
    checks += [(derivative(ys[n], beta), 1, f"∂y_{n + 1}/∂β") for n in range(2)]
    checks += [(sum(g * derivative(y, xs[0]) for g, y in zip(gs, ys)), gamma * gs[0] * t, "dL/dx_1")]
    checks += [(sum(g * derivative(y, gamma) for g, y in zip(gs, ys)),
                sum(g * xh for g, xh in zip(gs, xhat)), "dL/dγ")]
    checks += [(sum(g * derivative(y, beta) for g, y in zip(gs, ys)), sum(gs), "dL/dβ")]
    mismatch = next((f"{what} differs from its compact form" for lhs, rhs, what in checks
                     if poly(lhs) != poly(rhs)), None)
    return {"mismatch": mismatch, "dy_dx": derivative(ys[0], xs[0]), "x": xs[0], "m": m, "r": r,
            "gamma": gamma}


def derive_eval(t: BatchNormTensors, cfg: BatchNormConfig, eps: Any, groups: list[Group]) -> tuple[Any, ...]:
    import sympy

    sym = t.table.symbols()
    assert t.running_mean is not None and t.running_var is not None
    shape, size = cfg.shape, t.input.size
    forward: list[Any] = [None] * size
    grad_x: list[Any] = [None] * size
    grad_gamma, grad_beta = [], []
    jac_x: dict[tuple[int, int], Any] = {}
    jac_gamma: dict[tuple[int, int], Any] = {}
    jac_beta: dict[tuple[int, int], Any] = {}
    for c, group in enumerate(groups):
        progress.report("deriving features", c, len(groups))
        gam, bet = sym[t.gamma.first + c], sym[t.beta.first + c]
        mean, var = sym[t.running_mean.first + c], sym[t.running_var.first + c]
        root = sympy.sqrt(var + eps)
        dots, totals = [], []
        for i in group.samples:
            x, g = sym[t.input.first + i], sym[t.upstream.first + i]
            xhat = (x - mean) / root
            forward[i] = gam * xhat + bet
            jac_x[(i, i)] = gam / root
            jac_gamma[(i, c)] = xhat
            jac_beta[(i, c)] = sympy.Integer(1)
            grad_x[i] = gam * g / root
            dots.append(g * (x - mean))
            totals.append(g)
        grad_gamma.append(sympy.Add(*dots) / root)
        grad_beta.append(sympy.Add(*totals))
    jacobians = {
        "input": SparseJacobian(shape, shape, dict(sorted(jac_x.items()))),
        "gamma": SparseJacobian(shape, (cfg.features,), dict(sorted(jac_gamma.items()))),
        "beta": SparseJacobian(shape, (cfg.features,), dict(sorted(jac_beta.items()))),
    }
    grads = {"input": object_array(grad_x, shape), "gamma": object_array(grad_gamma, (cfg.features,)),
             "beta": object_array(grad_beta, (cfg.features,))}
    return object_array(forward, shape), jacobians, grads


# ---------------------------------------------------------------------------
# The derivation


def derive_batchnorm(cfg: BatchNormConfig) -> BatchNormDerivation:
    """Forward, Jacobians, gradients and the compact-form proof, channel by channel."""
    t = make_tensors(cfg)
    sym = t.table.symbols()
    eps = eps_symbol(cfg.eps, sym[t.eps.first] if t.eps is not None else None)
    groups = channel_groups(cfg.shape)
    m_count = cfg.per_channel
    if cfg.eval:
        template = eval_template(eps)
        forward, jacobians, grads = derive_eval(t, cfg, eps, groups)
        mismatch, chain = template["mismatch"], {"eval": template}
        statement = ("SymPy's ∂y/∂x, ∂y/∂γ, ∂y/∂β of y = γ·(x − running_mean)/sqrt(running_var + ε) + β "
                     "equal γ/sqrt(running_var + ε), x̂ and 1, and no sample depends on another (a diagonal "
                     "Jacobian), so dL/dx = γ·g/sqrt(running_var + ε), dL/dγ = Σ g·x̂ and dL/dβ = Σ g "
                     "(exact polynomial arithmetic for a generic channel; every channel is a renaming of it)")
    else:
        template_ = derive_template(m_count, eps)
        built = assemble(template_, groups, t.input, t.upstream, t.gamma, t.beta, sym, "deriving features")
        forward, jacobians, grads = built.forward, built.jacobians, built.grads
        mismatch, chain = template_.mismatch, template_.chain
        count = "N" if not cfg.spatial else "M"
        statement = (f"dL/dx from SymPy's derivatives (chain rule through c = x − μ and v = σ²) equals "
                     f"γ/({count}·σ)·({count}·g − Σg − x̂·Σ g·x̂); every ∂y_n/∂x_m equals "
                     f"γ/({count}·σ)·({count}·δ_nm − 1 − x̂_n·x̂_m); dL/dγ = Σ g·x̂ and dL/dβ = Σ g "
                     f"(exact polynomial arithmetic for a generic {'feature' if not cfg.spatial else 'channel'}"
                     f"; every {'feature' if not cfg.spatial else 'channel'} is a renaming of it)")
        if cfg.spatial:
            statement += f"; M = N·{'·'.join(str(s) for s in cfg.spatial)} = {m_count} values per channel"
    identity = "_eval" if cfg.eval else "_spatial" if cfg.spatial else ""
    check = Check("grad_input_equals_compact_form", statement, mismatch is None, mismatch,
                  {"identity": f"grad_input_equals_compact_form{identity}"} if identity else {})
    model = None
    if cfg.eps is not None:
        eps_value = cfg.eps
        options = {"x": "input", "gamma": "gamma", "beta": "beta", "g": "upstream"}
        defaults = {"upstream": "ones", "gamma": "ones", "beta": "zeros"}
        running: tuple[str, str] | None = None
        if cfg.eval:
            options.update({"running_mean": "running_mean", "running_var": "running_var"})
            defaults.update({"running_mean": "zeros", "running_var": "ones"})
            running = ("running_mean", "running_var")
        setup = NormSetup(groups, eps_value, "batch-norm",
                          "--x, --gamma, --beta, --g" + (", --running-mean, --running-var" if cfg.eval else ""),
                          running)

        def numeric_forward(pt: dict[str, np.ndarray]) -> np.ndarray:
            return normalise_values(pt["input"], pt["gamma"], pt["beta"], groups, eps_value, setup.running(pt))

        model = NumericModel(options, numeric_forward, defaults=defaults)
    d = BatchNormDerivation(
        command="batchnorm",
        config=cfg.to_json(),
        table=t.table,
        symbols=t.as_dict(),
        forward=forward,
        jacobians=jacobians,  # type: ignore[arg-type]
        grads=grads,
        checks=[check],
        model=model,
        title=_title(cfg),
        setup=_setup(cfg),
    )
    if model is not None:
        d.norm = setup
    d.bn = cfg
    d.chain = chain
    d.groups = groups
    return d


def _title(cfg: BatchNormConfig) -> tuple[str, dict[str, Any]]:
    if not cfg.spatial and not cfg.eval:
        return "title.batchnorm", {"batch": cfg.batch, "features": cfg.features}
    key = "title.batchnorm_eval" if cfg.eval else "title.batchnorm_spatial"
    return key, {"batch": cfg.batch, "features": cfg.features, "shape": "×".join(str(s) for s in cfg.shape),
                 "dims": len(cfg.spatial) or 1}


def _setup(cfg: BatchNormConfig) -> list[tuple[str, dict[str, Any]]]:
    if not cfg.spatial and not cfg.eval:
        return [
            ("batchnorm.setup", {"batch": cfg.batch, "features": cfg.features, "eps": cfg.eps_text}),
            ("batchnorm.definitions", {}),
            ("batchnorm.defaults", {}),
            ("setup.upstream", {}),
        ]
    shape = "×".join(str(s) for s in cfg.shape)
    key = "batchnorm.setup_eval" if cfg.eval else "batchnorm.setup_spatial"
    out = [(key, {"shape": shape, "batch": cfg.batch, "features": cfg.features, "count": cfg.per_channel,
                  "eps": cfg.eps_text})]
    if cfg.eval:
        out += [("batchnorm.eval_definitions", {}), ("batchnorm.eval_defaults", {})]
    else:
        out += [("batchnorm.spatial_definitions", {}), ("batchnorm.defaults", {})]
    return [*out, ("setup.upstream", {})]


# ---------------------------------------------------------------------------
# The public function


def batchnorm(
    batch: int | None = None,
    features: int = 1,
    *,
    spatial: Any = None,
    eval: bool = False,
    eps: Any = None,
    x: Any = None,
    gamma: Any = None,
    beta: Any = None,
    g: Any = None,
    running_mean: Any = None,
    running_var: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive batch normalisation and prove its compact backward formula.

    ``spatial`` (``"4x4"``, ``(4, 4)``, ``5``) makes the input (N, C, *spatial) as for
    BatchNorm1d/2d/3d, statistics per channel over N and the spatial positions. ``eval``
    uses the running statistics (``running_mean``, ``running_var``; default zeros and ones,
    PyTorch's initial buffers) instead of the batch's. ``eps`` is a positive number
    (default 1e-5, kept exact as 1/100000) or ``"eps"`` for a symbol. Values: γ defaults to
    ones and β to zeros, as PyTorch initialises them.

    >>> d = batchnorm(batch=2, features=1, x=[[1], [3]])
    >>> d.numeric.grad["beta"].tolist()
    [2]
    """
    cfg = batchnorm_config(batch, features, eps, spatial, eval)
    m_count = cfg.per_channel
    if not cfg.eval and (running_mean is not None or running_var is not None):
        raise SpecError("batchnorm.running_eval")
    # Training: C·M²·M(M+1)/2 (the default); eval: a few terms per value.
    admit_normalisation(cfg.features, m_count, given(x, gamma, beta, g, running_mean, running_var),
                        cfg.eps is None, max_terms, "this batch norm",
                        work=cfg.features * m_count * 4 if cfg.eval else None, checked=1 if cfg.eval else None)
    d = derive_batchnorm(cfg)
    extra = {"running_mean": running_mean, "running_var": running_var} if cfg.eval else {}
    return d.with_values(seed=seed, x=x, gamma=gamma, beta=beta, g=g, **extra)
