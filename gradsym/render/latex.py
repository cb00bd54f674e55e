"""LaTeX rendering (``--format latex``) and PDF compilation (``--output file.pdf``).

The document is built from the renderer-neutral document
(:mod:`gradsym.render.document`), so every command gets it. Names print as
``x_{1,1}``; grids become matrices with their title above; each proof ends in
an aligned derivation of the identity it checks. Only packages of a minimal
TeX Live are used (amsmath, amssymb, graphicx, geometry; ``ctex`` for Chinese,
compiled with ``xelatex``).

>>> import gradsym
>>> tex = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_latex()
>>> tex.startswith("%") and r"\\begin{document}" in tex
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradsym.calculus import unravel
from gradsym.numeric import number_parts
from gradsym.poly import Poly
from gradsym.render.document import (
    ELLIPSIS,
    SECTIONS,
    Block,
    Cell,
    CheckLine,
    Document,
    ElementCells,
    Equations,
    Expr,
    Formula,
    Grid,
    Label,
    Num,
    Para,
    Row,
    SectionWriter,
    Text,
    Typeset,
    check_of,
    verdict_text,
)
from gradsym.render.latex_text import (
    math_text,
    tensor_letter,
    tex_code,
    tex_letter,
    tex_name,
    tex_text,
)
from gradsym.render.layout import build_document
from gradsym.render.wording import Catalogue

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

EQUATIONS_PER_BLOCK = 40  # rows per align* environment (keeps TeX's memory small)
LINE_WIDTH = 64  # visible characters per line of a broken expression
PROOF_LINE_WIDTH = 40  # the same beside a proof step's reason
MAX_TERMS = 24  # terms of one expression shown unless --full
COMPILE_TIMEOUT = 600  # seconds

# -- numbers and expressions ------------------------------------------------------------
def tex_number(value: Any, decimal: bool = False) -> str:
    """Exact number as LaTeX: ``\\frac{1}{9}``, ``0.25`` (decimal), SymPy numbers via sympy."""
    if hasattr(value, "free_symbols"):
        import sympy

        return str(sympy.latex(value))
    negative, num, den = number_parts(value, decimal)
    sign = "-" if negative else ""
    if den is not None:
        return rf"{sign}\frac{{{num}}}{{{den}}}"
    return sign + num


def _natural_key(name: str) -> tuple[Any, ...]:
    from gradsym.sympy_text import natural_key

    return natural_key(name)


def sympy_tex(expr: Any, names: dict[Any, str]) -> str:
    """SymPy expression as LaTeX, our symbol names, sum terms in natural index order."""
    from sympy import Add
    from sympy.printing.latex import LatexPrinter

    def term_key(term: Any) -> tuple[Any, ...]:
        keys = sorted(_natural_key(s.name) for s in term.free_symbols)
        return (not keys, keys)

    class NaturalLatexPrinter(LatexPrinter):
        def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
            if isinstance(expr, Add):
                return sorted(Add.make_args(expr), key=term_key)
            return list(super()._as_ordered_terms(expr, order=order))

    return str(NaturalLatexPrinter({"symbol_names": names}).doprint(expr))


# Words SymPy's LaTeX printer writes into formulas (Piecewise), per language.
SYMPY_WORDS = {"zh": {r"\text{otherwise}": r"\text{其他}", r"\text{for}": r"\text{当}"}}


class TexCells(ElementCells):
    """Formats document cells as LaTeX math (shared by the LaTeX and Markdown backends)."""

    power = "{base}^{{{exp}}}"
    name = staticmethod(tex_name)
    number = staticmethod(tex_number)

    def __init__(self, d: Derivation, lang: str = "en") -> None:
        super().__init__(d)
        self.lang = lang
        self._sympy_names: dict[Any, str] | None = None

    @property
    def sympy_names(self) -> dict[Any, str]:
        if self._sympy_names is None:
            self._sympy_names = dict(zip(self.d.table.symbols(), self.names))
        return self._sympy_names

    def expr(self, elem: Any) -> str:
        """One engine element (Poly, number or SymPy expression)."""
        if isinstance(elem, Poly):
            return self.poly(elem)
        if hasattr(elem, "free_symbols"):
            if not elem.free_symbols:
                return tex_number(elem)
            tex = sympy_tex(elem, self.sympy_names)
            for english, local in SYMPY_WORDS.get(self.lang, {}).items():
                tex = tex.replace(english, local)
            return tex
        return tex_number(elem)

    def terms(self, elem: Any) -> list[str]:
        """The expression split into its top-level summands (signs kept: ``- x``)."""
        return split_terms(self.expr(elem))

    def cell(self, c: Cell) -> str:
        if isinstance(c, Expr):
            return self.expr(c.elem)
        if isinstance(c, Num):
            return tex_number(c.value, c.decimal)
        if isinstance(c, Label):
            return label_tex(c)
        assert isinstance(c, Text)
        return r"\dots" if c.text == "…" else math_text(c.text)


def label_tex(label: Label) -> str:
    """``x_{1,1}``; with the prefix ∂L/∂ the quotient ``\\partial L/\\partial x_{1,1}``."""
    name = tex_name(label.letter, label.index)
    if not label.prefix:
        return name
    match = re.fullmatch(r"∂(\w+)/∂", label.prefix)
    if match:
        return rf"\partial {tex_letter(match.group(1))}/\partial {name}"
    return math_text(label.prefix) + name


def split_terms(tex: str) -> list[str]:
    """Split LaTeX at top-level `` + `` / `` - `` (outside braces and brackets)."""
    terms: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0 and ch in "+-" and i > 0 and tex[i - 1] == " " and tex[i + 1 : i + 2] == " ":
            terms.append(tex[start : i - 1])
            start = i
        i += 1
    terms.append(tex[start:])
    return [t for t in terms if t]


def visible_length(tex: str) -> int:
    """Roughly how many characters a piece of LaTeX math shows."""
    text = re.sub(r"\\(?:frac|mathit|mathrm|operatorname|left|right|tilde|hat)", "", tex)
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    subscripts = sum(len(m) for m in re.findall(r"_\{([^{}]*)\}", text))
    text = re.sub(r"[{}_^ ]", "", text)
    return len(text) - subscripts // 2


def break_terms(terms: list[str], width: int = LINE_WIDTH) -> list[str]:
    """Group summands into lines of about ``width`` visible characters."""
    lines: list[str] = []
    current = ""
    used = 0
    for term in terms:
        size = visible_length(term) + 2
        if current and used + size > width:
            lines.append(current)
            current, used = "", 0
        current = f"{current} {term}" if current else term
        used += size
    if current:
        lines.append(current)
    return lines


def fit_wide(tex: str, width: str) -> str:
    """A line too long to break at a sum (one huge fraction): shrunk to ``width`` if need be."""
    if visible_length(tex) <= LINE_WIDTH * 1.25:
        return tex
    return rf"\gsfit[{width}]{{$\displaystyle {tex}$}}"


def shorten_terms(terms: list[str], full: bool, t: Catalogue) -> tuple[list[str], str]:
    """At most MAX_TERMS summands unless ``full``; the rest become ``+ ⋯`` and a note."""
    if full or len(terms) <= MAX_TERMS:
        return terms, ""
    head = terms[: MAX_TERMS - 1]
    return [*head, r"+ \cdots", terms[-1]], t("latex.terms", count=len(terms))


# -- identities of the checks -------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """The identity a check proves, as LaTeX: ``lhs = rhs`` for whole tensors.

    ``kind`` says what the left-hand side is entry by entry: ``grad`` (∂L/∂role),
    ``forward`` (the output) or ``plain`` (no entry-wise derivation shown).
    Placeholders: ``<X>`` whole tensor, ``<x>`` element letter, for x k w b g y.
    """

    kind: str
    role: str
    lhs: str
    rhs: str
    elementwise: bool = False  # stated for one entry i (pooling), not for the whole tensor


IDENTITIES: dict[str, Identity] = {
    "grad_input_equals_full_conv_rot180_kernel": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\operatorname{crop}\bigl(\tilde{<G>} \star \operatorname{rot180}(<K>)\bigr)"),
    "grad_kernel_equals_conv_input_upstream": Identity(
        "grad", "kernel", r"\frac{\partial L}{\partial <K>}",
        r"\sum_{n} \operatorname{crop}\bigl(\operatorname{pad}(<X>) \star <G>\bigr)"),
    "grad_bias_equals_upstream_sum": Identity(
        "grad", "bias", r"\frac{\partial L}{\partial <B>}", r"\sum <G>"),
    "forward_equals_full_conv_rot180_kernel": Identity(
        "forward", "", "<Y>", r"\tilde{<X>} \star \operatorname{rot180}(<K>)"),
    "forward_equals_conv_grad_input": Identity(
        "forward", "", "<Y>", r"\operatorname{conv2d\_backprop\_input}(<X>, <K>)"),
    "grad_input_equals_conv_upstream_kernel": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}", r"\operatorname{conv}(<G>, <K>)"),
    "grad_kernel_equals_conv_upstream_input": Identity(
        "grad", "kernel", r"\frac{\partial L}{\partial <K>}", r"\sum_{n} \operatorname{conv}(<G>, <X>)"),
    "grad_input_equals_upstream_weight": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}", r"<G>\,<W>"),
    "grad_weight_equals_upstream_t_input": Identity(
        "grad", "weight", r"\frac{\partial L}{\partial <W>}", r"<G>^{\top} <X>"),
    "grad_routes_to_argmax": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <x>_{i}}",
        r"\sum_{o\,:\; i = \operatorname{argmax} W_{o}} <g>_{o}", elementwise=True),
    "grad_spreads_evenly": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <x>_{i}}",
        r"\sum_{o\,:\; i \in W_{o}} \frac{<g>_{o}}{\lvert W_{o}\rvert}", elementwise=True),
    "grad_input_equals_compact_form": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\frac{\gamma}{N\sqrt{\sigma^{2} + \varepsilon}}\Bigl(N <G> - \sum_{n} <G>"
        r" - \hat{<X>} \sum_{n} <G> \odot \hat{<X>}\Bigr)"),
    # The same check name, other layers' compact forms (Check.detail["identity"] names these).
    "grad_input_equals_compact_form_spatial": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\frac{\gamma}{M\sqrt{\sigma^{2} + \varepsilon}}\Bigl(M <G> - \sum_{m} <G>"
        r" - \hat{<X>} \sum_{m} <G> \odot \hat{<X>}\Bigr)"),
    "grad_input_equals_compact_form_eval": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\frac{\gamma}{\sqrt{\mathrm{running\_var} + \varepsilon}}\, <G>"),
    "grad_input_equals_compact_form_layernorm": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\frac{1}{M\sqrt{\sigma^{2} + \varepsilon}}\Bigl(M \hat{<G>} - \sum_{m} \hat{<G>}"
        r" - \hat{<X>} \sum_{m} \hat{<G>} \odot \hat{<X>}\Bigr),\; \hat{<G>} = <G> \odot \gamma"),
}
IDENTITIES["grad_input_equals_compact_form_groupnorm"] = IDENTITIES["grad_input_equals_compact_form_layernorm"]
IDENTITIES |= {
    "forward_equals_transposed_conv_fixed_kernel": Identity(
        "forward", "", "<Y>", r"\operatorname{conv\_transpose}(<X>, K_{\mathrm{fixed}})"),
    "grad_input_equals_strided_conv_upstream_kernel": Identity(
        "grad", "input", r"\frac{\partial L}{\partial <X>}",
        r"\operatorname{conv}(<G>, K_{\mathrm{fixed}};\ \mathrm{stride}\ S)"),
    "closed_form_matches_elementwise": Identity(
        "plain", "", r"\Bigl[\frac{\partial J}{\partial X}\Bigr]_{ij}", r"\frac{\partial J}{\partial X_{ij}}"),
    "general_matches_concrete": Identity(
        "plain", "", r"F_{\mathrm{general}}\big|_{\mathrm{sizes}}", r"F_{\mathrm{concrete}}"),
    "matches_torch_with_rot180_kernel": Identity(
        "plain", "", r"<Y>_{\mathrm{jax}}(<X>, <K>)",
        r"<Y>_{\mathrm{torch}}\bigl(<X>, \operatorname{rot180}(<K>)\bigr)"),
    "jacobian_matches_autodiff_numeric": Identity(
        "plain", "", r"\frac{\partial <Y>}{\partial \theta}\Big|_{\theta = \theta_{0}}",
        r"J_{\mathrm{numeric}}(\theta_{0})"),
}
_PLACEHOLDER_ROLES = {"x": "input", "k": "kernel", "w": "weight", "b": "bias", "g": "upstream"}


def fill_identity(tex: str, d: Derivation) -> str:
    """Replace ``<X>``/``<x>`` placeholders by the derivation's tensor letters."""

    def letter(token: str) -> str:
        low = token.lower()
        if low == "y":
            name = d.output_letter
        else:
            role = _PLACEHOLDER_ROLES.get(low, "")
            tensor = d.symbols.get(role)
            name = tensor.letter if tensor is not None else low
        return tensor_letter(name) if token.isupper() else tex_letter(name)

    return re.sub(r"<([A-Za-z])>", lambda m: letter(m.group(1)), tex)


