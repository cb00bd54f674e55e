"""``matrix`` closed forms as typeset mathematics (LaTeX): X^{-T}, ⊙, σ, diag, tr, det.

The terminal keeps the code form (:func:`gradsym.layers.matrix_algebra.lc_text`); LaTeX, PDF
and Markdown print these instead.

>>> from gradsym.layers.matrix_algebra import Inv, Sym, Tr, lc_atom, lc_mul, lc_scale
>>> X = Sym("X", (2, 2))
>>> lc_tex(lc_scale(lc_mul(lc_atom(Inv(Tr(X))), lc_atom(Sym("beta", (2, 2)))), -2))
'-2 X^{-T} \\\\beta'
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

from gradsym.layers import matrix_algebra as m

_FUNCTIONS = {
    "trace": r"\operatorname{tr}", "det": r"\det", "sum": r"\operatorname{sum}",
    "exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tanh": r"\tanh",
    "sign": r"\operatorname{sign}", "sigmoid": r"\sigma", "diag": r"\operatorname{diag}",
    "softmax": r"\operatorname{softmax}",
}


def name_tex(name: str) -> str:
    """A user's name as SymPy typesets it: ``beta`` → ``\\beta``, ``W1`` → ``W_{1}``."""
    return str(sympy.latex(sympy.Symbol(name)))


def shape_tex(shape: tuple[int, ...]) -> str:
    """``2x3`` → ``2 \\times 3``; a scalar is ``1 \\times 1``."""
    if not shape:
        return r"1 \times 1"
    return r" \times ".join(str(k) for k in shape)


def _wrapped(atom: Any) -> str:
    """An atom as the base of a superscript: parenthesised unless it is a name."""
    text = atom_tex(atom)
    if isinstance(atom, m.Sym | m.Group):
        return text
    return rf"\left({text}\right)"


def atom_tex(atom: Any) -> str:
    if isinstance(atom, m.Sym):
        return name_tex(atom.name)
    if isinstance(atom, m.Tr):
        if isinstance(atom.arg, m.Sym | m.Group | m.Adj):
            return f"{atom_tex(atom.arg)}^{{T}}"
        return f"{_wrapped(atom.arg)}^{{T}}"
    if isinstance(atom, m.Ident):
        return rf"I_{{{atom.n}}}"
    if isinstance(atom, m.Ones):
        return rf"\mathbf{{1}}_{{{atom.rows} \times {atom.cols}}}"
    if isinstance(atom, m.Inv):
        if isinstance(atom.arg, m.Tr) and isinstance(atom.arg.arg, m.Sym | m.Group):
            return f"{atom_tex(atom.arg.arg)}^{{-T}}"
        return f"{_wrapped(atom.arg)}^{{-1}}"
    if isinstance(atom, m.Adj):
        return rf"\operatorname{{adj}}\left({_inside(atom.arg)}\right)"
    if isinstance(atom, m.MatPow):
        if isinstance(atom.arg, m.Inv):
            return f"{_wrapped(atom.arg.arg)}^{{-{atom.k}}}"
        return f"{_wrapped(atom.arg)}^{{{atom.k}}}"
    if isinstance(atom, m.Had):
        return rf"{_operand(atom.left)} \odot {_operand(atom.right)}"
    if isinstance(atom, m.Group):
        return rf"\left({lc_tex(atom.lc)}\right)"
    if isinstance(atom, m.Diag):
        return rf"\operatorname{{diag}}\left({lc_tex(atom.arg)}\right)"
    if isinstance(atom, m.Elem):  # entry by entry
        if atom.func == "recip":
            return rf"\left({lc_tex(atom.arg)}\right)^{{\circ -1}}"
        return _scalar_tex(atom)
    if isinstance(atom, m.ScalarOf):
        return _scalar_tex(atom)
    return rf"\operatorname{{{type(atom).__name__}}}"  # pragma: no cover - every atom above


def _inside(atom: Any) -> str:
    return lc_tex(atom.lc) if isinstance(atom, m.Group) else atom_tex(atom)


def _operand(lc: Any) -> str:
    text = lc_tex(lc)
    if len(lc.terms) > 1 or (lc.terms and lc.terms[0].coef < 0):
        return rf"\left({text}\right)"
    return text


def _scalar_tex(atom: Any) -> str:
    arg = lc_tex(atom.arg)
    func = atom.func
    if func == "norm":
        return rf"\left\lVert {arg} \right\rVert_F"
    if func == "abs":
        return rf"\left\lvert {arg} \right\rvert"
    if func == "sqrt":
        return rf"\sqrt{{{arg}}}"
    if func == "sum" and atom.arg.shape:
        return rf"\mathbf{{1}}^{{T}} {_operand(atom.arg)} \mathbf{{1}}"
    op = _FUNCTIONS.get(func, rf"\operatorname{{{func}}}")
    return rf"{op}\left({arg}\right)"


