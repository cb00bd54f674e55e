"""``matrix`` with letter sizes (``--shape X=nxn --shape x=n``): closed forms for every size.

    gradsym matrix "x.T*A*x" --shape x=n --shape A=nxn

gives ∂J/∂x = (A + A.T)*x for every n. How:

1. Every size letter stands for a distinct large prime while the closed forms are derived
   (shape inference, the reverse-mode matrix differentials of :mod:`gradsym.layers.matrix`):
   a letter never equals another letter, 1, or a number, so every shape decision holds for
   every size. The primes are never printed: the closed forms are rewritten with the letters
   (``Identity(n)``, ``OneMatrix(n, 1)``; a coefficient k·n becomes the factor ``n``), and
   error messages name the letters.
2. The letter forms are cross-checked: at several concrete sizes (n = 1, 2, 3, distinct letters
   get distinct values, and once all equal) the concrete derivation expands J into element
   symbols, and the letter form with those sizes substituted must equal its element-wise
   gradient entry by entry (check ``closed_form_matches_elementwise_at_sizes``).

The claim is exactly that: derived for letters, checked element by element at those sizes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from gradsym.calculus import derivative
from gradsym.derivation import Derivation
from gradsym.errors import ExpressionError, Phrase, SpecError
from gradsym.exprparse import BinOp, Call, Name, Neg, Node, Num, Transpose, names_in, parse
from gradsym.layers import matrix as concrete
from gradsym.layers.matrix import (
    MATRIX_FUNCTIONS,
    ClosedForm,
    MatrixDerivation,
    _algebra_shape,
    _verify,
    closed_forms,
    elaborate,
)
from gradsym.layers.matrix_algebra import (
    LC,
    Adj,
    Atom,
    Elem,
    Group,
    Had,
    Ident,
    Inv,
    MatPow,
    Ones,
    ScalarOf,
    Sym,
    Term,
    Tr,
    _merge_scalars,
    _sorted_terms,
    lc_text,
)
from gradsym.layers.matrix_equivalence import RationalField, equivalent
from gradsym.layers.matrix_notation import ELEMENTWISE, NOTATION_FUNCTIONS, lower
from gradsym.layers.matrix_points import algebra_name
from gradsym.layers.matrix_values import (
    _scalar_symbol,
    lc_scalar,
    tree_scalar,
)
from gradsym.poly import VarTable
from gradsym.proofs import Check
from gradsym.spec.expr import Declared, _declaration_items, declare, parse_wrt

SIZE_LETTER = re.compile(r"^[a-wyz][a-wyz0-9_]*$")
"""A size letter: a lowercase identifier without ``x`` (``x`` separates the sizes)."""

SENTINELS = (1_000_000_007, 1_000_000_009, 1_000_000_021, 1_000_000_033, 1_000_000_087,
             1_000_000_093, 1_000_000_097, 1_000_000_103)
"""Distinct primes standing for the letters while deriving (never printed)."""

CHECK_VALUES = (1, 2, 3)
CHECK_NAME = "closed_form_matches_elementwise_at_sizes"

Size = Any  # an int, or a letter (str)
LetterShape = tuple[Size, ...]


# ---------------------------------------------------------------------------
# --shape with letters


def _parts(shape: Any) -> list[Size] | None:
    """The sizes of one declaration (``"mx3"`` → ["m", 3]); None when it is not NAMExSIZE text
    or a tuple (then :func:`declare` says what is wrong)."""
    if isinstance(shape, str):
        text = shape.strip()
        if text == "scalar":
            return []
        out: list[Size] = []
        for part in text.split("x"):
            part = part.strip()
            if part.isdigit():
                out.append(int(part))
            elif SIZE_LETTER.match(part):
                out.append(part)
            else:
                return None
        return out
    if isinstance(shape, (tuple, list)) and all(
            isinstance(k, str) or (isinstance(k, int) and not isinstance(k, bool)) for k in shape):
        return [k.strip() if isinstance(k, str) else k for k in shape]
    return None


def has_letters(shape: Any) -> bool:
    """True when some ``--shape`` size is a letter (``X=nxn``, ``x=n``, ``A=mx3``)."""
    try:
        items = _declaration_items(shape, "--shape")
    except SpecError:
        return False
    for _name, spec in items:
        parts = _parts(spec)
        if parts and any(isinstance(k, str) for k in parts):
            return True
    return False


def letter_shapes(shape: Any) -> dict[str, LetterShape]:
    """``--shape`` declarations with letter sizes, by name (names checked by :func:`declare`)."""
    out: dict[str, LetterShape] = {}
    for name, spec in _declaration_items(shape, "--shape"):
        parts = _parts(spec)
        if parts is None or any(isinstance(k, str) and not SIZE_LETTER.match(k) for k in parts):
            raise SpecError("matrix.size_letter", name=name, spec=spec)
        if len(parts) > 2:
            raise SpecError("matrix.size_count", name=name, spec=spec)
        out[str(name)] = tuple(parts)
    return out


def spec_at(shapes: Mapping[str, LetterShape], values: Mapping[str, int]) -> list[str]:
    """The ``--shape`` texts with the letters replaced by ``values``."""
    return [f"{n}={'x'.join(str(values.get(k, k)) for k in s) if s else 'scalar'}"
            for n, s in shapes.items()]


def sizes_text(values: Mapping[str, int]) -> str:
    """``n=2, m=3``."""
    return ", ".join(f"{k}={v}" for k, v in values.items())


def shape_letters(shape: LetterShape) -> str:
    """``nxn``, ``n``, ``scalar``."""
    return "x".join(map(str, shape)) if shape else "scalar"


def assignments(letters: Sequence[str]) -> list[dict[str, int]]:
    """Sizes to check at: each letter runs through 1, 2, 3 (distinct letters distinct values),
    and, with several letters, once all equal."""
    k = len(CHECK_VALUES)
    out = [{x: CHECK_VALUES[(i + j) % k] for j, x in enumerate(letters)} for i in range(k)]
    if len(letters) > 1:
        out.append(dict.fromkeys(letters, 2))
    return out


# ---------------------------------------------------------------------------
# Rewriting the sizes of a closed form


def _map_lc(lc: LC, size: Callable[[Any], Any], coef: Callable[[Term], Term]) -> LC:
    """``lc`` with every size mapped by ``size`` and every term's coefficient by ``coef``."""

    def sub(x: LC) -> LC:
        return _map_lc(x, size, coef)

    def atom(a: Atom) -> Atom:
        if isinstance(a, Sym):
            return Sym(a.name, tuple(size(k) for k in a.shape))
        if isinstance(a, Ident):
            return Ident(size(a.n))
        if isinstance(a, Ones):
            return Ones(size(a.rows), size(a.cols))
        if isinstance(a, Tr | Inv | Adj):
            return type(a)(atom(a.arg))
        if isinstance(a, MatPow):
            return MatPow(atom(a.arg), a.k)
        if isinstance(a, Had):
            return Had(sub(a.left), sub(a.right))
        if isinstance(a, ScalarOf | Elem):
            return type(a)(a.func, sub(a.arg))
        assert isinstance(a, Group)
        return Group(sub(a.lc))

    terms = tuple(coef(Term(t.coef, tuple((atom(s), e) for s, e in t.scalars),
                            tuple(atom(m) for m in t.mats))) for t in lc.terms)
    return LC(terms, tuple(size(k) for k in lc.shape))


