"""Single-head scaled dot-product attention, derived and proved.

With Q, K, V each L×D (symbols ``q_i_j``, ``k_i_j``, ``v_i_j``), upstream G (``g_i_j``):

    S = Q Kᵀ/√D,   P = softmax of every row of S,   O = P V        (``o_i_j``).

With ``causal`` the scores S_ij with j > i are −∞ before the softmax, so P_ij = 0 there.

How it is derived. One generic row of the softmax-weighted sum, o = Σ_l exp(s_l)·w_l /
Σ_l exp(s_l) (masked scores as exp(−∞) = 0), is differentiated by SymPy in independent
scores s_l and values w_l; replacing exp(s_l) by positive symbols e_l and 1/Σ_l e_l by u
turns the derivatives into polynomials (:class:`RowTemplate`). Every Jacobian entry is
that derivative, put together by the chain rule with ∂S/∂Q and ∂S/∂K (SymPy derivatives
of the polynomials S_il(Q, K)).

The proofs build the matrix forms independently,

    dV = Pᵀ G,  dP = G Vᵀ,  dS = P ∘ (dP − rowsum(dP ∘ P) 1ᵀ),  dQ = dS K/√D,  dK = dSᵀ Q/√D,

and compare them with the vector-Jacobian products of the derivatives above by exact
polynomial arithmetic (SymPy's sparse rings over ℚ) in the independent symbols e_il, u_i,
g, v (for dV and dS) and dS_il, q, k, 1/√D (for dQ and dK). An identity in independent
symbols holds in particular at e_il = exp(S_il), u_i = 1/Σ_l exp(S_il), so the proof is
fully symbolic: no sampling, no floating point.

>>> d = attention(seq=1, dim=1)
>>> d.forward.tolist()
[[v_1_1]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import Cost, admit, given, rendered
from gradsym.calculus import SparseJacobian, derivative
from gradsym.derivation import Derivation, Evaluation, NumericModel
from gradsym.numeric import (
    Dual,
    apply_rule,
    autodiff_check,
    object_array,
    simplify_number,
    tangent_jacobians,
    within,
)
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec import Values
from gradsym.spec.attention import AttentionConfig as AttentionConfig
from gradsym.spec.attention import attention_config as attention_config
from gradsym.symbols import Tensor

DUAL_DIGITS = 50  # mpmath digits of the dual-number check; the tolerance is 1e-12 relative
TOLERANCE = Fraction(1, 10**12)
SMALL = 2  # L·D up to this: element-wise expressions and exact values are shown without --full

# Budget rates (benchmarks/bench_budget.py: L = D = 8 derives in about 2.5 s of CPU).
ATTENTION_TERM = Cost(5e-5, 400)
"""One unit of work: an entry of ∂O/∂K (L²·D²), times L + D (the chain rule, and the
polynomial proofs whose terms grow with L and D)."""
TEXT_CHAR = Cost(4e-7, 10)
"""One character of element-wise text (JSON, or --full in a human format; the printer
remembers shared sub-expressions, so L = D = 8 JSON, about 67 million characters, takes ~25 s)."""


# ---------------------------------------------------------------------------
# Polynomials in any arithmetic


def _qq(coeff: Any) -> Fraction:
    return Fraction(int(coeff.numerator), int(coeff.denominator))


def poly_apply(p: Any, values: Sequence[Any], number: Callable[[Fraction], Any]) -> Any:
    """The ring polynomial ``p`` at ``values`` (one per generator, in order), in whatever
    arithmetic the values use (SymPy expressions, exact SymPy numbers, mpmath, ring elements)."""
    terms: list[Any] = []
    for monom, coeff in p.terms():
        term = number(_qq(coeff))
        for v, k in zip(values, monom):
            if k:
                term = term * (v if k == 1 else v**k)
        terms.append(term)
    return sum_of(terms)


def _sympy_number(c: Fraction) -> Any:
    import sympy

    return sympy.Rational(c.numerator, c.denominator)


# ---------------------------------------------------------------------------
# One generic row, differentiated by SymPy


@dataclass
class RowTemplate:
    """o = Σ_l exp(s_l)·w_l / Σ_l exp(s_l) over L keys of which the first ``allowed`` are
    unmasked (the others are exp(−∞) = 0), differentiated by SymPy. ``ds[c]`` = ∂o/∂s_l and
    ``dw[c]`` = ∂o/∂w_l for the unmasked keys, as polynomials in e_1…e_n, u, w_1…w_n
    (e_l = exp(s_l), u = 1/Σ e_l), in the ring ``ring``."""

    allowed: int
    ring: Any
    ds: list[Any]
    dw: list[Any]
    masked_zero: bool  # SymPy's derivative by every masked score and value is 0
    mismatch: str | None
    shown: dict[str, Any]  # SymPy forms for display


def derive_row(allowed: int, length: int) -> RowTemplate:
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    s = [sympy.Dummy(f"s{c + 1}") for c in range(length)]
    w = [sympy.Dummy(f"w{c + 1}") for c in range(length)]
    e = [sympy.Dummy(f"e{c + 1}", positive=True) for c in range(allowed)]
    u = sympy.Dummy("u", positive=True)
    exps = [sympy.exp(s[c]) if c < allowed else sympy.exp(-sympy.oo) for c in range(length)]
    o = sympy.Add(*[x * wl for x, wl in zip(exps, w)]) / sympy.Add(*exps)
    to_e = {sympy.exp(s[c]): e[c] for c in range(allowed)}
    to_u = {sympy.Add(*e): 1 / u} if allowed > 1 else {}

    def polynomial(expr: Any) -> Any:
        return expr.xreplace(to_e).xreplace(to_u)

    r, *_ = ring([*e, u, *w[:allowed]], QQ)
    mismatch = None
    ds: list[Any] = []
    dw: list[Any] = []
    try:
        ds = [r(polynomial(derivative(o, s[c]))) for c in range(allowed)]
        dw = [r(polynomial(derivative(o, w[c]))) for c in range(allowed)]
    except Exception:  # noqa: BLE001 — a derivative that is not polynomial in e, u, w
        mismatch = "a SymPy derivative is not a polynomial in exp(s_l) and 1/Σ exp(s_l)"
    masked_zero = all(derivative(o, s[c]) == 0 and derivative(o, w[c]) == 0 for c in range(allowed, length))
    shown = {"o": o, "s": s, "w": w, "ds": derivative(o, s[0]), "e": e, "u": u}
    return RowTemplate(allowed, r, ds, dw, masked_zero, mismatch, shown)


# ---------------------------------------------------------------------------
# The element-wise results in any arithmetic


def scores(cfg: AttentionConfig, q: Any, k: Any, r: Any) -> list[list[Any]]:
    """S_il = r·Σ_d q_id·k_ld for the unmasked entries (None where masked)."""
    return [[r * sum_of([q[i][d] * k[c][d] for d in range(cfg.dim)]) if c < cfg.allowed(i) else None
             for c in range(cfg.seq)] for i in range(cfg.seq)]


def sum_of(items: Sequence[Any]) -> Any:
    total: Any = None
    for item in items:
        total = item if total is None else total + item
    return 0 if total is None else total


def matrix_forms(cfg: AttentionConfig, p: Any, g: Any, v: Any) -> dict[str, Any]:
    """dV = Pᵀ G, dP = G Vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P) 1ᵀ), in the arithmetic of the
    entries (P is 0 where masked)."""
    seq, dim = cfg.seq, cfg.dim
    dv = [[sum_of([p[i][m] * g[i][j] for i in range(seq) if m < cfg.allowed(i)]) for j in range(dim)]
          for m in range(seq)]
    dp = [[sum_of([g[i][j] * v[c][j] for j in range(dim)]) for c in range(seq)] for i in range(seq)]
    rowsum = [sum_of([dp[i][c] * p[i][c] for c in range(cfg.allowed(i))]) for i in range(seq)]
    ds = [[p[i][c] * (dp[i][c] - rowsum[i]) if c < cfg.allowed(i) else 0 for c in range(seq)]
          for i in range(seq)]
    return {"dv": dv, "dp": dp, "ds": ds}


def qk_forms(cfg: AttentionConfig, ds: Any, q: Any, k: Any, r: Any) -> dict[str, Any]:
    """dQ = dS K/√D and dK = dSᵀ Q/√D (``r`` = 1/√D)."""
    seq, dim = cfg.seq, cfg.dim
    dq = [[r * sum_of([ds[a][c] * k[c][b] for c in range(cfg.allowed(a))]) for b in range(dim)]
          for a in range(seq)]
    dk = [[r * sum_of([ds[i][a] * q[i][b] for i in range(seq) if a < cfg.allowed(i)]) for b in range(dim)]
          for a in range(seq)]
    return {"dq": dq, "dk": dk}


@dataclass
class Pieces:
    """Forward, Jacobian entries and gradients in one arithmetic."""

    s: list[list[Any]]
    p: list[list[Any]]
    forward: list[list[Any]]
    jacobians: dict[str, dict[tuple[int, int], Any]]
    grads: dict[str, list[list[Any]]]
    backward: dict[str, Any]  # dP and dS


def build(cfg: AttentionConfig, q: Any, k: Any, v: Any, g: Any, r: Any, exp: Callable[[Any], Any],
          *, jacobians: bool = True) -> Pieces:
    """Every element in the arithmetic of q, k, v, g, r and ``exp`` (symbols: the derivation;
    exact numbers: its values; mpmath: the same formulas at high precision for the numeric
    check): the Jacobians from the local forms of the softmax row (proved equal to SymPy's
    derivatives) and ∂S/∂Q, ∂S/∂K; the gradients in matrix form (proved equal to their VJPs)."""
    seq, dim = cfg.seq, cfg.dim
    s = scores(cfg, q, k, r)
    e = [[exp(x) if x is not None else 0 for x in row] for row in s]
    u = [1 / sum_of(e[i][: cfg.allowed(i)]) for i in range(seq)]
    p = [[e[i][c] * u[i] if c < cfg.allowed(i) else 0 for c in range(seq)] for i in range(seq)]
    forward = [[sum_of([p[i][c] * v[c][j] for c in range(cfg.allowed(i))]) for j in range(dim)]
               for i in range(seq)]
    jac: dict[str, dict[tuple[int, int], Any]] = {"q": {}, "k": {}, "v": {}}
    if jacobians:
        for i in range(seq):
            n = cfg.allowed(i)
            for j in range(dim):
                o = i * dim + j
                # ∂o_ij/∂s_il = P_il·(v_lj − o_ij) and ∂o_ij/∂v_lj = P_il: the local forms,
                # proved equal to SymPy's derivatives (check jacobian_equals_local_forms).
                ds = [p[i][c] * (v[c][j] - forward[i][j]) for c in range(n)]
                for b in range(dim):  # ∂S_il/∂q_ib = k_lb/√D; ∂S_il/∂k_lb = q_ib/√D
                    jac["q"][(o, i * dim + b)] = sum_of([ds[c] * k[c][b] for c in range(n)]) * r
                for c in range(n):
                    for b in range(dim):
                        jac["k"][(o, c * dim + b)] = ds[c] * q[i][b] * r
                    jac["v"][(o, c * dim + j)] = p[i][c]
        for role in jac:
            jac[role] = dict(sorted(jac[role].items()))
    forms = matrix_forms(cfg, p, g, v)
    grads = {**qk_forms(cfg, forms["ds"], q, k, r), "dv": forms["dv"]}
    return Pieces(s, p, forward, jac, {"q": grads["dq"], "k": grads["dk"], "v": grads["dv"]},
                  {"dp": forms["dp"], "ds": forms["ds"]})


# ---------------------------------------------------------------------------
# The proofs: exact polynomial arithmetic in independent symbols


def prove(cfg: AttentionConfig, templates: dict[int, RowTemplate],
          corrupt: Callable[[dict[str, Any]], None] | None = None) -> list[Check]:
    """Compare the matrix forms with the VJPs of SymPy's derivatives (see the module
    docstring). ``corrupt`` may alter the right-hand sides (tests: a check must fail)."""
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    seq, dim = cfg.seq, cfg.dim
    mismatch = next((t.mismatch for t in templates.values() if t.mismatch), None)
    names = ([f"e{i}_{c}" for i in range(seq) for c in range(cfg.allowed(i))] + [f"u{i}" for i in range(seq)]
             + [f"g{i}_{j}" for i in range(seq) for j in range(dim)]
             + [f"v{i}_{j}" for i in range(seq) for j in range(dim)])
    ra, *gens = ring(names, QQ)
    it = iter(gens)
    e = [[next(it) for _ in range(cfg.allowed(i))] for i in range(seq)]
    u = [next(it) for _ in range(seq)]
    g = [[next(it) for _ in range(dim)] for _ in range(seq)]
    v = [[next(it) for _ in range(dim)] for _ in range(seq)]
    # A row with one key has P = e·u = 1 (u = 1/e): written as 1, the one relation needed.
    p = [[(e[i][c] * u[i] if cfg.allowed(i) > 1 else ra.one) if c < cfg.allowed(i) else 0
          for c in range(seq)] for i in range(seq)]
    rhs = matrix_forms(cfg, p, g, v)
    # The VJPs of SymPy's derivatives: Σ_j g_ij ∂o_ij/∂s_il and Σ_i g_ij ∂o_ij/∂v_mj.
    auto_ds = [[ra.zero for _ in range(seq)] for _ in range(seq)]
    auto_dv = [[ra.zero for _ in range(dim)] for _ in range(seq)]
    if mismatch is None:
        for i in range(seq):
            n = cfg.allowed(i)
            t = templates[n]
            for j in range(dim):
                point = [*e[i], u[i], *(v[c][j] for c in range(n))]
                for c in range(n):
                    auto_ds[i][c] += g[i][j] * poly_apply(t.ds[c], point, QQ.convert)
                    auto_dv[c][j] += g[i][j] * poly_apply(t.dw[c], point, QQ.convert)
    # The local forms the Jacobian entries are built from: ∂o/∂s_l = P_l·(w_l − o), ∂o/∂w_l = P_l.
    local = None
    for n, t in templates.items():
        if t.mismatch is not None:
            local = t.mismatch
            break
        es, ut, ws = t.ring.gens[:n], t.ring.gens[n], t.ring.gens[n + 1:]
        pt = [x * ut if n > 1 else t.ring.one for x in es]
        ot = sum_of([pl * wl for pl, wl in zip(pt, ws)])
        for c in range(n):
            if t.ds[c] != pt[c] * (ws[c] - ot) or t.dw[c] != pt[c]:
                local = f"∂o/∂s_{c + 1} or ∂o/∂v_{c + 1} (row of {n} keys) differs from its local form"
                break
    # dQ, dK: the chain rule through S = Q Kᵀ/√D with dS_il as independent symbols t_il.
    rb, *gens_b = ring([f"t{i}_{c}" for i in range(seq) for c in range(seq)]
                       + [f"q{i}_{j}" for i in range(seq) for j in range(dim)]
                       + [f"k{i}_{j}" for i in range(seq) for j in range(dim)] + ["r"], QQ)
    it = iter(gens_b)
    tt = [[next(it) for _ in range(seq)] for _ in range(seq)]
    q = [[next(it) for _ in range(dim)] for _ in range(seq)]
    k = [[next(it) for _ in range(dim)] for _ in range(seq)]
    r = next(it)
    s = scores(cfg, q, k, r)
    masked_t = [[tt[i][c] if c < cfg.allowed(i) else 0 for c in range(seq)] for i in range(seq)]
    rhs.update(qk_forms(cfg, masked_t, q, k, r))
    if corrupt is not None:
        corrupt(rhs)
    auto_dq = [[rb.zero for _ in range(dim)] for _ in range(seq)]
    auto_dk = [[rb.zero for _ in range(dim)] for _ in range(seq)]
    for i in range(seq):
        for c in range(cfg.allowed(i)):
            for a in range(seq):
                for b in range(dim):
                    for auto, x in ((auto_dq, q[a][b]), (auto_dk, k[a][b])):
                        partial = derivative(s[i][c], x)
                        if partial:
                            auto[a][b] += tt[i][c] * partial

    def differs(lhs: list[list[Any]], rhs_: list[list[Any]], ring_: Any, what: str) -> str | None:
        if mismatch is not None:
            return mismatch
        for a, row in enumerate(lhs):
            for b, x in enumerate(row):
                if x != ring_(rhs_[a][b]):
                    return f"{what}[{a + 1},{b + 1}] differs from the matrix form"
        return None

    how = ("fully symbolic: exact polynomial arithmetic over ℚ with exp(S_il) replaced by positive "
           "symbols e_il and 1/Σ_l exp(S_il) by u_i")
    checks = [
        Check("jacobian_equals_local_forms",
              "SymPy's derivatives of o_ij = Σ_l exp(S_il)·v_lj / Σ_l exp(S_il) are "
              "∂o_ij/∂S_il = P_il·(v_lj − o_ij) and ∂o_ij/∂v_lj = P_il, the forms every Jacobian "
              f"entry is built from with ∂S/∂Q = K/√D, ∂S/∂K = Q/√D ({how})",
              local is None, local),
        Check("grad_v_equals_pt_upstream",
              f"dL/dV = Pᵀ·G equals Σ_i g_ij·∂o_ij/∂v_mj from SymPy's derivatives ({how})",
              (m := differs(auto_dv, rhs["dv"], ra, "dV")) is None, m),
        Check("grad_scores_equals_softmax_backward",
              "dL/dS = P ∘ (dP − rowsum(dP ∘ P)·1ᵀ) with dP = G·Vᵀ equals Σ_j g_ij·∂o_ij/∂s_il "
              f"from SymPy's derivatives ({how})",
              (m := differs(auto_ds, rhs["ds"], ra, "dS")) is None, m),
        Check("grad_q_equals_ds_k",
              "dL/dQ = dS·K/√D equals the chain rule Σ_il dS_il·∂S_il/∂q_ab through S = Q·Kᵀ/√D "
              "(exact polynomial arithmetic, dS_il and 1/√D as independent symbols)",
              (m := differs(auto_dq, rhs["dq"], rb, "dQ")) is None, m),
        Check("grad_k_equals_dst_q",
              "dL/dK = dSᵀ·Q/√D equals the chain rule Σ_il dS_il·∂S_il/∂k_ab through S = Q·Kᵀ/√D "
              "(exact polynomial arithmetic, dS_il and 1/√D as independent symbols)",
              (m := differs(auto_dk, rhs["dk"], rb, "dK")) is None, m),
    ]
    if cfg.causal:
        bad = None
        if not all(t.masked_zero for t in templates.values()):
            bad = "SymPy's derivative by a masked score is not 0"
        for i in range(seq):
            for c in range(cfg.allowed(i), seq):
                if p[i][c] != 0 or ra(rhs["ds"][i][c]) != 0 or auto_ds[i][c] != 0:
                    bad = bad or f"entry ({i + 1},{c + 1}) above the diagonal has a non-zero P or dS"
        checks.append(Check(
            "masked_scores_have_zero_gradient",
            "causal mask: S_ij = −∞ for j > i gives P_ij = 0; SymPy's derivative of the output by "
            "every masked score (and by v through a masked weight) is 0, and dS_ij = 0 there",
            bad is None, bad))
    return checks


# ---------------------------------------------------------------------------
# Numbers


def _mp(value: Any) -> Any:
    import mpmath

    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    return mpmath.mpf(value)


def dual_attention(cfg: AttentionConfig, q: np.ndarray, k: np.ndarray, v: np.ndarray) -> list[Dual]:
    """A plain attention pass on sparse dual numbers (mpmath values), every q, k, v seeded:
    S = QKᵀ/√D, masked entries skipped (exp(−∞) = 0), softmax, O = PV."""
    import mpmath

    seq, dim = cfg.seq, cfg.dim
    qd = [[Dual(_mp(q[i, j]), {("q", i * dim + j): 1}) for j in range(dim)] for i in range(seq)]
    kd = [[Dual(_mp(k[i, j]), {("k", i * dim + j): 1}) for j in range(dim)] for i in range(seq)]
    vd = [[Dual(_mp(v[i, j]), {("v", i * dim + j): 1}) for j in range(dim)] for i in range(seq)]
    scale = 1 / mpmath.sqrt(dim)
    out: list[Dual] = []
    for i in range(seq):
        weights = []
        for c in range(cfg.allowed(i)):
            score = Dual(mpmath.mpf(0))
            for d in range(dim):
                score = score + qd[i][d] * kd[c][d]
            weights.append(apply_rule("exp", score * scale))
        total = Dual(mpmath.mpf(0))
        for w in weights:
            total = total + w
        for j in range(dim):
            acc = Dual(mpmath.mpf(0))
            for c, w in enumerate(weights):
                acc = acc + (w / total) * vd[c][j]
            out.append(acc)
    return out


def _rows(arr: np.ndarray) -> list[list[Any]]:
    import sympy

    return [[_sympy_number(Fraction(x)) if not isinstance(x, sympy.Basic) else x for x in row]
            for row in arr.tolist()]


def rows_array(rows: list[list[Any]]) -> np.ndarray:
    """A list of rows as a 2-D object array (entries kept as they are)."""
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            out[i, j] = x
    return out


class AttentionDerivation(Derivation):
    """Attention: values by the same formulas at exact numbers (exp stays symbolic), and the
    Jacobians checked against dual numbers within 1e-12 relative."""

    cfg: AttentionConfig
    templates: dict[int, RowTemplate]
    pieces: Pieces  # the closed forms the proofs compare with
    scores: dict[str, Any] | None = None  # exact scores s and probabilities p, once evaluated

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        import sympy

        cfg = self.cfg
        values = {role: object_array(val.flat, self.symbols[role].shape) for role, val in parsed.items()}
        decimal = any(val.decimal for val in parsed.values())
        progress.report("evaluating", 0, 1)
        r = 1 / sympy.sqrt(cfg.dim)
        q, k, v, g = (_rows(values[role]) for role in ("q", "k", "v", "upstream"))
        exact = build(cfg, q, k, v, g, r, sympy.exp)
        shape = (cfg.seq, cfg.dim)
        evaluation = Evaluation(
            values,
            rows_array([[simplify_number(x) for x in row] for row in exact.forward]),
            {role: {key: simplify_number(x) for key, x in entries.items()} for role, entries in exact.jacobians.items()},
            {role: rows_array([[simplify_number(x) for x in row] for row in arr]) for role, arr in exact.grads.items()},
            {role: (shape, shape) for role in exact.jacobians},
            decimal,
        )
        evaluation.checks.append(self._dual_check(values))
        self.scores = {"s": exact.s, "p": exact.p}
        return evaluation

    def _dual_check(self, values: dict[str, np.ndarray]) -> Check:
        """The symbolic Jacobians in mpmath arithmetic against :func:`dual_attention`."""
        import mpmath

        cfg = self.cfg
        with mpmath.workdps(DUAL_DIGITS):
            progress.report("numeric check", 0, 1)
            mp = {role: [[_mp(x) for x in row] for row in values[role].tolist()] for role in values}
            ours = build(cfg, mp["q"], mp["k"], mp["v"], mp["upstream"], 1 / mpmath.sqrt(cfg.dim),
                         mpmath.exp)
            duals = dual_attention(cfg, values["q"], values["k"], values["v"])
            close = within(mpmath.mpf(TOLERANCE.numerator) / TOLERANCE.denominator,
                           mpmath.mpf(10) ** (-(DUAL_DIGITS // 2)))
            flat = [x for row in ours.forward for x in row]
            differs = any(not close(a, d.value) for a, d in zip(flat, duals))
            return autodiff_check(
                "the symbolic Jacobians (∂O/∂Q, ∂O/∂K, ∂O/∂V) at the given values equal forward-mode "
                f"dual-number differentiation of a plain attention pass ({DUAL_DIGITS}-digit mpmath) "
                "within 1e-12 relative",
                {role: ours.jacobians[role] for role in ("q", "k", "v")},
                tangent_jacobians(duals, ("q", "k", "v")),
                close,
                known_mismatch="the output differs from the plain numeric forward pass" if differs else None,
            )


def numeric_forward(cfg: AttentionConfig, point: dict[str, np.ndarray]) -> np.ndarray:
    """O at exact numbers (exp stays symbolic), for the numeric model."""
    import sympy

    q, k, v = (_rows(point[role]) for role in ("q", "k", "v"))
    zeros = [[0] * cfg.dim for _ in range(cfg.seq)]
    pieces = build(cfg, q, k, v, zeros, 1 / sympy.sqrt(cfg.dim), sympy.exp, jacobians=False)
    return rows_array(pieces.forward)


# ---------------------------------------------------------------------------
# The derivation


def derive_attention(cfg: AttentionConfig) -> AttentionDerivation:
    import sympy

    table = VarTable()
    shape = (cfg.seq, cfg.dim)
    tensors = {role: Tensor.create(table, role, shape) for role in ("q", "k", "v")}
    tensors["upstream"] = Tensor.create(table, "g", shape)
    sym = table.symbols()

    def rows(role: str) -> list[list[Any]]:
        first = tensors[role].first
        return [[sym[first + i * cfg.dim + j] for j in range(cfg.dim)] for i in range(cfg.seq)]

    with progress.step("differentiating the softmax row"):
        templates = {n: derive_row(n, cfg.seq) for n in sorted({cfg.allowed(i) for i in range(cfg.seq)})}
    with progress.step("proving the matrix forms"):
        checks = prove(cfg, templates)
    with progress.step("building the element-wise results"):
        pieces = build(cfg, rows("q"), rows("k"), rows("v"), rows("upstream"),
                       1 / sympy.sqrt(cfg.dim), sympy.exp)
    jacobians = {role: SparseJacobian(shape, shape, entries) for role, entries in pieces.jacobians.items()}
    d = AttentionDerivation(
        command="attention",
        config=cfg.to_json(),
        table=table,
        symbols=tensors,
        forward=rows_array(pieces.forward),
        jacobians=jacobians,  # type: ignore[arg-type]
        grads={role: rows_array(arr) for role, arr in pieces.grads.items()},
        checks=checks,
        model=NumericModel({"q": "q", "k": "k", "v": "v", "g": "upstream"},
                           lambda pt: numeric_forward(cfg, pt), degree=None),
        title=("title.attention_causal" if cfg.causal else "title.attention", {"seq": cfg.seq, "dim": cfg.dim}),
        setup=[("attention.setup", {"seq": cfg.seq, "dim": cfg.dim}),
               *([("attention.causal", {})] if cfg.causal else []),
               ("attention.values", {}), ("attention.upstream", {})],
        output_letter="o",
        elementwise_hidden=cfg.seq * cfg.dim > SMALL,
    )
    d.cfg = cfg
    d.templates = templates
    d.pieces = pieces
    return d


# ---------------------------------------------------------------------------
# The budget and the public function


def text_chars(cfg: AttentionConfig) -> int:
    """About how many characters the element-wise expressions print to (JSON, --full):
    an entry of ∂O/∂K repeats a whole row's softmax, about (L + 2)(L + 1)(16·D + 10)."""
    seq, dim = cfg.seq, cfg.dim
    entry = (seq + 2) * (seq + 1) * (16 * dim + 10)
    k_entries = sum(cfg.allowed(i) for i in range(seq)) * dim * dim
    return entry * (k_entries + seq * dim * (dim + seq + 4))


