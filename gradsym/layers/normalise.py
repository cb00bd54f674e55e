"""Normalisation over groups of M samples: the shared core of batch norm and layer norm.

A normalisation layer splits its input into groups of M values (batch norm: one group per
channel, over the batch and the spatial positions; layer norm: one group per sample, over
the normalised dimensions) and normalises each group with its own statistics (biased
variance, as PyTorch does):

    μ = (1/M)·Σ_n x_n,   c_n = x_n − μ,   v = (1/M)·Σ_n c_n²,   σ = sqrt(v + ε),
    y_n = γ_n·c_n/σ + β_n.

Batch norm has one γ, β per group (``shared=True``); layer norm one per position in the
group (γ_n, β_n). One generic group is derived and proved once (:func:`derive_template`)
and every group is a renaming of it, so the work grows like M² + groups·M² substitutions.

The proof shows, by exact polynomial arithmetic in independent symbols (c_n, g_n, γ_n and
t = 1/σ), that SymPy's chain rule equals the compact form (ĝ = g∘γ)

    ∂y_n/∂x_m = γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ),
    dL/dx = (1/(M·σ))·(M·ĝ − Σĝ − x̂·Σ ĝ∘x̂),

which is γ/(M·σ)·(M·g − Σg − x̂·Σ g·x̂) when γ is shared, after proving the polynomial
identities ∂c_n/∂x_m = δ_nm − 1/M and ∂v/∂x_m = 2·c_m/M. An identity in independent symbols
holds in particular at c_n = c_n(x), σ = sqrt(v(x) + ε).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import admit, batchnorm_cost
from gradsym.calculus import SparseJacobian, derivative
from gradsym.derivation import Derivation, Evaluation
from gradsym.errors import SpecError
from gradsym.numeric import (
    Dual,
    autodiff_check,
    object_array,
    substitute,
    tangent_jacobians,
    within,
)
from gradsym.proofs import Check
from gradsym.rules import RULES
from gradsym.spec import Values

PRECISION = 60  # digits of the dual-number check (Decimal); the tolerance is 1e-12 relative
TOLERANCE = Decimal("1e-12")


# ---------------------------------------------------------------------------
# Before any work: the budget, and values need a numeric ε


def admit_normalisation(n_groups: int, count: int, values: bool, eps_symbolic: bool, max_terms: int | None,
                        what: str, work: int | None = None, checked: int | None = None) -> None:
    """Refuse at once what is too large (``work`` defaults to groups·M²·M(M+1)/2, the
    Jacobian entries times the size of each), and values with a symbolic ε."""
    if work is None:
        work = n_groups * count**2 * (count * (count + 1) // 2)
    checked = count * n_groups if checked is None else checked  # the check's cost grows as its square
    admit(batchnorm_cost(work, checked, values=values), max_terms, what)
    if eps_symbolic and values:
        raise SpecError("normalise.eps_symbolic", eps="eps")


# ---------------------------------------------------------------------------
# Groups


@dataclass(frozen=True)
class Group:
    """One group: the flat input/output indices of its M samples, and for each sample the
    flat index of its γ and β (the same one for every sample in batch norm)."""

    samples: tuple[int, ...]
    params: tuple[int, ...]
    label: tuple[int, ...]  # 1-based, for display (channel c, or sample n)


def channel_groups(shape: tuple[int, ...]) -> list[Group]:
    """Batch norm: x of shape (N, C, *spatial); one group per channel."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    out = []
    for c in range(shape[1]):
        samples = tuple(int(i) for i in flat[:, c].reshape(-1))
        out.append(Group(samples, (c,) * len(samples), (c + 1,)))
    return out


def trailing_groups(shape: tuple[int, ...], normalized: int) -> list[Group]:
    """Layer norm: one group per index of the leading dims, over the trailing ``normalized``."""
    lead, tail = shape[: len(shape) - normalized], shape[len(shape) - normalized:]
    size = int(np.prod(tail))
    out = []
    for k, index in enumerate(np.ndindex(lead) if lead else [()]):
        samples = tuple(range(k * size, (k + 1) * size))
        out.append(Group(samples, tuple(range(size)), tuple(i + 1 for i in index)))
    return out


# ---------------------------------------------------------------------------
# The generic group


