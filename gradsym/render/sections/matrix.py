"""``matrix``: the dimension-consistency section and the JSON ``gradients`` in matrix form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from gradsym.layers.expr import shape_text
from gradsym.layers.matrix import (
    LC,
    MatrixDerivation,
    Reason,
    Shape,
    _algebra_shape,
    lc_text,
)
from gradsym.layers.matrix_algebra import _factor_text, _power_text, chain_shape, scalar_shape
from gradsym.numeric import json_number
from gradsym.render.document import Equations, Expr, Label, Para
from gradsym.render.jsonvalues import expr_text, nested
from gradsym.render.messages import Catalogue
from gradsym.render.sections.expr import renamed_json, value_grids
from gradsym.sympy_text import sympy_text

if TYPE_CHECKING:
    from gradsym.derivation import Derivation


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The dimension-consistency section, in the renderer's language."""
    assert isinstance(d, MatrixDerivation)
    if not d.scalar:
        return []
    ev = d.numeric
    shapes = {x.bare: _algebra_shape(x.shape) for x in d.declared.values()}
    blocks: list[Any] = []
    for name, form in d.forms.items():
        x = d.declared[name]
        target = _algebra_shape(x.shape)
        blocks.append(Para(t("matrix.target", name=name, shape=shape_text(target))))
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
            blocks.append(Para(t("matrix.zero", name=name, expression=lc_text(form.lc))))
        else:
            rule = d.scalar_rules[name]
            rule_at = rule_shape(rule, shapes)
            blocks.append(Para(t("matrix.scalar_rule", name=name, expression=rule_text(rule))))
            blocks.append(Para(t("matrix.factors", factors=_scalar_factors(rule, shapes, t),
                                 verdict=_verdict(t, rule_at, target, name))))
            blocks.append(Para(t("matrix.closed_form_already" if rule_at == target
                                 else "matrix.closed_form", name=name,
                                 expression=lc_text(form.lc))))
            blocks.append(Para(t("matrix.factors", factors=_closed_factors(form.lc, t),
                                 verdict=t("matrix.consistent", shape=shape_text(target),
                                           name=name))))
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
    return [("grad", ("section.matrix_grad", {}), blocks)]


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


def _scalar_factors(rule: Any, shapes: Mapping[str, Shape], t: Any) -> str:
    parts = []
    for f in rule_factors(rule)[1]:
        s = scalar_shape(f, shapes)
        text = _sympy_str(f)
        if f.is_Add:
            text = f"({text})"
        parts.append(f"{text} {'?' if s is None else shape_text(s)}")
    return ", ".join(parts) if parts else str(t("matrix.a_number"))


def rule_shape(rule: Any, shapes: Mapping[str, Shape]) -> Shape | None:
    return chain_shape([scalar_shape(f, shapes) for f in rule_factors(rule)[1]])


def _verdict(t: Any, shape: Shape | None, target: Shape, name: str) -> str:
    if shape is None:
        return str(t("matrix.not_conformable"))
    if shape == target or (shape == () and target == ()):
        return str(t("matrix.consistent", shape=shape_text(shape), name=name))
    return f"{shape_text(shape)}, " + str(t("matrix.inconsistent", name=name))


def _closed_factors(lc: LC, t: Any) -> str:
    if len(lc.terms) != 1:
        return str(t("matrix.sum_of_terms", count=len(lc.terms), shape=shape_text(lc.shape)))
    term = lc.terms[0]
    parts = [f"{_power_text(a, e)} {shape_text(())}" for a, e in term.scalars]
    parts += [f"{_factor_text(m)} {shape_text(m.shape)}" for m in term.mats]
    return ", ".join(parts) if parts else str(t("matrix.a_number"))


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
    return {
        "shapes": {x.bare: list(_algebra_shape(x.shape)) for x in d.declared.values() if x.shape},
        "gradients": gradients,
        **({"notes": notes} if notes else {}),
        "assumptions": {name: {"real": True} for name in d.table.names},
        **renamed_json(d.declared),
    }
