"""Exact numeric evaluation, and an independent numeric differentiation for checks.

The check ``jacobian_matches_autodiff_numeric`` differentiates the *numeric*
forward pass — plain NumPy on exact numbers, not the symbolic code path — by
exact difference quotients: for a map of degree ≤ m in each variable,
f′(v) = Σₖ₌₁..ₘ (−1)ᵏ⁺¹/k · Δᵏf(v) with unit steps, which is exact.

>>> from fractions import Fraction
>>> difference_derivative(lambda t: t ** 2, Fraction(3), degree=2)
Fraction(6, 1)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

Number = int | Fraction


def exact_array(flat: Sequence[Number], shape: Sequence[int]) -> np.ndarray:
    """An object array of exact numbers."""
    arr = np.empty(len(flat), dtype=object)
    arr[:] = list(flat)
    return arr.reshape(tuple(shape))


def difference_derivative(f: Callable[[Any], Any], v: Any, *, degree: int) -> Any:
    """Exact f′(v) for a polynomial f of degree ≤ ``degree``, from f(v), f(v+1), …"""
    samples = [f(v + j) for j in range(degree + 1)]
    total: Any = 0
    for k in range(1, degree + 1):
        delta = sum((-1) ** (k - j) * math.comb(k, j) * samples[j] for j in range(k + 1))
        total = total + Fraction((-1) ** (k + 1), k) * delta
    return total


def difference_jacobian(
    forward: Callable[[dict[str, np.ndarray]], np.ndarray],
    point: dict[str, np.ndarray],
    wrt: str,
    *,
    degree: int = 1,
) -> np.ndarray:
    """Dense ∂forward/∂point[wrt] (shape out + wrt) by exact difference quotients."""
    base = point[wrt]
    columns = []
    for index in itertools.product(*(range(n) for n in base.shape)):
        def f(value: Any, index: tuple[int, ...] = index) -> np.ndarray:
            shifted = dict(point)
            arr = base.copy()
            arr[index] = value
            shifted[wrt] = arr
            return forward(shifted)

        columns.append(difference_derivative(f, base[index], degree=degree))
    out = np.stack(columns, axis=-1) if columns else np.zeros((0,), dtype=object)
    return out.reshape(out.shape[:-1] + base.shape)


def simplify_number(value: Any) -> Any:
    """Ints stay ints; integral Fractions and SymPy rationals become int / Fraction."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    if getattr(value, "is_Rational", False):
        return int(value.p) if value.q == 1 else Fraction(int(value.p), int(value.q))
    return value


def json_number(value: Any, decimal: bool) -> Any:
    """A value for JSON: an int, a decimal number if the user wrote decimals, else a string.

    >>> json_number(Fraction(1, 9), True), json_number(Fraction(1, 4), True)
    ('1/9', 0.25)
    """
    value = simplify_number(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        if decimal and _finite_decimal(value):
            text = decimal_text(value)
            number = float(text)
            return number if Decimal(repr(number)) == Decimal(text) else text
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, float):
        return value
    return str(value)


def _finite_decimal(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def decimal_text(value: Fraction) -> str:
    """Exact decimal text of a rational with a finite decimal expansion (``21/16`` → ``1.3125``)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    digits = max(twos, fives)
    scaled = value.numerator * 10**digits // value.denominator
    return format(Decimal(scaled).scaleb(-digits), "f")


def number_text(value: Any, decimal: bool) -> str:
    """Human text of an exact number (``1/9``; ``0.25`` when the user wrote decimals)."""
    value = simplify_number(value)
    if isinstance(value, Fraction):
        if decimal and _finite_decimal(value):
            return decimal_text(value)
        return f"{value.numerator}/{value.denominator}"
    return str(value)
