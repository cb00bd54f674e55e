"""``matrix``: the dimension-consistency section and the JSON ``gradients`` in matrix form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from gradsym.layers.expr import shape_text
from gradsym.layers.matrix import LC, MatrixDerivation, algebra_name, lc_text
from gradsym.layers.matrix_adjoint import Reason, Shape, _algebra_shape
from gradsym.layers.matrix_algebra import (
    _factor_text,
    _power_text,
)
from gradsym.layers.matrix_values import (
    chain_shape,
    scalar_shape,
)
from gradsym.numeric import json_number
from gradsym.render.document import Equations, Expr, Formula, Label, Para, typeset
from gradsym.render.jsonvalues import expr_text, nested
from gradsym.render.matrix_tex import factors_tex, lc_tex, node_tex, shape_tex, sympy_tex
from gradsym.render.sections.expr import renamed_json, value_grids
from gradsym.render.wording import Catalogue
from gradsym.sympy_text import sympy_text

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The dimension-consistency section, in the renderer's language."""
    assert isinstance(d, MatrixDerivation)
    if not d.scalar:
        return []
    ev = d.numeric
    shapes = {algebra_name(n, x): _algebra_shape(x.shape) for n, x in d.declared.items()}
    blocks: list[Any] = []
    for name, form in d.forms.items():
        x = d.declared[name]
        target = _algebra_shape(x.shape)
        blocks.append(Para(typeset(t, "matrix.target", name=name, shape=_shape(target))))
        if form.lc is None:
            key, params = form.reason
            blocks.append(Para(t("matrix.no_closed_form", name=name, reason=t(key, **params))))
            arr = d.gradient_elems[name]
            tensor = d.symbols[name]
            rows: list[Any] = [
                (Label(tensor.letter, tuple(i + 1 for i in index), prefix="∂J/∂"),
                 Expr(arr[index]))
                for index in np.ndindex(*arr.shape)
            ]
            blocks.append(Equations(rows))
        elif not form.lc.terms:
            blocks.append(Para(typeset(t, "matrix.zero", name=name, expression=_closed(form.lc))))
        else:
            rule = d.scalar_rules[name]
            rule_at = rule_shape(rule, shapes)
            blocks.append(Para(typeset(t, "matrix.scalar_rule", name=name,
                                       expression=Formula(rule_text(rule), rule_tex(rule)))))
            blocks.append(Para(typeset(t, "matrix.factors",
                                       factors=_scalar_factors(rule, shapes, t),
                                       verdict=_verdict(t, rule_at, target, name))))
            blocks.append(Para(typeset(t, "matrix.closed_form_already" if rule_at == target
                                       else "matrix.closed_form", name=name,
                                       expression=_closed(form.lc))))
            blocks.append(Para(typeset(t, "matrix.factors", factors=_closed_factors(form.lc, t),
                                       verdict=typeset(t, "matrix.consistent",
                                                       shape=_shape(target), name=name))))
            blocks.append(Para(t("matrix.same_factors" if d.same_factors.get(name)
                                 else "matrix.other_factors")))
            mismatch = d.verified.get(name)
            verified = (t("matrix.verified_points", name=name, points=d.points) if d.points
                        else t("matrix.verified", name=name))
            blocks.append(Para(verified if mismatch is None
                               else t("matrix.refuted", mismatch=mismatch)))
        if ev is not None:
            blocks.extend(value_grids(f"∂J/∂{name} ({t('numeric.values')})",
                                      ev.gradient_values[name], ev.decimal, t, full))
    from gradsym.render.matrix_hessian import hessian_sections

    return [("grad", ("section.matrix_grad", {}), blocks), *hessian_sections(d, t, full)]


def setup(d: Derivation) -> list[Any]:
    """The set-up lines, with "Read as: J = …" typeset in LaTeX and Markdown."""
    assert isinstance(d, MatrixDerivation)
    names = {n: algebra_name(n, x) for n, x in d.declared.items()}
    out: list[Any] = []
    lines = list(d.setup)
    verbatim = any(isinstance(x, tuple) and x[0] == "matrix.read_as" for x in lines)
    for line in lines:
        if isinstance(line, tuple) and line[0] == "matrix.setup" and not verbatim:
            # the user's text is also the canonical form: typeset it (else it is shown as
            # typed, and the "Read as" line below is typeset)
            expression = line[1]["expression"]
            line = (line[0], {"expression": Formula(expression, node_tex(d.explicit, names))})
        if isinstance(line, tuple) and line[0] == "matrix.read_as":
            canonical = line[1]["canonical"]
            line = (line[0], {"canonical": Formula(canonical, node_tex(d.explicit, names))})
        out.append(line)
    return out


def reason_text(reason: Reason) -> str:
    """A reason for a missing closed form, in English (for JSON)."""
    key, params = reason
    return Catalogue("en")(key, **params)


def _sympy_str(e: Any) -> str:
    return sympy_text(e)


def rule_factors(rule: Any) -> tuple[Any, list[Any]]:
    """A scalar-rule result as a signed number times factors in printed order, each sum
    written with a positive first term: ``-2*X*w + 2*y`` → (-2, [X*w - y])."""
    coef, rest = sympy.factor_terms(rule).as_coeff_Mul()
    factors = list(rest.as_ordered_factors()) if rest != 1 else []
    out = []
    for f in factors:
        if f.is_Add and _sympy_str(f).startswith("-"):
            f, coef = -f, -coef
        out.append(f)
    return coef, out


