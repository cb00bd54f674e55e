"""Softmax, log-softmax and the cross-entropy loss, derived and proved.

Logits x have the layout (N, K): N rows (samples) of K classes; without ``batch`` N = 1
(the tensors keep the layout (1, K), so names and JSON do not change with N). Per row,
with temperature T and z = x/T:

    s_k = exp(z_k) / Σ_j exp(z_j)                    (softmax, as torch.softmax(x/T, -1))
    log s_k = z_k − log Σ_j exp(z_j)                 (log-softmax, ``log=True``)
    L = (1/N)·Σ_n −Σ_k q_n,k·log s_n,k               (``loss="ce"``: F.cross_entropy,
        q_n = (1 − ε)·one-hot(t_n) + ε/K              reduction='mean', label_smoothing=ε)

SymPy differentiates the forward pass element by element. The proofs substitute every
exp(z_k) of the result by a positive symbol e_k, so that each identity is an equality of
rational functions in e (and g), decided exactly in SymPy's field of fractions over QQ:

- ``jacobian_equals_diag_s_minus_s_st``: ∂s_k/∂x_m = (δ_km·s_k − s_k·s_m)/T, i.e. the
  Jacobian of a row is (diag(s) − s·sᵀ)/T; with ``log``
  ``jacobian_equals_identity_minus_one_st``: ∂log s_k/∂x_m = (δ_km − s_m)/T = (I − 1·sᵀ)/T.
- ``grad_input_equals_vjp_closed_form`` (no loss): Σ_k g_k·∂y_k/∂x_m equals
  s_m·(g_m − Σ_k g_k·s_k)/T (softmax) or (g_m − s_m·Σ_k g_k)/T (log-softmax).
- ``grad_input_equals_softmax_minus_target`` (loss): ∂L/∂x_n,m = (s_n,m − q_n,m)/(N·T).
- ``softmax_shift_invariant``: the numerically stable form — softmax(z) = softmax(z − c)
  and log-softmax(z) = z − c − log Σ exp(z − c) for every real c, in particular c = max z.

The right-hand sides are built independently (:func:`closed_forms`) in the symbols e_k;
the stored Jacobians and gradients are those closed forms with e_k = exp(x_k/T).

>>> d = softmax(classes=2)
>>> d.forward[0, 0]
exp(x_1_1)/(exp(x_1_1) + exp(x_1_2))
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from gradsym import progress
from gradsym.budget import Cost, admit, given, render_cost
from gradsym.calculus import SparseJacobian, derivative
from gradsym.derivation import Derivation, Evaluation, NumericModel, _number_to_sympy
from gradsym.errors import SpecError
from gradsym.numeric import (
    Dual,
    autodiff_check,
    object_array,
    simplify_number,
    tangent_jacobians,
    within,
)
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.rules import RULES
from gradsym.spec import Values
from gradsym.spec.softmax import SoftmaxConfig as SoftmaxConfig
from gradsym.spec.softmax import softmax_config as softmax_config
from gradsym.symbols import Tensor

DUAL_DIGITS = 50  # digits of the dual-number check (mpmath); the tolerance is 1e-12 relative
TOLERANCE = 1e-12
ROW_UNIT = Cost(1e-3, 4_000)
"""One unit of the proof's work (:func:`work_units`): a millisecond."""
MAX_ROWS = 32  # compact dL/dx rows shown in the terminal section

Forms = Callable[[list[Any], list[Any] | None, list[Fraction] | None, Any, bool], dict[str, Any]]


