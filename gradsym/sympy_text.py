"""SymPy-syntax text of SymPy expressions, terms in natural index order (x_2 before x_10).

The engine's printer for SymPy expressions (as :meth:`VarTable.format` is for polynomials):
JSON strings, closed forms and the formulas inside derivation steps use it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_PARTS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders embedded numbers numerically: ``x_2_1`` < ``x_10_1``."""
    return tuple(int(p) if p.isdigit() else p for p in _PARTS.split(name))


def _term_key(term: Any) -> tuple[Any, ...]:
    names = sorted((natural_key(s.name) for s in term.free_symbols), key=lambda k: k)
    return (not names, names)


def sympy_text(expr: Any) -> str:
    """``str`` of a SymPy expression with Add terms in natural order."""
    return natural_printer()().doprint(expr)


def plain_text(expr: Any) -> str:
    """Exactly ``str(expr)``, with the text of every sum and function call remembered (the
    denominator a whole softmax row shares is printed once, not once per entry)."""
    return plain_printer()().doprint(expr)


# The text of a sum or a function call depends only on the expression (the default
# settings): remembered, so the exp(q·k/√D) shared by thousands of attention Jacobian
# entries is printed once, not once per entry.
# (per printer class: a subclass such as the terminal's readable printer words it its way)
_PRINTED: dict[tuple[type, Any], str] = {}


def _remembered(method: Any) -> Any:
    def print_once(self: Any, expr: Any, *args: Any, **kwargs: Any) -> str:
        key = (type(self), expr)
        text = _PRINTED.get(key)
        if text is None:
            if len(_PRINTED) > 200_000:
                _PRINTED.clear()
            text = _PRINTED[key] = method(self, expr, *args, **kwargs)
        return text

    return print_once


@functools.cache
def plain_printer() -> Any:
    """SymPy's own ``StrPrinter`` (the text ``str`` gives) with sums and calls remembered."""
    from sympy.printing.str import StrPrinter

    class PlainPrinter(StrPrinter):
        _print_Add = _remembered(StrPrinter._print_Add)
        _print_Function = _remembered(StrPrinter._print_Function)

    return PlainPrinter


@functools.cache
def natural_printer() -> Any:
    """SymPy's ``StrPrinter`` with Add terms in natural index order (a class, built on first use)."""
    from sympy import Add
    from sympy.printing.str import StrPrinter

    class NaturalPrinter(StrPrinter):
        _print_Function = _remembered(StrPrinter._print_Function)

        @_remembered
        def _print_Add(self, expr: Any, order: Any = None) -> str:
            terms = sorted(Add.make_args(expr), key=_term_key)
            out: list[str] = []
            for term in terms:
                text = self._print(term)
                if self._needs_parens(term):
                    text = f"({text})"
                if text.startswith("-"):
                    out.append(f"- {text[1:]}")
                else:
                    out.append(f"+ {text}")
            head = out[0]
            first = "-" + head[2:] if head.startswith("-") else head[2:]
            return " ".join([first, *out[1:]])

        def _needs_parens(self, term: Any) -> bool:
            return False
    return NaturalPrinter