def to_letters(lc: LC, letters: Mapping[int, str]) -> LC:
    """A closed form derived at the sentinel sizes, written with the letters: sizes become
    letters, a coefficient k·pᵉ (p a sentinel) becomes k times the scalar factor letterᵉ."""

    def coef(t: Term) -> Term:
        c = t.coef
        extra: list[tuple[Atom, Fraction]] = []
        for p, letter in letters.items():
            e = 0
            while c.numerator % p == 0:
                c, e = c / p, e + 1
            while c.denominator % p == 0:
                c, e = c * p, e - 1
            if e:
                extra.append((Sym(letter, ()), Fraction(e)))
        return Term(c, _merge_scalars(t.scalars, extra), t.mats) if extra else t

    return _map_lc(lc, lambda k: letters.get(k, k), coef)


def at_sizes(lc: LC, values: Mapping[str, int]) -> LC:
    """A letter closed form at concrete sizes: letters → numbers, factors ``n`` → coefficients."""

    def coef(t: Term) -> Term:
        c = t.coef
        kept = []
        for s, e in t.scalars:
            if isinstance(s, Sym) and s.shape == () and s.name in values and e.denominator == 1:
                c *= Fraction(values[s.name]) ** int(e)
            else:
                kept.append((s, e))
        return Term(c, tuple(kept), t.mats)

    return _map_lc(lc, lambda k: values.get(k, k) if isinstance(k, str) else k, coef)