def identity_tex(name: str, d: Derivation) -> str | None:
    """``lhs = rhs`` of a known check, or None."""
    identity = IDENTITIES.get(name)
    if identity is None:
        return None
    return fill_identity(f"{identity.lhs} = {identity.rhs}", d)


def proof_lines(
    check: Any, d: Derivation, cells: TexCells, t: Catalogue, full: bool, holds: bool
) -> list[tuple[str, str, str]]:
    """The aligned derivation of one check: rows ``(lhs, rhs, reason)``, ending in the identity.

    For a gradient: ∂L/∂x_i = Σ_o g_o ∂y_o/∂x_i (chain rule) = the expanded entry
    (differentiation) = [rhs]_i (built independently, equal in every entry), hence
    the identity for the whole tensor.
    """
    identity = IDENTITIES.get(check.detail.get("identity", check.name))
    if identity is None:
        return []
    lhs_tensor = fill_identity(identity.lhs, d)
    rhs_tensor = fill_identity(identity.rhs, d)
    relation = "=" if holds else r"\neq"
    rows: list[tuple[str, str, str]] = []
    out_letter = tex_letter(d.output_letter)
    picked = proof_entry(identity, d)
    if picked is not None:
        elem, index, count = picked
        terms, note = shorten_terms(cells.terms(elem), full, t)
        expanded = [fit_wide(x, r"0.55\linewidth") for x in break_terms(terms, PROOF_LINE_WIDTH)]
        sub = "_{" + ",".join(map(str, index)) + "}" if index else ""
        if identity.kind == "grad":
            tensor = d.symbols[identity.role]
            entry = tex_name(tensor.letter, index)
            upstream = d.symbols.get("upstream")
            g = tex_letter(upstream.letter) if upstream is not None else "g"
            rows.append((rf"\frac{{\partial L}}{{\partial {entry}}}",
                         rf"= \sum_{{o}} {g}_{{o}}\, \frac{{\partial {out_letter}_{{o}}}}{{\partial {entry}}}",
                         t("proof.step.chain")))
            first_reason = t("proof.step.jacobian")
        else:
            rows.append((tex_name(d.output_letter, index), "", ""))
            first_reason = t("proof.step.forward")
        for i, line in enumerate(expanded):
            prefix = "= " if i == 0 else r"\quad "
            reason = first_reason if i == 0 else ""
            if note and i == len(expanded) - 1:
                reason = f"{reason}; {note}" if reason else note
            if rows[-1][1] == "" and i == 0:
                rows[-1] = (rows[-1][0], prefix + line, reason)
            else:
                rows.append(("", prefix + line, reason))
        if identity.elementwise:
            at = ",".join(map(str, index))
            entry_rhs = rf"{rhs_tensor}\Big|_{{i = ({at})}}" if index else rhs_tensor
        else:
            entry_rhs = rf"\left[{rhs_tensor}\right]{sub}"
        rows.append(("", f"{relation} {entry_rhs}", t("proof.step.rhs", count=count)))
    arrow = r"\Longrightarrow\quad " if rows else ""
    every = r"\quad \forall i" if identity.elementwise else ""
    rows.append((arrow + lhs_tensor, f"{relation} {rhs_tensor}{every}", ""))
    return rows


