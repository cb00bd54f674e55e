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

import keyword
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy

from gradsym import progress
from gradsym.calculus import SparseJacobian
from gradsym.derivation import Derivation, Evaluation, LazyMapping
from gradsym.errors import ExpressionError, SizeError, SpecError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose, names_in, parse, to_text
from gradsym.numeric import difference_jacobian
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec import Values, parse_shape, parse_values
from gradsym.symbols import RESERVED, Tensor

DEFAULT_MAX_WORK = 3_000_000
"""Default work budget: estimated expression size × (1 + elements differentiated)."""

MAX_DECLARED_ELEMENTS = 100_000
"""No tensor may have more elements than this, whatever the budget."""

RTOL = 1e-12
"""Relative tolerance of the numeric check where the map is not rational."""

EXPR_FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (fewest, most arguments)
    "sum": (1, 2),
    "mean": (1, 2),
    "exp": (1, 1),
    "log": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tanh": (1, 1),
    "sigmoid": (1, 1),
    "relu": (1, 1),
    "softmax": (1, 2),
    "logsumexp": (1, 2),
    "max": (1, 2),
    "min": (1, 2),
    "maximum": (2, 2),
    "minimum": (2, 2),
    "dot": (2, 2),
    "norm": (1, 1),
}
"""The functions an ``expr`` expression may call (NumPy meanings; see the README)."""

ELEMENTWISE = ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu")
_AXIS_FUNCTIONS = ("sum", "mean", "softmax", "logsumexp", "max", "min")
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


# ---------------------------------------------------------------------------
# Declared names: --shape, --wrt, --at


@dataclass(frozen=True)
class Declared:
    """One named tensor of an expression.

    ``name`` is what the user writes (in the expression, ``--wrt`` and ``--at``); ``shape`` as
    declared (elements are named from it: ``a_1``, ``X_2_1``); ``bare`` is the name used where
    the tensor appears as one symbol (a scalar; a matrix in a closed form) — the user's name,
    unless SymPy reserves it (``E``, ``I``, ``beta``, …), then with ``_`` appended.
    """

    name: str
    shape: tuple[int, ...]
    bare: str

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def renamed(self) -> bool:
        return self.bare != self.name

    def element_names(self) -> list[str]:
        if not self.shape:
            return [self.bare]
        return ["_".join([self.name, *(str(i + 1) for i in index)])
                for index in np.ndindex(*self.shape)]


@lru_cache(maxsize=1)
def _sympy_namespace() -> frozenset[str]:
    """Every public name of ``sympy`` (what ``sympify`` would read as something else)."""
    return frozenset(n for n in dir(sympy) if not n.startswith("_"))


def reserved_by_sympy(name: str) -> bool:
    """True for names SymPy gives a meaning of its own (``E``, ``I``, ``N``, ``beta``, ``det``)."""
    return name in RESERVED or name in _sympy_namespace()


def shape_text(shape: Sequence[int]) -> str:
    """``3x2``; ``scalar`` for ``()``."""
    return "x".join(map(str, shape)) if shape else "scalar"


def declare(
    spec: Any, *, functions: Iterable[str], max_dims: int = 3, option: str = "--shape"
) -> dict[str, Declared]:
    """Parse ``--shape NAME=SHAPE`` declarations (repeatable) into :class:`Declared` names.

    ``spec`` is a list of ``"a=2"`` / ``"X=3x2"`` / ``"s=scalar"`` strings, or a mapping
    ``{"X": (3, 2)}``. Names must be identifiers of ASCII letters, digits and ``_``; they may not
    be function names, and no two names may share an element name.

    >>> declare(["a=2", "E=scalar"], functions=["sum"])["E"].bare
    'E_'
    """
    items = _declaration_items(spec, option)
    if not items:
        raise SpecError(f"{option} is required: declare every name, e.g. {option} a=2 or "
                        f"{option} X=3x2 (or {option} s=scalar)")
    funcs = set(functions)
    shapes: dict[str, tuple[int, ...]] = {}
    for name, shape in items:
        where = f"{option} {name}={shape}" if isinstance(shape, str) else f"{option} {name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise SpecError(
                f"{option} {name!s}: a name must start with a letter and use only letters, "
                f"digits and _ (e.g. {option} a=2)"
            )
        if keyword.iskeyword(name):
            raise SpecError(f"{where}: {name!r} is a Python keyword; choose another name")
        if name in funcs:
            raise SpecError(f"{where}: {name!r} is the name of a function; choose another name")
        if name in shapes:
            raise SpecError(f"{option} {name} is declared twice; declare each name once")
        shapes[name] = _parse_declared_shape(shape, where, max_dims)
        size = math.prod(shapes[name])
        if size > MAX_DECLARED_ELEMENTS:
            raise SizeError(
                f"{where} has {size:,} elements; at most {MAX_DECLARED_ELEMENTS:,} are supported"
            )
    declared: dict[str, Declared] = {}
    taken = set(shapes)
    for name, shape in shapes.items():
        bare = name
        while reserved_by_sympy(bare) or (bare != name and bare in taken):
            bare += "_"
        taken.add(bare)
        declared[name] = Declared(name, shape, bare)
    _check_collisions(declared, option)
    return declared


def _declaration_items(spec: Any, option: str) -> list[tuple[Any, Any]]:
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return list(spec.items())
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, (list, tuple)):
        raise SpecError(
            f"{option} must be NAME=SHAPE text, a list of them or a dict; got "
            f"{type(spec).__name__} {spec!r}"
        )
    items: list[tuple[Any, Any]] = []
    for entry in spec:
        if isinstance(entry, tuple) and len(entry) == 2:
            items.append(entry)
            continue
        if not isinstance(entry, str) or "=" not in entry:
            raise SpecError(f"{option} {entry!s}: expected NAME=SHAPE, e.g. {option} X=3x2")
        name, _, shape = entry.partition("=")
        items.append((name.strip(), shape.strip()))
    return items


