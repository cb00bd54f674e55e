"""``matrix`` with letter sizes: the dimension check in letters, the sizes the closed forms
were checked at, and the JSON ``gradients`` with ``checked_sizes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradsym.layers.matrix import _algebra_shape, _sympy_style
from gradsym.layers.matrix_algebra import lc_text
from gradsym.layers.matrix_general import GeneralMatrixDerivation, shape_letters, sizes_text
from gradsym.layers.matrix_points import algebra_name
from gradsym.render.document import Formula, Para, typeset
from gradsym.render.matrix_tex import node_tex, shape_tex
from gradsym.render.sections.expr import renamed_json
from gradsym.render.sections.matrix import (
    _closed,
    _closed_factors,
    _scalar_factors,
    _shape,
    _verdict,
    reason_text,
    rule_shape,
    rule_tex,
    rule_text,
)

if TYPE_CHECKING:
    from gradsym.derivation import Derivation
    from gradsym.render.wording import Catalogue


def checked_text(d: GeneralMatrixDerivation) -> str:
    """``n=1; n=2; n=3``."""
    return "; ".join(sizes_text(v) for v in d.checked_sizes)


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The dimension-consistency section in letters, and where the forms were checked."""
    assert isinstance(d, GeneralMatrixDerivation)
    shapes = {algebra_name(n, x): _algebra_shape(x.shape) for n, x in d.declared.items()}
    letters = ", ".join(d.letters)
    blocks: list[Any] = []
    for name, form in d.forms.items():
        target = _algebra_shape(d.shapes[name])
        blocks.append(Para(typeset(t, "matrix.target", name=name, shape=_shape(target))))
        if form.lc is None:
            key, params = form.reason
            blocks.append(Para(t("matrix_general.no_closed_form", name=name,
                                 reason=t(key, **params))))
            continue
        if not form.lc.terms:
            blocks.append(Para(typeset(t, "matrix.zero", name=name, expression=_closed(form.lc))))
            continue
        rule = d.scalar_rules[name]
        rule_at = rule_shape(rule, shapes)
        blocks += [
            Para(typeset(t, "matrix.scalar_rule", name=name,
                         expression=Formula(rule_text(rule), rule_tex(rule)))),
            Para(typeset(t, "matrix.factors", factors=_scalar_factors(rule, shapes, t),
                         verdict=_verdict(t, rule_at, target, name))),
            Para(typeset(t, "matrix.closed_form_already" if rule_at == target
                         else "matrix.closed_form", name=name, expression=_closed(form.lc))),
            Para(typeset(t, "matrix.factors", factors=_closed_factors(form.lc, t),
                         verdict=typeset(t, "matrix.consistent", shape=_shape(target),
                                         name=name))),
            Para(t("matrix.same_factors" if d.same_factors.get(name) else "matrix.other_factors")),
        ]
        mismatch = d.verified.get(name)
        blocks.append(Para(
            t("matrix_general.verified", name=name, letters=letters, sizes=checked_text(d))
            if mismatch is None else t("matrix.refuted", mismatch=mismatch)))
    return [("grad", ("section.matrix_grad", {}), blocks)]


def setup(d: Derivation) -> list[Any]:
    """J typeset, the semantics, the letter shapes and the claim (derived for letters, checked
    at concrete sizes)."""
    assert isinstance(d, GeneralMatrixDerivation)
    names = {n: algebra_name(n, x) for n, x in d.declared.items()}
    expression = d.config["expression"]
    typeset_j = Formula(expression, node_tex(d.explicit, names))
    canonical = _sympy_style(d.explicit)
    lines: list[Any] = [("matrix.setup", {"expression": typeset_j})]
    if canonical.replace(" ", "") != expression.replace(" ", ""):
        lines = [("matrix.setup", {"expression": expression}),
                 ("matrix.read_as", {"canonical": Formula(canonical, typeset_j.tex)})]
    shapes = "; ".join(f"{n}: {shape_letters(s)}" for n, s in d.shapes.items())
    tex = r";\ ".join(rf"{n}: {shape_tex(s)}" if s else f"{n}: 1 \\times 1"
                      for n, s in d.shapes.items())
    return [*lines, ("matrix.semantics", {}),
            ("matrix_general.shapes", {"shapes": Formula(shapes, tex),
                                       "letters": ", ".join(d.letters)}),
            ("matrix_general.claim", {"letters": ", ".join(d.letters), "sizes": checked_text(d)})]


def json_fields(d: Derivation) -> dict[str, Any]:
    """``shapes`` with letters, ``gradients`` (closed form, scalar rule, ``checked_sizes``)."""
    assert isinstance(d, GeneralMatrixDerivation)
    gradients: dict[str, Any] = {}
    for name, form in d.forms.items():
        entry: dict[str, Any] = {
            "expression": lc_text(form.lc) if form.lc is not None else None,
            "shape": list(_algebra_shape(d.shapes[name])),
            "checked_sizes": d.checked_sizes,
        }
        if form.lc is None:
            entry["reason"] = "no closed matrix form: " + reason_text(form.reason)
        else:
            entry["scalar_rule"] = rule_text(d.scalar_rules[name])
            entry["verified"] = d.verified.get(name) is None
            entry["check"] = (f"derived for every size {', '.join(d.letters)}; checked element "
                              f"by element at {checked_text(d)}")
        gradients[name] = entry
    assumptions: dict[str, dict[str, bool]] = {
        k: {"integer": True, "positive": True} for k in d.letters}
    assumptions.update({x.bare: {"real": True} for x in d.declared.values() if not x.shape})
    return {
        "shapes": {n: list(_algebra_shape(s)) for n, s in d.shapes.items() if s},
        "symbolic_sizes": d.letters,
        "checked_sizes": d.checked_sizes,
        "gradients": gradients,
        "assumptions": assumptions,
        **renamed_json({n: x for n, x in d.declared.items() if not x.shape}),
    }