def proof_entry(identity: Identity, d: Derivation) -> tuple[Any, tuple[int, ...], int] | None:
    """The entry a proof expands: of the gradient (or forward output) the identity speaks of,
    the entry with the most terms (the first of them), with its 1-based index and the number of
    entries of the tensor; None when there is none."""
    elems = None
    if identity.kind == "grad" and identity.role in d.grad_elems:
        elems = d.grad_elems[identity.role]
    elif identity.kind == "forward":
        elems = d.forward_elems
    if elems is None or not elems.size:
        return None
    flat = elems.reshape(-1)
    pick = max(range(len(flat)), key=lambda i: (_size(flat[i]), -i))
    return flat[pick], tuple(int(i) + 1 for i in unravel(pick, elems.shape)), int(elems.size)


def _size(elem: Any) -> int:
    if isinstance(elem, Poly):
        return len(elem)
    args = getattr(elem, "args", None)
    if args is not None and type(elem).__name__ == "Add":
        return len(args)
    return 1 if elem not in (0, None) else 0


# -- blocks -------------------------------------------------------------------------------
def grid_matrix(grid: Grid, cells: TexCells) -> str:
    """A grid as a parenthesised array; elided rows/columns as vertical/horizontal dots."""
    ncols = max((len(r) for r in grid.cells), default=0)
    rows = []
    last = len(grid.cells) - 1
    for i, row in enumerate(grid.cells):
        elided_row = i == last and i > 0 and all(c == ELLIPSIS for c in row)
        texts = []
        for j, c in enumerate(row):
            if c == ELLIPSIS:
                corner = elided_row and j == len(row) - 1 and row is not grid.cells[0]
                texts.append(r"\ddots" if corner and ncols > 1 and _elided_column(grid)
                             else r"\vdots" if elided_row else r"\cdots")
            else:
                texts.append(cells.cell(c))
        rows.append(" & ".join(texts))
    return (r"\left(\begin{array}{" + "c" * max(ncols, 1) + "}" + r" \\ ".join(rows)
            + r"\end{array}\right)")