def closed_forms(es: list[Any], gs: list[Any] | None, q: list[Fraction] | None, inv_t: Any,
                 log: bool) -> dict[str, Any]:
    """The known closed forms of one row in e_k = exp(z_k) (s_k = e_k/Σe):
    ``jac[k][m]`` = (δ_km·s_k − s_k·s_m)/T, or (δ_km − s_m)/T with ``log``; ``grad[m]`` the
    VJP with g; ``ce[m]`` = (s_m − q_m)/T, the cross-entropy gradient of the row."""
    import sympy

    total = sympy.Add(*es)
    s = [e / total for e in es]
    k_range = range(len(es))
    if log:
        jac = [[inv_t * ((1 if k == m else 0) - s[m]) for m in k_range] for k in k_range]
    else:
        jac = [[inv_t * ((s[k] if k == m else 0) - s[k] * s[m]) for m in k_range] for k in k_range]
    out: dict[str, Any] = {"s": s, "jac": jac}
    if gs is not None:
        if log:
            sum_g = sympy.Add(*gs)
            out["grad"] = [inv_t * (gs[m] - s[m] * sum_g) for m in k_range]
        else:
            dot = sympy.Add(*[g * sk for g, sk in zip(gs, s)])
            out["grad"] = [inv_t * s[m] * (gs[m] - dot) for m in k_range]
    if q is not None:
        out["ce"] = [inv_t * (s[m] - sympy.Rational(q[m].numerator, q[m].denominator)) for m in k_range]
    return out


def shift_invariance(classes: int) -> str | None:
    """Prove softmax(z − c) = softmax(z) and z − c − log Σ exp(z − c) = log softmax(z) for a
    generic row of real z_k and a real c; None when both hold, else what differs."""
    import sympy
    from sympy.polys.domains import QQ
    from sympy.polys.fields import field

    zs = [sympy.Dummy(f"z{k + 1}", real=True) for k in range(classes)]
    c = sympy.Dummy("c", real=True)
    es = [sympy.Dummy(f"e{k + 1}", positive=True) for k in range(classes)]
    u = sympy.Dummy("u", positive=True)  # u = exp(−c)
    to_e = {**{sympy.exp(z): e for z, e in zip(zs, es)}, sympy.exp(-c): u}
    shifted = [sympy.expand(sympy.exp(z - c), power_exp=True) for z in zs]  # exp(z)·exp(−c)
    plain = [sympy.exp(z) for z in zs]
    frac = field([*es, u], QQ)[0]
    for k in range(classes):
        lhs = (shifted[k] / sympy.Add(*shifted)).xreplace(to_e)
        rhs = (plain[k] / sympy.Add(*plain)).xreplace(to_e)
        if frac(lhs) != frac(rhs):
            return f"softmax(z − c)_{k + 1} differs from softmax(z)_{k + 1}"
    # log Σ exp(z − c) = log(exp(−c)·Σ exp z) = −c + log Σ exp z (both factors positive).
    total = sympy.Add(*es)
    stable = sympy.expand_log(sympy.log(u * total)).xreplace({u: sympy.exp(-c)})
    if sympy.expand(-c - stable + sympy.log(total)) != 0:
        return "z − c − log Σ exp(z − c) differs from z − log Σ exp z"
    return None


def exp_to_e(expr: Any, zs: list[Any], es: list[Any]) -> Any:
    """``expr`` with every exp(c·z_k) replaced by e_k**c (SymPy merges exp(z)·exp(z) into
    exp(2·z), so a plain substitution of exp(z_k) would miss it)."""
    import sympy

    index = {next(iter(z.free_symbols)): k for k, z in enumerate(zs)}

    def swap(node: Any) -> Any:
        arg = node.args[0]
        free = arg.free_symbols
        if len(free) == 1 and next(iter(free)) in index:
            k = index[next(iter(free))]
            ratio = arg / zs[k]
            if ratio.is_Rational:
                return es[k] ** ratio
        return node

    return expr.replace(lambda node: isinstance(node, sympy.exp), swap)


