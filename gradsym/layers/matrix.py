"""Matrix calculus in closed matrix form, by seed 001's method, checked element by element.

    gradsym matrix "(X*w - y).T*(X*w - y)" --shape X=3x2 --shape w=2x1 --shape y=3x1 \\
        --wrt X --wrt w --wrt y

gives ∂J/∂X = 2*(X*w - y)*w.T, ∂J/∂w = 2*X.T*(X*w - y), ∂J/∂y = -2*(X*w - y). Here ``*`` and
``@`` both mean the matrix product (as in SymPy and the seed).

How it works:

1. The expression is parsed safely (:mod:`gradsym.exprparse`) and *elaborated*: shapes are
   checked, and a 1x1 matrix used as a number is wrapped in ``trace(...)`` (its value).
2. Closed forms come from reverse-mode matrix differentials on a small algebra of matrix
   expressions (:class:`LC`, linear combinations of products): for C = A·B, Ā += C̄·Bᵀ and
   B̄ += Aᵀ·C̄; for tr(A), Ā += tr̄·I; for det(A), Ā += det̄·det(A)·A⁻ᵀ; for A⁻¹,
   Ā += −A⁻ᵀ·C̄·A⁻ᵀ; … Equal sub-expressions share one adjoint, so (Xw − y) + (Xw − y)
   collects into 2(Xw − y): the result stays factored.
3. The seed's dimension-consistency steps are shown: the scalar rule (every matrix a number),
   then the closed form whose shapes agree.
4. Every closed form is verified (``closed_form_matches_elementwise``): the expression is
   expanded into element symbols (``X_1_1`` …), differentiated element by element, and each
   entry compared with the closed form evaluated on the same symbols — by equivalence, not by
   text. SymPy's ``MatrixSymbol.diff`` is not used (it gives 4-D arrays for 1x1 objectives and
   0 for ``log(det(A))``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from gradsym import progress
from gradsym.calculus import derivative, sympy_jacobians
from gradsym.errors import ExpressionError, Phrase, SpecError
from gradsym.exprparse import (
    BinOp,
    Call,
    Name,
    Neg,
    Node,
    Num,
    Transpose,
    matcalc_notation,
    names_in,
    parse,
    to_text,
)
from gradsym.layers.arrays import TreeEvaluator, _total, axis_literal, check_arity
from gradsym.layers.expr import (
    DualScalars,
    ExpressionDerivation,
    ExpressionEvaluation,
    SympyScalars,
    _map,
    at_items,
    budget_check,
    check_defined,
    common_setup,
    declare,
    exact_value,
    make_tensors,
    obj,
    parse_wrt,
    shape_text,
    shapes_line,
    symbol_arrays,
)
from gradsym.layers.expr_scalars import finish
from gradsym.layers.matrix_adjoint import (
    ClosedForm,
    Shape,
    _algebra_shape,
    closed_forms,
    slope,
)
from gradsym.layers.matrix_algebra import (
    LC,
    lc_text,
)
from gradsym.layers.matrix_equivalence import (
    RationalField,
    equivalent,
    estimate,
    matrix_degree,
)
from gradsym.layers.matrix_notation import ELEMENTWISE, NOTATION_FUNCTIONS, lower
from gradsym.layers.matrix_points import (
    ExactScalars,
    NoCompactForm,
    algebra_name,
    check_at_points,
    closed_form_entries,
    closed_value,
    compact_forward,
    needs_points,
    numeric_env,
    point_work,
)
from gradsym.layers.matrix_values import (
    _scalar_symbol,
    lc_elements,
    lc_scalar,
    tree_scalar,
)
from gradsym.proofs import Check

MATRIX_FUNCTIONS: dict[str, tuple[int, int]] = {
    "trace": (1, 1),
    "tr": (1, 1),
    "Trace": (1, 1),
    "det": (1, 1),
    "Determinant": (1, 1),
    "inv": (1, 1),
    "Inverse": (1, 1),
    "norm": (1, 1),
    "hadamard": (2, 2),
    "HadamardProduct": (2, 2),
    "sum": (1, 1),
    "log": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tanh": (1, 1),
    "sigmoid": (1, 1),
    "abs": (1, 1),
    "Abs": (1, 1),
    "Identity": (1, 1),
    "OneMatrix": (2, 2),
    "ediv": (2, 2),
}
"""Functions a ``matrix`` expression may call (SymPy's spellings are accepted too)."""

ALIASES = {
    "tr": "trace", "Trace": "trace", "Determinant": "det", "Inverse": "inv",
    "HadamardProduct": "hadamard", "Abs": "abs",
}
SCALAR_FUNCTIONS = ("log", "exp", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs")
MAX_MATRIX_POWER = 12

# ---------------------------------------------------------------------------
# 1. Elaboration: shapes, and 1x1 matrices used as numbers


def _coerce(node: Node, shape: Shape) -> Node | None:
    """``node`` as a scalar: itself, or trace(node) for a 1x1 matrix; None otherwise."""
    if shape == ():
        return node
    if shape == (1, 1):
        return Call("trace", (node,))
    return None


def _fail(node: Node, key: str, **facts: object) -> ExpressionError:
    """``cannot evaluate 'X + Y': …`` with the reason ``error.<key>`` worded from ``facts``."""
    return ExpressionError("expr.cannot_evaluate", expression=to_text(node),
                           reason=Phrase(key, **facts))


def elaborate(node: Node, shapes: Mapping[str, Shape]) -> tuple[Node, dict[Node, Shape]]:
    """Check shapes and make the tree explicit: ``@`` → ``*``, aliases → canonical names,
    ``A**-1`` → ``inv(A)``, 1x1 matrices used as numbers → ``trace(...)``.

    Returns the explicit tree and the shape of every sub-tree (``()`` for a scalar).
    """
    table: dict[Node, Shape] = {}

    def done(n: Node, shape: Shape) -> tuple[Node, Shape]:
        table[n] = shape
        return n, shape

    def scalar(n: Node, shape: Shape, whole: Node, role: str) -> Node:
        """``n`` as a number, or an error naming its ``role`` (a key: ``matrix.role.divisor``)."""
        coerced = _coerce(n, shape)
        if coerced is None:
            raise _fail(whole, "matrix.scalar_role", role=Phrase(role),
                        operand=to_text(n), shape=shape_text(shape))
        if coerced is not n:
            table[coerced] = ()
        return coerced

    def walk(n: Node) -> tuple[Node, Shape]:
        if isinstance(n, Num):
            return done(n, ())
        if isinstance(n, Name):
            return done(n, shapes[n.id])
        if isinstance(n, Neg):
            a, sa = walk(n.operand)
            return done(Neg(a), sa)
        if isinstance(n, Transpose):
            a, sa = walk(n.operand)
            return (a, sa) if sa == () else done(Transpose(a), (sa[1], sa[0]))
        if isinstance(n, BinOp):
            return binop(n)
        assert isinstance(n, Call)
        return call(n)

    def binop(n: BinOp) -> tuple[Node, Shape]:
        a, sa = walk(n.left)
        b, sb = walk(n.right)
        if n.op in ("+", "-"):
            if sa != sb and () in (sa, sb) and (1, 1) not in (sa, sb):
                # a number plus a matrix: the number on every entry (1 + exp(A*x))
                return done(BinOp(n.op, a, b), sa or sb)
            if sa != sb:
                ca, cb = _coerce(a, sa), _coerce(b, sb)
                if ca is None or cb is None or (sa != () and sb != ()):
                    raise _fail(n, "matrix.add_shapes" if n.op == "+" else "matrix.subtract_shapes",
                                left=shape_text(sa), right=shape_text(sb))
                a = scalar(a, sa, n, "matrix.role.term")
                b = scalar(b, sb, n, "matrix.role.term")
                sa = sb = ()
            return done(BinOp(n.op, a, b), sa)
        if n.op in ("*", "@"):
            if sa == () or sb == ():
                return done(BinOp("*", a, b), sb if sa == () else sa)
            if sa[1] == sb[0]:
                return done(BinOp("*", a, b), (sa[0], sb[1]))
            if sa == (1, 1) or sb == (1, 1):
                if sa == (1, 1):
                    a = scalar(a, sa, n, "matrix.role.factor")
                    return done(BinOp("*", a, b), sb)
                b = scalar(b, sb, n, "matrix.role.factor")
                return done(BinOp("*", a, b), sa)
            raise _fail(n, "matrix.multiply_shapes", left=shape_text(sa), right=shape_text(sb),
                        columns=sa[1], rows=sb[0])
        if n.op == "/":
            b = scalar(b, sb, n, "matrix.role.divisor")
            return done(BinOp("/", a, b), sa)
        # power
        if sa == () or (sa == (1, 1) and axis_literal(b) is None):
            a = scalar(a, sa, n, "matrix.role.base")
            b = scalar(b, sb, n, "matrix.role.exponent")
            return done(BinOp("**", a, b), ())
        k = axis_literal(b)
        if k is None:
            raise _fail(n, "matrix.power_exponent", exponent=to_text(b))
        if sa[0] != sa[1]:
            raise _fail(n, "matrix.power_square", operand=to_text(a), shape=shape_text(sa))
        if abs(k) > MAX_MATRIX_POWER:
            raise _fail(n, "matrix.power_limit", limit=MAX_MATRIX_POWER, got=k)
        if k == 1:
            return a, sa
        if k == -1:
            return done(Call("inv", (a,)), sa)
        return done(BinOp("**", a, Num(Fraction(k))), sa)

    def call(n: Call) -> tuple[Node, Shape]:
        check_arity(n, MATRIX_FUNCTIONS)
        func = ALIASES.get(n.func, n.func)
        a, sa = walk(n.args[0])
        if func in ("Identity", "OneMatrix"):  # constant matrices (MatCalc's eye, ones, …)
            sizes = [axis_literal(walk(x)[0]) for x in n.args]
            if any(k is None or k < 1 for k in sizes):
                raise _fail(n, "matrix.sizes_whole", function=func)
            rows, cols = sizes[0], sizes[-1]
            assert rows is not None and cols is not None
            return done(Call(func, n.args), (rows, cols))
        if func == "ediv":  # MatCalc's a ./ b, element by element
            b, sb = walk(n.args[1])
            if sa != sb:
                raise _fail(n, "matrix.quotient_shapes", left=shape_text(sa), right=shape_text(sb))
            return done(Call("ediv", (a, b)), sa)
        if func == "hadamard":
            b, sb = walk(n.args[1])
            if sa == () or sb == ():
                return done(BinOp("*", a, b), sb if sa == () else sa)
            if sa != sb:
                raise _fail(n, "matrix.hadamard_shapes", left=shape_text(sa), right=shape_text(sb))
            return done(Call("hadamard", (a, b)), sa)
        if func in ("trace", "det", "inv"):
            if sa == ():
                if func == "inv":
                    return done(BinOp("/", Num(Fraction(1)), a), ())
                return a, ()
            if sa[0] != sa[1]:
                raise _fail(n, "matrix.square", function=func, operand=to_text(a),
                            shape=shape_text(sa))
            return done(Call(func, (a,)), sa if func == "inv" else ())
        if func == "sum":
            return (a, ()) if sa == () else done(Call("sum", (a,)), ())
        if func == "norm":
            return done(Call("norm", (a,)), ())
        # scalar functions: of a number (a 1x1 counts), or element by element of a matrix
        if sa in ((), (1, 1)):
            return done(Call(func, (scalar(a, sa, n, "matrix.role.argument"),)), ())
        return done(Call(func, (a,)), sa)

    root, shape = walk(node)
    return root, table


# ---------------------------------------------------------------------------
# 2. Element-wise evaluation (SymPy symbols, or dual numbers) of an explicit tree


class MatrixEvaluator(TreeEvaluator):
    """Evaluate an elaborated tree on object arrays: scalars 0-d, matrices 2-D (``*`` of two
    matrices is the matrix product)."""

    def __init__(self, scalars: Any) -> None:
        super().__init__(scalars, SCALAR_FUNCTIONS)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if node.op == "*":
            return obj(np.matmul(left, right) if left.ndim == 2 and right.ndim == 2 else left * right)
        if left.ndim == 0:
            return obj(np.power(left, right))
        k = int(node.right.value) if isinstance(node.right, Num) else 0
        if k == 0:  # X**0 is the identity (not X⁻¹)
            return obj(np.eye(left.shape[0], dtype=int).astype(object))
        base = left if k > 0 else self.s.inv(left)
        out = base
        for _ in range(abs(k) - 1):
            out = np.matmul(out, base)
        return obj(out)

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        s = self.s
        if node.func == "trace":
            return obj(_total(np.diagonal(x)))
        if node.func == "det":
            return obj(s.det(x))
        if node.func == "inv":
            return obj(s.inv(x))
        if node.func == "sum":
            return obj(_total(x))
        if node.func == "norm":
            return obj(s.sqrt(_total(x * x)))
        if node.func == "hadamard":
            return obj(x * self._eval(node.args[1], env))
        if node.func == "ediv":
            return obj(x / self._eval(node.args[1], env))
        if node.func in ("Identity", "OneMatrix"):
            rows, cols = (int(a.value) for a in (node.args[0], node.args[-1])
                          if isinstance(a, Num))
            one = s.number(Fraction(1))
            return obj(np.array([[one if node.func == "OneMatrix" or i == j else
                                  s.number(Fraction(0)) for j in range(cols)]
                                 for i in range(rows)], dtype=object))
        return obj(self._elementwise[node.func](x))


# ---------------------------------------------------------------------------
# 4. Reverse-mode matrix differentials over the explicit tree


class MatrixDerivation(ExpressionDerivation):
    """An :class:`ExpressionDerivation` with closed matrix forms.

    ``d.closed_forms["X"]`` is the text (SymPy syntax, e.g. ``2*(X*w - y)*w.T``) or None;
    ``d.gradients["X"]`` the element-wise gradient (SymPy array in the shape of X).
    """

    def __init__(self, *, forms: dict[str, ClosedForm], explicit: Node,
                 scalar_rules: dict[str, Any], verified: dict[str, str | None],
                 same_factors: dict[str, bool], points: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.points = points  # 0: checked symbolically; else at this many random points
        self.same_factors = same_factors
        self.forms = forms
        self.explicit = explicit
        self.scalar_rules = scalar_rules
        self.verified = verified
        self.hessians: dict[str, Any] = {}  # --hessian: name → matrix_hessian.HessianForm

    def _exact_evaluation(
        self, exact: dict[str, np.ndarray], values: Mapping[str, Any]
    ) -> ExpressionEvaluation:
        if not self.points:
            return super()._exact_evaluation(exact, values)
        # nothing was expanded: the objective by exact elimination, the gradients by the
        # closed forms at these numbers (the dual-number check then compares them)
        env = numeric_env(exact, self.declared)
        shaped = {n: obj(np.array(env[algebra_name(n, x)].tolist(), dtype=object)) if x.shape
                  else obj(env[algebra_name(n, x)]) for n, x in self.declared.items() if n in exact}
        out = MatrixEvaluator(ExactScalars()).run(self.explicit, shaped)
        forward = obj(exact_value(out.reshape(-1)[0], {}))
        gradient_values = {}
        jac_values: dict[str, dict[tuple[int, int], Any]] = {}
        for name in self.wrt:
            lc = self.forms[name].lc
            assert lc is not None  # the point path needs every closed form
            flat = closed_value(lc, env, math.prod(self.declared[name].shape))
            gradient_values[name] = np.array(flat, dtype=object).reshape(self.declared[name].shape)
            jac_values[name] = {(0, w): v for w, v in enumerate(flat)}
        return self._evaluation(exact, values, forward, jac_values, gradient_values)

    @property
    def closed_forms(self) -> dict[str, str | None]:
        """Closed matrix form of ∂J/∂name (SymPy syntax), or None where there is none."""
        return {n: (lc_text(f.lc) if f.lc is not None else None) for n, f in self.forms.items()}


# ---------------------------------------------------------------------------
# The public function


def matrix(
    expression: str | None = None,
    shape: Any = None,
    wrt: Any = None,
    at: Any = None,
    *,
    seed: int | None = None,
    max_terms: int | None = None,
    hessian: bool = False,
) -> MatrixDerivation:
    """Matrix calculus in closed matrix form (``*`` and ``@`` are matrix products).

    >>> d = matrix("(X*w - y).T*(X*w - y)", shape=["X=3x2", "w=2x1", "y=3x1"],
    ...            wrt=["X", "w", "y"])
    >>> d.closed_forms
    {'X': '2*(X*w - y)*w.T', 'w': '2*X.T*(X*w - y)', 'y': '-2*(X*w - y)'}
    >>> all(c.holds for c in d.checks)
    True

    ``hessian=True`` (``--hessian``) adds ``d.hessians`` (:mod:`gradsym.layers.matrix_hessian`).
    """
    if expression is None:
        raise SpecError("expr.expression_required", command="matrix", example="trace(X.T*X)",
                        shape="X=3x2")
    declared = declare(shape, functions=MATRIX_FUNCTIONS, max_dims=2)
    algebra = {n: _algebra_shape(x.shape) for n, x in declared.items()}
    tree = lower(parse(expression, names=list(declared),
                       functions=[*MATRIX_FUNCTIONS, *NOTATION_FUNCTIONS],
                       elementwise=ELEMENTWISE), algebra)
    used = names_in(tree)
    explicit, shapes = elaborate(tree, algebra)
    wrt_names = parse_wrt(wrt, declared, used)
    given = at_items(at)
    out_shape = shapes[explicit]
    scalar = out_shape in ((), (1, 1))
    outputs = 1 if scalar else math.prod(out_shape)
    differentiated = sum(declared[n].size for n in wrt_names)
    points = scalar and needs_points(explicit, shapes)
    budget_check(point_work(explicit, shapes, differentiated) if points else
                 estimate(explicit, shapes) * outputs * (1 + differentiated), max_terms,
                 "this expression", values=bool(given))

    table, tensors = make_tensors(declared)
    arrays = symbol_arrays(table, tensors)
    env = {n: (a.reshape(algebra[n]) if a.ndim else a) for n, a in arrays.items()}
    dual_evaluator = MatrixEvaluator(DualScalars())

    def dual_forward(values: dict[str, np.ndarray]) -> np.ndarray:
        shaped = {n: (a.reshape(algebra[n]) if a.ndim else a) for n, a in values.items()}
        out = dual_evaluator.run(explicit, shaped)
        return obj(out[0, 0]) if scalar and out.ndim == 2 else out

    forms: dict[str, ClosedForm] = {}
    if points:  # too large to expand: compact forms, checked at exact random points
        forms = closed_forms(explicit, shapes, declared, wrt_names)
        try:
            if any(f.lc is None for f in forms.values()):
                raise NoCompactForm(expression)
            raw = obj(compact_forward(explicit, declared))
            jacobians = closed_form_entries(forms, declared, arrays)
        except NoCompactForm:
            points = False
            budget_check(estimate(explicit, shapes) * (1 + differentiated), max_terms,
                         "this expression", values=bool(given))
    if not points:
        raw = MatrixEvaluator(SympyScalars()).run(explicit, env)
        if scalar and raw.ndim == 2:
            raw = obj(raw[0, 0])
        check_defined(raw, expression)
        jacobians = sympy_jacobians(raw, arrays, wrt_names, tidy=finish)

    rules: dict[str, Any] = {}
    verified: dict[str, str | None] = {}
    same: dict[str, bool] = {}
    checks: list[Check] = []
    points_used = 0
    if scalar:
        forms = forms or closed_forms(explicit, shapes, declared, wrt_names)
        names = {n: algebra_name(n, x) for n, x in declared.items()}
        scalar_j = tree_scalar(explicit, names)
        symbol_env = {names[n]: (sympy.Matrix(env[n].tolist()) if env[n].ndim == 2
                                 else env[n][()]) for n in declared}
        field = RationalField(table.symbols())
        for name, form in forms.items():
            rule = derivative(scalar_j, _scalar_symbol(names[name]))
            rules[name] = sympy.factor_terms(rule) if _small(rule) else rule
            if form.lc is not None:
                if not points:
                    verified[name] = _verify(form.lc, jacobians[name], arrays[name],
                                             symbol_env, field)
                same[name] = equivalent(lc_scalar(form.lc), rules[name])
        if points:
            at = [n for n in declared if n in used or n in wrt_names]
            verified, points_used = check_at_points(forms, declared, at, dual_forward, seed)
        checked = [n for n, f in forms.items() if f.lc is not None]
        if checked:
            failed = [n for n in checked if verified[n] is not None]
            how = (f"the derivative of J computed by dual numbers (no expansion) at "
                   f"{points_used} random exact rational points" if points else
                   "the derivative of J expanded into element symbols")
            checks.append(Check(
                "closed_form_matches_elementwise",
                "each closed matrix form (" + ", ".join(f"∂J/∂{n}" for n in checked) + ") "
                f"equals, entry by entry, {how}",
                not failed,
                f"∂J/∂{failed[0]}: {verified[failed[0]]}" if failed else None,
            ))

    d = MatrixDerivation(
        forms=forms,
        explicit=explicit,
        scalar_rules=rules,
        verified=verified,
        same_factors=same,
        declared=declared,
        used=used,
        wrt=wrt_names,
        arrays=arrays,
        dual_forward=dual_forward,
        degree=matrix_degree(explicit, shapes),
        command="matrix",
        config={
            "expression": expression,
            "shapes": {n: shape_text(x.shape) for n, x in declared.items()},
            "wrt": wrt_names,
            "output": [] if scalar else list(out_shape),
            "semantics": "matrix",
        },
        table=table,
        symbols=dict(tensors),
        forward=_map(raw, lambda e: e),
        jacobians=jacobians,
        grads={},
        checks=checks,
        points=points_used if points else 0,
    )
    canonical = to_text(explicit)
    setup: list[Any] = [("matrix.setup", {"expression": expression})]
    if canonical.replace(" ", "") != expression.replace(" ", ""):
        setup.append(("matrix.read_as", {"canonical": _sympy_style(explicit)}))
    setup += [
        ("matrix.semantics", {}),
        *([("matrix.notation", {})] if _uses_notation(expression, used) else []),
        ("matrix.shapes_scalar", {"shapes": shapes_line(declared)}) if scalar else
        ("matrix.shapes", {"shapes": shapes_line(declared), "output": shape_text(out_shape)}),
    ]
    setup += common_setup(declared, used)
    if not scalar:
        setup.append(("matrix.not_scalar", {"shape": shape_text(out_shape)}))
    if not given:
        example = " ".join(f"--at {n}=…" for n in declared if n in used)
        setup.append(("matrix.values_hint", {"example": example}))
    d.title = ("title.matrix", {})
    d.setup = setup
    d.output_letter = "J"
    if hessian:
        from gradsym.layers.matrix_hessian import attach_hessians

        attach_hessians(d, max_terms, slope)
        d.config["hessian"] = True
    return d.with_values_at(given, seed=seed)  # type: ignore[return-value]


def _uses_notation(expression: str, used: set[str]) -> bool:
    """True when the text uses MatrixCalculus.org's notation (x', ^, .*, ./, logdet, …)."""
    import re

    if matcalc_notation(expression) != expression:
        return True
    return any(re.search(rf"\b{f}\s*\(", expression) for f in NOTATION_FUNCTIONS
               if f not in used)


def _small(e: Any) -> bool:
    return sympy.count_ops(e) <= 200


def _sympy_style(node: Node) -> str:
    """The explicit tree in SymPy's spacing (``X*w - y``)."""
    return to_text(node).replace(" * ", "*").replace(" ** ", "**").replace(" / ", "/")


def _verify(lc: LC, jac: Any, symbols: np.ndarray, env: Mapping[str, Any],
            field: RationalField) -> str | None:
    """None when the closed form equals the element-wise gradient entry by entry."""
    from sympy.matrices.utilities import dotprodsimp

    with dotprodsimp(False):  # SymPy would simplify every product of fractions: very slow
        closed = lc_elements(lc, env)
    flat_closed = list(closed) if isinstance(closed, sympy.MatrixBase) else [closed]
    expected = [sympy.Integer(0)] * symbols.size
    for (_o, w), value in jac.entries.items():
        expected[w] = value
    if len(flat_closed) != len(expected):  # pragma: no cover - shapes agree by construction
        return f"{len(flat_closed)} entries, expected {len(expected)}"
    names = [str(s) for s in symbols.reshape(-1)]
    for done, (name, got, want) in enumerate(zip(names, flat_closed, expected)):
        progress.report("proof: entry by entry", done, len(expected))
        if not equivalent(got, want, field):
            return f"the entry for {name} is {got}, but the element-wise derivative is {want}"
    return None