def _paragraphs(grids: list[Grid], cells: int = 1500) -> Iterator[list[Grid]]:
    """Consecutive grids in groups of about ``cells`` cells (at least one grid each)."""
    group: list[Grid] = []
    size = 0
    for grid in grids:
        count = sum(len(row) for row in grid.cells)
        if group and size + count > cells:
            yield group
            group, size = [], 0
        group.append(grid)
        size += count
    if group:
        yield group


def _elided_column(grid: Grid) -> bool:
    return len(grid.cells) > 1 and grid.cells[0][-1] == ELLIPSIS


PREAMBLE_MACROS = r"""\providecommand{\gsfit}[2][\linewidth]{\setbox0=\hbox{#2}\ifdim\wd0>#1\resizebox{#1}{!}{\box0}\else\box0\fi}
\providecommand{\gsgrid}[3]{\begin{tabular}[t]{@{}c@{}}\small #1\\[2pt]$\displaystyle #2$\\[1pt]\footnotesize #3\end{tabular}}"""


class TexSectionWriter(SectionWriter):
    """A section writer whose cells are LaTeX math (the LaTeX and Markdown backends)."""

    def __init__(self, doc: Document, full: bool, lang: str) -> None:
        super().__init__(doc, full, lang)
        self.cells = TexCells(doc.derivation, lang)

    def rhs_parts(self, rhs: Cell) -> tuple[list[str], str]:
        """An equation's right-hand side: its lines (a long sum broken at its terms, shortened
        unless ``full``) and the note saying what was left out ("" when nothing)."""
        if isinstance(rhs, Expr):
            terms, note = shorten_terms(self.cells.terms(rhs.elem), self.full, self.t)
            return break_terms(terms), note
        return [self.cells.cell(rhs)], ""

    def proof_rows(self, line: CheckLine) -> list[tuple[str, str, str]]:
        """The aligned derivation of the identity a check line states (none if it has none)."""
        check = check_of(self.d, line)
        if check is None:
            return []
        return proof_lines(check, self.d, self.cells, self.t, self.full, line.holds)