class RowIdentity:
    """Decides lhs = rhs for rational functions of e_k (and g_k) whose only denominators are
    powers of S = Σ e_k: with w = 1/S both sides are polynomials in (e, g, w), and
    P(e, g, w)·S^d with w·S = 1 is a polynomial in (e, g) that is 0 exactly when the
    identity holds (exact arithmetic over QQ). Anything else falls back to SymPy's field of
    fractions."""

    def __init__(self, es: list[Any], others: list[Any]) -> None:
        import sympy
        from sympy.polys.domains import QQ
        from sympy.polys.rings import ring

        self.gens = [*es, *others]
        self.total = sympy.Add(*es)
        self.w = sympy.Dummy("w")
        self.ring = ring([*self.gens, self.w], QQ)[0]
        self.sum = self.ring(self.total)
        self.powers = [self.ring.one]

    def _power(self, k: int) -> Any:
        while len(self.powers) <= k:
            self.powers.append(self.powers[-1] * self.sum)
        return self.powers[k]

    def reduce(self, expr: Any) -> tuple[Any, int] | None:
        """``expr`` as (numerator polynomial in e and g, d) with expr = numerator/S^d, or
        None when it is not a polynomial in e, g and 1/S."""
        try:
            poly = self.ring(expr.xreplace({self.total: 1 / self.w}))
        except Exception:  # noqa: BLE001 — not a polynomial in (e, g, 1/S)
            return None
        parts: dict[int, Any] = {}
        for monom, coeff in poly.terms():
            j = monom[-1]
            parts[j] = parts.get(j, self.ring.zero) + self.ring({(*monom[:-1], 0): coeff})
        top = max(parts, default=0)
        return sum((p * self._power(top - j) for j, p in parts.items()), self.ring.zero), top

    def differ(self, lhs: Any, rhs: Any) -> bool:
        """True when lhs and rhs differ (or cannot be decided: not proved)."""
        reduced = self.reduce(lhs - rhs)
        if reduced is None:
            return self._field_differ(lhs, rhs)
        return bool(reduced[0])

    def value(self, expr: Any) -> Any:
        """``expr`` as numerator/S^d (0 when the numerator vanishes), for exact values."""
        import sympy

        reduced = self.reduce(expr)
        if reduced is None:
            return sympy.cancel(expr)
        numerator, top = reduced
        return numerator.as_expr() / self.total**top if numerator else sympy.Integer(0)

    def _field_differ(self, lhs: Any, rhs: Any) -> bool:
        from sympy.polys.domains import QQ
        from sympy.polys.fields import field

        try:
            frac = field(self.gens, QQ)[0]
            return bool(frac(lhs) != frac(rhs))
        except Exception:  # noqa: BLE001 — not a rational function of e and g: not proved
            return True


