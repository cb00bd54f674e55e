"""The scalars ``expr`` and ``matrix`` compute with: SymPy for the symbolic path (``relu``
kept as one function, determinants by permutations, adjugates), and forward-mode dual
numbers for the independent numeric check (exact on rationals, mpmath elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from gradsym.errors import ExpressionError
from gradsym.numeric import Dual, extremum
from gradsym.rules import RULES, DomainError
from gradsym.spec.expr import Declared as Declared
from gradsym.spec.expr import at_items as at_items
from gradsym.spec.expr import declare as declare
from gradsym.spec.expr import parse_at as parse_at
from gradsym.spec.expr import parse_wrt as parse_wrt

# ---------------------------------------------------------------------------
# Scalars: SymPy for the symbolic path, dual numbers for the independent numeric one


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
        return RULES["relu"].sympy_slope(self.args[0])


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
        return RULES["exp"].sympy_value(x)

    def log(self, x: Any) -> Any:
        return RULES["log"].sympy_value(x)

    def sqrt(self, x: Any) -> Any:
        return RULES["sqrt"].sympy_value(x)

    def abs(self, x: Any) -> Any:
        return RULES["abs"].sympy_value(x)

    def sin(self, x: Any) -> Any:
        return RULES["sin"].sympy_value(x)

    def cos(self, x: Any) -> Any:
        return RULES["cos"].sympy_value(x)

    def tanh(self, x: Any) -> Any:
        return RULES["tanh"].sympy_value(x)

    def sigmoid(self, x: Any) -> Any:
        return RULES["sigmoid"].sympy_value(x)

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
            raise ExpressionError("expr.singular")
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


class DualScalars:
    """Scalar operations on sparse dual numbers (the independent numeric path: no SymPy);
    element-wise functions from the one rule table, :data:`gradsym.rules.RULES`."""

    def number(self, value: Fraction) -> Any:
        return Fraction(value)  # Fraction, not int: 1/2 must stay exact

    def exp(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["exp"])

    def log(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["log"])

    def sqrt(self, x: Any) -> Any:
        return Dual.lift(x) ** Fraction(1, 2)

    def abs(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["abs"])

    def sin(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["sin"])

    def cos(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["cos"])

    def tanh(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["tanh"])

    def sigmoid(self, x: Any) -> Any:
        # as 1/(1 + exp(−x)), the form the symbolic path differentiates
        return 1 / (1 + self.exp(-Dual.lift(x)))

    def relu(self, x: Any) -> Any:
        return Dual.lift(x).apply(RULES["relu"])

    def max(self, items: Sequence[Any]) -> Any:
        return extremum(items, 1)

    def min(self, items: Sequence[Any]) -> Any:
        return extremum(items, -1)

    def det(self, m: np.ndarray) -> Any:
        """Determinant by Gaussian elimination with pivoting on the value (exact on Fractions)."""
        a = [[Dual.lift(x) for x in row] for row in m.tolist()]
        n = len(a)
        det: Any = Dual(1)
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
        a = [[Dual.lift(x) for x in row] + [Dual(int(i == j)) for j in range(n)]
             for i, row in enumerate(m.tolist())]
        for col in range(n):
            pivot = max(range(col, n), key=lambda r: abs(_float(a[r][col].value)))
            if a[pivot][col].value == 0:
                raise DomainError("domain.singular")
            a[col], a[pivot] = a[pivot], a[col]
            head = a[col][col]
            a[col] = [x / head for x in a[col]]
            for r in range(n):
                if r != col:
                    factor = a[r][col]
                    a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
        return _object_array([row[n:] for row in a])


def _float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:
        raise DomainError("domain.too_large") from None


def _singular_det(m: np.ndarray) -> Any:
    """det and its tangent at a singular matrix: Σ_ij adj(A)_ji · dA_ij.

    The tangent needs the adjugate, found from the (n−1)-minors by the same elimination.
    """
    a = [[Dual.lift(x) for x in row] for row in m.tolist()]
    n = len(a)
    if n == 1:
        return a[0][0]
    total = Dual(0)
    plain = DualScalars()
    for i in range(n):
        for j in range(n):
            if not a[i][j].tangent:
                continue
            minor = np.array(
                [[Dual(a[r][c].value) for c in range(n) if c != j] for r in range(n) if r != i],
                dtype=object,
            )
            cofactor = (-1) ** (i + j) * Dual.lift(plain.det(minor)).value
            total = total + Dual(0, a[i][j].tangent) * cofactor
    return total


def _object_array(rows: Any) -> np.ndarray:
    arr = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            arr[i, j] = v
    return arr