@dataclass
class GroupTemplate:
    """One generic group — samples x_1…x_M, upstream g_1…g_M, γ, β as placeholder symbols —
    derived and proved once. Every real group is a renaming of it, and renaming commutes
    with differentiation and with polynomial identities, so the proof covers every group.

    The compact forms are kept in the inner symbols c_n and σ; :meth:`instantiate` puts in
    a group's c_n(x) and σ(x)."""

    xs: list[Any]
    gs: list[Any]
    gammas: list[Any]  # one (shared) or M
    betas: list[Any]
    cs: list[Any]  # the inner symbols c_n = x_n − μ
    v: Any  # the inner symbol v = σ² (biased variance)
    sigma: Any  # the inner symbol σ = sqrt(v + ε)
    centred: list[Any]  # c_n(x)
    variance: Any  # v(x)
    eps: Any
    forward: list[Any]  # y_n = γ_n·c_n/sqrt(v + ε) + β_n
    jac_input: list[list[Any]]  # [n][m] = ∂y_n/∂x_m
    jac_gamma: list[Any]  # ∂y_n/∂γ_n = x̂_n
    grad_input: list[Any]  # dL/dx_m
    grad_gamma: list[Any]  # this group's part of dL/dγ (one per γ symbol)
    grad_beta: list[Any]
    mismatch: str | None
    chain: dict[str, Any]  # the generic chain-rule pieces, for display

    def instantiate(self, xs: list[Any], gs: list[Any], gammas: list[Any], betas: list[Any]) -> dict[str, Any]:
        """This template in one group's symbols."""
        import sympy

        rename = dict(zip(self.xs, xs))
        variance = self.variance.xreplace(rename)
        inner = {**dict(zip(self.cs, (c.xreplace(rename) for c in self.centred))),
                 self.v: variance, self.sigma: sympy.sqrt(variance + self.eps),
                 **dict(zip(self.gs, gs)), **dict(zip(self.gammas, gammas)),
                 **dict(zip(self.betas, betas))}
        return {
            "forward": [e.xreplace(inner) for e in self.forward],
            "jac_input": [[e.xreplace(inner) for e in row] for row in self.jac_input],
            "jac_gamma": [e.xreplace(inner) for e in self.jac_gamma],
            "grad_input": [e.xreplace(inner) for e in self.grad_input],
            "grad_gamma": [e.xreplace(inner) for e in self.grad_gamma],
            "grad_beta": [e.xreplace(inner) for e in self.grad_beta],
        }


def compact_forms(cs: list[Any], gs: list[Any], gamma: Any, sigma: Any) -> dict[str, Any]:
    """Batch norm's compact forms (one γ) in c_n = x_n − μ and σ, with x̂_n = c_n/σ:
    ∂y_n/∂x_m = γ·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ), dL/dx_m = γ/(M·σ)·(M·g_m − Σg − x̂_m·Σ g·x̂)."""
    import sympy

    n_samples = len(cs)
    xhat = [c / sigma for c in cs]
    # Σ g·x̂ kept as (Σ g·c)/σ, so that σ is printed once rather than M times.
    dot = sympy.Add(*[g * c for g, c in zip(gs, cs)]) / sigma
    total = sympy.Add(*gs)
    jac = [[gamma * ((n_samples if n == m else 0) - 1 - xhat[n] * xhat[m]) / (n_samples * sigma)
            for m in range(n_samples)] for n in range(n_samples)]
    grad = [gamma / (n_samples * sigma) * (n_samples * gs[m] - total - xhat[m] * dot)
            for m in range(n_samples)]
    return {"xhat": xhat, "dot": dot, "total": total, "jac": jac, "grad": grad,
            "gamma": [dot], "beta": [total]}


def weighted_forms(cs: list[Any], gs: list[Any], gammas: list[Any], sigma: Any) -> dict[str, Any]:
    """Layer norm's compact forms (γ_n per position), ĝ = g∘γ:
    ∂y_n/∂x_m = γ_n·(M·δ_nm − 1 − x̂_n·x̂_m)/(M·σ), dL/dx_m = (1/(M·σ))·(M·ĝ_m − Σĝ − x̂_m·Σ ĝ∘x̂);
    this group's part of dL/dγ_n is g_n·x̂_n and of dL/dβ_n is g_n."""
    import sympy

    n_samples = len(cs)
    xhat = [c / sigma for c in cs]
    ghat = [g * gam for g, gam in zip(gs, gammas)]
    dot = sympy.Add(*[g * c for g, c in zip(ghat, cs)]) / sigma
    total = sympy.Add(*ghat)
    jac = [[gammas[n] * ((n_samples if n == m else 0) - 1 - xhat[n] * xhat[m]) / (n_samples * sigma)
            for m in range(n_samples)] for n in range(n_samples)]
    grad = [(n_samples * ghat[m] - total - xhat[m] * dot) / (n_samples * sigma) for m in range(n_samples)]
    return {"xhat": xhat, "dot": dot, "total": total, "jac": jac, "grad": grad,
            "gamma": [g * xh for g, xh in zip(gs, xhat)], "beta": list(gs)}