class SoftmaxDerivation(Derivation):
    """Softmax: exact evaluation by substitution (exp of rationals stays symbolic), and the
    Jacobian checked against dual numbers within 1e-12 relative."""

    sm: SoftmaxConfig
    rows: list[tuple[list[Any], list[Any]]]  # per row: the symbols e_k and the logits z_k = x_k/T
    e_forms: dict[tuple[str, Any], tuple[int, Any]]  # (part, index) → (row, entry in that row's e)

    def _evaluate(self, parsed: dict[str, Values]) -> Evaluation:
        import sympy

        symbols = self.table.symbols()
        values = {role: object_array(val.flat, self.symbols[role].shape) for role, val in parsed.items()}
        point = {symbols[self.symbols[role].first + i]: _number_to_sympy(v)
                 for role, arr in values.items() for i, v in enumerate(arr.reshape(-1).tolist())}

        # exp(x/T) at rationals stays exact. An entry the derivation kept as a rational
        # function of its row's e_k = exp(x_k/T) (every one but a log softmax or a loss) is
        # written as numerator/S^d there (so that, e.g., the gradient of ones is 0), then
        # e_k = exp(value/T) is put in; the others take the values as they are.
        inputs = self.symbols["input"]
        logits = set(symbols[inputs.first : inputs.first + inputs.size])
        other = {k: v for k, v in point.items() if k not in logits}
        identities = [RowIdentity(row_es, []) for row_es, _ in self.rows]
        row_points = [{e: sympy.exp(z.xreplace(point)) for e, z in zip(row_es, row_zs)}
                      for row_es, row_zs in self.rows]

        def entry(part: str, index: Any, elem: Any) -> Any:
            form = self.e_forms.get((part, index))
            if form is None:
                out = sympy.sympify(elem).xreplace(point)
            else:
                n, expr_e = form
                out = identities[n].value(expr_e.xreplace(other)).xreplace(row_points[n])
            if out.free_symbols:
                raise SpecError("values.needs_every", params=["x", "g"])
            return simplify_number(out)

        def entries(part: str, arr: np.ndarray) -> np.ndarray:
            flat = [entry(part, i, e) for i, e in enumerate(arr.reshape(-1).tolist())]
            return object_array(flat, arr.shape)

        jac = self.jacobians["input"]
        jac_values = {key: entry("jac", key, e) for key, e in jac.entries.items()}
        evaluation = Evaluation(
            values=values,
            forward_values=entries("forward", self.forward_elems),
            jacobian_values={"input": jac_values},
            grad_values={"input": entries("grad", self.grad_elems["input"])},
            jacobian_shapes={"input": (jac.out_shape, jac.wrt_shape)},
            decimal=any(val.decimal for val in parsed.values()),
        )
        evaluation.checks.append(self._dual_check(values, jac_values))
        return evaluation

    def _dual_check(self, values: dict[str, np.ndarray], jac_values: dict[tuple[int, int], Any]) -> Check:
        """The exact Jacobian to DUAL_DIGITS digits (exp of each rational put in as a number)
        against :func:`dual_softmax`."""
        import mpmath

        with mpmath.workdps(DUAL_DIGITS):
            out = dual_softmax(values["input"], self.sm, seeded=True)
            near = within(TOLERANCE, mpmath.mpf(10) ** -40)
            known: dict[Any, Any] = {}
            return autodiff_check(
                "the symbolic Jacobian at the given values equals forward-mode dual-number "
                f"differentiation of a plain numerically stable pass (x − max, {DUAL_DIGITS}-digit "
                "mpmath) within 1e-12 relative",
                {"input": {key: _exp_number(v, known) for key, v in jac_values.items()}},
                tangent_jacobians(out, ["input"]),
                lambda a, b: near(a, mpmath.mpf(b)),
            )


def _exp_number(value: Any, known: dict[Any, Any]) -> Any:
    """An exact value (int, Fraction, or SymPy with exp of rationals) as an mpmath number at
    the working precision: every exp(r) and E put in as a number (``known`` keeps those
    already computed), then the arithmetic done; SymPy's N for anything else."""
    import mpmath
    import sympy

    if isinstance(value, int | Fraction):
        return _mp(value)
    digits = mpmath.mp.dps
    for atom in value.atoms(sympy.exp) | ({sympy.E} if value.has(sympy.E) else set()):
        if atom not in known:
            arg = atom.args[0] if atom.args else sympy.Integer(1)
            known[atom] = (sympy.Float(mpmath.exp(_mp(Fraction(int(arg.p), int(arg.q)))), digits)
                           if arg.is_Rational else sympy.N(atom, digits))
    numeric = value.xreplace(known)
    return mpmath.mpf(numeric if numeric.is_Number else sympy.N(numeric, digits))


def dual_softmax(x: np.ndarray, cfg: SoftmaxConfig, *, seeded: bool) -> list[Any]:
    """The plain forward pass in the numerically stable form (z − max z), every logit
    seeded as a dual number (``seeded``) or as a plain mpmath number; flat outputs."""
    import mpmath

    n_rows, n_classes = x.shape
    inv_t = mpmath.mpf(1) / _mp(cfg.temperature)
    q = cfg.target_distribution() if cfg.loss else None
    rows_out: list[Any] = []
    loss: Any = Dual(0)
    for n in range(n_rows):
        zs = [Dual(_mp(x[n, k]) * inv_t, {("input", n * n_classes + k): inv_t} if seeded else {})
              for k in range(n_classes)]
        top = max(z.value for z in zs)  # a constant shift: the derivative does not see it
        shifted = [z - top for z in zs]
        exps = [z.apply(RULES["exp"]) for z in shifted]
        total = Dual(0)
        for e in exps:
            total = total + e
        log_total = total.apply(RULES["log"])
        logs = [z - log_total for z in shifted]
        if q is not None:
            for k in range(n_classes):
                if q[n][k]:
                    loss = loss - logs[k] * _mp(q[n][k])
        elif cfg.log:
            rows_out += logs
        else:
            rows_out += [e / total for e in exps]
    if q is not None:
        return [loss * (mpmath.mpf(1) / n_rows)]
    return rows_out