def _parse_declared_shape(shape: Any, where: str, max_dims: int) -> tuple[int, ...]:
    if isinstance(shape, str) and shape.strip().lower() in ("scalar", "()", ""):
        if not shape.strip():
            raise SpecError(f"{where}: the shape is empty; give e.g. 2, 3x2 or scalar")
        return ()
    if isinstance(shape, tuple | list) and len(shape) == 0:
        return ()
    return parse_shape(shape, where, max_dims=max_dims)


def _check_collisions(declared: Mapping[str, Declared], option: str) -> None:
    owner: dict[str, str] = {}
    for d in declared.values():
        names = d.element_names() + ([d.bare] if d.shape else [])
        for element in names:
            other = owner.get(element)
            if other is not None and other != d.name:
                raise SpecError(
                    f"{option} {other} and {option} {d.name} both use the name {element!r} "
                    f"(elements are NAME_i_j…); rename one of them"
                )
            owner[element] = d.name


def parse_wrt(wrt: Any, declared: Mapping[str, Declared], used: set[str]) -> list[str]:
    """``--wrt`` names (repeatable, or comma-separated); all used names when none is given."""
    if wrt is None or (not isinstance(wrt, str) and len(wrt) == 0):
        names = [n for n in declared if n in used]
        if not names:
            raise SpecError("the expression uses no declared name; there is nothing to "
                            "differentiate")
        return names
    items = [wrt] if isinstance(wrt, str) else list(wrt)
    out: list[str] = []
    for item in items:
        for name in str(item).split(","):
            name = name.strip()
            if not name:
                continue
            if name not in declared:
                raise SpecError(
                    f"--wrt {name}: no such name; declared: {', '.join(declared)} "
                    f"(declare it with --shape {name}=...)"
                )
            if name not in out:
                out.append(name)
    if not out:
        raise SpecError("--wrt is empty; name a declared tensor, e.g. --wrt "
                        f"{next(iter(declared))}")
    return out


def at_items(at: Any) -> dict[str, Any]:
    """``--at NAME=VALUES`` (repeatable) or a mapping → ``{name: values}``."""
    if at is None:
        return {}
    if isinstance(at, Mapping):
        return dict(at)
    if isinstance(at, str):
        at = [at]
    out: dict[str, Any] = {}
    for entry in at:
        if not isinstance(entry, str) or "=" not in entry:
            raise SpecError(f"--at {entry!s}: expected NAME=VALUES, e.g. --at a=[2,3]")
        name, _, values = entry.partition("=")
        name = name.strip()
        if name in out:
            raise SpecError(f"--at {name} is given twice; give each name once")
        out[name] = values.strip()
    return out


def parse_at(
    given: Mapping[str, Any], declared: Mapping[str, Declared], seed: int | None
) -> dict[str, Values]:
    """Parse every ``--at`` value for the shape of its name."""
    values: dict[str, Values] = {}
    for name, text in given.items():
        if name not in declared:
            raise SpecError(
                f"--at {name}: no such name; declared: {', '.join(declared)}"
            )
        values[name] = parse_values(text, declared[name].shape, f"--at {name}", seed=seed)
    return values


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


def budget_check(work: float, max_terms: int | None, what: str) -> None:
    """A :class:`SizeError` when the estimated work exceeds the budget."""
    budget = DEFAULT_MAX_WORK if max_terms is None else max_terms
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise SpecError(f"--max-terms must be a whole number ≥ 1, got {max_terms!r}")
    if work > budget:
        needed = int(min(work, 10**18))
        raise SizeError(
            f"{what} is too large: about {needed:,} units of work, over the budget of "
            f"{budget:,}; raise it with --max-terms {needed} or choose smaller shapes"
        )


# ---------------------------------------------------------------------------
# Scalars: SymPy for the symbolic path, dual numbers for the independent numeric one


class DomainError(ArithmeticError):
    """A value outside a function's domain (log of a negative number, division by zero, …)."""


class relu(sympy.Function):  # noqa: N801 - the name users see, if it ever leaks
    """relu(z) while differentiating: relu′(z) = Heaviside(z, 0), so relu′(0) = 0 as in PyTorch.

    Replaced by ``Max(0, z)`` (see :func:`finish`) once the derivatives are taken.
    """

    nargs = 1

    @classmethod
    def eval(cls, z: Any) -> Any:
        if z.is_number and z.is_comparable:
            return sympy.Max(0, z)
        return None

    def fdiff(self, argindex: int = 1) -> Any:
        return sympy.Heaviside(self.args[0], 0)


def finish(expr: Any) -> Any:
    """Replace the differentiation helper ``relu(z)`` by ``Max(0, z)``."""
    if isinstance(expr, sympy.Basic) and expr.has(relu):
        return expr.replace(relu, lambda z: sympy.Max(0, z))
    return expr


class SympyScalars:
    """Scalar operations on SymPy expressions (the symbolic path)."""

    def number(self, value: Fraction) -> Any:
        return sympy.Rational(value.numerator, value.denominator)

    def exp(self, x: Any) -> Any:
        return sympy.exp(x)

    def log(self, x: Any) -> Any:
        return sympy.log(x)

    def sqrt(self, x: Any) -> Any:
        return sympy.sqrt(x)

    def abs(self, x: Any) -> Any:
        return sympy.Abs(x)

    def sin(self, x: Any) -> Any:
        return sympy.sin(x)

    def cos(self, x: Any) -> Any:
        return sympy.cos(x)

    def tanh(self, x: Any) -> Any:
        return sympy.tanh(x)

    def sigmoid(self, x: Any) -> Any:
        return 1 / (1 + sympy.exp(-x))

    def relu(self, x: Any) -> Any:
        return relu(x)

    def max(self, items: Sequence[Any]) -> Any:
        return sympy.Max(*items)

    def min(self, items: Sequence[Any]) -> Any:
        return sympy.Min(*items)

    def det(self, m: np.ndarray) -> Any:
        return permutation_det(m.tolist())

    def inv(self, m: np.ndarray) -> np.ndarray:
        rows = m.tolist()
        det = permutation_det(rows)
        if det == 0:
            raise ExpressionError("the matrix is singular (its determinant is 0)")
        return _object_array([[c / det for c in row] for row in adjugate(rows)])