def attention_cost(cfg: AttentionConfig, *, values: bool = False) -> Cost:
    work = cfg.seq**2 * cfg.dim**2 * (cfg.seq + cfg.dim)
    cost = ATTENTION_TERM * work
    if values:
        cost = cost * 2
    fmt, full = rendered()
    if fmt == "json":
        cost += TEXT_CHAR * text_chars(cfg)
    elif full:  # laid out in tables and wrapped: about four times JSON's time per character
        cost += TEXT_CHAR * (4 * text_chars(cfg))
    return cost


def attention(
    seq: int | None = None,
    dim: int | None = None,
    causal: bool = False,
    *,
    q: Any = None,
    k: Any = None,
    v: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive single-head scaled dot-product attention O = softmax(Q·Kᵀ/√D)·V and prove the
    matrix forms of dL/dQ, dL/dK, dL/dV.

    Values: ``q``, ``k`` and ``v`` (each L×D) are needed together; ``g`` defaults to ones.

    >>> d = attention(seq=2, dim=1, q="1,0", k="0,1", v="1,2")
    >>> d.numeric.grad["v"].tolist()  # dV = Pᵀ·G: row 1 of P is (1, e)/(1 + e), row 2 (1, 1)/2
    [[1/(1 + E) + 1/2], [1/2 + E/(1 + E)]]
    """
    cfg = attention_config(seq, dim, causal)
    admit(attention_cost(cfg, values=given(q, k, v, g)), max_terms, "this attention")
    d = derive_attention(cfg)
    return d.with_values(seed=seed, q=q, k=k, v=v, g=g)


__all__ = ["AttentionConfig", "AttentionDerivation", "attention", "attention_config", "derive_attention"]
