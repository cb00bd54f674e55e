"""Gradients of any scalar or element-wise expression over named tensors (NumPy semantics).

    gradsym expr "mean(3*(a+3)**2)" --shape a=2 --wrt a --at "a=[2,3]"

The expression is parsed by :mod:`gradsym.exprparse` (an allow-list over Python's ``ast``;
nothing the user types is ever executed), then evaluated on arrays of element symbols
(``a_1``, ``a_2``, ``X_2_1``) with NumPy's rules: ``+ - * / **`` act element-wise with
broadcasting, ``@`` is the matrix product, ``.T`` reverses the axes, ``sum``/``mean``/``max``/…
reduce. Every element of the result is a SymPy expression; the Jacobian comes from
differentiating each one, and with values (``--at``) an independent forward-mode
dual-number evaluation of the same expression (plain Python, no SymPy) must agree with it.

This module also holds what ``expr`` and ``matrix`` share: declaring names (``--shape``),
``--wrt`` and ``--at``, the dual numbers, and :class:`ExpressionDerivation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np
import sympy

from gradsym import progress
from gradsym.budget import admit, expression_cost
from gradsym.calculus import sympy_jacobians
from gradsym.derivation import Derivation, Evaluation, LazyMapping
from gradsym.errors import ExpressionError, SpecError
from gradsym.exprparse import BinOp, Call, Node, children, names_in, parse
from gradsym.layers.arrays import (
    EXPR_FUNCTIONS,
    ArrayEvaluator,
    infer,
    obj,
    polynomial_degree,
    shape_text,
)
from gradsym.layers.expr_scalars import DualScalars, SympyScalars, finish
from gradsym.numeric import autodiff_check, object_array, sparse_jacobians
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.rules import DomainError
from gradsym.spec import Values
from gradsym.spec.expr import Declared as Declared
from gradsym.spec.expr import at_items as at_items
from gradsym.spec.expr import declare as declare
from gradsym.spec.expr import name_list
from gradsym.spec.expr import parse_at as parse_at
from gradsym.spec.expr import parse_wrt as parse_wrt
from gradsym.symbols import Tensor

RTOL = 1e-12
"""Relative tolerance of the numeric check where the map is not rational."""



# ---------------------------------------------------------------------------
# Declared names: --shape, --wrt, --at


class RealVarTable(VarTable):
    """A :class:`VarTable` whose SymPy symbols are real (``abs``/``max`` need it)."""

    def symbols(self) -> list[Any]:
        cache = getattr(self, "_real_symbols", None)
        if cache is None or len(cache) != len(self.names):
            cache = [sympy.Symbol(name, real=True) for name in self.names]
            self._real_symbols = cache
        return cache


def make_tensors(declared: Mapping[str, Declared]) -> tuple[RealVarTable, dict[str, Tensor]]:
    """One :class:`Tensor` per declared name (a scalar is its bare name)."""
    table = RealVarTable()
    tensors = {
        name: Tensor.create(table, d.bare if not d.shape else d.name, d.shape)
        for name, d in declared.items()
    }
    return table, tensors


def symbol_arrays(table: VarTable, tensors: Mapping[str, Tensor]) -> dict[str, np.ndarray]:
    """Object arrays of the SymPy element symbols, one per tensor, in its shape."""
    symbols = table.symbols()
    out: dict[str, np.ndarray] = {}
    for name, tensor in tensors.items():
        arr = np.empty(tensor.size, dtype=object)
        arr[:] = symbols[tensor.first : tensor.first + tensor.size]
        out[name] = arr.reshape(tensor.shape)
    return out


def budget_check(work: float, max_terms: int | None, what: str, *, values: bool = False) -> None:
    """A :class:`SizeError` when the estimated work (expression size × (1 + elements
    differentiated)) is over the budget (:mod:`gradsym.budget`)."""
    admit(expression_cost(work, values=values), max_terms, what)


# ---------------------------------------------------------------------------
# Exact values of SymPy elements at numbers


def exact_value(expr: Any, subs: Mapping[Any, Any]) -> Any:
    """int / Fraction when rational, else an exact SymPy number (``exp(2)``)."""
    if isinstance(expr, int | Fraction):
        return expr
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"not a SymPy expression: {type(expr).__name__}")
    value = expr.xreplace(subs) if subs else expr
    if value.is_Rational:
        return int(value) if value.q == 1 else Fraction(int(value.p), int(value.q))
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.free_symbols:
        raise DomainError("domain.undefined")
    if value.is_real is False:
        raise DomainError("domain.not_real")
    rational = _rational_value(value)
    return value if rational is None else rational


def _rational_value(value: Any) -> int | Fraction | None:
    """The rational number an exact expression equals (``exp(1)/E - 1/2`` → -1/2), if it
    looks like one numerically and SymPy confirms it; else None (the value stays exact)."""
    try:
        approx = sympy.N(value, 40)
    except (TypeError, ValueError):  # pragma: no cover - SymPy could not evaluate
        return None
    if not approx.is_real or not approx.is_finite:
        return None
    _remember_float(value, float(approx))
    candidate = Fraction(str(approx)).limit_denominator(10**6)
    if abs(Fraction(str(approx)) - candidate) > Fraction(1, 10**30):
        return None
    # −1/(1 + e³⁵)² or 1 − tanh(417)² is within 10⁻³⁰ of 0 too: the difference to 15 digits,
    # with the working precision raised up to 1000 digits, tells it apart before SymPy
    # simplifies (an exact 0 comes back below 10⁻¹⁰⁰⁰, with no digit resolved)
    rational = sympy.Rational(candidate.numerator, candidate.denominator)
    difference = sympy.N(value - rational, 15, maxn=1000)
    if difference.is_Float and abs(difference) > sympy.Float(10) ** -990:
        return None
    if sympy.simplify(value - rational) != 0:
        return None
    return int(candidate) if candidate.denominator == 1 else candidate


_FLOATS: dict[Any, float] = {}  # exact values already evaluated (the check asks again)


def _remember_float(value: Any, number: float) -> None:
    if len(_FLOATS) > 100_000:
        _FLOATS.clear()
    _FLOATS[value] = number


def to_float(value: Any) -> float:
    if isinstance(value, int | Fraction | float):
        return float(value)
    number = _FLOATS.get(value)
    if number is None:
        number = float(sympy.N(value, 30))
        _remember_float(value, number)
    return number


def values_equal(symbolic: Any, numeric: Any, scale: float) -> bool:
    """Exactly equal when both are rational; else within ``RTOL`` relative to ``scale``."""
    if isinstance(symbolic, int | Fraction) and isinstance(numeric, int | Fraction):
        return bool(symbolic == numeric)
    return abs(to_float(symbolic) - to_float(numeric)) <= RTOL * max(scale, 1e-300)


# ---------------------------------------------------------------------------
# The derivation


@dataclass
class ExpressionEvaluation(Evaluation):
    """An :class:`Evaluation` with the gradient of each ``--wrt`` name (scalar outputs)."""

    gradient_values: dict[str, np.ndarray] = field(default_factory=dict)


class ExpressionDerivation(Derivation):
    """A derivation of an expression over named tensors, evaluated with ``--at`` values.

    ``d.gradients["a"]`` is the gradient (a SymPy array in the shape of ``a``) when the
    expression is a scalar; ``d.evaluate(a=[2, 3])`` takes the names as keywords.
    """

    def __init__(
        self,
        *,
        declared: dict[str, Declared],
        used: set[str],
        wrt: list[str],
        arrays: dict[str, np.ndarray],
        dual_forward: Callable[[dict[str, np.ndarray]], np.ndarray],
        degree: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.degree = degree
        self.declared = declared
        self.used = used
        self.wrt = wrt
        self.arrays = arrays
        self.dual_forward = dual_forward
        self.numeric: ExpressionEvaluation | None = None

    @property
    def scalar(self) -> bool:
        """True when the expression is a scalar (then it has a gradient)."""
        return self.forward_elems.shape == ()

    @property
    def gradient_elems(self) -> dict[str, np.ndarray]:
        """∂f/∂name in the shape of name, for a scalar f; empty otherwise."""
        if not self.scalar:
            return {}
        out: dict[str, np.ndarray] = {}
        for name in self.wrt:
            shape = self.declared[name].shape
            arr = np.empty(math.prod(shape), dtype=object)
            arr[:] = [sympy.Integer(0)] * arr.size
            for (_o, w), value in self.jacobians[name].entries.items():
                arr[w] = value
            out[name] = arr.reshape(shape)
        return out

    @property
    def gradients(self) -> Mapping[str, Any]:
        """SymPy gradients per ``--wrt`` name (element-wise, in the name's shape)."""
        from gradsym.derivation import _sympy_array

        elems = self.gradient_elems
        return LazyMapping(list(elems), lambda n: _sympy_array(elems[n], self.to_sympy))

    # -- numbers -------------------------------------------------------------------
    def evaluate_given(self, seed: int | None = None, **given: Any) -> ExpressionEvaluation:
        """Evaluate exactly at values given by name (``a=[2, 3]``, ``X="arange"``).

        Every name the expression uses needs a value. Also checks the symbolic Jacobians
        against forward-mode dual numbers run on the same expression (no SymPy).
        """
        return self.evaluate_at(given, seed=seed)

    def evaluate_at(self, given: Mapping[str, Any], *, seed: int | None = None
                    ) -> ExpressionEvaluation:
        """:meth:`evaluate` with the values as a mapping (any name, even ``seed``)."""
        values = parse_at(given, self.declared, seed)
        missing = [n for n in self.declared if n in self.used and n not in values]
        if missing:
            raise SpecError("expr.at_missing", missing=", ".join(missing),
                            example=name_list("expr.at_example", missing, "expr.more_space"))
        exact = {
            name: _exact_array(v.flat, self.declared[name].shape) for name, v in values.items()
        }
        try:
            dual = self._dual_jacobians(exact)
            evaluation = self._exact_evaluation(exact, values)
        except DomainError as exc:
            raise SpecError("expr.at_evaluate", reason=exc,
                            names=name_list("expr.at_name", list(values), "expr.more_comma")
                            ) from None
        evaluation.checks.append(self._dual_check(evaluation, dual))
        return evaluation

    def with_values(self, seed: int | None = None, **given: Any) -> ExpressionDerivation:
        return self.with_values_at(given, seed=seed)

    def with_values_at(self, given: Mapping[str, Any], *, seed: int | None = None
                       ) -> ExpressionDerivation:
        """Attach a numeric evaluation when any value is given."""
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            self.attach_numeric(lambda: self.evaluate_at(given, seed=seed))
        return self

    def _exact_evaluation(
        self, exact: dict[str, np.ndarray], values: Mapping[str, Values]
    ) -> ExpressionEvaluation:
        subs: dict[Any, Any] = {}
        for name, arr in exact.items():
            for sym, v in zip(self.arrays[name].reshape(-1), arr.reshape(-1)):
                subs[sym] = sympy.Rational(v.numerator, v.denominator) if isinstance(
                    v, Fraction) else sympy.Integer(v)
        forward = _map(self.forward_elems, lambda e: exact_value(e, subs))
        jac_values = {
            role: {key: exact_value(e, subs) for key, e in jac.entries.items()}
            for role, jac in self.jacobians.items()
        }
        gradient_values: dict[str, np.ndarray] = {}
        if self.scalar:
            for name in self.wrt:
                shape = self.declared[name].shape
                arr = np.zeros(math.prod(shape), dtype=object)
                for (_o, w), v in jac_values[name].items():
                    arr[w] = v
                gradient_values[name] = arr.reshape(shape)
        return self._evaluation(exact, values, forward, jac_values, gradient_values)

    def _evaluation(
        self, exact: dict[str, np.ndarray], values: Mapping[str, Any], forward: np.ndarray,
        jac_values: dict[str, dict[tuple[int, int], Any]], gradient_values: dict[str, np.ndarray],
    ) -> ExpressionEvaluation:
        """The evaluation record of exact values, forward and Jacobian values."""
        return ExpressionEvaluation(
            values=dict(exact),
            forward_values=forward,
            jacobian_values=jac_values,
            grad_values={},
            jacobian_shapes={r: (j.out_shape, j.wrt_shape) for r, j in self.jacobians.items()},
            decimal=any(v.decimal for v in values.values()),
            gradient_values=gradient_values,
        )

    def _dual_jacobians(
        self, exact: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, dict[tuple[int, int], Any]]]:
        """Forward values and sparse Jacobians (output, flat element) → value, by one
        forward-mode pass of the dual-number evaluator seeded with every ``--wrt`` element
        (no SymPy; cost linear in the non-zero entries)."""
        progress.report("numeric check", 0, 1)
        wrt = [name for name in self.wrt if name in exact]
        values, jacobians = sparse_jacobians(lambda env: obj(self.dual_forward(env)), exact, wrt)
        forward = np.empty(max(len(values), 1), dtype=object)
        forward[: len(values)] = values
        for name in self.wrt:
            jacobians.setdefault(name, {})
        return forward.reshape(self.forward_elems.shape), jacobians

    def _dual_check(
        self, ev: ExpressionEvaluation,
        dual: tuple[np.ndarray, dict[str, dict[tuple[int, int], Any]]],
    ) -> Check:
        forward, jacobians = dual
        how = ("forward-mode dual numbers with sparse tangents on the expression "
               "(exact where rational, else within 1e-12 relative)")
        statement = (f"the symbolic Jacobians at the given values equal an independent numeric "
                     f"differentiation: {how}")
        # Relative to the largest magnitude around (at least 1): rounding in the float path
        # scales with the intermediate values, not with a result that cancels to ~0.
        scale = max([abs(to_float(v)) for v in forward.reshape(-1)] + [1.0])
        differs = any(not values_equal(a, b, scale)
                      for a, b in zip(ev.forward_values.reshape(-1), forward.reshape(-1)))
        return autodiff_check(
            statement, {name: ev.jacobian_values[name] for name in jacobians}, jacobians,
            {name: partial(values_equal, scale=max([abs(to_float(v)) for v in numeric.values()] + [1.0]))
             for name, numeric in jacobians.items()},  # one scale per Jacobian: one tolerance each
            known_mismatch="the forward value differs from the dual-number evaluation" if differs else None,
        )