def permutation_det(rows: Sequence[Sequence[Any]]) -> Any:
    """det as Σ_σ sign(σ)·Π a_{i,σ(i)}: expanded in the entries (no nested Berkowitz forms,
    which are slow to compare later)."""
    from itertools import permutations

    n = len(rows)
    if n == 0:
        return sympy.Integer(1)
    terms = []
    for perm in permutations(range(n)):
        inversions = sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j])
        product = sympy.Mul(*(rows[i][perm[i]] for i in range(n)))
        terms.append(-product if inversions % 2 else product)
    return sympy.Add(*terms)


def adjugate(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The adjugate (transposed cofactors), each cofactor by :func:`permutation_det`."""
    n = len(rows)
    if n == 1:
        return [[sympy.Integer(1)]]
    out = [[sympy.Integer(0)] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            minor = [[rows[r][c] for c in range(n) if c != j] for r in range(n) if r != i]
            out[j][i] = (-1) ** (i + j) * permutation_det(minor)
    return out


Number = int | Fraction | float


def _heaviside(z: Number) -> Number:
    """SymPy's Heaviside(z): 1/2 at 0 (the convention of ``Max``/``Min`` derivatives)."""
    return 1 if z > 0 else 0 if z < 0 else Fraction(1, 2)


class Dual:
    """A forward-mode dual number ``value + slope·ε`` (ε² = 0), exact on Fractions.

    >>> x = Dual(Fraction(1, 3), 1)
    >>> (x * x + 2 * x).slope
    Fraction(8, 3)
    """

    __slots__ = ("value", "slope")

    def __init__(self, value: Number, slope: Number = 0) -> None:
        self.value = value
        self.slope = slope

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.slope!r})"

    @staticmethod
    def lift(x: Any) -> Dual:
        return x if isinstance(x, Dual) else Dual(x, 0)

    def __add__(self, other: Any) -> Dual:
        o = Dual.lift(other)
        return Dual(self.value + o.value, self.slope + o.slope)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        o = Dual.lift(other)
        return Dual(self.value - o.value, self.slope - o.slope)

    def __rsub__(self, other: Any) -> Dual:
        return Dual.lift(other) - self

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.slope)

    def __mul__(self, other: Any) -> Dual:
        o = Dual.lift(other)
        return Dual(self.value * o.value, self.slope * o.value + self.value * o.slope)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        o = Dual.lift(other)
        if o.value == 0:
            raise DomainError("division by zero")
        value = _div(self.value, o.value)
        return Dual(value, _div(self.slope - value * o.slope, o.value))

    def __rtruediv__(self, other: Any) -> Dual:
        return Dual.lift(other) / self

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            if other.slope == 0:
                return self ** other.value
            return dual_exp(other * dual_log(self))
        exponent = Fraction(other) if isinstance(other, int) else other
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            k = int(exponent)
            if k == 0:
                return Dual(1, 0)
            if self.value == 0 and k < 0:
                raise DomainError("division by zero (0 to a negative power)")
            return Dual(_pow(self.value, k), k * _pow(self.value, k - 1) * self.slope)
        if self.value < 0:
            raise DomainError("a negative number to a fractional power")
        if self.value == 0:
            if exponent > 1:
                return Dual(0, 0)
            raise DomainError("0 to a power below 1 has no derivative")
        value = _exact_root(self.value, exponent)
        if value is None:
            value = float(self.value) ** float(exponent)
        return Dual(value, exponent * _div(value, self.value) * self.slope)

    def __rpow__(self, base: Any) -> Dual:
        return Dual.lift(base) ** self

    # comparisons use the value (for Max/Min and pivoting)
    def __lt__(self, other: Any) -> bool:
        return bool(self.value < Dual.lift(other).value)

    def __gt__(self, other: Any) -> bool:
        return bool(self.value > Dual.lift(other).value)


def _div(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a, b)
    return a / b


def _pow(v: Number, k: int) -> Number:
    if isinstance(v, int) and k < 0:
        return Fraction(v) ** k
    return v**k


def _exact_root(v: Number, exponent: Number) -> Number | None:
    """``v ** exponent`` exactly when v is a rational perfect power (``(9/4)**(1/2)``), else None."""
    if not isinstance(v, int | Fraction) or not isinstance(exponent, Fraction):
        return None
    v = Fraction(v)
    q = exponent.denominator
    if q > 64:
        return None
    num = _int_root(v.numerator, q)
    den = _int_root(v.denominator, q)
    if num is None or den is None:
        return None
    return Fraction(num, den) ** exponent.numerator


def _int_root(n: int, q: int) -> int | None:
    if n < 0:
        return None
    r = round(n ** (1 / q)) if n < 2**1000 else None
    if r is None:
        return None
    for cand in (r - 1, r, r + 1):
        if cand >= 0 and cand**q == n:
            return cand
    return None


def _float(v: Number) -> float:
    try:
        return float(v)
    except OverflowError:
        raise DomainError("a value is too large for floating point") from None


def dual_exp(x: Any) -> Any:
    x = Dual.lift(x)
    if x.value == 0:
        return Dual(1, x.slope)
    try:
        value = math.exp(_float(x.value))
    except OverflowError:
        raise DomainError("exp overflows") from None
    return Dual(value, value * x.slope)


def dual_log(x: Any) -> Any:
    x = Dual.lift(x)
    if x.value <= 0:
        raise DomainError("log of a number ≤ 0")
    value: Number = 0 if x.value == 1 else math.log(_float(x.value))
    return Dual(value, _div(x.slope, x.value))


