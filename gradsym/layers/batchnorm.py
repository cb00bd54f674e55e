"""Batch normalisation in training mode (torch.nn.BatchNorm1d), derived and proved.

For N samples and F features, each feature f is normalised with the batch statistics
(biased variance, as PyTorch does in training mode):

    μ = (1/N)·Σ_n x_n,   c_n = x_n − μ,   v = (1/N)·Σ_n c_n²,   σ = sqrt(v + ε),
    y_n = γ·c_n/σ + β.

The forward pass is written out in x (c_n expanded, v as Σx²/N − (Σx)²/N²). SymPy
differentiates y_n in its inner quantities c_n and v, and the polynomials c_n(x), v(x) in
x; the chain rule assembles ∂y_n/∂x_m. The proof ``grad_input_equals_compact_form``
shows, by exact polynomial arithmetic in independent symbols (c_n, g_n, γ and t = 1/σ),
that this equals γ/(N·σ)·(N·δ_nm − 1 − x̂_n·x̂_m) and that
dL/dx = γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂), after proving the polynomial identities
∂c_n/∂x_m = δ_nm − 1/N and ∂v/∂x_m = 2·c_m/N. An identity in independent symbols holds in
particular at c_n = c_n(x), σ = sqrt(v(x) + ε), so the compact forms stored here are exactly
the derivatives of the forward pass (no sampling, no floating point).

Features are independent and alike: one generic feature is derived and proved once
(:func:`derive_template`) and every feature is a renaming of it, so the work grows like
N² + F·N² substitutions rather than (F·N)² differentiations.

>>> d = batchnorm(batch=2, features=1)
>>> d.grad["beta"].tolist()
[g_1_1 + g_2_1]
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, cast

import numpy as np

from gradsym import progress
from gradsym.budget import admit, batchnorm_cost, given
from gradsym.calculus import SparseJacobian
from gradsym.derivation import Derivation, Evaluation, NumericModel
from gradsym.errors import SpecError
from gradsym.numeric import Dual, exact_array
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.rules import RULES
from gradsym.spec import Values
from gradsym.spec.batchnorm import BatchNormConfig as BatchNormConfig
from gradsym.spec.batchnorm import batchnorm_config as batchnorm_config
from gradsym.symbols import Tensor

PRECISION = 60  # digits of the dual-number check (Decimal); the tolerance is 1e-12 relative
TOLERANCE = Decimal("1e-12")
MAX_ROWS = 32  # compact dL/dx rows shown in the terminal section


# ---------------------------------------------------------------------------
# Configuration


# ---------------------------------------------------------------------------
# Tensors and the per-feature derivation


@dataclass
class BatchNormTensors:
    table: VarTable
    input: Tensor
    gamma: Tensor
    beta: Tensor
    upstream: Tensor
    eps: Tensor | None

    def as_dict(self) -> dict[str, Tensor]:
        out = {"input": self.input, "gamma": self.gamma, "beta": self.beta, "upstream": self.upstream}
        if self.eps is not None:
            out["eps"] = self.eps
        return out


def make_tensors(cfg: BatchNormConfig) -> BatchNormTensors:
    table = VarTable()
    x = Tensor.create(table, "x", (cfg.batch, cfg.features))
    gamma = Tensor.create(table, "gamma", (cfg.features,))
    beta = Tensor.create(table, "beta", (cfg.features,))
    g = Tensor.create(table, "g", (cfg.batch, cfg.features))
    eps = Tensor.create(table, "eps", ()) if cfg.eps is None else None
    return BatchNormTensors(table, x, gamma, beta, g, eps)


@dataclass
class FeatureTemplate:
    """One generic feature — samples x_1…x_N, upstream g_1…g_N, γ, β as placeholder symbols —
    derived and proved once. Every real feature is a renaming of it, and renaming commutes
    with differentiation and with polynomial identities, so the proof covers every feature.

    The compact forms are kept in the inner symbols c_n and σ; :meth:`instantiate` puts in
    a feature's c_n(x) and σ(x) (substituting into the small forms is much cheaper than
    renaming the large ones)."""

    xs: list[Any]
    gs: list[Any]
    gamma: Any
    beta: Any
    cs: list[Any]  # the inner symbols c_n = x_n − μ
    v: Any  # the inner symbol v = σ² (biased variance)
    sigma: Any  # the inner symbol σ = sqrt(v + ε)
    centred: list[Any]  # c_n(x)
    variance: Any  # v(x)
    eps: Any
    forward: list[Any]  # y_n = γ·c_n/sqrt(v + ε) + β
    jac_input: list[list[Any]]  # [n][m] = ∂y_n/∂x_m = γ·(N·δ_nm − 1 − x̂_n·x̂_m)/(N·σ)
    jac_gamma: list[Any]  # ∂y_n/∂γ = x̂_n
    grad_input: list[Any]  # dL/dx_m = γ/(N·σ)·(N·g_m − Σg − x̂_m·Σ g·x̂)
    grad_gamma: Any
    grad_beta: Any
    mismatch: str | None
    chain: dict[str, Any]  # the generic chain-rule pieces, for display

    def instantiate(self, xs: list[Any], gs: list[Any], gamma: Any, beta: Any) -> dict[str, Any]:
        """This template in one feature's symbols."""
        import sympy

        rename = dict(zip(self.xs, xs))
        variance = self.variance.xreplace(rename)
        inner = {**dict(zip(self.cs, (c.xreplace(rename) for c in self.centred))),
                 self.v: variance, self.sigma: sympy.sqrt(variance + self.eps),
                 **dict(zip(self.gs, gs)), self.gamma: gamma, self.beta: beta}
        return {
            "forward": [e.xreplace(inner) for e in self.forward],
            "jac_input": [[e.xreplace(inner) for e in row] for row in self.jac_input],
            "jac_gamma": [e.xreplace(inner) for e in self.jac_gamma],
            "grad_input": [e.xreplace(inner) for e in self.grad_input],
            "grad_gamma": self.grad_gamma.xreplace(inner),
            "grad_beta": self.grad_beta.xreplace(inner),
        }