def derive_template(n_samples: int, eps: Any, forms: Any = None, *, shared: bool = True) -> GroupTemplate:
    """Forward pass, derivatives and the compact-form proof of one generic group (see the
    module docstring). The proof runs in SymPy's exact polynomial rings, where an identity
    is an equality of expanded polynomials."""
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    if forms is None:
        forms = compact_forms if shared else weighted_forms
    inv_n = sympy.Rational(1, n_samples)
    xs = [sympy.Dummy(f"x{n + 1}") for n in range(n_samples)]
    gs = [sympy.Dummy(f"g{n + 1}") for n in range(n_samples)]
    n_params = 1 if shared else n_samples
    gammas = [sympy.Dummy(f"gamma{p + 1}") for p in range(n_params)]
    betas = [sympy.Dummy(f"beta{p + 1}") for p in range(n_params)]

    # The polynomials in x, and SymPy's derivatives of them.
    x_ring, *x_gens = ring(xs, QQ)
    mean = sum(x_gens, x_ring.zero) * QQ(1, n_samples)
    centred = [x - mean for x in x_gens]  # c_n(x)
    variance = sum((c * c for c in centred), x_ring.zero) * QQ(1, n_samples)  # v(x), biased
    dc_dx = [[derivative(c, x) for x in x_gens] for c in centred]
    dv_dx = [derivative(variance, x) for x in x_gens]
    # Printed as Σx²/M − (Σx)²/M² (2M+1 terms rather than M(M+1)/2); checked equal below.
    variance_x = sympy.Add(*[x**2 for x in xs]) * inv_n - sympy.Add(*xs) ** 2 * inv_n**2

    # y = γ·c/sqrt(v + ε) + β in independent symbols c_n (the centred samples) and v.
    cs = [sympy.Dummy(f"c{n + 1}") for n in range(n_samples)]
    v_sym = sympy.Dummy("v")
    t_sym = sympy.Dummy("t", positive=True)  # t = 1/σ in the proof
    s_sym = sympy.Dummy("sigma", positive=True)  # σ in the stored forms
    y_one = gammas[0] * cs[0] / sympy.sqrt(v_sym + eps) + betas[0]
    to_t = {v_sym + eps: t_sym**-2}  # (v + ε)^(−k/2) → t^k
    dy_dc = derivative(y_one, cs[0]).xreplace(to_t)
    dy_dv = derivative(y_one, v_sym).xreplace(to_t)
    dy_dgamma = derivative(y_one, gammas[0]).xreplace(to_t)
    dy_dbeta = derivative(y_one, betas[0])

    def of(expr: Any, n: int) -> Any:
        """A sample-1 expression for sample n (a renaming c_1 → c_n, and γ_1 → γ_n)."""
        if not n:
            return expr
        rename = {cs[0]: cs[n]}
        if not shared:
            rename.update({gammas[0]: gammas[n], betas[0]: betas[n]})
        return expr.xreplace(rename)

    # The compact forms, as stored (σ a symbol until the end).
    compact = forms(cs, gs, gammas[0] if shared else gammas, s_sym)
    xhat, compact_jac, compact_grad = compact["xhat"], compact["jac"], compact["grad"]

    # The proof, in the ring of polynomials in c_n, g_n, γ, β and t.
    r = ring([*cs, *gs, *gammas, *betas, t_sym], QQ)[0]

    def as_poly(expr: Any) -> Any:
        return r(expr.xreplace({s_sym: 1 / t_sym}))

    mismatch = None
    for m in range(n_samples):
        if dv_dx[m] != centred[m] * QQ(2, n_samples):
            mismatch = f"∂v/∂x_{m + 1} is not 2·c_{m + 1}/M"
        for n in range(n_samples):
            if dc_dx[n][m] != x_ring((1 if n == m else 0) - inv_n):
                mismatch = f"∂c_{n + 1}/∂x_{m + 1} is not δ − 1/M"
    if x_ring(variance_x) != variance:
        mismatch = "Σx²/M − (Σx)²/M² is not the biased variance"
    if mismatch is None:
        # The chain rule ∂y_n/∂x_m = ∂y/∂c_n·∂c_n/∂x_m + ∂y/∂v·∂v/∂x_m, with the derivatives
        # of the polynomials just checked: ∂c_n/∂x_m = δ − 1/M and ∂v/∂x_m = 2·c_m/M.
        d_c = [as_poly(of(dy_dc, n)) for n in range(n_samples)]
        d_v = [as_poly(of(dy_dv, n)) for n in range(n_samples)]
        c_r = [r(c) for c in cs]
        raw = [[d_c[n] * QQ((1 if n == m else 0) * n_samples - 1, n_samples)
                + d_v[n] * QQ(2, n_samples) * c_r[m] for m in range(n_samples)] for n in range(n_samples)]
        g_r = [r(g) for g in gs]
        checks = [(raw[n][m], compact_jac[n][m], f"∂y_{n + 1}/∂x_{m + 1}")
                  for n in range(n_samples) for m in range(n_samples)]
        checks += [(sum((g_r[n] * raw[n][m] for n in range(n_samples)), r.zero), compact_grad[m],
                    f"dL/dx_{m + 1}") for m in range(n_samples)]
        d_gamma = [as_poly(of(dy_dgamma, n)) for n in range(n_samples)]
        checks += [(d, xh, f"∂y_{n + 1}/∂γ") for n, (d, xh) in enumerate(zip(d_gamma, xhat))]
        # dL/dγ_p = Σ_n g_n·∂y_n/∂γ_p: every sample when γ is shared, sample p otherwise.
        if shared:
            lhs_gamma = [sum((g * d for g, d in zip(g_r, d_gamma)), r.zero)]
            lhs_beta = [sum(g_r, r.zero) * as_poly(dy_dbeta)]
        else:
            lhs_gamma = [g * d for g, d in zip(g_r, d_gamma)]
            lhs_beta = [g * as_poly(dy_dbeta) for g in g_r]
        checks += [(lhs, rhs, "dL/dγ") for lhs, rhs in zip(lhs_gamma, compact["gamma"], strict=True)]
        checks += [(lhs, rhs, "dL/dβ") for lhs, rhs in zip(lhs_beta, compact["beta"], strict=True)]
        mismatch = next((f"{what} differs from its compact form"
                         for lhs, rhs, what in checks if lhs != as_poly(rhs)), None)

    # Stored: the compact forms, to be evaluated at c_n = c_n(x), σ = sqrt(v(x) + ε).
    return GroupTemplate(
        xs=xs, gs=gs, gammas=gammas, betas=betas, cs=cs, v=v_sym, sigma=s_sym,
        centred=[c.as_expr() for c in centred], variance=variance_x, eps=eps,
        forward=[of(y_one, n) for n in range(n_samples)],
        jac_input=compact_jac,
        jac_gamma=xhat,
        grad_input=compact_grad,
        grad_gamma=list(compact["gamma"]),
        grad_beta=list(compact["beta"]),
        mismatch=mismatch,
        chain={"dy_dc": dy_dc, "dy_dv": dy_dv, "c": cs[0], "t": t_sym, "gamma": gammas[0]},
    )