def _mp(v: Any) -> Any:
    import mpmath

    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpf(v)


def derive_softmax(cfg: SoftmaxConfig, forms: Forms = closed_forms) -> SoftmaxDerivation:
    """Forward, Jacobian, gradient and the proofs, row by row (see the module docstring)."""
    import sympy

    table = VarTable()
    n_rows, n_classes = cfg.shape
    x = Tensor.create(table, "x", cfg.shape)
    g = Tensor.create(table, "g", cfg.shape) if cfg.loss is None else None
    # s_n_k: names of the probabilities s = softmax(x/T), the abbreviation the closed forms
    # are shown in (the stored expressions are written out in x).
    probabilities = Tensor.create(table, "s", cfg.shape)
    sym = table.symbols()
    xs = [[sym[x.first + n * n_classes + k] for k in range(n_classes)] for n in range(n_rows)]
    gs = None if g is None else [[sym[g.first + n * n_classes + k] for k in range(n_classes)]
                                 for n in range(n_rows)]
    temp = cfg.temperature
    inv_t = sympy.Rational(1) / sympy.Rational(temp.numerator, temp.denominator) \
        if isinstance(temp, Fraction) else sympy.Rational(1, temp)
    q = cfg.target_distribution() if cfg.loss else None
    size = n_rows * n_classes

    forward: list[Any] = []
    jac: dict[tuple[int, int], Any] = {}
    grad: list[Any] = [None] * size
    jac_mismatch: str | None = None
    grad_mismatch: str | None = None
    loss_terms: list[Any] = []
    row_parts: list[dict[str, Any]] = []
    # each stored entry as a rational function of its row's e_k = exp(x_k/T) (the same
    # expression with exp(x/T) not yet put in): what exact values are computed from
    e_forms: dict[tuple[str, Any], tuple[int, Any]] = {}
    for n in range(n_rows):
        progress.report("deriving rows", n, n_rows)
        zs = [v * inv_t for v in xs[n]]
        exps = [sympy.exp(z) for z in zs]
        total = sympy.Add(*exps)
        es = [sympy.Dummy(f"e{k + 1}", positive=True) for k in range(n_classes)]
        from_e = dict(zip(es, exps))
        row_gs = gs[n] if gs is not None else None
        identity = RowIdentity(es, row_gs or [])
        closed = forms(es, row_gs, q[n] if q is not None else None, inv_t, cfg.log)
        row_parts.append({"es": es, "exps": exps, "zs": zs})
        if q is not None:
            loss_terms += [-sympy.Rational(qk.numerator, qk.denominator) * (zs[k] - sympy.log(total))
                           for k, qk in enumerate(q[n]) if qk]
            continue
        outputs = [zs[k] - sympy.log(total) if cfg.log else exps[k] / total for k in range(n_classes)]
        if not cfg.log:
            e_forms.update({("forward", n * n_classes + k): (n, es[k] / sympy.Add(*es)) for k in range(n_classes)})
        forward += outputs
        derivs = [[exp_to_e(derivative(outputs[k], xs[n][m]), zs, es) for m in range(n_classes)]
                  for k in range(n_classes)]
        for k in range(n_classes):
            row_vars = set(xs[n])
            if not outputs[k].free_symbols <= row_vars:
                jac_mismatch = jac_mismatch or f"y_{n + 1}_{k + 1} depends on another row"
            for m in range(n_classes):
                if jac_mismatch is None and identity.differ(derivs[k][m], closed["jac"][k][m]):
                    jac_mismatch = f"∂y_{n + 1}_{k + 1}/∂x_{n + 1}_{m + 1} differs from its closed form"
                jac[(n * n_classes + k, n * n_classes + m)] = closed["jac"][k][m].xreplace(from_e)
                e_forms[("jac", (n * n_classes + k, n * n_classes + m))] = (n, closed["jac"][k][m])
        assert row_gs is not None
        for m in range(n_classes):
            vjp = sympy.Add(*[row_gs[k] * derivs[k][m] for k in range(n_classes)])
            if grad_mismatch is None and identity.differ(vjp, closed["grad"][m]):
                grad_mismatch = f"dL/dx_{n + 1}_{m + 1} differs from its compact form"
            grad[n * n_classes + m] = closed["grad"][m].xreplace(from_e)
            e_forms[("grad", n * n_classes + m)] = (n, closed["grad"][m])

    checks: list[Check] = []
    t_note = "" if temp == 1 else " (T the temperature)"
    if q is not None:
        inv_n = sympy.Rational(1, n_rows)
        loss = inv_n * sympy.Add(*loss_terms)
        forward = [loss]
        for n in range(n_rows):
            progress.report("proving the loss gradient", n, n_rows)
            es, exps, zs = row_parts[n]["es"], row_parts[n]["exps"], row_parts[n]["zs"]
            closed = forms(es, None, q[n], inv_t, False)
            identity = RowIdentity(es, [])
            for m in range(n_classes):
                lhs = exp_to_e(derivative(loss, xs[n][m]), zs, es)
                if grad_mismatch is None and identity.differ(lhs, inv_n * closed["ce"][m]):
                    grad_mismatch = f"∂L/∂x_{n + 1}_{m + 1} differs from (s − q)/N"
                entry = (inv_n * closed["ce"][m]).xreplace(dict(zip(es, exps)))
                jac[(0, n * n_classes + m)] = entry
                grad[n * n_classes + m] = entry
                e_forms[("jac", (0, n * n_classes + m))] = e_forms[("grad", n * n_classes + m)] = (
                    n, inv_n * closed["ce"][m])
        smooth = "" if cfg.smoothing == 0 else f" with q = (1 − ε)·one-hot + ε/K, ε = {cfg.smoothing_text}"
        checks.append(Check(
            "grad_input_equals_softmax_minus_target",
            f"∂L/∂x_n,m from SymPy's derivative of the mean cross-entropy equals "
            f"(softmax(x/T)_n,m − q_n,m)/(N·T){smooth}{t_note} (exp(x/T) replaced by positive "
            "symbols e: an exact identity of rational functions)",
            grad_mismatch is None, grad_mismatch,
        ))
    else:
        name, form = (("jacobian_equals_identity_minus_one_st", "(I − 1·sᵀ)/T") if cfg.log
                      else ("jacobian_equals_diag_s_minus_s_st", "(diag(s) − s·sᵀ)/T"))
        checks.append(Check(
            name,
            f"every ∂y_n,k/∂x_n,m from SymPy's derivative equals the entry of {form} for its row "
            f"s = softmax(x_n/T){t_note}, and rows do not interact (exp(x/T) replaced by positive "
            "symbols e: an exact identity of rational functions)",
            jac_mismatch is None, jac_mismatch,
        ))
        compact = "(g − s·Σg)/T" if cfg.log else "s ⊙ (g − (g·s))/T"
        checks.append(Check(
            "grad_input_equals_vjp_closed_form",
            f"dL/dx = Σ_k g_k·∂y_k/∂x from SymPy's derivatives equals {compact} per row (exact "
            "identity of rational functions in e and g)",
            grad_mismatch is None, grad_mismatch,
        ))
    shift = shift_invariance(n_classes)
    checks.append(Check(
        "softmax_shift_invariant",
        "the numerically stable form: softmax(z) = softmax(z − c) and log softmax(z) = z − c − "
        "log Σ exp(z − c) for every real c, in particular c = max z (exact, for a generic row)",
        shift is None, shift,
    ))

    shape = cfg.shape
    out_shape: tuple[int, ...] = () if q is not None else shape
    jacobians = {"input": SparseJacobian(out_shape, shape, dict(sorted(jac.items())))}
    symbols = {"input": x} if g is None else {"input": x, "upstream": g}
    symbols["probabilities"] = probabilities
    options = {"x": "input"} if g is None else {"x": "input", "g": "upstream"}
    model = NumericModel(
        options,
        lambda pt: object_array(dual_softmax(pt["input"], cfg, seeded=False), out_shape),
        degree=None,
        defaults={"upstream": "ones"} if g is not None else {},
    )
    what = "loss" if q is not None else ("log" if cfg.log else "softmax")
    d = SoftmaxDerivation(
        command="softmax",
        config=cfg.to_json(),
        table=table,
        symbols=symbols,  # type: ignore[arg-type]
        forward=object_array(forward, out_shape),
        jacobians=jacobians,  # type: ignore[arg-type]
        grads={"input": object_array(grad, shape)},
        checks=checks,
        model=model,
        title=(f"title.softmax.{what}", {"batch": n_rows, "classes": n_classes}),
        setup=_setup(cfg),
    )
    d.sm = cfg
    d.rows = [(part["es"], part["zs"]) for part in row_parts]
    d.e_forms = e_forms
    return d