def rule_text(rule: Any) -> str:
    """SymPy-syntax text of a scalar-rule result, factored: ``-2*(X*w - y)``."""
    coef, factors = rule_factors(rule)
    if not factors:
        return _sympy_str(coef)
    if len(factors) == 1 and coef == 1:
        return _sympy_str(factors[0])
    parts = [f"({_sympy_str(f)})" if f.is_Add else _sympy_str(f) for f in factors]
    magnitude = abs(coef)
    head = [] if magnitude == 1 else [_sympy_str(magnitude)]
    return ("-" if coef < 0 else "") + "*".join(head + parts)


def _shape(shape: Shape) -> Formula | str:
    """A shape in prose: ``2x3`` on the terminal, 2 × 3 typeset; ``scalar`` stays a word."""
    return Formula(shape_text(shape), shape_tex(shape)) if shape else shape_text(shape)


def _closed(lc: LC) -> Formula:
    return Formula(lc_text(lc), lc_tex(lc))


def rule_tex(rule: Any) -> str:
    """:func:`rule_text` typeset: ``-2 \\left(X w - y\\right)``."""
    coef, factors = rule_factors(rule)
    if not factors:
        return sympy_tex(coef)
    parts = [rf"\left({sympy_tex(f)}\right)" if f.is_Add and (len(factors) > 1 or coef != 1)
             else sympy_tex(f) for f in factors]
    magnitude = abs(coef)
    head = [] if magnitude == 1 else [sympy_tex(magnitude)]
    return ("-" if coef < 0 else "") + " ".join(head + parts)


def _scalar_factors(rule: Any, shapes: Mapping[str, Shape], t: Any) -> Formula | str:
    texts, texes = [], []
    for f in rule_factors(rule)[1]:
        s = scalar_shape(f, shapes)
        text = _sympy_str(f)
        tex = sympy_tex(f)
        if f.is_Add:
            text, tex = f"({text})", rf"\left({tex}\right)"
        texts.append(f"{text} {'?' if s is None else shape_text(s)}")
        texes.append(rf"\underbrace{{{tex}}}_{{{'?' if s is None else shape_tex(s)}}}")
    if not texts:
        return str(t("matrix.a_number"))
    return Formula(", ".join(texts), r",\ ".join(texes))


def rule_shape(rule: Any, shapes: Mapping[str, Shape]) -> Shape | None:
    return chain_shape([scalar_shape(f, shapes) for f in rule_factors(rule)[1]])


def _verdict(t: Any, shape: Shape | None, target: Shape, name: str) -> Any:
    if shape is None:
        return str(t("matrix.not_conformable"))
    if shape == target or (shape == () and target == ()):
        return typeset(t, "matrix.consistent", shape=_shape(shape), name=name)
    return typeset(t, "matrix.inconsistent", name=name).prefixed(_shape(shape), ", ")


def _closed_factors(lc: LC, t: Any) -> Any:
    if len(lc.terms) != 1:
        return typeset(t, "matrix.sum_of_terms", count=len(lc.terms), shape=_shape(lc.shape))
    term = lc.terms[0]
    parts = [f"{_power_text(a, e)} {shape_text(())}" for a, e in term.scalars]
    parts += [f"{_factor_text(m)} {shape_text(m.shape)}" for m in term.mats]
    tex = factors_tex(lc)
    if not parts or tex is None:
        return str(t("matrix.a_number"))
    return Formula(", ".join(parts), tex)


def json_fields(d: Derivation) -> dict[str, Any]:
    """``shapes``, ``gradients`` (closed form, scalar rule, element-wise) and assumptions."""
    assert isinstance(d, MatrixDerivation)
    ev = d.numeric
    gradients: dict[str, Any] = {}
    elems = d.gradient_elems
    for name, form in d.forms.items():
        entry: dict[str, Any] = {
            "expression": lc_text(form.lc) if form.lc is not None else None,
            "shape": list(_algebra_shape(d.declared[name].shape)),
        }
        if form.lc is None:
            entry["reason"] = "no closed matrix form: " + reason_text(form.reason)
        else:
            entry["scalar_rule"] = rule_text(d.scalar_rules[name])
            entry["verified"] = d.verified.get(name) is None
            entry["check"] = (f"exact at {d.points} random rational points" if d.points
                              else "symbolic, for all values")
        entry["elementwise"] = nested(elems[name], lambda e: expr_text(d, e))
        if ev is not None:
            entry["numeric"] = nested(ev.gradient_values[name], lambda v: json_number(v, ev.decimal))
        gradients[name] = entry
    notes = [] if d.scalar else [
        f"J is {shape_text(d.forward_elems.shape)}, not a scalar: there is no matrix-form "
        f"gradient, only the element-wise Jacobian; make J a scalar (trace, sum, norm) for one"
    ]
    from gradsym.render.matrix_hessian import hessian_json

    return {
        "shapes": {n: list(_algebra_shape(x.shape)) for n, x in d.declared.items() if x.shape},
        "gradients": gradients,
        **hessian_json(d),
        **({"notes": notes} if notes else {}),
        "assumptions": {name: {"real": True} for name in d.table.names},
        **renamed_json({n: x for n, x in d.declared.items() if not x.shape}),  # matrices keep theirs
    }