class LatexWriter(TexSectionWriter):
    """Turns a document's blocks into LaTeX lines."""

    def text(self, text: str) -> str:
        if isinstance(text, Typeset):  # formulas typeset, the prose around them as usual
            return "".join(f"${x.tex}$" if isinstance(x, Formula) else tex_text(x, self.lang)
                           for x in text.segments)
        return tex_text(text, self.lang)

    def body(self) -> str:
        lines = [PREAMBLE_MACROS, rf"\section*{{{self.text(self.doc.title)}}}", ""]
        for section in self.doc.sections:
            lines += self.section(section)
        mark = r"$\checkmark$" if self.doc.holds else r"$\times$"
        lines += [r"\medskip", rf"\noindent {mark}~\textbf{{{self.text(self.doc.verdict)}}}", ""]
        return "\n".join(lines)

    def heading(self, title: str) -> list[str]:
        return [rf"\subsection*{{{self.text(title)}}}", ""]

    def block(self, block: Block) -> list[str]:
        if isinstance(block, Para):
            return [self.text(block.text), ""]
        if isinstance(block, Grid):
            return [r"\noindent" + self.grid(block), ""]
        if isinstance(block, Row):
            # A note every grid of the row shares is printed once, below the row.
            notes = {g.note for g in block.grids}
            shared = notes.pop() if len(notes) == 1 and len(block.grids) > 1 else ""
            # TeX breaks a paragraph into lines only once it has all of it: keep each one small.
            lines = []
            for group in _paragraphs(block.grids):
                joined = "\\hspace{1.2em plus 1em}\\allowbreak\n".join(
                    self.grid(g, show_note=not shared) for g in group)
                lines += [r"{\raggedright\noindent", joined + r"\par}"]
            if shared:
                lines.append(r"{\footnotesize " + self.text(shared) + r"\par}")
            return lines + [r"\medskip", ""]
        if isinstance(block, Equations):
            return self.equations(block)
        if isinstance(block, CheckLine):
            return self.check(block, [])
        text = getattr(block, "text", None)
        return [self.text(str(text if text is not None else block)), ""]

    def grid(self, grid: Grid, show_note: bool = True) -> str:
        matrix = grid_matrix(grid, self.cells)
        note = self.text(grid.note) if grid.note and show_note else ""
        return rf"\gsfit{{\gsgrid{{{self.text(grid.title)}}}{{{matrix}}}{{{note}}}}}"

    def equations(self, block: Equations) -> list[str]:
        rows: list[tuple[str, str, str]] = []
        for lhs, rhs in block.rows:
            left = self.cells.cell(lhs)
            parts, note = self.rhs_parts(rhs)
            parts = [fit_wide(p, r"0.8\linewidth") for p in parts]
            if note:
                parts[-1] += rf"\qquad\text{{\footnotesize {self.text(note)}}}"
            for i, part in enumerate(parts):
                rows.append((left if i == 0 else "", ("= " if i == 0 else r"\quad ") + part, ""))
        lines = self.align(rows)
        if block.note:
            lines += [self.text(block.note), ""]
        return lines

    def align(self, rows: list[tuple[str, str, str]]) -> list[str]:
        """``align*`` environments of at most EQUATIONS_PER_BLOCK rows (page breaks allowed)."""
        lines: list[str] = []
        for start in range(0, len(rows), EQUATIONS_PER_BLOCK):
            chunk = rows[start : start + EQUATIONS_PER_BLOCK]
            body = []
            for lhs, rhs, reason in chunk:
                tail = rf" && \text{{\footnotesize {self.text(reason)}}}" if reason else ""
                body.append(f"{lhs} &{rhs}{tail}")
            lines += [r"\begin{align*}", " \\\\\n".join(body), r"\end{align*}"]
        return lines + [""] if lines else []

    def check(self, line: CheckLine, illustration: list[Block]) -> list[str]:
        mark = r"$\checkmark$" if line.holds else r"$\times$"
        verdict = verdict_text(self.t, line.holds)
        lines = [rf"\paragraph{{{mark}~{tex_code(line.name)}}} {self.text(line.statement)} {self.text(verdict)}", ""]
        for block in illustration:
            lines += self.block(block)
        rows = self.proof_rows(line)
        if rows:
            lines += self.align(rows)
        return lines