class DualScalars:
    """Scalar operations on dual numbers (the independent numeric path: no SymPy)."""

    def number(self, value: Fraction) -> Any:
        return Fraction(value)  # Fraction, not int: 1/2 must stay exact

    def exp(self, x: Any) -> Any:
        return dual_exp(x)

    def log(self, x: Any) -> Any:
        return dual_log(x)

    def sqrt(self, x: Any) -> Any:
        return Dual.lift(x) ** Fraction(1, 2)

    def abs(self, x: Any) -> Any:
        x = Dual.lift(x)
        sign = 1 if x.value > 0 else -1 if x.value < 0 else 0
        return Dual(abs(x.value), sign * x.slope)

    def sin(self, x: Any) -> Any:
        x = Dual.lift(x)
        if x.value == 0:
            return Dual(0, x.slope)
        v = _float(x.value)
        return Dual(math.sin(v), math.cos(v) * x.slope)

    def cos(self, x: Any) -> Any:
        x = Dual.lift(x)
        if x.value == 0:
            return Dual(1, 0)
        v = _float(x.value)
        return Dual(math.cos(v), -math.sin(v) * x.slope)

    def tanh(self, x: Any) -> Any:
        x = Dual.lift(x)
        if x.value == 0:
            return Dual(0, x.slope)
        t = math.tanh(_float(x.value))
        return Dual(t, (1 - t * t) * x.slope)

    def sigmoid(self, x: Any) -> Any:
        return 1 / (1 + dual_exp(-Dual.lift(x)))

    def relu(self, x: Any) -> Any:
        # relu′(0) = 0 (PyTorch), matching Heaviside(z, 0) on the symbolic side
        x = Dual.lift(x)
        return Dual(x.value, x.slope) if x.value > 0 else Dual(0, 0)

    def max(self, items: Sequence[Any]) -> Any:
        return self._extremum(items, 1)

    def min(self, items: Sequence[Any]) -> Any:
        return self._extremum(items, -1)

    @staticmethod
    def _extremum(items: Sequence[Any], sign: int) -> Any:
        """Max/Min with SymPy's derivative: Σᵢ dxᵢ · Heaviside(±(xᵢ − extremum of the others))."""
        duals = [Dual.lift(x) for x in items]
        values = [sign * d.value for d in duals]
        best = max(values)
        if len(duals) == 1:
            return duals[0]
        slope: Number = 0
        for i, d in enumerate(duals):
            others = max(v for j, v in enumerate(values) if j != i)
            weight = _heaviside(values[i] - others)
            if weight:
                slope = slope + weight * d.slope
        return Dual(sign * best, slope)

    def det(self, m: np.ndarray) -> Any:
        """Determinant by Gaussian elimination with pivoting on the value (exact on Fractions)."""
        a = [[Dual.lift(x) for x in row] for row in m.tolist()]
        n = len(a)
        det: Any = Dual(1, 0)
        for col in range(n):
            pivot = max(range(col, n), key=lambda r: abs(_float(a[r][col].value)))
            if a[pivot][col].value == 0:
                return _singular_det(m)
            if pivot != col:
                a[col], a[pivot] = a[pivot], a[col]
                det = -det
            det = det * a[col][col]
            for r in range(col + 1, n):
                factor = a[r][col] / a[col][col]
                a[r] = [a[r][c] - factor * a[col][c] for c in range(n)]
        return det

    def inv(self, m: np.ndarray) -> np.ndarray:
        """Inverse by Gauss–Jordan elimination (exact on Fractions)."""
        n = m.shape[0]
        a = [[Dual.lift(x) for x in row] + [Dual(int(i == j), 0) for j in range(n)]
             for i, row in enumerate(m.tolist())]
        for col in range(n):
            pivot = max(range(col, n), key=lambda r: abs(_float(a[r][col].value)))
            if a[pivot][col].value == 0:
                raise DomainError("the matrix is singular at these values")
            a[col], a[pivot] = a[pivot], a[col]
            head = a[col][col]
            a[col] = [x / head for x in a[col]]
            for r in range(n):
                if r != col:
                    factor = a[r][col]
                    a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
        return _object_array([row[n:] for row in a])


def _singular_det(m: np.ndarray) -> Any:
    """det and its directional derivative at a singular matrix: Σ_ij adj(A)_ji · dA_ij.

    The slope needs the adjugate, found from the (n−1)-minors by the same elimination.
    """
    a = [[Dual.lift(x) for x in row] for row in m.tolist()]
    n = len(a)
    if n == 1:
        return a[0][0]
    slope: Number = 0
    plain = DualScalars()
    for i in range(n):
        for j in range(n):
            if a[i][j].slope == 0:
                continue
            minor = np.array(
                [[Dual(a[r][c].value, 0) for c in range(n) if c != j] for r in range(n) if r != i],
                dtype=object,
            )
            cofactor = (-1) ** (i + j) * Dual.lift(plain.det(minor)).value
            slope = slope + cofactor * a[i][j].slope
    return Dual(0, slope)


def _object_array(rows: Any) -> np.ndarray:
    arr = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            arr[i, j] = v
    return arr