def compact_forms(cs: list[Any], gs: list[Any], gamma: Any, sigma: Any) -> dict[str, Any]:
    """The known compact forms in c_n = x_n − μ and σ, with x̂_n = c_n/σ:
    ∂y_n/∂x_m = γ·(N·δ_nm − 1 − x̂_n·x̂_m)/(N·σ), dL/dx_m = γ/(N·σ)·(N·g_m − Σg − x̂_m·Σ g·x̂)."""
    import sympy

    n_samples = len(cs)
    xhat = [c / sigma for c in cs]
    # Σ g·x̂ kept as (Σ g·c)/σ, so that σ is printed once rather than N times.
    dot = sympy.Add(*[g * c for g, c in zip(gs, cs)]) / sigma
    total = sympy.Add(*gs)
    jac = [[gamma * ((n_samples if n == m else 0) - 1 - xhat[n] * xhat[m]) / (n_samples * sigma)
            for m in range(n_samples)] for n in range(n_samples)]
    grad = [gamma / (n_samples * sigma) * (n_samples * gs[m] - total - xhat[m] * dot)
            for m in range(n_samples)]
    return {"xhat": xhat, "dot": dot, "total": total, "jac": jac, "grad": grad}


def derive_template(n_samples: int, eps: Any, forms: Any = compact_forms) -> FeatureTemplate:
    """Forward pass, derivatives and the compact-form proof of one generic feature (see the
    module docstring). The proof runs in SymPy's exact polynomial rings, where an identity
    is an equality of expanded polynomials."""
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    inv_n = sympy.Rational(1, n_samples)
    xs = [sympy.Dummy(f"x{n + 1}") for n in range(n_samples)]
    gs = [sympy.Dummy(f"g{n + 1}") for n in range(n_samples)]
    gamma, beta = sympy.Dummy("gamma"), sympy.Dummy("beta")

    # The polynomials in x, and SymPy's derivatives of them.
    x_ring, *x_gens = ring(xs, QQ)
    mean = sum(x_gens, x_ring.zero) * QQ(1, n_samples)
    centred = [x - mean for x in x_gens]  # c_n(x)
    variance = sum((c * c for c in centred), x_ring.zero) * QQ(1, n_samples)  # v(x), biased
    dc_dx = [[c.diff(x) for x in x_gens] for c in centred]
    dv_dx = [variance.diff(x) for x in x_gens]
    # Printed as Σx²/N − (Σx)²/N² (2N+1 terms rather than N(N+1)/2); checked equal below.
    variance_x = sympy.Add(*[x**2 for x in xs]) * inv_n - sympy.Add(*xs) ** 2 * inv_n**2

    # y = γ·c/sqrt(v + ε) + β in independent symbols c_n (the centred samples) and v.
    cs = [sympy.Dummy(f"c{n + 1}") for n in range(n_samples)]
    v_sym = sympy.Dummy("v")
    t_sym = sympy.Dummy("t", positive=True)  # t = 1/σ in the proof
    s_sym = sympy.Dummy("sigma", positive=True)  # σ in the stored forms
    y_one = gamma * cs[0] / sympy.sqrt(v_sym + eps) + beta
    to_t = {v_sym + eps: t_sym**-2}  # (v + ε)^(−k/2) → t^k
    dy_dc = sympy.diff(y_one, cs[0]).xreplace(to_t)
    dy_dv = sympy.diff(y_one, v_sym).xreplace(to_t)
    dy_dgamma = sympy.diff(y_one, gamma).xreplace(to_t)
    dy_dbeta = sympy.diff(y_one, beta)

    def of(expr: Any, n: int) -> Any:
        """A sample-1 expression for sample n (a renaming c_1 → c_n)."""
        return expr.xreplace({cs[0]: cs[n]}) if n else expr

    # The compact forms, as stored (σ a symbol until the end).
    compact = forms(cs, gs, gamma, s_sym)
    xhat, dot, total = compact["xhat"], compact["dot"], compact["total"]
    compact_jac, compact_grad = compact["jac"], compact["grad"]

    # The proof, in the ring of polynomials in c_n, g_n, γ, β and t.
    r = ring([*cs, *gs, gamma, beta, t_sym], QQ)[0]

    def as_poly(expr: Any) -> Any:
        return r(expr.xreplace({s_sym: 1 / t_sym}))

    mismatch = None
    for m in range(n_samples):
        if dv_dx[m] != centred[m] * QQ(2, n_samples):
            mismatch = f"∂v/∂x_{m + 1} is not 2·c_{m + 1}/N"
        for n in range(n_samples):
            if dc_dx[n][m] != x_ring((1 if n == m else 0) - inv_n):
                mismatch = f"∂c_{n + 1}/∂x_{m + 1} is not δ − 1/N"
    if x_ring(variance_x) != variance:
        mismatch = "Σx²/N − (Σx)²/N² is not the biased variance"
    if mismatch is None:
        # The chain rule ∂y_n/∂x_m = ∂y/∂c_n·∂c_n/∂x_m + ∂y/∂v·∂v/∂x_m, with the derivatives
        # of the polynomials just checked: ∂c_n/∂x_m = δ − 1/N and ∂v/∂x_m = 2·c_m/N.
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
        checks += [(sum((g * d for g, d in zip(g_r, d_gamma)), r.zero), dot, "dL/dγ")]
        checks += [(as_poly(dy_dbeta), sympy.Integer(1), "∂y/∂β")]
        mismatch = next((f"{what} differs from its compact form"
                         for lhs, rhs, what in checks if lhs != as_poly(rhs)), None)

    # Stored: the compact forms, to be evaluated at c_n = c_n(x), σ = sqrt(v(x) + ε).
    return FeatureTemplate(
        xs=xs, gs=gs, gamma=gamma, beta=beta, cs=cs, v=v_sym, sigma=s_sym,
        centred=[c.as_expr() for c in centred], variance=variance_x, eps=eps,
        forward=[of(y_one, n) for n in range(n_samples)],
        jac_input=compact_jac,
        jac_gamma=xhat,
        grad_input=compact_grad,
        grad_gamma=dot,
        grad_beta=total * dy_dbeta,
        mismatch=mismatch,
        chain={"dy_dc": dy_dc, "dy_dv": dy_dv, "c": cs[0], "t": t_sym, "gamma": gamma},
    )