# -- documents ----------------------------------------------------------------------------
def document_preamble(lang: str) -> str:
    cjk = "\\usepackage[UTF8]{ctex}\n" if lang == "zh" else ""
    engine = "xelatex" if lang == "zh" else "pdflatex"
    return (
        f"% Made by gradsym. Compile with: {engine} FILE.tex\n"
        "\\documentclass[11pt,a4paper]{article}\n"
        "\\usepackage[margin=2cm]{geometry}\n"
        f"{cjk}"
        "\\usepackage{amsmath,amssymb}\n"
        "\\usepackage{graphicx}\n"
        "\\allowdisplaybreaks\n"
        "\\setlength{\\parindent}{0pt}\n"
        "\\setlength{\\parskip}{0.6ex plus 0.3ex}\n"
        "\\setlength{\\emergencystretch}{3em}\n"
    )


def render_document_latex(doc: Document, *, standalone: bool = True, full: bool = False,
                          lang: str = "en") -> str:
    body = LatexWriter(doc, full, lang).body()
    if not standalone:
        return body + "\n"
    return f"{document_preamble(lang)}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def render_latex(
    d: Derivation,
    *,
    standalone: bool = True,
    show: Sequence[str] = SECTIONS,
    full: bool = False,
    lang: str = "en",
) -> str:
    """The derivation as LaTeX: a complete document, or only its body (``standalone=False``).

    >>> import gradsym
    >>> body = render_latex(gradsym.conv(input=(3, 3), kernel=(2, 2)), standalone=False)
    >>> r"y_{1,1} &= k_{1,1} x_{1,1}" in body
    True
    """
    doc = build_document(d, show=show, full=full, lang=lang)
    return render_document_latex(doc, standalone=standalone, full=full, lang=lang)