# ---------------------------------------------------------------------------
# Assembling the groups


@dataclass
class Assembled:
    forward: np.ndarray
    jacobians: dict[str, SparseJacobian]
    grads: dict[str, np.ndarray]


def assemble(template: GroupTemplate, groups: list[Group], x: Any, g: Any, gamma: Any, beta: Any,
             symbols: list[Any], stage: str = "deriving groups") -> Assembled:
    """Every group as a renaming of ``template``; γ/β gradient parts summed over the groups
    that share a parameter (layer norm's γ_n is used by every sample)."""
    import sympy

    shape, param_shape = x.shape, gamma.shape
    size, n_params = x.size, gamma.size
    forward: list[Any] = [None] * size
    grad_x: list[Any] = [None] * size
    parts_gamma: list[list[Any]] = [[] for _ in range(n_params)]
    parts_beta: list[list[Any]] = [[] for _ in range(n_params)]
    jac_x: dict[tuple[int, int], Any] = {}
    jac_gamma: dict[tuple[int, int], Any] = {}
    jac_beta: dict[tuple[int, int], Any] = {}
    shared = len(template.gammas) == 1
    for k, group in enumerate(groups):
        progress.report(stage, k, len(groups))
        params = sorted(set(group.params)) if shared else list(group.params)
        result = template.instantiate(
            [symbols[x.first + i] for i in group.samples], [symbols[g.first + i] for i in group.samples],
            [symbols[gamma.first + p] for p in params], [symbols[beta.first + p] for p in params],
        )
        for n, o in enumerate(group.samples):
            forward[o] = result["forward"][n]
            grad_x[o] = result["grad_input"][n]
            for m, i in enumerate(group.samples):
                jac_x[(o, i)] = result["jac_input"][n][m]
            jac_gamma[(o, group.params[n])] = result["jac_gamma"][n]
            jac_beta[(o, group.params[n])] = sympy.Integer(1)
        for p, part_g, part_b in zip(params, result["grad_gamma"], result["grad_beta"], strict=True):
            parts_gamma[p].append(part_g)
            parts_beta[p].append(part_b)
    return Assembled(
        forward=object_array(forward, shape),
        jacobians={
            "input": SparseJacobian(shape, shape, dict(sorted(jac_x.items()))),
            "gamma": SparseJacobian(shape, param_shape, dict(sorted(jac_gamma.items()))),
            "beta": SparseJacobian(shape, param_shape, dict(sorted(jac_beta.items()))),
        },
        grads={"input": object_array(grad_x, shape),
               "gamma": object_array([sympy.Add(*p) for p in parts_gamma], param_shape),
               "beta": object_array([sympy.Add(*p) for p in parts_beta], param_shape)},
    )