# ---------------------------------------------------------------------------
# Numbers: an independent plain-Python pass with forward-mode dual numbers


def to_decimal(value: Any) -> Decimal:
    """An exact number (int, Fraction or SymPy number) as a Decimal at the context precision."""
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value.evalf(PRECISION + 10)))


def dual_batchnorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: Any) -> list[Dual]:
    """y = γ·(x − μ)/sqrt(σ² + ε) + β per feature (biased σ²), with every x, γ, β seeded:
    sparse dual numbers over Decimal (see :mod:`gradsym.numeric`)."""
    n_samples, n_features = x.shape
    e = to_decimal(eps)
    out: list[Dual] = [Dual(Decimal(0))] * (n_samples * n_features)
    for f in range(n_features):
        xs = [Dual(to_decimal(x[n, f]), {("input", n * n_features + f): Decimal(1)}) for n in range(n_samples)]
        gam = Dual(to_decimal(gamma[f]), {("gamma", f): Decimal(1)})
        bet = Dual(to_decimal(beta[f]), {("beta", f): Decimal(1)})
        count = Decimal(n_samples)
        mean = Dual(Decimal(0))
        for v in xs:
            mean = mean + v
        mean = mean * (1 / count)
        centred = [v - mean for v in xs]
        var = Dual(Decimal(0))
        for c in centred:
            var = var + c * c
        sigma = (var * (1 / count) + e).apply(RULES["sqrt"])
        for n, c in enumerate(centred):
            out[n * n_features + f] = gam * c / sigma + bet
    return out