def obj(x: Any) -> np.ndarray:
    """``x`` as an object array (a 0-d array for a scalar)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == object else x.astype(object)
    out = np.empty((), dtype=object)
    out[()] = x
    return out


# ---------------------------------------------------------------------------
# NumPy semantics: shapes (static, for early errors and the work estimate) and evaluation


def axis_literal(node: Node) -> int | None:
    """The integer a node spells (``0``, ``-1``), or None."""
    if isinstance(node, Num) and not node.is_decimal and node.value.denominator == 1:
        return int(node.value)
    if isinstance(node, Neg) and isinstance(node.operand, Num):
        inner = axis_literal(node.operand)
        return None if inner is None else -inner
    return None


def _normalize_axis(axis: int, ndim: int, node: Call) -> int:
    if ndim == 0:
        raise ExpressionError(
            f"cannot evaluate {to_text(node)!r}: {node.func} of a scalar has no axis; "
            f"drop the axis argument"
        )
    if not -ndim <= axis < ndim:
        hint = ""
        if node.func in ("max", "min"):
            hint = (f"; the second argument of {node.func} is an axis — for the element-wise "
                    f"{node.func}imum use {node.func}imum(x, y)")
        raise ExpressionError(
            f"cannot evaluate {to_text(node)!r}: axis {axis} is out of range for a "
            f"{ndim}-D array (use 0 … {ndim - 1}, or -1 for the last){hint}"
        )
    return axis % ndim


def _call_axis(node: Call, ndim: int) -> int | None:
    if len(node.args) < 2:
        return None
    axis = axis_literal(node.args[1])
    if axis is None:
        hint = ""
        if node.func in ("max", "min"):
            hint = f"; for the element-wise {node.func}imum of two arrays use {node.func}imum(x, y)"
        raise ExpressionError(
            f"the second argument of {node.func} is an axis and must be a whole number such as "
            f"0 or -1, got {to_text(node.args[1])!r}{hint}"
        )
    return _normalize_axis(axis, ndim, node)


def check_arity(node: Call, table: Mapping[str, tuple[int, int]]) -> None:
    low, high = table[node.func]
    n = len(node.args)
    if not low <= n <= high:
        want = f"{low}" if low == high else f"{low} or {high}"
        raise ExpressionError(
            f"{node.func} takes {want} argument{'s' if high > 1 else ''}, got {n} "
            f"(in {to_text(node)!r})"
        )


@dataclass(frozen=True)
class Info:
    """Static facts about a sub-expression: NumPy shape and an estimate of element size."""

    shape: tuple[int, ...]
    size: float


def infer(node: Node, shapes: Mapping[str, tuple[int, ...]]) -> Info:
    """Shape of ``node`` under NumPy's rules (ExpressionError naming the culprit otherwise)."""
    if isinstance(node, Num):
        return Info((), 1)
    if isinstance(node, Name):
        return Info(shapes[node.id], 1)
    if isinstance(node, Neg):
        inner = infer(node.operand, shapes)
        return Info(inner.shape, inner.size + 1)
    if isinstance(node, Transpose):
        inner = infer(node.operand, shapes)
        return Info(inner.shape[::-1], inner.size)
    if isinstance(node, BinOp):
        left, right = infer(node.left, shapes), infer(node.right, shapes)
        if node.op == "@":
            shape = _matmul_shape(node, left.shape, right.shape)
            k = left.shape[-1]
            return Info(shape, k * (left.size + right.size))
        shape = _broadcast(node, left.shape, right.shape)
        return Info(shape, left.size + right.size + 1)
    if isinstance(node, Call):
        check_arity(node, EXPR_FUNCTIONS)
        args = [infer(a, shapes) for a in node.args[:1]]
        x = args[0]
        if node.func in ELEMENTWISE:
            return Info(x.shape, x.size + 1)
        if node.func in ("maximum", "minimum"):
            y = infer(node.args[1], shapes)
            return Info(_broadcast(node, x.shape, y.shape), x.size + y.size + 1)
        if node.func == "dot":
            y = infer(node.args[1], shapes)
            try:
                shape = np.dot(np.zeros(x.shape), np.zeros(y.shape)).shape
            except ValueError:
                raise ExpressionError(
                    f"cannot evaluate {to_text(node)!r}: dot of shapes {shape_text(x.shape)} and "
                    f"{shape_text(y.shape)} does not fit (NumPy rules)"
                ) from None
            k = x.shape[-1] if x.shape and y.shape else 1
            return Info(tuple(shape), k * (x.size + y.size))
        if node.func == "norm":
            return Info((), math.prod(x.shape) * (x.size + 1))
        axis = _call_axis(node, len(x.shape))
        count = math.prod(x.shape) if axis is None else x.shape[axis]
        if node.func == "softmax":
            if axis is None and x.shape:
                axis = len(x.shape) - 1
                count = x.shape[axis]
            return Info(x.shape, (count + 1) * (x.size + 1))
        reduced = () if axis is None else x.shape[:axis] + x.shape[axis + 1 :]
        return Info(reduced, count * (x.size + 1))
    raise ExpressionError(f"cannot evaluate {to_text(node)!r}")  # pragma: no cover