def render_math(
    d: Derivation, *, show: Sequence[str] = SECTIONS, full: bool = False, lang: str = "en"
) -> str:
    """The derivation's equations as one display formula ``$$…$$`` (``_repr_latex_``).

    Math only, for MathJax and KaTeX: no macros of our own, no ``tabular``; section
    titles and check verdicts as ``\\text``.

    >>> import gradsym
    >>> tex = render_math(gradsym.conv(input=(3, 3), kernel=(2, 2)))
    >>> tex.startswith("$$") and tex.endswith("$$") and r"y_{1,1} &= k_{1,1} x_{1,1}" in tex
    True
    """
    doc = build_document(d, show=show, full=full, lang=lang)
    cells = TexCells(d, lang)
    t = Catalogue(lang)

    def escape(words: str) -> str:
        return re.sub(r"([\\{}$&#%_^~])", r"\\\1", words)

    def text(words: str) -> str:
        return r"\text{" + escape(words) + "}"

    rows = [r"&\textbf{" + escape(doc.title) + "}"]
    for section in doc.sections:
        body: list[str] = []
        for block in section.blocks:
            if isinstance(block, Equations):
                for lhs, rhs in block.rows:
                    left = cells.cell(lhs)
                    if isinstance(rhs, Expr):
                        parts = break_terms(shorten_terms(cells.terms(rhs.elem), full, t)[0])
                    else:
                        parts = [cells.cell(rhs)]
                    for i, part in enumerate(parts):
                        body.append(f"{left} &= {part}" if i == 0 else rf"&\quad {part}")
                if block.note:
                    body.append("&" + text(block.note))
            elif isinstance(block, CheckLine):
                mark = r"\checkmark" if block.holds else r"\times"
                body.append(rf"&{mark}\ " + text(f"{block.name}: {block.statement}"))
        if body:
            rows += [r"&" + text(section.title), *body]
    rows.append(r"&" + (r"\checkmark" if doc.holds else r"\times") + r"\ " + text(doc.verdict))
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"