def batchnorm_values(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: Any) -> np.ndarray:
    """The plain forward pass (Decimal), for the numeric model."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        y = dual_batchnorm(x, gamma, beta, eps)
    return np.array([d.value for d in y], dtype=object).reshape(x.shape)


# ---------------------------------------------------------------------------
# The derivation


class BatchNormDerivation(Derivation):
    """Batch norm: exact evaluation by substitution (no per-entry simplify), and the Jacobian
    checked against dual numbers within 1e-12 relative (σ is irrational in general)."""

    bn: BatchNormConfig

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        import sympy

        from gradsym.derivation import _number_to_sympy

        values: dict[str, np.ndarray] = {}
        point: dict[Any, Any] = {}
        symbols = self.table.symbols()
        decimal = False
        for role, val in parsed.items():
            tensor = self.symbols[role]
            values[role] = exact_array(val.flat, tensor.shape)
            decimal = decimal or val.decimal
            for i, v in enumerate(val.flat):
                point[symbols[tensor.first + i]] = _number_to_sympy(v)
        x = values["input"]
        eps = self.bn.eps
        assert eps is not None
        for f in range(self.bn.features):
            column = [Fraction(v) for v in x[:, f]]
            mean = sum(column, Fraction(0)) / len(column)
            if sum(((v - mean) ** 2 for v in column), Fraction(0)) / len(column) + eps == 0:
                raise SpecError(f"--x: feature {f + 1} has σ² + ε = 0")

        # Evaluating the N²·F Jacobian entries dominates large batches: report every 256.
        reporting = progress.active()
        total = (self.forward_elems.size + sum(len(j.entries) for j in self.jacobians.values())
                 + sum(arr.size for arr in self.grad_elems.values()))
        done = [0]

        def value(elem: Any) -> Any:
            if reporting:
                if done[0] % 256 == 0:
                    progress.report("evaluating", min(done[0], total), total)
                done[0] += 1
            out = sympy.sympify(elem).xreplace(point)
            if out.free_symbols:
                raise SpecError("numeric evaluation needs every value (--x, --gamma, --beta, --g)")
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
        mismatch = None
        with localcontext() as ctx:
            ctx.prec = PRECISION
            y = dual_batchnorm(values["input"], values["gamma"], values["beta"], self.bn.eps)
            for role, entries in jac_values.items():
                dual = {(o, w): v for o, d in enumerate(y)
                        for (r, w), v in cast(dict[tuple[str, int], Any], d.tangent).items()
                        if r == role}
                symbolic = {key: to_decimal(v) for key, v in entries.items()}
                scale = max((abs(v) for v in symbolic.values()), default=Decimal(1)) or Decimal(1)
                for key in sorted(set(dual) | set(symbolic)):
                    a, b = symbolic.get(key, Decimal(0)), dual.get(key, Decimal(0))
                    if abs(a - b) > TOLERANCE * max(abs(a), abs(b)) + Decimal("1e-40") * scale:
                        mismatch = f"∂y/∂{role} entry {key} differs from the dual numbers ({a} vs {b})"
                        break
                if mismatch:
                    break
        return Check(
            "jacobian_matches_autodiff_numeric",
            "the symbolic Jacobians at the given values equal forward-mode dual-number "
            f"differentiation of a plain batch-norm pass ({PRECISION}-digit decimals) within "
            "1e-12 relative",
            mismatch is None,
            mismatch,
        )


def derive_batchnorm(cfg: BatchNormConfig) -> BatchNormDerivation:
    """Forward, Jacobians, gradients and the compact-form proof, feature by feature."""
    import sympy

    t = make_tensors(cfg)
    sym = t.table.symbols()
    n_samples, n_features = cfg.batch, cfg.features
    eps = sym[t.eps.first] if t.eps is not None else sympy.Rational(cfg.eps.numerator, cfg.eps.denominator) \
        if isinstance(cfg.eps, Fraction) else sympy.Integer(cfg.eps)
    out_size = n_samples * n_features
    forward: list[Any] = [None] * out_size
    grad_x: list[Any] = [None] * out_size
    grad_gamma, grad_beta = [], []
    jac_x: dict[tuple[int, int], Any] = {}
    jac_gamma: dict[tuple[int, int], Any] = {}
    jac_beta: dict[tuple[int, int], Any] = {}
    template = derive_template(n_samples, eps)
    for f in range(n_features):
        progress.report("deriving features", f, n_features)
        flat = [n * n_features + f for n in range(n_samples)]
        result = template.instantiate(
            [sym[t.input.first + i] for i in flat], [sym[t.upstream.first + i] for i in flat],
            sym[t.gamma.first + f], sym[t.beta.first + f],
        )
        for n, o in enumerate(flat):
            forward[o] = result["forward"][n]
            grad_x[o] = result["grad_input"][n]
            for m, i in enumerate(flat):
                jac_x[(o, i)] = result["jac_input"][n][m]
            jac_gamma[(o, f)] = result["jac_gamma"][n]
            jac_beta[(o, f)] = sympy.Integer(1)
        grad_gamma.append(result["grad_gamma"])
        grad_beta.append(result["grad_beta"])
    mismatch, chain = template.mismatch, template.chain
    shape = (n_samples, n_features)
    jacobians = {
        "input": SparseJacobian(shape, shape, dict(sorted(jac_x.items()))),
        "gamma": SparseJacobian(shape, (n_features,), dict(sorted(jac_gamma.items()))),
        "beta": SparseJacobian(shape, (n_features,), dict(sorted(jac_beta.items()))),
    }
    check = Check(
        "grad_input_equals_compact_form",
        "dL/dx from SymPy's derivatives (chain rule through c = x − μ and v = σ²) equals "
        "γ/(N·σ)·(N·g − Σg − x̂·Σ g·x̂); every ∂y_n/∂x_m equals γ/(N·σ)·(N·δ_nm − 1 − x̂_n·x̂_m); "
        "dL/dγ = Σ g·x̂ and dL/dβ = Σ g (exact polynomial arithmetic for a generic feature; every "
        "feature is a renaming of it)",
        mismatch is None,
        mismatch,
    )
    model = None
    if cfg.eps is not None:
        eps_value = cfg.eps
        model = NumericModel(
            {"x": "input", "gamma": "gamma", "beta": "beta", "g": "upstream"},
            lambda pt: batchnorm_values(pt["input"], pt["gamma"], pt["beta"], eps_value),
            defaults={"upstream": "ones", "gamma": "ones", "beta": "zeros"},
        )
    d = BatchNormDerivation(
        command="batchnorm",
        config=cfg.to_json(),
        table=t.table,
        symbols=t.as_dict(),
        forward=_array(forward, shape),
        jacobians=jacobians,  # type: ignore[arg-type]
        grads={"input": _array(grad_x, shape), "gamma": _array(grad_gamma, (n_features,)),
               "beta": _array(grad_beta, (n_features,))},
        checks=[check],
        model=model,
        extra={
            "title": ("title.batchnorm", {"batch": n_samples, "features": n_features}),
            "setup": [
                ("batchnorm.setup", {"batch": n_samples, "features": n_features, "eps": cfg.eps_text}),
                ("batchnorm.definitions", {}),
                ("batchnorm.defaults", {}),
                ("setup.upstream", {}),
            ],
        },
    )
    d.bn = cfg
    d.extra["chain"] = chain
    return d


def _array(elems: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    arr = np.empty(len(elems), dtype=object)
    arr[:] = elems
    return arr.reshape(shape)


# ---------------------------------------------------------------------------
# The public function


def batchnorm(
    batch: int | None = None,
    features: int = 1,
    *,
    eps: Any = None,
    x: Any = None,
    gamma: Any = None,
    beta: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive training-mode batch normalisation and prove its compact backward formula.

    ``eps`` is a positive number (default 1e-5, kept exact as 1/100000) or ``"eps"`` for a
    symbol. Values: γ defaults to ones and β to zeros, as PyTorch initialises them.

    >>> d = batchnorm(batch=2, features=1, x=[[1], [3]])
    >>> d.numeric.grad["beta"].tolist()
    [2]
    """
    cfg = batchnorm_config(batch, features, eps)
    work = cfg.features * cfg.batch**2 * (cfg.batch * (cfg.batch + 1) // 2)  # F·N²·N(N+1)/2
    admit(batchnorm_cost(work, cfg.batch * cfg.features, values=given(x, gamma, beta, g)),
          max_terms, "this batch norm")
    if cfg.eps is None and any(v is not None for v in (x, gamma, beta, g)):
        raise SpecError(
            "--eps eps keeps ε symbolic, so there is nothing to evaluate at numbers; give "
            "--eps a number (e.g. 1e-5) with --x/--gamma/--beta/--g"
        )
    d = derive_batchnorm(cfg)
    return d.with_values(seed=seed, x=x, gamma=gamma, beta=beta, g=g)