def _broadcast(node: Node, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise ExpressionError(
            f"cannot evaluate {to_text(node)!r}: shapes {shape_text(a)} and {shape_text(b)} do "
            f"not broadcast (NumPy rules: sizes must match or be 1, from the last axis)"
        ) from None


def _matmul_shape(node: Node, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if not a or not b:
        raise ExpressionError(
            f"cannot evaluate {to_text(node)!r}: @ needs arrays, not scalars; use * to scale"
        )
    try:
        return tuple(np.matmul(np.zeros(a), np.zeros(b)).shape)
    except ValueError:
        raise ExpressionError(
            f"cannot evaluate {to_text(node)!r}: matrix product of shapes {shape_text(a)} and "
            f"{shape_text(b)}: the last axis of the left ({a[-1]}) must equal the "
            f"{'first' if len(b) == 1 else 'second-to-last'} axis of the right "
            f"({b[0] if len(b) == 1 else b[-2]})"
        ) from None


def polynomial_degree(node: Node) -> int | None:
    """An upper bound on the degree of a NumPy-semantics expression in its variables, or None
    when it is not a polynomial (exp, log, max, division by a variable, …)."""
    if isinstance(node, Num):
        return 0
    if isinstance(node, Name):
        return 1
    if isinstance(node, Neg | Transpose):
        return polynomial_degree(node.operand)
    if isinstance(node, BinOp):
        left, right = polynomial_degree(node.left), polynomial_degree(node.right)
        if left is None or right is None:
            return None
        if node.op in ("+", "-"):
            return max(left, right)
        if node.op in ("*", "@"):
            return left + right
        if node.op == "/":
            return left if right == 0 else None
        k = axis_literal(node.right)
        if right == 0 and left == 0:
            return 0
        return left * k if k is not None and 0 <= k <= 64 else None
    assert isinstance(node, Call)
    degrees = [polynomial_degree(a) for a in node.args[:2 if node.func == "dot" else 1]]
    if node.func not in ("sum", "mean", "dot") or any(d is None for d in degrees):
        return None
    return sum(d for d in degrees if d is not None)


class TreeEvaluator:
    """Walk a parsed expression tree on object arrays; the shared skeleton of the evaluators.

    Numbers, names, negation, transposition, ``+``, ``-`` and ``/`` mean the same everywhere;
    subclasses give the rest (``*``, ``@``, ``**`` in :meth:`_binop`, calls in :meth:`_call`),
    which is where element-wise and matrix semantics differ.
    ``scalars`` supplies numbers and scalar functions: :class:`SympyScalars` for the symbolic
    path, :class:`DualScalars` for the independent numeric one; ``functions`` names the scalar
    functions applied element by element.
    """

    def __init__(self, scalars: Any, functions: Iterable[str]) -> None:
        self.s = scalars
        self._elementwise = {name: np.frompyfunc(getattr(scalars, name), 1, 1) for name in functions}

    def run(self, node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
        return obj(self._eval(node, env))

    def _eval(self, node: Node, env: Mapping[str, np.ndarray]) -> np.ndarray:
        if isinstance(node, Num):
            return obj(self.s.number(node.value))
        if isinstance(node, Name):
            return env[node.id]
        if isinstance(node, Neg):
            return obj(-self._eval(node.operand, env))
        if isinstance(node, Transpose):
            return self._eval(node.operand, env).T
        if isinstance(node, BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            if node.op == "+":
                return obj(left + right)
            if node.op == "-":
                return obj(left - right)
            if node.op == "/":
                return obj(left / right)
            return self._binop(node, left, right)
        assert isinstance(node, Call)
        return self._call(node, self._eval(node.args[0], env), env)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """``*``, ``@`` and ``**`` of evaluated operands."""
        raise NotImplementedError

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        """A function call whose first argument evaluated to ``x``."""
        raise NotImplementedError


class ArrayEvaluator(TreeEvaluator):
    """Evaluate a parsed expression on object arrays with NumPy's rules (``*`` element-wise)."""

    def __init__(self, scalars: Any) -> None:
        super().__init__(scalars, ELEMENTWISE)

    def _binop(self, node: BinOp, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if node.op == "@":
            return obj(np.matmul(left, right))
        if node.op == "*":
            return obj(left * right)
        return obj(np.power(left, right))

    def _call(self, node: Call, x: np.ndarray, env: Mapping[str, np.ndarray]) -> np.ndarray:
        s = self.s
        func = node.func
        if func in ELEMENTWISE:
            return obj(self._elementwise[func](x))
        if func in ("maximum", "minimum"):
            y = self._eval(node.args[1], env)
            pick = s.max if func == "maximum" else s.min
            a, b = np.broadcast_arrays(x, y)
            out = np.empty(a.shape, dtype=object)
            for index in np.ndindex(*a.shape):
                out[index] = pick([a[index], b[index]])
            return out
        if func == "dot":
            return obj(np.dot(x, self._eval(node.args[1], env)))
        if func == "norm":
            return obj(s.sqrt(_total(x * x)))
        axis = _call_axis(node, x.ndim)
        if func == "sum":
            return obj(_total(x) if axis is None else np.sum(x, axis=axis))
        if func == "mean":
            count = x.size if axis is None else x.shape[axis]
            total = _total(x) if axis is None else np.sum(x, axis=axis)
            return obj(total * s.number(Fraction(1, count)))
        if func in ("max", "min"):
            pick = s.max if func == "max" else s.min
            return reduce_along(x, axis, pick)
        if func == "logsumexp":
            e = self._elementwise["exp"](x)
            return obj(self._elementwise["log"](obj(_total(e) if axis is None
                                                    else np.sum(e, axis=axis))))
        # softmax: along the last axis unless told otherwise
        e = obj(self._elementwise["exp"](x))
        if x.ndim == 0:
            return obj(e / e)
        axis = x.ndim - 1 if axis is None else axis
        return obj(e / np.sum(e, axis=axis, keepdims=True))


def _total(x: np.ndarray) -> Any:
    """The sum of all elements, added left to right (no NumPy reduction over object dtype)."""
    flat = list(obj(x).reshape(-1))
    total = flat[0]
    for item in flat[1:]:
        total = total + item
    return total


def reduce_along(x: np.ndarray, axis: int | None, pick: Callable[[list[Any]], Any]) -> np.ndarray:
    """Apply ``pick`` (a function of a list) over all elements, or along one axis."""
    if axis is None:
        return obj(pick(list(x.reshape(-1))))
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = pick(list(moved[index]))
    return out


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
        raise DomainError("the expression or its derivative is undefined there")
    if value.is_real is False:
        raise DomainError("the value is not a real number")
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
    candidate = Fraction(str(approx)).limit_denominator(10**6)
    if abs(Fraction(str(approx)) - candidate) > Fraction(1, 10**30):
        return None
    if sympy.simplify(value - sympy.Rational(candidate.numerator, candidate.denominator)) != 0:
        return None
    return int(candidate) if candidate.denominator == 1 else candidate


def to_float(value: Any) -> float:
    if isinstance(value, int | Fraction | float):
        return float(value)
    return float(sympy.N(value, 30))


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
    def evaluate(self, seed: int | None = None, **given: Any) -> ExpressionEvaluation:
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
            example = " ".join(f"--at {n}=…" for n in missing)
            raise SpecError(
                f"--at needs a value for every name in the expression; missing "
                f"{', '.join(missing)} (e.g. {example})"
            )
        exact = {
            name: _exact_array(v.flat, self.declared[name].shape) for name, v in values.items()
        }
        try:
            dual = self._dual_jacobians(exact)
            evaluation = self._exact_evaluation(exact, values)
        except DomainError as exc:
            given_names = ", ".join(f"--at {n}" for n in values)
            raise SpecError(
                f"cannot evaluate at the given values ({given_names}): {exc}"
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
            self.numeric = self.evaluate_at(given, seed=seed)
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
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Forward values and dense Jacobians (out × wrt): exact difference quotients for a
        polynomial map, forward-mode dual numbers otherwise (neither uses SymPy)."""
        def env(seed_name: str | None, seed_index: int) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for name, arr in exact.items():
                flat = arr.reshape(-1)
                duals = np.empty(flat.size, dtype=object)
                for i, v in enumerate(flat):
                    duals[i] = Dual(v, 1 if (name == seed_name and i == seed_index) else 0)
                out[name] = duals.reshape(arr.shape)
            return out

        base = obj(self.dual_forward(env(None, 0)))
        forward = _map(base, lambda d: Dual.lift(d).value)
        jacobians: dict[str, np.ndarray] = {}
        # one column per variable differentiated, over every --wrt name
        n_columns, seen = sum(self.declared[name].size for name in self.wrt), 0
        if self.degree is not None:
            # A polynomial map: exact difference quotients of the numeric forward pass.
            def numbers(point: dict[str, np.ndarray]) -> np.ndarray:
                duals = {n: _map(a, lambda v: Dual(v, 0)) for n, a in point.items()}
                return _map(obj(self.dual_forward(duals)), lambda d: Dual.lift(d).value)

            for name in self.wrt:
                progress.report("numeric check", seen, n_columns)
                seen += self.declared[name].size
                if name not in exact:
                    size = self.declared[name].size
                    jacobians[name] = np.zeros((max(base.size, 1), size), dtype=object)
                    continue
                dense = difference_jacobian(numbers, exact, name, degree=max(self.degree, 1))
                jacobians[name] = dense.reshape(max(base.size, 1), -1)
            return forward, jacobians
        for name in self.wrt:
            size = self.declared[name].size
            columns = []
            for k in range(size):
                progress.report("numeric check", seen, n_columns)
                seen += 1
                result = obj(self.dual_forward(env(name, k)))
                columns.append([Dual.lift(d).slope for d in result.reshape(-1)])
            dense = np.empty((max(base.size, 1), size), dtype=object)
            for k, column in enumerate(columns):
                for o, slope in enumerate(column):
                    dense[o, k] = slope
            jacobians[name] = dense
        return forward, jacobians

    def _dual_check(
        self, ev: ExpressionEvaluation, dual: tuple[np.ndarray, dict[str, np.ndarray]]
    ) -> Check:
        forward, jacobians = dual
        mismatch = None
        # Relative to the largest magnitude around (at least 1): rounding in the float path
        # scales with the intermediate values, not with a result that cancels to ~0.
        scale = max([abs(to_float(v)) for v in forward.reshape(-1)] + [1.0])
        for a, b in zip(ev.forward_values.reshape(-1), forward.reshape(-1)):
            if not values_equal(a, b, scale):
                mismatch = "the forward value differs from the dual-number evaluation"
                break
        for name, dense in jacobians.items():
            if mismatch:
                break
            symbolic = np.zeros(dense.shape, dtype=object)
            for (o, w), v in ev.jacobian_values[name].items():
                symbolic[o, w] = v
            scale = max([abs(to_float(v)) for v in dense.reshape(-1)] + [1.0])
            for (o, w), v in np.ndenumerate(dense):
                if not values_equal(symbolic[o, w], v, scale):
                    method = "dual numbers" if self.degree is None else "difference quotients"
                    mismatch = (
                        f"∂/∂{self.table.names[self.symbols[name].first + w]} of output "
                        f"{o} is {symbolic[o, w]} symbolically but {v} by {method}"
                    )
                    break
        how = ("exact difference quotients of the numeric forward pass (a polynomial map)"
               if self.degree is not None else "forward-mode dual numbers on the expression "
               "(exact where rational, else within 1e-12 relative)")
        return Check(
            "jacobian_matches_autodiff_numeric",
            f"the symbolic Jacobians at the given values equal an independent numeric "
            f"differentiation: {how}",
            mismatch is None,
            mismatch,
        )


def _exact_array(flat: Sequence[Any], shape: tuple[int, ...]) -> np.ndarray:
    arr = np.empty(len(flat), dtype=object)
    arr[:] = [int(v) if isinstance(v, Fraction) and v.denominator == 1 else v for v in flat]
    return arr.reshape(shape)


def _map(arr: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(*arr.shape):
        out[index] = fn(arr[index])
    return out


def differentiate(
    outputs: np.ndarray, arrays: Mapping[str, np.ndarray], wrt: Sequence[str]
) -> dict[str, SparseJacobian]:
    """Sparse Jacobians ∂output/∂name: only entries that are not identically zero."""
    flat = list(outputs.reshape(-1))
    index: dict[Any, tuple[str, int]] = {}
    for name in wrt:
        for w, sym in enumerate(arrays[name].reshape(-1)):
            index[sym] = (name, w)
    entries: dict[str, dict[tuple[int, int], Any]] = {name: {} for name in wrt}
    for o, expr in enumerate(flat):
        progress.report("differentiating", o, len(flat))
        if not isinstance(expr, sympy.Basic):
            continue
        for sym, derivative in symbolic_gradient(expr, set(index)).items():
            derivative = finish(derivative)
            if derivative != 0:
                name, w = index[sym]
                entries[name][(o, w)] = derivative
    return {
        name: SparseJacobian(outputs.shape, arrays[name].shape, dict(sorted(entries[name].items())))
        for name in wrt
    }


def symbolic_gradient(expr: Any, wanted: set[Any]) -> dict[Any, Any]:
    """∂expr/∂s for every symbol s in ``wanted`` that occurs, by one reverse sweep.

    SymPy's ``diff`` walks the whole expression once per symbol; here every sub-expression is
    visited once (equal sub-expressions are one node) and adjoints flow from the root to the
    leaves: Add passes its adjoint on, Mul multiplies by the other factors, Pow by the power
    rule, a function by its ``fdiff`` (the chain rule).
    """
    order: list[Any] = []
    seen: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(expr, False)]
    free: dict[Any, bool] = {}
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            free[node] = (node in wanted) or any(free.get(a, False) for a in node.args)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in seen)
    contributions: dict[Any, list[Any]] = {expr: [sympy.Integer(1)]}
    gradient: dict[Any, Any] = {}
    for node in reversed(order):
        parts = contributions.pop(node, None)
        if not parts or not free[node]:
            continue
        adjoint = sympy.Add(*parts)
        if node in wanted:
            gradient[node] = adjoint
            continue
        for child, local in _local_derivatives(node, free):
            contributions.setdefault(child, []).append(adjoint * local)
    return gradient


def _local_derivatives(node: Any, free: Mapping[Any, bool]) -> list[tuple[Any, Any]]:
    """(child, ∂node/∂child) for the children that depend on a wanted symbol."""
    args = node.args
    if node.is_Add:
        return [(a, sympy.Integer(1)) for a in args if free[a]]
    if node.is_Mul:
        out = []
        for i, a in enumerate(args):
            if free[a]:
                out.append((a, sympy.Mul(*(args[:i] + args[i + 1 :]))))
        return out
    if node.is_Pow:
        base, exponent = args
        out = []
        if free[base]:
            out.append((base, exponent * base ** (exponent - 1)))
        if free[exponent]:
            out.append((exponent, node * sympy.log(base)))
        return out
    if isinstance(node, sympy.core.function.Application) and hasattr(node, "fdiff"):
        return [(a, node.fdiff(i + 1)) for i, a in enumerate(args) if free[a]]
    # anything else: differentiate it directly with respect to each symbol it contains
    return [(sym, node.diff(sym)) for sym in node.free_symbols if free.get(sym, False)]


def check_defined(outputs: np.ndarray, text: str) -> None:
    for e in outputs.reshape(-1):
        if isinstance(e, sympy.Basic) and e.has(sympy.zoo, sympy.nan):
            raise ExpressionError(
                f"the expression {text!r} is undefined (it divides by zero or takes log(0)): "
                f"it evaluates to {e}"
            )


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
# Document sections and JSON (built when a renderer asks)


def expr_sections(d: ExpressionDerivation, t: Any, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The gradient section of an ``expr`` document, in the renderer's language."""
    from gradsym.render.document import Equations, Expr, Label, Para

    if not d.scalar:
        return []
    blocks: list[Any] = []
    ev = d.numeric
    for name, arr in d.gradient_elems.items():
        tensor = d.symbols[name]
        blocks.append(Para(t("expr.grad_intro", name=name, shape=shape_text(arr.shape))))
        rows: list[Any] = [
            (Label(tensor.letter, tuple(i + 1 for i in index), prefix="∂f/∂"), Expr(arr[index]))
            for index in np.ndindex(*arr.shape)
        ]
        blocks.append(Equations(rows))
        if ev is not None:
            blocks.extend(value_grids(f"∂f/∂{name} ({t('numeric.values')})",
                                      ev.gradient_values[name], ev.decimal, t, full))
    return [("grad", ("section.expr_grad", {}), blocks)]


def value_grids(title: str, arr: np.ndarray, decimal: bool, t: Any, full: bool) -> list[Any]:
    """Grids of exact values (irrational ones print like expressions), and of decimal
    approximations when any value is irrational."""
    from gradsym.render.document import Expr, Num, Text, grids_of

    def exact(v: Any, _i: Any) -> Any:
        return Num(v, decimal) if isinstance(v, int | Fraction) else Expr(v)

    grids = grids_of(title, arr, exact, full, t)
    if any(not isinstance(v, int | Fraction) for v in arr.reshape(-1)):
        grids += grids_of(f"{title} ≈", arr, lambda v, _i: Text(f"{to_float(v):.6g}"), full, t)
    return grids


def expr_json(d: Derivation) -> dict[str, Any]:
    """``shapes``, ``gradients`` (per ``--wrt`` name) and the symbols' assumptions."""
    from gradsym.numeric import json_number
    from gradsym.render.json import expr_text, nested

    assert isinstance(d, ExpressionDerivation)
    ev = d.numeric
    gradients: dict[str, Any] = {}
    for name, arr in d.gradient_elems.items():
        entry: dict[str, Any] = {"expression": nested(arr, lambda e: expr_text(d, e))}
        if ev is not None:
            entry["numeric"] = nested(ev.gradient_values[name],
                                      lambda v: json_number(v, ev.decimal))
        gradients[name] = entry
    notes = [] if d.scalar else [
        f"the expression is {shape_text(d.forward_elems.shape)}, not a scalar: there is no "
        f"gradient, only the Jacobian; wrap it in sum(...) or mean(...) for a gradient"
    ]
    return {
        "shapes": {n: list(x.shape) for n, x in d.declared.items() if x.shape},
        "gradients": gradients,
        **({"notes": notes} if notes else {}),
        "assumptions": {name: {"real": True} for name in d.table.names},
        **renamed_json(d.declared),
    }


def renamed_json(declared: Mapping[str, Declared]) -> dict[str, Any]:
    renamed = {n: x.bare for n, x in declared.items() if x.renamed}
    return {"renamed": renamed} if renamed else {}


def common_setup(
    declared: Mapping[str, Declared], used: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = []
    for name, x in declared.items():
        if x.renamed and not x.shape:
            lines.append(("expr.renamed_scalar", {"name": name, "bare": x.bare}))
        elif x.renamed:
            lines.append(("expr.renamed_matrix", {"name": name, "bare": x.bare}))
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
        raise SpecError('the expression is required, e.g. gradsym expr "sum(a**2)" --shape a=3')
    declared = declare(shape, functions=EXPR_FUNCTIONS)
    tree = parse(expression, names=list(declared), functions=list(EXPR_FUNCTIONS))
    used = names_in(tree)
    info = infer(tree, {n: x.shape for n, x in declared.items()})
    wrt_names = parse_wrt(wrt, declared, used)
    given = at_items(at)
    outputs = max(math.prod(info.shape), 1)
    differentiated = sum(declared[n].size for n in wrt_names)
    budget_check(info.size * outputs * (1 + differentiated), max_terms, "this expression")

    table, tensors = make_tensors(declared)
    arrays = symbol_arrays(table, tensors)
    forward_raw = ArrayEvaluator(SympyScalars()).run(tree, arrays)
    check_defined(forward_raw, expression)
    budget_check(tree_size(forward_raw) * (1 + differentiated), max_terms, "this expression")
    jacobians = differentiate(forward_raw, arrays, wrt_names)
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
    d.extra.update({
        "title": ("title.expr", {}),
        "setup": setup,
        "output_letter": "f",
        "sections": lambda t, full: expr_sections(d, t, full),
        "json": expr_json,
    })
    return d.with_values_at(given, seed=seed)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, BinOp):
            stack += [current.left, current.right]
        elif isinstance(current, Neg | Transpose):
            stack.append(current.operand)
        elif isinstance(current, Call):
            stack += list(current.args)