def _power_tex(atom: Any, e: Fraction) -> str:
    base = atom_tex(atom)
    if e == 1:
        return base
    if not isinstance(atom, m.Sym | m.Group):
        base = rf"\left({base}\right)"
    if e == Fraction(1, 2):
        return rf"\sqrt{{{atom_tex(atom)}}}"
    exponent = str(e.numerator) if e.denominator == 1 else rf"{e.numerator}/{e.denominator}"
    return f"{base}^{{{exponent}}}"


def _term_tex(t: Any) -> str:
    r"""A term without its sign: ``2 X^{T} w`` or ``\frac{1}{\det\left(X\right)} X^{-T}``."""
    c = abs(t.coef)
    numer = [_power_tex(a, e) for a, e in t.scalars if e > 0]
    denom = [_power_tex(a, -e) for a, e in t.scalars if e < 0]
    mats = [atom_tex(x) for x in t.mats]
    if c.numerator != 1 or not (numer or mats or denom):
        numer.insert(0, str(c.numerator))
    if c.denominator != 1:
        denom.insert(0, str(c.denominator))
    if denom:
        numer = [rf"\frac{{{' '.join(numer) or '1'}}}{{{' '.join(denom)}}}"]
    return " ".join(numer + mats)


def lc_tex(lc: Any) -> str:
    """A closed form as LaTeX maths (no ``$``)."""
    if not lc.terms:
        return "0" if lc.shape == () else rf"0_{{{lc.shape[0]} \times {lc.shape[1]}}}"
    return m.signed_sum(lc, _term_tex)


def factors_tex(lc: Any) -> str | None:
    """The factors of a one-term closed form with their shapes, as LaTeX; None for a sum."""
    if len(lc.terms) != 1:
        return None
    term = lc.terms[0]
    parts = [rf"\underbrace{{{_power_tex(a, e)}}}_{{1 \times 1}}" for a, e in term.scalars]
    parts += [rf"\underbrace{{{atom_tex(x)}}}_{{{shape_tex(x.shape)}}}" for x in term.mats]
    return r",\ ".join(parts) if parts else None


def sympy_tex(e: Any) -> str:
    """A scalar-rule result (SymPy, the user's names as symbols) as LaTeX."""
    return str(sympy.latex(e))


# -- the user's expression (the elaborated tree), for "Read as: J = …" -------------------
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}


def node_tex(n: Any, names: dict[str, str] | None = None) -> str:
    """An elaborated ``matrix`` tree as LaTeX: ``(X*w - y).T*(X*w - y)`` →
    ``\\left(X w - y\\right)^{T} \\left(X w - y\\right)``."""
    return _node(n, names or {})[0]


def _node(n: Any, names: dict[str, str]) -> tuple[str, int]:  # noqa: PLR0911
    from gradsym.exprparse import BinOp, Call, Name, Neg, Num, Transpose

    if isinstance(n, Num):
        v = n.value
        text = str(v.numerator) if v.denominator == 1 else rf"\frac{{{v.numerator}}}{{{v.denominator}}}"
        return text, 5
    if isinstance(n, Name):
        return name_tex(names.get(n.id, n.id)), 5
    if isinstance(n, Neg):
        inner, p = _node(n.operand, names)
        return f"-{_paren(inner, p, 3)}", 3
    if isinstance(n, Transpose):
        inner, p = _node(n.operand, names)
        return f"{_paren(inner, p, 5)}^{{T}}", 4
    if isinstance(n, BinOp):
        left, lp = _node(n.left, names)
        right, rp = _node(n.right, names)
        prec = _PREC[n.op]
        if n.op == "/":
            return rf"\frac{{{left}}}{{{right}}}", 5
        if n.op == "**":
            return f"{_paren(left, lp, 5)}^{{{right}}}", 4
        if n.op in ("*", "@"):
            return f"{_paren(left, lp, prec)} {_paren(right, rp, prec)}", prec
        right = _paren(right, rp, prec + 1)
        return f"{left} {n.op} {right}", prec
    assert isinstance(n, Call)
    args = [_node(a, names) for a in n.args]
    func = n.func
    if func == "inv":
        return f"{_paren(args[0][0], args[0][1], 5)}^{{-1}}", 4
    if func == "hadamard":
        return rf"{_paren(args[0][0], args[0][1], 3)} \odot {_paren(args[1][0], args[1][1], 3)}", 2
    if func == "ediv":
        return rf"{_paren(args[0][0], args[0][1], 3)} \oslash {_paren(args[1][0], args[1][1], 3)}", 2
    if func == "Identity":
        return f"I_{{{args[0][0]}}}", 5
    if func == "OneMatrix":
        return rf"\mathbf{{1}}_{{{args[0][0]} \times {args[1][0]}}}", 5
    if func == "norm":
        return rf"\left\lVert {args[0][0]} \right\rVert", 5
    if func == "abs":
        return rf"\left\lvert {args[0][0]} \right\rvert", 5
    if func == "sqrt":
        return rf"\sqrt{{{args[0][0]}}}", 5
    op = _FUNCTIONS.get(func, rf"\operatorname{{{func}}}")
    return rf"{op}\left({', '.join(a for a, _ in args)}\right)", 5


def _paren(text: str, prec: int, need: int) -> str:
    return rf"\left({text}\right)" if prec < need else text