def _setup(cfg: SoftmaxConfig) -> list[tuple[str, dict[str, Any]]]:
    n_rows, n_classes = cfg.shape
    lines: list[tuple[str, dict[str, Any]]] = [
        ("softmax.setup", {"batch": n_rows, "classes": n_classes, "temperature": cfg.temperature_text}),
    ]
    if cfg.loss is not None:
        lines.append(("softmax.loss", {"target": ",".join(map(str, cfg.target)),
                                       "smoothing": cfg.smoothing_text}))
    else:
        lines.append(("softmax.log" if cfg.log else "softmax.plain", {}))
        lines.append(("setup.upstream", {}))
    lines.append(("softmax.stable", {}))
    return lines


def work_units(cfg: SoftmaxConfig) -> int:
    """The proof's work in milliseconds (measured): about 6 ms per Jacobian identity
    (N·K² of them, each K-variable); with the loss about 2 ms per (entry, term) pair, as
    each of the N·K derivatives runs through the loss's N + K terms."""
    n_rows, n_classes = cfg.shape
    if cfg.loss is None:
        return 6 * n_rows * n_classes * n_classes + n_classes
    return 2 * n_rows * n_classes * (n_classes + n_rows) + n_classes


def softmax(
    classes: int | None = None,
    batch: int | None = None,
    *,
    loss: str | None = None,
    target: Any = None,
    smoothing: Any = None,
    temperature: Any = None,
    log: bool = False,
    x: Any = None,
    g: Any = None,
    seed: int | None = None,
    max_terms: int | None = None,
) -> Derivation:
    """Derive softmax (or log-softmax, or the cross-entropy loss) and prove its Jacobian.

    Logits x are (N, K) (N = ``batch``, 1 by default). ``loss="ce"`` with ``target`` (one
    0-based class index per row) gives the mean cross-entropy of PyTorch's
    ``cross_entropy``, ``smoothing`` its ``label_smoothing``; ``temperature`` T divides the
    logits.

    >>> d = softmax(classes=2, loss="ce", target=[1], x=[[0, 0]])
    >>> d.numeric.grad["input"].tolist()
    [[1/2, -1/2]]
    """
    cfg = softmax_config(classes, batch, temperature=temperature, log=log, loss=loss,
                         target=target, smoothing=smoothing)
    if g is not None and cfg.loss is not None:
        raise SpecError("softmax.g_loss", loss="ce")
    units = work_units(cfg)
    cost = ROW_UNIT * units + render_cost(units)
    if given(x, g):
        cost += Cost(8e-3, 40_000) * (cfg.batch * cfg.classes * cfg.classes)
    admit(cost, max_terms, "this softmax")
    d = derive_softmax(cfg)
    return d.with_values(seed=seed, x=x, g=g)