def eps_symbol(eps: Fraction | int | None, symbol: Any) -> Any:
    """ε as SymPy: the symbol when ``eps`` is None, else the exact number."""
    import sympy

    if eps is None:
        return symbol
    if isinstance(eps, Fraction):
        return sympy.Rational(eps.numerator, eps.denominator)
    return sympy.Integer(eps)


# ---------------------------------------------------------------------------
# Numbers: an independent plain-Python pass with forward-mode dual numbers


def to_decimal(value: Any) -> Decimal:
    """An exact number (int, Fraction or SymPy number) as a Decimal at the context precision."""
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value.evalf(PRECISION + 10)))


def group_stats(x: np.ndarray, groups: list[Group]) -> list[tuple[Fraction, Fraction]]:
    """(mean, biased variance) of every group, exactly."""
    flat = x.reshape(-1)
    out = []
    for group in groups:
        column = [Fraction(flat[i]) for i in group.samples]
        mean = sum(column, Fraction(0)) / len(column)
        out.append((mean, sum(((v - mean) ** 2 for v in column), Fraction(0)) / len(column)))
    return out


def dual_normalise(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, groups: list[Group], eps: Any,
                   stats: list[tuple[Any, Any]] | None = None) -> list[Dual]:
    """y = γ·(x − μ)/sqrt(σ² + ε) + β per group, with every x, γ, β seeded: sparse dual
    numbers over Decimal (see :mod:`gradsym.numeric`). With ``stats`` (eval mode) μ and σ²
    are the given constants rather than the group's own statistics."""
    flat, gam_flat, bet_flat = x.reshape(-1), gamma.reshape(-1), beta.reshape(-1)
    e = to_decimal(eps)
    out: list[Dual] = [Dual(Decimal(0))] * flat.size
    for k, group in enumerate(groups):
        xs = [Dual(to_decimal(flat[i]), {("input", i): Decimal(1)}) for i in group.samples]
        if stats is None:
            count = Decimal(len(xs))
            mean = Dual(Decimal(0))
            for v in xs:
                mean = mean + v
            mean = mean * (1 / count)
            centred = [v - mean for v in xs]
            var = Dual(Decimal(0))
            for c in centred:
                var = var + c * c
            var = var * (1 / count)
        else:
            centred = [v - to_decimal(stats[k][0]) for v in xs]
            var = Dual(to_decimal(stats[k][1]))
        sigma = (var + e).apply(RULES["sqrt"])
        for n, (i, p) in enumerate(zip(group.samples, group.params)):
            gam = Dual(to_decimal(gam_flat[p]), {("gamma", p): Decimal(1)})
            bet = Dual(to_decimal(bet_flat[p]), {("beta", p): Decimal(1)})
            out[i] = gam * centred[n] / sigma + bet
    return out