def factor_right(lc: LC) -> LC:
    """Take a matrix factor common to the right of every term outside: A*x + A.T*x →
    (A + A.T)*x (the left factor is already taken out by the derivation)."""
    terms = lc.terms
    if len(terms) < 2 or any(len(t.mats) < 2 for t in terms):
        return lc
    last = terms[0].mats[-1]
    if any(t.mats[-1] != last for t in terms):
        return lc
    rest = LC(_sorted_terms([Term(t.coef, t.scalars, t.mats[:-1]) for t in terms]),
              (lc.shape[0], last.shape[0]))
    return LC((Term(Fraction(1), (), (Group(rest), last)),), lc.shape)


def unsentinel(text: str, letters: Mapping[int, str]) -> str:
    """An error message with the sentinel sizes written as their letters."""
    return re.sub(r"\d+", lambda m: letters.get(int(m.group()), m.group()), text)


def _with_letters(exc: ExpressionError, letters: Mapping[int, str]) -> ExpressionError:
    """``exc`` with the sentinel sizes in its facts (and their parts) written as letters."""
    if exc.key is None:
        return ExpressionError(unsentinel(str(exc), letters))

    def fact(value: object) -> object:
        if isinstance(value, Phrase):
            return Phrase(value.key or "", **{k: fact(v) for k, v in value.facts.items()})
        if isinstance(value, str):
            return type(value)(unsentinel(value, letters))
        if isinstance(value, int) and not isinstance(value, bool):
            return letters.get(value, value)
        return value

    return type(exc)(exc.key, **{k: fact(v) for k, v in exc.facts.items()})


_SCALAR: dict[str, Callable[[Any], Any]] = {
    "log": sympy.log, "exp": sympy.exp, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos,
    "tanh": sympy.tanh, "abs": sympy.Abs, "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
}


# ---------------------------------------------------------------------------
# The forward expression as a SymPy matrix expression (letters as sizes)


def forward_expression(root: Node, shapes: Mapping[str, LetterShape],
                       declared: Mapping[str, Declared]) -> Any:
    """J as a SymPy matrix expression over ``MatrixSymbol``s with letter sizes; None where
    SymPy has no matrix form of a function (element-wise functions, norms)."""
    size_symbols: dict[str, Any] = {}

    def size(k: Size) -> Any:
        if isinstance(k, int):
            return k
        return size_symbols.setdefault(k, sympy.Symbol(k, integer=True, positive=True))

    def walk(n: Node) -> Any:
        if isinstance(n, Num):
            return sympy.Rational(n.value.numerator, n.value.denominator)
        if isinstance(n, Name):
            x = declared[n.id]
            s = _algebra_shape(shapes[n.id])
            return sympy.MatrixSymbol(n.id, size(s[0]), size(s[1])) if s else \
                _scalar_symbol(x.bare)
        if isinstance(n, Neg):
            return -walk(n.operand)
        if isinstance(n, Transpose):
            return walk(n.operand).T
        if isinstance(n, BinOp) and n.op in ("+", "-", "*", "/", "**"):
            a, b = walk(n.left), walk(n.right)
            if n.op == "+":
                return a + b
            if n.op == "-":
                return a - b
            if n.op == "*":
                return a * b
            return a / b if n.op == "/" else a**b
        if isinstance(n, Call) and n.func in ("trace", "det", "inv"):
            a = walk(n.args[0])
            return {"trace": sympy.Trace, "det": sympy.Determinant,
                    "inv": sympy.Inverse}[n.func](a)
        if isinstance(n, Call) and n.func in _SCALAR and len(n.args) == 1:
            a = walk(n.args[0])
            if getattr(a, "is_Matrix", False):
                raise ValueError(n)  # element by element: no SymPy matrix form
            return _SCALAR[n.func](a)
        raise ValueError(n)

    try:
        return walk(root)
    except (ValueError, TypeError, AttributeError, sympy.ShapeError):
        return None


# ---------------------------------------------------------------------------
# The derivation


