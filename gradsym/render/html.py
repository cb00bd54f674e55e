"""HTML rendering (``--format html``, ``Derivation.to_html()``, ``_repr_html_``).

One self-contained page built from the renderer-neutral document
(:mod:`gradsym.render.document`): math as MathML, a little inline CSS and
JavaScript, nothing fetched from anywhere. Every displayed tensor element
carries ``data-symbol="NAME"`` (``x_1_2``, ``k_2_1``, ``y_1_1``, ``g_1_1``);
hovering or focusing one adds the class ``linked`` to it and to every element
tied to it through a non-zero Jacobian entry. The links are the derivation's
own sparse Jacobians, embedded as a JSON adjacency list, never re-derived in
the browser. A stepper walks through the flipped-kernel proof (conv, deconv)
or the chain rule layer by layer (chain, mlp).

>>> import gradsym
>>> page = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_html()
>>> page.startswith("<!DOCTYPE html>") and 'data-symbol="x_1_1"' in page
True
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradsym.grids import ZERO
from gradsym.numeric import number_parts
from gradsym.poly import Poly
from gradsym.render.document import (
    ELLIPSIS,
    SECTIONS,
    Block,
    Cell,
    CheckLine,
    Document,
    Equations,
    Expr,
    Grid,
    Label,
    Num,
    Para,
    Row,
    Section,
    Text,
    check_of,
    element_name,
    group_checks,
    index1,
    verdict_text,
)
from gradsym.render.layout import build_document
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

MAX_TERMS = 24  # summands of one expression shown unless --full
MAX_WINDOWS = 64  # window steps of the proof stepper
MAX_WINDOW_MAP = 4096  # elements whose window of the full convolution is shown on hover
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eps": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "lam": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
}
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
_SLOT = re.compile("\x01(\\d+)\x02")
PROOF_CHECKS = ("grad_input_equals_full_conv_rot180_kernel", "forward_equals_full_conv_rot180_kernel")

CSS = """
.gradsym{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",sans-serif;
 color:#1d2330;line-height:1.45;max-width:72em;margin:0 auto;padding:0 1em}
.gradsym h1{font-size:1.5em}.gradsym h2{font-size:1.2em;border-bottom:1px solid #d8dce4;margin-top:1.6em}
.gradsym h3{font-size:1em}.gradsym code{background:#f2f4f8;padding:0 .2em;border-radius:3px}
.gradsym .row{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start;margin:.6em 0}
.gradsym figure{margin:0}.gradsym figcaption{font-size:.85em;color:#4a5263;max-width:24em}
.gradsym table.grid{border-collapse:collapse;margin-top:.2em}
.gradsym table.grid td{border:1px solid #c9ceda;padding:.15em .45em;text-align:center;min-width:1.6em}
.gradsym table.grid th{font-weight:normal;font-size:.7em;color:#8a91a1;padding:0 .3em}
.gradsym table.eqs td{padding:.1em .3em;vertical-align:baseline}
.gradsym .note{font-size:.85em;color:#5d6578}
.gradsym [data-symbol]{border-radius:3px;cursor:default}
.gradsym [data-symbol]:focus{outline:2px solid #3d6fd9;outline-offset:1px}
.gradsym .linked{background:#ffe08a}
.gradsym td.linked{background:#ffd34d}
.gradsym .window{box-shadow:inset 0 0 0 2px #e07b00}
.gradsym .step{background:#cfe3ff;box-shadow:0 0 0 2px #3d6fd9}
.gradsym .ok{color:#1a7f37}.gradsym .fail{color:#c62828}
.gradsym .stepper{border:1px solid #c9ceda;border-radius:6px;padding:.5em .8em;margin:1em 0;background:#f7f9fc}
.gradsym .stepper button{margin-right:.5em}
.gradsym .hint{font-size:.9em;color:#4a5263}
"""

# Delegated handlers on the page's root: no global names, several pages per notebook.
JS = """
(function(root){
var data=JSON.parse(root.querySelector('script.gradsym-links').textContent);
var adj={};data.names.forEach(function(n,i){adj[n]=data.adj[i];});
var all=root.querySelectorAll('[data-symbol]');
function link(el){var s=el.getAttribute('data-symbol');var on={};on[s]=1;
 (adj[s]||[]).forEach(function(i){on[data.names[i]]=1;});
 all.forEach(function(e){if(on[e.getAttribute('data-symbol')])e.classList.add('linked');
  else e.classList.remove('linked');});
 root.querySelectorAll('.window').forEach(function(e){e.classList.remove('window');});
 var w=data.windows,grid=w&&root.querySelector('#'+w.grid);
 if(grid&&w.cells[s])w.cells[s].forEach(function(c){
  var td=grid.querySelector('td[data-cell="'+c+'"]');if(td)td.classList.add('window');});}
function at(ev){var el=ev.target.closest?ev.target.closest('[data-symbol]'):null;
 if(el&&root.contains(el))link(el);}
root.addEventListener('mouseover',at);root.addEventListener('focusin',at);
var box=root.querySelector('.stepper');if(!box)return;
var steps=JSON.parse(root.querySelector('script.gradsym-steps').textContent);
var cur=-1,text=box.querySelector('.caption'),count=box.querySelector('.count');
function show(n){cur=Math.max(0,Math.min(steps.length-1,n));var st=steps[cur];
 root.querySelectorAll('.step').forEach(function(e){e.classList.remove('step');});
 var first=null;(st.targets||[]).forEach(function(sel){root.querySelectorAll(sel).forEach(function(e){
  e.classList.add('step');if(!first)first=e;});});
 text.innerHTML=st.caption;count.textContent=box.getAttribute('data-count')
  .replace('{n}',cur+1).replace('{total}',steps.length);
 if(first&&first.scrollIntoView)first.scrollIntoView({block:'nearest'});}
box.querySelector('.prev').addEventListener('click',function(){show(cur-1);});
box.querySelector('.next').addEventListener('click',function(){show(cur+1);});
show(0);
})(document.currentScript.parentElement);
"""


# -- MathML -------------------------------------------------------------------------
def mi_letter(letter: str) -> str:
    """A tensor letter as MathML: ``<mi>x</mi>``, ``<mi>γ</mi>``, ``<mi>out</mi>``."""
    return f"<mi>{html.escape(GREEK.get(letter, letter))}</mi>"


def mathml_name(letter: str, index: Sequence[int], symbol: str = "") -> str:
    """``x`` with subscript ``1,1``; ``symbol`` adds ``data-symbol`` to the element."""
    attr = f' data-symbol="{html.escape(symbol)}"' if symbol else ""
    if not index:
        return f"<mi{attr}>{html.escape(GREEK.get(letter, letter))}</mi>"
    sub = "<mo>,</mo>".join(f"<mn>{i}</mn>" for i in index)
    return f"<msub{attr}>{mi_letter(letter)}<mrow>{sub}</mrow></msub>"


def mathml_number(value: Any, decimal: bool = False) -> str:
    """An exact number: ``<mn>3</mn>``, a fraction as ``<mfrac>``, SymPy numbers via SymPy."""
    if hasattr(value, "free_symbols"):
        return _sympy_mathml(value, {})
    negative, num, den = number_parts(value, decimal)
    sign = "<mo>−</mo>" if negative else ""
    if den is not None:
        return f"{sign}<mfrac><mn>{num}</mn><mn>{den}</mn></mfrac>"
    return f"{sign}<mn>{html.escape(num)}</mn>"


def mathml_text(text: str) -> str:
    return f"<mtext>{html.escape(text)}</mtext>"


def _sympy_mathml(expr: Any, keys: dict[str, tuple[str, tuple[int, ...]]]) -> str:
    """A SymPy expression as presentation MathML; our symbols carry ``data-symbol``."""
    from sympy.printing.mathml import MathMLPresentationPrinter

    class Printer(MathMLPresentationPrinter):  # type: ignore[misc]
        def _print_Symbol(self, sym: Any, style: str = "plain") -> Any:
            key = keys.get(sym.name)
            if key is None:
                return super()._print_Symbol(sym, style)
            letter, index = key
            dom = self.dom
            base = dom.createElement("mi")
            base.appendChild(dom.createTextNode(GREEK.get(letter, letter)))
            if not index:
                base.setAttribute("data-symbol", sym.name)
                return base
            node = dom.createElement("msub")
            node.setAttribute("data-symbol", sym.name)
            node.appendChild(base)
            row = dom.createElement("mrow")
            for j, i in enumerate(index):
                if j:
                    comma = dom.createElement("mo")
                    comma.appendChild(dom.createTextNode(","))
                    row.appendChild(comma)
                mn = dom.createElement("mn")
                mn.appendChild(dom.createTextNode(str(i)))
                row.appendChild(mn)
            node.appendChild(row)
            return node

    try:
        text = str(Printer({"order": "none"}).doprint(expr))
    except (TypeError, ValueError, NotImplementedError):  # SymPy cannot lay it out (symbolic Range)
        from gradsym.sympy_text import sympy_text

        return mathml_text(sympy_text(expr))
    # SymPy's printer leaves relation signs unescaped (<mo><</mo>): not valid in HTML.
    return text.replace("<mo><</mo>", "<mo>&lt;</mo>").replace("<mo>></mo>", "<mo>&gt;</mo>")


class MathCells:
    """Formats document cells as MathML (without the ``<math>`` element)."""

    def __init__(self, d: Derivation) -> None:
        self.d = d
        self._names: list[str] | None = None
        self._keys: dict[str, tuple[str, tuple[int, ...]]] | None = None
        self._slots: list[str] | None = None  # placeholders the polynomial printer fills in

    @property
    def names(self) -> list[str]:
        if self._names is None:
            table = self.d.table
            self._names = [mathml_name(letter, index, name)
                           for (letter, index), name in zip(table.keys, table.names)]
        return self._names

    @property
    def keys(self) -> dict[str, tuple[str, tuple[int, ...]]]:
        if self._keys is None:
            self._keys = dict(zip(self.d.table.names, self.d.table.keys))
        return self._keys

    def terms(self, elem: Any) -> list[str]:
        """The summands of an engine element, each MathML with its sign (first one unsigned)."""
        if isinstance(elem, Poly):
            if self._slots is None:
                self._slots = [f"\x01{v}\x02" for v in range(len(self.d.table.keys))]
            text = self.d.table.format(elem, names=self._slots, times="\x03",
                                       power="<msup><mrow>{base}</mrow><mn>{exp}</mn></msup>",
                                       number=lambda v: mathml_number(v).replace(" ", "\x04"))
            tokens = text.split(" ")
            out = [tokens[0]]
            for sign, term in zip(tokens[1::2], tokens[2::2]):
                out.append(("<mo>+</mo>" if sign == "+" else "<mo>−</mo>") + term)
            if out[0].startswith("-"):
                out[0] = "<mo>−</mo>" + out[0][1:]
            names = self.names
            return [_SLOT.sub(lambda m: names[int(m.group(1))], t).replace("\x03", "<mo>&#x2062;</mo>")
                    .replace("\x04", " ") for t in out]
        if hasattr(elem, "free_symbols"):
            return [_sympy_mathml(elem, self.keys)]
        return [mathml_number(elem)]

    def expr(self, elem: Any, full: bool = True) -> str:
        terms = self.terms(elem)
        if not full and len(terms) > MAX_TERMS:
            terms = [*terms[: MAX_TERMS - 1], "<mo>+</mo><mo>⋯</mo>", terms[-1]]
        return "".join(terms)

    def cell(self, c: Cell, *, symbols: bool = True, full: bool = True) -> str:
        if isinstance(c, Expr):
            text = self.expr(c.elem, full)
            return text if symbols else _strip_symbols(text)
        if isinstance(c, Num):
            return mathml_number(c.value, c.decimal)
        if isinstance(c, Label):
            name = mathml_name(c.letter, c.index)
            prefix = re.fullmatch(r"∂(\w+)/∂", c.prefix)
            if prefix:
                return (f"<mfrac><mrow><mo>∂</mo>{mi_letter(prefix.group(1))}</mrow>"
                        f"<mrow><mo>∂</mo>{name}</mrow></mfrac>")
            return (mathml_text(c.prefix) if c.prefix else "") + name
        assert isinstance(c, Text)
        return "<mo>…</mo>" if c == ELLIPSIS else mathml_text(c.text)


def _strip_symbols(text: str) -> str:
    return re.sub(r' data-symbol="[^"]*"', "", text)


def label_symbol(label: Label) -> str:
    """The symbol a label names: ``x_1_1`` for x[1,1] and for ∂L/∂x[1,1]."""
    return "_".join([label.letter, *map(str, label.index)])


def math(inner: str, display: bool = False) -> str:
    mode = ' display="block"' if display else ""
    return f"<math{mode}>{inner}</math>"


def prose(text: str) -> str:
    """A paragraph's text, escaped, option names as code."""
    out: list[str] = []
    pos = 0
    for match in _OPTION.finditer(text):
        out.append(html.escape(text[pos : match.start()]))
        out.append(f"<code>{html.escape(match.group(1))}</code>")
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


# -- the page -----------------------------------------------------------------------
class HtmlWriter:
    """Turns a document's blocks into HTML; collects the symbols it shows and the steps."""

    def __init__(self, doc: Document, full: bool, lang: str) -> None:
        self.doc = doc
        self.d = doc.derivation
        self.cells = MathCells(doc.derivation)
        self.full = full
        self.lang = lang
        self.t = Catalogue(lang)
        self.shown: set[str] = set()
        self.grid_count = 0
        self.steps: list[dict[str, Any]] = []
        self.proof_grids: list[str] = []  # ids of the grids illustrating the stepped proof
        self.eq_ids: dict[str, str] = {}  # symbol of an equation's left side → its element id
        self.ids: dict[int, str] = {}  # id() of a rendered Grid or Equations block → element id
        # The full convolution's window (cells of g̃ or x̃) that gives each element of ∂L/∂x or y.
        self.windows: dict[str, list[str]] = {}
        self.window_grid = ""

    # blocks
    def render(self) -> str:
        body = [f"<h1>{prose(self.doc.title)}</h1>", f'<p class="hint">{prose(self.t("html.hint"))}</p>']
        sections = [self.section(s) for s in self.doc.sections]
        self.make_steps()
        if self.steps:
            body.append(self.stepper())
        body += sections
        mark = '<span class="ok">✓</span>' if self.doc.holds else '<span class="fail">✗</span>'
        body.append(f'<p class="verdict"><strong>{mark} {prose(self.doc.verdict)}</strong></p>')
        body.append(_json_script("gradsym-links", self.links()))
        body.append(_json_script("gradsym-steps", self.steps))
        body.append(f"<script>{JS}</script>")
        return (f'<div class="gradsym" lang="{self.lang}"><style>{CSS}</style>\n'
                + "\n".join(body) + "\n</div>")

    def section(self, section: Section) -> str:
        parts = [f'<section data-key="{section.key}"><h2>{prose(section.title)}</h2>']
        for check, blocks in group_checks(section.blocks):
            if check is not None:
                parts.append(self.check(check, blocks))
            else:
                parts += [self.block(b, section) for b in blocks]
        parts.append("</section>")
        return "\n".join(parts)

    def block(self, block: Block, section: Section | None = None) -> str:
        if isinstance(block, Para):
            return f"<p>{prose(str(block.text))}</p>"
        if isinstance(block, Grid):
            return f'<div class="row">{self.grid(block)}</div>'
        if isinstance(block, Row):
            return '<div class="row">' + "".join(self.grid(g) for g in block.grids) + "</div>"
        if isinstance(block, Equations):
            return self.equations(block, section)
        if isinstance(block, CheckLine):
            return self.check(block, [])
        return f"<p>{prose(str(getattr(block, 'text', block)))}</p>"

    def grid(self, grid: Grid) -> str:
        self.grid_count += 1
        gid = f"gs-grid-{self.grid_count}"
        self.ids[id(grid)] = gid
        ncols = max((len(r) for r in grid.cells), default=0)
        head = "".join(f"<th>{j + 1}</th>" for j in range(ncols))
        rows = [f"<tr><th></th>{head}</tr>"]
        for i, row in enumerate(grid.cells):
            tds = []
            for j, c in enumerate(row):
                symbol = grid.symbols[i][j] if grid.symbols else ""
                if not symbol and isinstance(c, Label):
                    symbol = label_symbol(c)
                inner = math(self.cells.cell(c, symbols=False, full=self.full))
                attrs = f' data-cell="{i},{j}"'
                if symbol:
                    self.shown.add(symbol)
                    attrs += f' data-symbol="{html.escape(symbol)}" tabindex="0"'
                tds.append(f"<td{attrs}>{inner}</td>")
            rows.append(f"<tr><th>{i + 1}</th>{''.join(tds)}</tr>")
        note = f'<div class="note">{prose(grid.note)}</div>' if grid.note else ""
        return (f'<figure id="{gid}"><figcaption>{prose(grid.title)}</figcaption>'
                f'<table class="grid">{"".join(rows)}</table>{note}</figure>')

    def equations(self, block: Equations, section: Section | None = None) -> str:
        self.grid_count += 1
        rows: list[str] = []
        for lhs, rhs in block.rows:
            attrs = ""
            if isinstance(lhs, Label):
                symbol = label_symbol(lhs)
                self.shown.add(symbol)
                eid = f"gs-eq-{self.grid_count}-{len(rows)}"
                self.eq_ids.setdefault(("∂" if lhs.prefix else "") + symbol, eid)
                attrs = f' id="{eid}" data-symbol="{html.escape(symbol)}" tabindex="0"'
            right = self.cells.cell(rhs, full=self.full)
            self.shown.update(re.findall(r'data-symbol="([^"]*)"', right))
            rows.append(f'<tr><td class="lhs"{attrs}>{math(self.cells.cell(lhs))}</td>'
                        f"<td>{math('<mo>=</mo>' + right)}</td></tr>")
        note = f'<p class="note">{prose(block.note)}</p>' if block.note else ""
        self.ids[id(block)] = f"gs-eqs-{self.grid_count}"
        return f'<table class="eqs" id="gs-eqs-{self.grid_count}">{"".join(rows)}</table>{note}'

    def check(self, line: CheckLine, illustration: list[Block]) -> str:
        mark = '<span class="ok">✓</span>' if line.holds else '<span class="fail">✗</span>'
        verdict = verdict_text(self.t, line.holds)
        parts = [f'<div class="check" data-check="{line.name}"><h3>{mark} <code>{line.name}</code></h3>',
                 f"<p>{prose(line.statement)} {prose(verdict)}</p>"]
        for block in illustration:
            start = self.grid_count
            parts.append(self.block(block))
            if line.name in PROOF_CHECKS and not self.proof_grids and isinstance(block, Row):
                self.proof_grids = [f"gs-grid-{n}" for n in range(start + 1, self.grid_count + 1)]
        check = check_of(self.d, line)
        if check is not None:
            rows = self.proof_rows(check.detail.get("identity", check.name), line.holds)
            if rows:
                parts.append('<table class="eqs proof">' + "".join(
                    f'<tr><td class="lhs">{math(lhs) if lhs else ""}</td><td>{math(rhs)}</td>'
                    f'<td class="note">{prose(reason)}</td></tr>' for lhs, rhs, reason in rows) + "</table>")
        parts.append("</div>")
        return "\n".join(parts)

    def proof_rows(self, name: str, holds: bool) -> list[tuple[str, str, str]]:
        """The derivation of one identity, as the LaTeX output has it (``proof_lines``):
        one entry by the chain rule and differentiation, equal to the right-hand side built
        independently, hence the identity for the whole tensor."""
        from gradsym.render.latex import IDENTITIES, fill_identity, proof_entry
        from gradsym.render.mathml import tex_mathml

        identity = IDENTITIES.get(name)
        if identity is None:
            return []
        d, t = self.d, self.t
        lhs_tensor = tex_mathml(fill_identity(identity.lhs, d))
        rhs_tex = fill_identity(identity.rhs, d)
        relation = "<mo>=</mo>" if holds else "<mo>≠</mo>"
        out_letter = d.output_letter
        rows: list[tuple[str, str, str]] = []
        picked = proof_entry(identity, d)
        if picked is not None:
            elem, index, count = picked
            expanded = "<mo>=</mo>" + self.cells.expr(elem, self.full)
            if identity.kind == "grad":
                tensor = d.symbols[identity.role]
                symbol = "_".join([tensor.letter, *map(str, index)])
                self.shown.add(symbol)
                entry = mathml_name(tensor.letter, index, symbol)
                upstream = d.symbols.get("upstream")
                g = mi_letter(upstream.letter if upstream is not None else "g")
                o = "<mi>o</mi>"
                rows.append((f"<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo>{entry}</mrow></mfrac>",
                             f"<mo>=</mo><munder><mo>∑</mo>{o}</munder><msub>{g}{o}</msub>"
                             f"<mfrac><mrow><mo>∂</mo><msub>{mi_letter(out_letter)}{o}</msub></mrow>"
                             f"<mrow><mo>∂</mo>{entry}</mrow></mfrac>", t("proof.step.chain")))
                rows.append(("", expanded, t("proof.step.jacobian")))
            else:
                symbol = "_".join([out_letter, *map(str, index)])
                self.shown.add(symbol)
                rows.append((mathml_name(out_letter, index, symbol), expanded, t("proof.step.forward")))
            at = ",".join(map(str, index))
            if identity.elementwise:
                entry_rhs = tex_mathml(rf"{rhs_tex}\Big|_{{i = ({at})}}" if index else rhs_tex)
            else:
                entry_rhs = tex_mathml(rf"\left[{rhs_tex}\right]_{{{at}}}" if index else rhs_tex)
            rows.append(("", relation + entry_rhs, t("proof.step.rhs", count=count)))
        every = "<mspace width=\"1em\"/><mo>∀</mo><mi>i</mi>" if identity.elementwise else ""
        arrow = "<mo>⟹</mo>" if rows else ""
        rows.append((arrow + lhs_tensor, relation + tex_mathml(rhs_tex) + every, ""))
        return rows

    # links
    def links(self) -> dict[str, Any]:
        """The Jacobians' non-zero pattern among the symbols shown, as an adjacency list."""
        d = self.d
        out_letter = d.output_letter
        adj: dict[str, set[str]] = {}
        names = d.table.names
        for role, jac in d.jacobians.items():
            first = d.symbols[role].first
            out_names: dict[int, str] = {}
            for o, w in jac.entries:
                wrt = names[first + w]
                if wrt not in self.shown:
                    continue
                out = out_names.get(o)
                if out is None:
                    out = out_names[o] = element_name(out_letter, [i - 1 for i in index1(o, jac.out_shape)])
                if out not in self.shown:
                    continue
                adj.setdefault(out, set()).add(wrt)
                adj.setdefault(wrt, set()).add(out)
        order = sorted(adj)
        position = {n: i for i, n in enumerate(order)}
        data: dict[str, Any] = {"names": order, "adj": [sorted(position[m] for m in adj[n]) for n in order]}
        if self.windows:
            data["windows"] = {"grid": self.window_grid,
                               "cells": {n: w for n, w in self.windows.items() if n in self.shown}}
        return data

    # the stepper
    def stepper(self) -> str:
        key = "html.stepper.proof" if self.proof_grids else "html.stepper.layers"
        count = html.escape(self.t("html.step", n="{n}", total="{total}"))
        return (f'<div class="stepper" data-count="{count}"><strong>{prose(self.t(key))}</strong> '
                f'<button type="button" class="prev">{prose(self.t("html.prev"))}</button>'
                f'<button type="button" class="next">{prose(self.t("html.next"))}</button>'
                f'<span class="count"></span><div class="caption"></div></div>')

    def make_steps(self) -> None:
        if self.d.command in ("chain", "mlp"):
            self.steps, self.proof_grids = self.layer_steps(), []
        elif self.proof_grids:
            self.steps = self.proof_steps()

    def proof_steps(self) -> list[dict[str, Any]]:
        """Zero insertion, padding, rotation, every window, the crop: from the check's own grids."""
        d, t = self.d, self.t
        check = next(c for c in d.all_checks() if c.name in PROOF_CHECKS)
        (_, tilde), (_, k_rot) = check.detail["grids"][:2]
        tilde_id, k_id = self.proof_grids[0], self.proof_grids[-1]
        deconv = check.name.startswith("forward")
        letter = "x" if deconv else "g"
        tilde_name = letter + "̃"
        steps: list[dict[str, Any]] = []
        flat_tilde = tilde if tilde.ndim == 2 else tilde.reshape(1, -1)
        if tilde.ndim > 2 or len(self.proof_grids) != 2:  # 3-D: slices, no windows
            return [
                {"caption": prose(self.t("html.step.padding")), "targets": [f"#{tilde_id}"]},
                {"caption": prose(self.t("html.step.rotation")), "targets": [f"#{k_id}"]},
            ]

        def cells(positions: list[tuple[int, int]]) -> list[str]:
            return [f'#{tilde_id} td[data-cell="{i},{j}"]' for i, j in positions]

        nonzero = [(i, j) for i, j in np.ndindex(flat_tilde.shape) if int(flat_tilde[i, j]) != ZERO]
        source = [f"#{gid} td" for gid in self.setup_grids(letter)]
        steps.append({"caption": prose(t("html.step.start", letter=letter)), "targets": source})
        if nonzero:
            rows: list[int] = [i for i, _ in nonzero]
            cols: list[int] = [j for _, j in nonzero]
            top, bottom, left, right = min(rows), max(rows), min(cols), max(cols)
            inside = [(i, j) for i, j in np.ndindex(flat_tilde.shape)
                      if top <= i <= bottom and left <= j <= right]
            inserted = [p for p in inside if int(flat_tilde[p]) == ZERO]
            inside_set = set(inside)
            border = [p for p in np.ndindex(flat_tilde.shape) if p not in inside_set]
            steps.append({"caption": prose(t("html.step.zeros", letter=letter)),
                          "targets": cells(inserted) or [f"#{tilde_id}"]})
            steps.append({"caption": prose(t("html.step.padding")),
                          "targets": cells([(int(i), int(j)) for i, j in border]) or [f"#{tilde_id}"]})
        steps.append({"caption": prose(t("html.step.rotation")), "targets": [f"#{k_id}"]})
        flat_k = k_rot if k_rot.ndim == 2 else k_rot.reshape(1, -1)
        kh, kw = flat_k.shape
        full_shape = tuple(a - b + 1 for a, b in zip(tilde.shape, k_rot.shape))
        spatial = tuple(d.config.get("input", ()))
        offsets = [int(p[0]) for p in d.config.get("padding", [])]
        grad_tensor = d.symbols.get("input")
        out_ndim = d.forward_elems.ndim
        positions = list(np.ndindex(full_shape))
        for number, pos in enumerate(positions[:MAX_WINDOW_MAP]):
            r, c = pos if tilde.ndim == 2 else (0, pos[0])
            window = [(r + a, c + b) for a in range(kh) for b in range(kw)]
            index = ",".join(str(v + 1) for v in pos)
            at = [p - off for p, off in zip(pos, offsets)]
            name, target = "", ""
            if deconv:
                lead = [0] * (out_ndim - len(pos))
                name = element_name(d.output_letter, [*lead, *pos])
                target, key = f"y[{','.join(str(v + 1) for v in [*lead, *pos])}]", name
            elif (grad_tensor is not None and len(at) == len(spatial)
                  and all(0 <= v < n for v, n in zip(at, spatial))):
                lead = [0] * (len(grad_tensor.shape) - len(at))
                name = element_name(grad_tensor.letter, [*lead, *at])
                target = f"∂L/∂{grad_tensor.letter}[{','.join(str(v + 1) for v in [*lead, *at])}]"
                key = "∂" + name
            if name:
                self.windows[name] = [f"{i},{j}" for i, j in window]
            if number >= MAX_WINDOWS:
                continue
            terms = []
            for a in range(kh):
                for b in range(kw):
                    u, v = int(flat_tilde[r + a, c + b]), int(flat_k[a, b])
                    if ZERO not in (u, v):
                        terms.append(self.cells.names[u] + "<mo>&#x2062;</mo>" + self.cells.names[v])
            value = math("<mo>=</mo>" + ("<mo>+</mo>".join(terms) if terms else "<mn>0</mn>"))
            targets = [*cells(window), f"#{k_id}"]
            if name:
                caption = t("html.step.window", index=index, tilde=tilde_name, target=target)
                eid = self.eq_ids.get(key)
                if eid:
                    targets.append(f"#{eid}")
            else:
                caption = t("html.step.window_dropped", index=index, tilde=tilde_name)
            steps.append({"caption": prose(caption) + " " + value, "targets": targets})
        self.window_grid = tilde_id
        lines = check.detail.get("lines", [])
        if lines:
            key, params = lines[0]
            steps.append({"caption": prose(t(key, **params)), "targets": [f"#{tilde_id}", f"#{k_id}"]})
        return steps

    def setup_grids(self, letter: str) -> list[str]:
        """Ids of the set-up grids showing the tensor of ``letter``."""
        found = []
        for block in self.doc.sections[0].blocks if self.doc.sections else []:
            for grid in block.grids if isinstance(block, Row) else [block] if isinstance(block, Grid) else []:
                first = grid.cells[0][0] if grid.cells and grid.cells[0] else None
                if isinstance(first, Label) and first.letter == letter and id(grid) in self.ids:
                    found.append(self.ids[id(grid)])
        return found

    def layer_steps(self) -> list[dict[str, Any]]:
        """Each equation block of the command's own layer-by-layer sections, with its prose."""
        steps: list[dict[str, Any]] = []
        builtin = {self.t(f"section.{k}") for k in ("setup", *SECTIONS)}
        for section in self.doc.sections:
            if section.title in builtin or section.key not in SECTIONS:
                continue
            captions: list[str] = []
            targets: list[str] = []
            for block in section.blocks:
                if isinstance(block, Para):
                    captions.append(prose(str(block.text)))
                elif isinstance(block, (Grid, Row)):
                    grids = block.grids if isinstance(block, Row) else [block]
                    targets += [f"#{self.ids[id(g)]}" for g in grids if id(g) in self.ids]
                elif isinstance(block, Equations) and id(block) in self.ids:
                    steps.append({"caption": " ".join(captions),
                                  "targets": [*targets, f"#{self.ids[id(block)]}"]})
                    captions, targets = [], []
        return steps


def _json_script(cls: str, data: Any) -> str:
    # "</" would end the script element early; JSON allows "<\/" for it.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" class="{cls}">{text}</script>'


def render_document_html(doc: Document, *, full: bool = False, lang: str = "en",
                         standalone: bool = True) -> str:
    body = HtmlWriter(doc, full, lang).render()
    if not standalone:
        return body + "\n"
    title = html.escape(doc.title)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{body}</body>\n</html>\n")


def render_html(
    d: Derivation,
    *,
    standalone: bool = True,
    show: Sequence[str] = SECTIONS,
    full: bool = False,
    lang: str = "en",
) -> str:
    """The derivation as one self-contained HTML page (``standalone=False``: the fragment only).

    >>> import gradsym
    >>> body = render_html(gradsym.conv(input=(3, 3), kernel=(2, 2)), standalone=False)
    >>> "<html" in body, '<math' in body
    (False, True)
    """
    doc = build_document(d, show=show, full=full, lang=lang)
    return render_document_html(doc, full=full, lang=lang, standalone=standalone)