def normalise_values(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, groups: list[Group], eps: Any,
                     stats: list[tuple[Any, Any]] | None = None) -> np.ndarray:
    """The plain forward pass (Decimal), for the numeric model."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        y = dual_normalise(x, gamma, beta, groups, eps, stats)
    return np.array([d.value for d in y], dtype=object).reshape(x.shape)


# ---------------------------------------------------------------------------
# The derivation


class NormDerivation(Derivation):
    """A normalisation layer: exact evaluation by substitution (no per-entry simplify), and
    the Jacobian checked against dual numbers within 1e-12 relative (σ is irrational in
    general). ``norm`` holds the groups, ε and (eval mode) the roles of the running stats."""

    norm: NormSetup
    groups: list[Group]  # the sets of values normalised together
    chain: dict[str, Any]  # the generic chain-rule pieces, for display

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        import sympy

        values, point = self.exact_point(parsed)
        decimal = any(val.decimal for val in parsed.values())
        setup = self.norm
        stats = setup.stats_of(values)
        for group, (_, var) in zip(setup.groups, stats):
            if var + setup.eps <= 0:  # only running variances can be negative
                label = ",".join(str(i) for i in group.label)
                raise SpecError("normalise.running_var", label=label)

        # Evaluating the M²·groups Jacobian entries dominates large inputs: report every 256.
        reporting = progress.active()
        total = (self.forward_elems.size + sum(len(j.entries) for j in self.jacobians.values())
                 + sum(arr.size for arr in self.grad_elems.values()))
        done = [0]
        cache: dict[Any, Any] = {}

        def value(elem: Any) -> Any:
            if reporting:
                if done[0] % 256 == 0:
                    progress.report("evaluating", min(done[0], total), total)
                done[0] += 1
            out = substitute(sympy.sympify(elem), point, cache)
            if out.free_symbols:
                raise SpecError("values.needs_every", params=[
                    option.removeprefix("--").replace("-", "_") for option in setup.value_options.split(", ")])
            if out.is_Rational:
                return int(out.p) if out.q == 1 else Fraction(int(out.p), int(out.q))
            return out

        def each(arr: np.ndarray) -> np.ndarray:
            out = np.empty(arr.shape, dtype=object)
            for index in np.ndindex(arr.shape):
                out[index] = value(arr[index])
            return out

        evaluation = Evaluation(
            values,
            each(self.forward_elems),
            {role: {key: value(e) for key, e in jac.entries.items()} for role, jac in self.jacobians.items()},
            {role: each(arr) for role, arr in self.grad_elems.items()},
            {r: (j.out_shape, j.wrt_shape) for r, j in self.jacobians.items()},
            decimal,
        )
        evaluation.checks.append(self._autodiff_check(values, evaluation.jacobian_values))
        return evaluation

    def _autodiff_check(self, values: dict[str, np.ndarray], jac_values: dict[str, dict[tuple[int, int], Any]]) -> Check:
        """The symbolic Jacobians (as Decimals) against :func:`dual_normalise`; the absolute
        floor is 1e-40 times the largest symbolic entry of that Jacobian."""
        setup = self.norm
        with localcontext() as ctx:
            ctx.prec = PRECISION
            y = dual_normalise(values["input"], values["gamma"], values["beta"], setup.groups, setup.eps,
                               setup.running(values))
            symbolic = {role: {key: to_decimal(v) for key, v in entries.items()}
                        for role, entries in jac_values.items()}
            scales = {role: max((abs(v) for v in entries.values()), default=Decimal(1)) or Decimal(1)
                      for role, entries in symbolic.items()}
            return autodiff_check(
                "the symbolic Jacobians at the given values equal forward-mode dual-number "
                f"differentiation of a plain {setup.what} pass ({PRECISION}-digit decimals) within "
                "1e-12 relative",
                symbolic,
                tangent_jacobians(y, symbolic),
                {role: within(TOLERANCE, Decimal("1e-40") * scale) for role, scale in scales.items()},
            )


@dataclass
class NormSetup:
    """What the numeric side of a normalisation layer needs."""

    groups: list[Group]
    eps: Any  # exact number (values need a numeric ε)
    what: str  # "batch-norm" / "layer-norm", for the check's statement
    value_options: str  # "--x, --gamma, --beta, --g"
    running_roles: tuple[str, str] | None = None  # eval mode: (mean role, var role)

    def running(self, values: dict[str, np.ndarray]) -> list[tuple[Any, Any]] | None:
        if self.running_roles is None:
            return None
        mean, var = (values[r].reshape(-1) for r in self.running_roles)
        return [(Fraction(mean[g.params[0]]), Fraction(var[g.params[0]])) for g in self.groups]

    def stats_of(self, values: dict[str, np.ndarray]) -> list[tuple[Any, Any]]:
        running = self.running(values)
        return running if running is not None else group_stats(values["input"], self.groups)