class GeneralMatrixDerivation(Derivation):
    """``matrix`` for letter sizes: ``d.closed_forms["X"]`` is the closed form with letters
    (``2*X.T*(X*w - y)``), ``d.checked_sizes`` the sizes it was checked at element by element."""

    def __init__(self, *, forms: dict[str, ClosedForm], explicit: Node,
                 shapes: dict[str, LetterShape], declared: dict[str, Declared],
                 letters: list[str], scalar_rules: dict[str, Any], same_factors: dict[str, bool],
                 verified: dict[str, str | None], checked_sizes: list[dict[str, int]],
                 wrt: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.forms = forms
        self.explicit = explicit
        self.shapes = shapes
        self.declared = declared
        self.letters = letters
        self.scalar_rules = scalar_rules
        self.same_factors = same_factors
        self.verified = verified
        self.checked_sizes = checked_sizes
        self.wrt = wrt

    @property
    def closed_forms(self) -> dict[str, str | None]:
        """Closed matrix form of ∂J/∂name with letter sizes (SymPy syntax), or None."""
        return {n: (lc_text(f.lc) if f.lc is not None else None) for n, f in self.forms.items()}

    def to_code(self, framework: str = "numpy", command_line: str | None = None) -> str:
        raise SpecError("matrix.emit_letters")

    def evaluate(self, seed: int | None = None, **given: Any) -> Any:
        raise SpecError("matrix.values_letters")


def _check_sizes(
    expression: str, shapes: Mapping[str, LetterShape], wrt: list[str],
    forms: Mapping[str, ClosedForm], letters: list[str], seed: int | None, max_terms: int | None,
) -> tuple[dict[str, str | None], list[dict[str, int]]]:
    """Every letter form against the element-wise gradient at each assignment of sizes."""
    verified: dict[str, str | None] = {n: None for n, f in forms.items() if f.lc is not None}
    checked = assignments(letters)
    # the largest sizes first: a budget refusal comes before any other work
    for values in sorted(checked, key=lambda v: -sum(v.values())):
        d = concrete.matrix(expression, shape=spec_at(shapes, values), wrt=wrt, seed=seed,
                   max_terms=max_terms)
        where = sizes_text(values)
        names = {n: algebra_name(n, x) for n, x in d.declared.items()}
        env = {n: (a.reshape(_algebra_shape(d.declared[n].shape)) if a.ndim else a)
               for n, a in d.arrays.items()}
        symbol_env = {names[n]: (sympy.Matrix(env[n].tolist()) if env[n].ndim == 2
                                 else env[n][()]) for n in d.declared}
        field = RationalField(d.table.symbols())
        for name in verified:
            lc = forms[name].lc
            assert lc is not None
            problem = compare_at(lc, values, d, name, symbol_env, field)
            if problem is not None and verified[name] is None:
                verified[name] = f"at {where}: {problem}"
    return verified, checked


def compare_at(lc: LC, values: Mapping[str, int], d: Any, name: str,
               symbol_env: Mapping[str, Any], field: RationalField) -> str | None:
    """None when the letter form at ``values`` equals ``d``'s element-wise gradient."""
    return _verify(at_sizes(lc, values), d.jacobians[name], d.arrays[name], symbol_env, field)


def matrix_general(
    expression: str, shape: Any, wrt: Any = None, at: Any = None, *,
    seed: int | None = None, max_terms: int | None = None,
) -> GeneralMatrixDerivation:
    """:func:`gradsym.layers.matrix.matrix` when some ``--shape`` size is a letter."""
    if at:
        raise SpecError("matrix.at_letters")
    shapes = letter_shapes(shape)
    letters = list(dict.fromkeys(k for s in shapes.values() for k in s if isinstance(k, str)))
    if len(letters) > len(SENTINELS):
        raise SpecError("matrix.letters_count", limit=len(SENTINELS), count=len(letters),
                        letters=", ".join(letters))
    concrete = declare(spec_at(shapes, dict.fromkeys(letters, 2)), functions=MATRIX_FUNCTIONS,
                       max_dims=2)
    clash = [k for k in letters if k in concrete]
    if clash:
        raise SpecError("matrix.letter_clash", letter=clash[0])
    code = {k: SENTINELS[i] for i, k in enumerate(letters)}
    back = {p: k for k, p in code.items()}
    declared = {n: Declared(n, tuple(code[k] if isinstance(k, str) else k for k in shapes[n]),
                            x.bare)
                for n, x in concrete.items()}
    algebra = {n: _algebra_shape(x.shape) for n, x in declared.items()}
    try:
        tree = lower(parse(expression, names=list(declared),
                           functions=[*MATRIX_FUNCTIONS, *NOTATION_FUNCTIONS],
                           elementwise=ELEMENTWISE), algebra)
        explicit, node_shapes = elaborate(tree, algebra)
    except ExpressionError as exc:
        raise _with_letters(exc, back) from None
    used = names_in(tree)
    wrt_names = parse_wrt(wrt, declared, used)
    out_shape = node_shapes[explicit]
    if out_shape not in ((), (1, 1)):
        raise SpecError("matrix.letters_scalar",
                        shape=unsentinel("x".join(map(str, out_shape)), back))
    derived = closed_forms(explicit, node_shapes, declared, wrt_names)
    forms = {n: ClosedForm(n, factor_right(to_letters(f.lc, back)) if f.lc is not None else None,
                           f.reason)
             for n, f in derived.items()}
    names = {n: algebra_name(n, x) for n, x in declared.items()}
    scalar_j = tree_scalar(explicit, names)
    rules: dict[str, Any] = {}
    same: dict[str, bool] = {}
    for name, form in forms.items():
        rules[name] = sympy.factor_terms(derivative(scalar_j, _scalar_symbol(names[name])))
        if form.lc is not None:
            same[name] = equivalent(lc_scalar(form.lc), rules[name])
    verified, checked = _check_sizes(expression, shapes, wrt_names, forms, letters, seed,
                                     max_terms)
    checks = []
    if verified:
        failed = [n for n, v in verified.items() if v is not None]
        where = "; ".join(sizes_text(v) for v in checked)
        checks.append(Check(
            CHECK_NAME,
            "each closed matrix form (" + ", ".join(f"∂J/∂{n}" for n in verified) + "), derived "
            f"for every size {', '.join(letters)}, equals at {where}, entry by entry, the "
            "derivative of J expanded into element symbols",
            not failed,
            f"∂J/∂{failed[0]}: {verified[failed[0]]}" if failed else None,
        ))
    forward = np.empty((), dtype=object)
    forward[()] = forward_expression(explicit, shapes, declared)
    letter_declared = {n: Declared(n, shapes[n], x.bare) for n, x in declared.items()}
    return GeneralMatrixDerivation(
        forms=forms, explicit=explicit, shapes=shapes, declared=letter_declared, letters=letters,
        scalar_rules=rules, same_factors=same, verified=verified, checked_sizes=checked,
        wrt=wrt_names,
        command="matrix",
        config={
            "expression": expression,
            "shapes": {n: shape_letters(s) for n, s in shapes.items()},
            "wrt": wrt_names,
            "output": [],
            "semantics": "matrix",
            "symbolic_sizes": letters,
        },
        table=VarTable(),
        symbols={},
        forward=forward if forward[()] is not None else np.empty((0,), dtype=object),
        jacobians={},
        grads={},
        checks=checks,
        title=("title.matrix_general", {"letters": ", ".join(letters)}),
        output_letter="J",
    )


def matrix(
    expression: str | None = None,
    shape: Any = None,
    wrt: Any = None,
    at: Any = None,
    *,
    seed: int | None = None,
    max_terms: int | None = None,
    hessian: bool = False,
) -> MatrixDerivation | GeneralMatrixDerivation:
    """Matrix calculus in closed matrix form (``*`` and ``@`` are matrix products); sizes
    may be letters (``X=nxn``, ``x=n``): then the closed forms hold for every size. Other
    ``hessian=True`` (``--hessian``) also derives the Hessians (concrete sizes only).

    >>> d = matrix("x.T*A*x", shape=["x=n", "A=nxn"])
    >>> d.closed_forms, d.checked_sizes
    ({'x': '(A + A.T)*x', 'A': 'x*x.T'}, [{'n': 1}, {'n': 2}, {'n': 3}])
    """
    if expression is not None and has_letters(shape):
        if hessian:  # the Hessian's closed forms are derived and checked at concrete sizes
            raise SpecError("matrix.hessian_letters")
        return matrix_general(expression, shape, wrt, at, seed=seed, max_terms=max_terms)
    return concrete.matrix(expression, shape, wrt, at, seed=seed, max_terms=max_terms,
                           hessian=hessian)