def _exact_array(flat: Sequence[Any], shape: tuple[int, ...]) -> np.ndarray:
    return object_array((int(v) if isinstance(v, Fraction) and v.denominator == 1 else v for v in flat), shape)


def _map(arr: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(*arr.shape):
        out[index] = fn(arr[index])
    return out


MATCALC_OPERATORS = {".*": lambda a, b: BinOp("*", a, b), "./": lambda a, b: BinOp("/", a, b)}
"""MatrixCalculus.org's ``.*`` and ``./``: in ``expr`` ``*`` and ``/`` are element-wise already."""


def check_defined(outputs: np.ndarray, text: str) -> None:
    for e in outputs.reshape(-1):
        if isinstance(e, sympy.Basic) and e.has(sympy.zoo, sympy.nan):
            raise ExpressionError("expr.undefined", text=text, value=str(e))


def tree_size(outputs: np.ndarray) -> int:
    """Number of nodes of the element expressions (a measure of the work they need)."""
    total = 0
    for e in outputs.reshape(-1):
        if isinstance(e, sympy.Basic):
            total += sum(1 for _ in sympy.preorder_traversal(e))
        else:
            total += 1
    return total


# ---------------------------------------------------------------------------
# Set-up lines (catalogue keys and parameters)


def common_setup(
    declared: Mapping[str, Declared], used: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = []
    for name, x in declared.items():
        if x.renamed and not x.shape:  # a matrix keeps its name (C, E, beta) everywhere
            lines.append(("expr.renamed_scalar", {"name": name, "bare": x.bare}))
    unused = [n for n in declared if n not in used]
    if unused:
        lines.append(("expr.unused", {"names": ", ".join(unused)}))
    return lines


def shapes_line(declared: Mapping[str, Declared]) -> str:
    parts = []
    for name, x in declared.items():
        names = x.element_names()
        shown = ", ".join(names[:2]) + (", …" if len(names) > 2 else "")
        parts.append(f"{name}: {shape_text(x.shape)} ({shown})")
    return "; ".join(parts)


# ---------------------------------------------------------------------------
# The public function


def expr(
    expression: str | None = None,
    shape: Any = None,
    wrt: Any = None,
    at: Any = None,
    *,
    seed: int | None = None,
    max_terms: int | None = None,
) -> ExpressionDerivation:
    """The gradient of an expression over named tensors, with NumPy semantics.

    ``shape`` declares every name (``["a=2"]`` or ``{"a": (2,)}``); ``wrt`` the names to
    differentiate with respect to (default: every name used); ``at`` optional values
    (``["a=[2,3]"]`` or ``{"a": [2, 3]}``).

    >>> d = expr("mean(3*(a+3)**2)", shape=["a=2"], wrt=["a"], at=["a=[2,3]"])
    >>> d.gradients["a"].tolist()
    [3*a_1 + 9, 3*a_2 + 9]
    >>> d.numeric.gradient_values["a"].tolist()
    [15, 18]
    """
    if expression is None:
        raise SpecError("expr.expression_required", command="expr", example="sum(a**2)",
                        shape="a=3")
    declared = declare(shape, functions=EXPR_FUNCTIONS)
    tree = parse(expression, names=list(declared), functions=list(EXPR_FUNCTIONS),
                 elementwise=MATCALC_OPERATORS)
    used = names_in(tree)
    info = infer(tree, {n: x.shape for n, x in declared.items()})
    wrt_names = parse_wrt(wrt, declared, used)
    given = at_items(at)
    outputs = max(math.prod(info.shape), 1)
    differentiated = sum(declared[n].size for n in wrt_names)
    budget_check(info.size * outputs * (1 + differentiated), max_terms, "this expression",
                 values=bool(given))

    table, tensors = make_tensors(declared)
    arrays = symbol_arrays(table, tensors)
    forward_raw = ArrayEvaluator(SympyScalars()).run(tree, arrays)
    check_defined(forward_raw, expression)
    budget_check(tree_size(forward_raw) * (1 + differentiated), max_terms, "this expression",
                 values=bool(given))
    jacobians = sympy_jacobians(forward_raw, arrays, wrt_names, tidy=finish)
    forward = _map(forward_raw, finish)

    dual_evaluator = ArrayEvaluator(DualScalars())
    d = ExpressionDerivation(
        declared=declared,
        used=used,
        wrt=wrt_names,
        arrays=arrays,
        dual_forward=lambda env: dual_evaluator.run(tree, env),
        degree=polynomial_degree(tree),
        command="expr",
        config={
            "expression": expression,
            "shapes": {n: shape_text(x.shape) for n, x in declared.items()},
            "wrt": wrt_names,
            "output": list(info.shape),
            "semantics": "numpy",
        },
        table=table,
        symbols=dict(tensors),
        forward=forward,
        jacobians=jacobians,
        grads={},
        checks=[],
    )
    setup: list[Any] = [
        ("expr.setup", {"expression": expression}),
        ("expr.semantics", {}),
        ("expr.shapes", {"shapes": shapes_line(declared), "output": shape_text(info.shape)})
        if info.shape else ("expr.shapes_scalar", {"shapes": shapes_line(declared)}),
    ]
    setup += common_setup(declared, used)
    if not d.scalar:
        setup.append(("expr.not_scalar", {"shape": shape_text(info.shape)}))
    functions = {n.func for n in _walk(tree) if isinstance(n, Call)}
    if "relu" in functions:
        setup.append(("expr.relu", {}))
    if functions & {"max", "min", "maximum", "minimum", "abs"}:
        setup.append(("expr.kinks", {}))
    if not given:
        example = " ".join(f"--at {n}=…" for n in declared if n in used)
        setup.append(("expr.values_hint", {"example": example}))
    d.title = ("title.expr", {})
    d.setup = setup
    d.output_letter = "f"
    return d.with_values_at(given, seed=seed)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack += children(current)
