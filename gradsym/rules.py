"""The element-wise rules: every scalar function's value and derivative, in one table.

Each :class:`Rule` gives f and f′ twice — on numbers (exact Fractions/ints where the result
is rational, else floats; mpmath numbers or Decimals when given those) for the numeric check,
and on SymPy expressions for the symbolic paths. Both read the same table, so a convention
such as relu′(0) = 0 (PyTorch) is written once.

>>> RULES["relu"].slope(0, 0), RULES["relu"].slope(3, 3)
(0, 1)
>>> RULES["tanh"].sympy_slope(sympy_symbol("z"))
1 - tanh(z)**2
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from gradsym.errors import Phrase


class DomainError(ArithmeticError):
    """A value outside a function's domain (log of a negative number, division by zero, …).

    Raised with a catalogue key and facts, as a GradsymError is (``DomainError("domain.log")``);
    an error that reports it holds it as a fact and words it in its own language."""

    def __init__(self, key: str, /, **facts: object) -> None:
        super().__init__(key)
        self.key, self.facts = key, facts

    def render(self, lang: str = "en", caller: str = "python") -> str:
        return Phrase(self.key, **self.facts).render(lang, caller)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Rule:
    """f and f′ of one element-wise function.

    ``value(x)`` and ``slope(x, fx)`` act on numbers (``fx`` is ``value(x)``, so that
    sigmoid′ = s(1 − s) reuses s); ``sympy_value(z)`` and ``sympy_slope(z)`` on SymPy.
    """

    name: str
    value: Callable[[Any], Any]
    slope: Callable[[Any, Any], Any]
    sympy_value: Callable[[Any], Any]
    sympy_slope: Callable[[Any], Any]


def _is_mp(x: Any) -> bool:
    return type(x).__module__.startswith("mpmath")


def _float(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:
        raise DomainError("domain.too_large") from None


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a, b)
    return a / b


def sign(z: Any) -> int:
    """sign(z) with sign(0) = 0 (PyTorch's and SymPy's)."""
    return 1 if z > 0 else -1 if z < 0 else 0


def _exp(x: Any) -> Any:
    if x == 0:
        return 1
    if _is_mp(x):
        import mpmath

        return mpmath.exp(x)
    try:
        return math.exp(_float(x))
    except OverflowError:
        raise DomainError("domain.exp_overflow") from None


def _log(x: Any) -> Any:
    if x <= 0:
        raise DomainError("domain.log")
    if x == 1:
        return 0
    if _is_mp(x):
        import mpmath

        return mpmath.log(x)
    return math.log(_float(x))


def _tanh(x: Any) -> Any:
    if x == 0:
        return 0
    if _is_mp(x):
        import mpmath

        return mpmath.tanh(x)
    return math.tanh(_float(x))


def _sigmoid(x: Any) -> Any:
    if _is_mp(x):
        import mpmath

        return 1 / (1 + mpmath.exp(-x))
    if x == 0:
        return Fraction(1, 2)
    return 1 / (1 + _exp(-x))


def _sin(x: Any) -> Any:
    return 0 if x == 0 else math.sin(_float(x))


def _cos(x: Any) -> Any:
    return 1 if x == 0 else math.cos(_float(x))


def exact_root(v: Any, exponent: Any) -> Any:
    """``v ** exponent`` exactly when v is a rational perfect power (``(9/4)**(1/2)``), else None.

    >>> exact_root(Fraction(9, 4), Fraction(1, 2))
    Fraction(3, 2)
    """
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
    if n < 0 or n >= 2**1000:
        return None
    r = round(n ** (1 / q))
    for cand in (r - 1, r, r + 1):
        if cand >= 0 and cand**q == n:
            return cand
    return None


def _sqrt(x: Any) -> Any:
    if x < 0:
        raise DomainError("domain.negative_power")
    if x == 0:
        return 0
    root = exact_root(x, Fraction(1, 2))
    if root is not None:
        return root
    if isinstance(x, Decimal):
        return x.sqrt()  # at the context precision
    if _is_mp(x):
        import mpmath

        return mpmath.sqrt(x)
    return math.sqrt(_float(x))


def _sqrt_slope(x: Any, root: Any) -> Any:
    if x == 0:
        raise DomainError("domain.zero_power")
    return _div(1, 2 * root) if isinstance(root, int) else 1 / (2 * root)


def _sympy() -> Any:
    import sympy

    return sympy


def sympy_symbol(name: str) -> Any:
    return _sympy().Symbol(name)


def _sympy_relu(z: Any) -> Any:
    return _sympy().Max(0, z)


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in [
        # relu′(0) = 0 as in PyTorch: Heaviside(z, 0) symbolically.
        Rule("relu", lambda x: x if x > 0 else 0 * x, lambda x, fx: 1 if x > 0 else 0,
             _sympy_relu, lambda z: _sympy().Heaviside(z, 0)),
        Rule("sigmoid", _sigmoid, lambda x, s: s * (1 - s),
             lambda z: 1 / (1 + _sympy().exp(-z)),
             lambda z: _sympy().exp(-z) / (1 + _sympy().exp(-z)) ** 2),
        Rule("tanh", _tanh, lambda x, t: 1 - t * t,
             lambda z: _sympy().tanh(z), lambda z: 1 - _sympy().tanh(z) ** 2),
        Rule("exp", _exp, lambda x, e: e, lambda z: _sympy().exp(z), lambda z: _sympy().exp(z)),
        Rule("log", _log, lambda x, fx: _div(1, x), lambda z: _sympy().log(z), lambda z: 1 / z),
        # |z|′ = sign(z), 0 at 0 (PyTorch's abs backward).
        Rule("abs", abs, lambda x, fx: sign(x), lambda z: _sympy().Abs(z),
             lambda z: _sympy().sign(z)),
        Rule("sqrt", _sqrt, _sqrt_slope, lambda z: _sympy().sqrt(z),
             lambda z: 1 / (2 * _sympy().sqrt(z))),
        Rule("sin", _sin, lambda x, fx: _cos(x), lambda z: _sympy().sin(z),
             lambda z: _sympy().cos(z)),
        Rule("cos", _cos, lambda x, fx: -_sin(x), lambda z: _sympy().cos(z),
             lambda z: -_sympy().sin(z)),
    ]
}
"""Every element-wise function by name."""


def extremum_weights(values: list[Any], sign_: int) -> list[Any]:
    """∂ max(x₁…xₙ)/∂xᵢ (``sign_`` = 1) or ∂ min/∂xᵢ (−1): the m tied extrema get 1/m each,
    the others 0 (PyTorch's full reductions ``torch.max(a)``/``amax``, and JAX).

    >>> extremum_weights([1, 3, 3], 1)
    [0, Fraction(1, 2), Fraction(1, 2)]
    >>> extremum_weights([2, 2, 2], -1)
    [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]
    """
    signed = [sign_ * v for v in values]
    best = max(signed)
    tied = [v == best for v in signed]
    share = Fraction(1, sum(tied))
    return [share if t else 0 for t in tied]


def extremum_shares(node: Any) -> list[Any]:
    """∂ Max(x₁…xₙ)/∂xᵢ (or Min): 1/m for each of the m arguments equal to the extremum, else
    0 (PyTorch's full reductions and JAX), as Heaviside(±(xᵢ − M), 1) / Σⱼ Heaviside(±(xⱼ − M), 1)
    — SymPy's own Max.fdiff would give each of the tied arguments 1/2."""
    import sympy

    sign_ = 1 if isinstance(node, sympy.Max) else -1
    hits = [sympy.Heaviside(sign_ * (a - node), 1) for a in node.args]
    total = sympy.Add(*hits)
    return [h / total for h in hits]


def first_argmax(values: list[Any]) -> int:
    """Where max pooling routes the gradient: the first maximum in window order (PyTorch).

    >>> first_argmax([1, 3, 3])
    1
    """
    best = 0
    for i, v in enumerate(values):
        if v > values[best]:
            best = i
    return best