# -- PDF ----------------------------------------------------------------------------------
def engine_for(lang: str) -> str:
    """``pdflatex`` for English; ``xelatex`` (with ctex) for Chinese."""
    return "xelatex" if lang == "zh" else "pdflatex"


def compile_pdf(tex: str, lang: str = "en") -> bytes:
    """Compile a standalone LaTeX document to PDF bytes, reproducibly.

    Runs ``pdflatex`` (``xelatex`` for ``lang="zh"``) in a temporary folder with
    ``SOURCE_DATE_EPOCH`` fixed, so the same input gives byte-identical PDFs.
    Raises :class:`~gradsym.errors.SpecError` when the engine is missing or the
    document does not compile (with TeX's first error line).
    """
    from gradsym.errors import SpecError

    t = Catalogue("en")
    engine = engine_for(lang)
    program = shutil.which(engine)
    if program is None:
        packages = "texlive-xetex texlive-lang-chinese" if lang == "zh" else "texlive-latex-base texlive-latex-recommended"
        raise SpecError(t("error.pdf.missing", engine=engine, packages=packages))
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "0")
    env["FORCE_SOURCE_DATE"] = "1"
    env["TEXMFOUTPUT"] = ""
    with tempfile.TemporaryDirectory(prefix="gradsym-tex-") as folder:
        source = os.path.join(folder, "gradsym.tex")
        with open(source, "w", encoding="utf-8") as fh:
            fh.write(tex)
        command = [program, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                   "-jobname=gradsym", "gradsym.tex"]
        try:
            done = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=COMPILE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SpecError(t("error.pdf.timeout", engine=engine, seconds=COMPILE_TIMEOUT)) from None
        pdf = os.path.join(folder, "gradsym.pdf")
        if done.returncode != 0 or not os.path.exists(pdf):
            log = _read(os.path.join(folder, "gradsym.log")) or done.stdout.decode("utf-8", "replace")
            raise SpecError(t("error.pdf.failed", engine=engine, message=first_error(log)))
        with open(pdf, "rb") as fh:
            return fh.read()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def first_error(log: str) -> str:
    """TeX's first error (``! …``) with the line it happened on, from a log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((x.strip() for x in lines[i + 1 : i + 8] if re.match(r"l\.\d+", x)), "")
            return (line[1:].strip() + (f" ({where[:80]})" if where else "")).strip()
    tail = [x for x in lines if x.strip()][-1:] or ["no log"]
    return tail[0][:160]
