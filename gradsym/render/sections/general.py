"""``conv --general`` / ``deconv --general``: every rewriting step with its justification,
the proofs, the instance at concrete sizes, and the JSON ``general`` object."""

from __future__ import annotations

import itertools
from typing import Any

import sympy

from gradsym.derivation import Derivation
from gradsym.instantiate import Instantiator, binder
from gradsym.layers.general import (
    MAX_INSTANCE_ROWS,
    Chain,
    General,
    Joined,
    Step,
    lhs_text,
)
from gradsym.layers.general_build import GeneralDerivation
from gradsym.layers.general_check import TENSOR_ROLES, _grid_ranges, _target, grid
from gradsym.render.document import Cell, Equations, Expr, Label, Para
from gradsym.render.wording import Catalogue
from gradsym.sympy_text import sympy_text

_T = Catalogue("en")


def say(t: Catalogue, message: Any) -> str:
    """A message in the language of ``t``.

    >>> say(Catalogue("zh"), Joined(("general.and", {}), ("a", "b")))
    'a 且 b'
    """
    if isinstance(message, str):
        return message
    if isinstance(message, Joined):
        return say(t, message.sep).join(say(t, part) for part in message.parts)
    key, params = message
    return t(key, **{k: say(t, v) if isinstance(v, (tuple, Joined)) else v for k, v in params.items()})


def step_json(step: Step) -> dict[str, Any]:
    """A step as JSON: the rule, its justification in English and the expression."""
    return {"rule": step.rule, "justification": say(_T, step.message), "expression": sympy_text(step.display)}


def _chain_blocks(chain: Chain, t: Catalogue) -> list[Any]:
    blocks: list[Any] = []
    if chain.intro:
        blocks.append(Para(say(t, chain.intro)))
    for step in chain.steps:
        if step.message:
            blocks.append(Para(say(t, step.message)))
        blocks.append(Equations([(Expr(chain.lhs), Expr(step.display))]))
    return blocks


def sections(d: Derivation, t: Catalogue, full: bool) -> list[tuple[str, Any, list[Any]]]:
    """The derivation's own sections (every step justified), in the language of ``t``."""
    assert isinstance(d, GeneralDerivation)
    gen, instance = d.general, d.instance
    out: list[tuple[str, Any, list[Any]]] = []
    if len(gen.forward.steps) > 1:  # a single step is the definition, already in the set-up
        out.append(("forward", ("general.section.forward", {}), _chain_blocks(gen.forward, t)))
    jac: list[Any] = [Para(t("general.jacobian.intro"))]
    for chain in gen.jacobians:
        jac += _chain_blocks(chain, t)
    out.append(("jacobian", ("general.section.jacobian", {}), jac))
    grad: list[Any] = []
    for chain in gen.grads:
        grad.append(Para(t(f"general.grad.{chain.name}")))
        grad += _chain_blocks(chain, t)
    out.append(("grad", ("general.section.grad", {}), grad))
    proof: list[Any] = []
    for idt in gen.identities:
        proof.append(Para(f"{idt.check}: {say(t, idt.statement)}"))
        proof += _chain_blocks(idt.chain, t)
        proof.append(Para(t("general.same" if idt.holds else "general.differs",
                            closed=lhs_text(idt.closed.lhs))))
    out.append(("proof", ("general.section.proof", {}), proof))
    if instance:
        title, d_instance = instance
        out.append(("instance", say(t, title), _instance_section(gen, d_instance, t)))
    return out


def json_fields(d: Derivation) -> dict[str, Any]:
    """Symbols, assumptions, indexed names and the ``general`` object (sizes, steps, …)."""
    assert isinstance(d, GeneralDerivation)
    gen = d.general
    symbols = {"input": "x", "kernel": "w", "upstream": "g"}
    if gen.bias:
        symbols["bias"] = "b"
    assumptions: dict[str, dict[str, bool]] = {}
    for ax in gen.axes:
        for sym in (ax.n, ax.k, ax.s, ax.d, ax.p, ax.q, ax.o):
            assumptions[str(sym)] = {"integer": True, "positive": True} if sym.is_positive else {
                "integer": True, "nonnegative": True}
        for sym in (ax.i, ax.a, ax.j, ax.c, ax.v, ax.m):
            assumptions[str(sym)] = {"integer": True}
    indexed: set[str] = set()
    steps: dict[str, list[dict[str, Any]]] = {}
    for chain in gen.chains():
        steps[chain.name] = [step_json(s) for s in chain.steps]
        for s in chain.steps:
            indexed |= {str(b) for b in s.display.atoms(sympy.IndexedBase)}
        indexed |= {str(b) for b in sympy.sympify(chain.lhs).atoms(sympy.IndexedBase)}
    general: dict[str, Any] = {
        "dims": gen.dims,
        "sizes": {o: sympy_text(f) for o, f in gen.sizes.items()},
        "jacobian": {role: sympy_text(e) for role, e in gen.jacobian.items()},
        "closed_forms": {role: sympy_text(e) for role, e in gen.closed.items()},
        "lhs": {chain.name: sympy_text(chain.lhs) for chain in gen.chains()},
        "steps": steps,
        "identities": {idt.check: idt.holds for idt in gen.identities},
        "grid": {"ranges": _grid_ranges(gen.command), "configurations": len(grid(gen.command, gen.dims))},
    }
    # "indexed": the names that are IndexedBase objects (x[j]) when the strings are read back
    return {"symbols": symbols, "assumptions": assumptions, "indexed": sorted(indexed), "general": general}


def _instance_section(gen: General, d: Derivation, t: Catalogue) -> list[Any]:
    """The closed forms at the instance sizes, printed as the concrete derivation prints them."""
    tensors = {name: (d.symbols[role].first, d.symbols[role].shape)
               for name, role in TENSOR_ROLES.items() if role in d.symbols}
    bind = binder(tensors)
    sizes: dict[Any, int] = {}
    cfg = d.config
    for r, (ax, o) in enumerate(zip(gen.axes, d.forward_elems.shape)):
        sizes.update({ax.n: cfg["input"][r], ax.k: cfg["kernel"][r], ax.s: cfg["stride"][r],
                      ax.d: cfg["dilation"][r], ax.p: cfg["padding"][r][0],
                      ax.q: (cfg.get("output_padding") or [0] * gen.dims)[r], ax.o: o})
    blocks: list[Any] = [Para(t("general.instance.intro"))]
    for chain in [gen.forward, *gen.grads]:
        series = chain.last
        inst = Instantiator(series, set(chain.free) | set(chain.ctx.ranges))
        target = _target(d, chain.target)
        if chain.name == "forward":
            letter, prefix = "y", ""
        else:
            letter, prefix = d.symbols[chain.name].letter, "∂L/∂"
        rows: list[tuple[Cell, Cell]] = []
        points = list(itertools.product(*(range(n) for n in target.shape)))
        for point in points[:MAX_INSTANCE_ROWS]:
            poly = inst.poly(sizes, dict(zip(chain.free, point)), bind)
            rows.append((Label(letter, tuple(i + 1 for i in point), prefix=prefix), Expr(poly)))
        note = t("summary.more", count=len(points) - MAX_INSTANCE_ROWS) if len(points) > MAX_INSTANCE_ROWS else ""
        blocks.append(Para(t("general.instance.chain", lhs=lhs_text(chain.lhs), step=len(chain.steps))))
        blocks.append(Equations(rows, note))
    return blocks
