"""LaTeX output (``--format latex``) and PDFs (``--output file.pdf``)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_zh import EXAMPLES

import gradsym
from gradsym.errors import SpecError
from gradsym.render import latex
from gradsym.render.latex import compile_pdf, render_latex, split_terms, tex_text, visible_length

ON_CI = os.environ.get("CI") == "true"
HAVE_PDFLATEX = shutil.which("pdflatex") is not None
HAVE_XELATEX = shutil.which("xelatex") is not None
needs_pdflatex = pytest.mark.skipif(not HAVE_PDFLATEX and not ON_CI, reason="pdflatex is not installed")
needs_xelatex = pytest.mark.skipif(not HAVE_XELATEX and not ON_CI, reason="xelatex is not installed")


@pytest.fixture(scope="module")
def seed003():
    """Seed 003: X = 1..9 as 3x3, K = [[1,2],[3,4]], VALID convolution."""
    return gradsym.conv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])


def _arrays(tex: str) -> list[list[list[str]]]:
    """Every matrix of a LaTeX text as rows of cells."""
    found = []
    for body in re.findall(r"\\begin\{array\}\{c+\}(.*?)\\end\{array\}", tex, re.S):
        found.append([[c.strip() for c in row.split("&")] for row in body.split(r"\\")])
    return found


def test_seed_003_jacobian_tables_are_matrices_one_per_output(seed003):
    tex = seed003.to_latex()
    matrices = _arrays(tex)
    # the article's four 3x3 tables of ∂y/∂x and four 2x2 tables of ∂y/∂k (values)
    for table in (
        [["1", "2", "0"], ["3", "4", "0"], ["0", "0", "0"]],
        [["0", "1", "2"], ["0", "3", "4"], ["0", "0", "0"]],
        [["0", "0", "0"], ["1", "2", "0"], ["3", "4", "0"]],
        [["0", "0", "0"], ["0", "1", "2"], ["0", "3", "4"]],
        [["1", "2"], ["4", "5"]], [["2", "3"], ["5", "6"]], [["4", "5"], ["7", "8"]], [["5", "6"], ["8", "9"]],
    ):
        assert table in matrices
    # the symbolic table of y_{1,1}: k in the top-left corner
    assert [["k_{1,1}", "k_{1,2}", "0"], ["k_{2,1}", "k_{2,2}", "0"], ["0", "0", "0"]] in matrices
    assert r"\partial y_{1,1}/\partial x" in tex


def test_forward_expressions_gradients_and_names(seed003):
    tex = seed003.to_latex()
    assert r"y_{1,1} &= k_{1,1} x_{1,1} + k_{1,2} x_{1,2} + k_{2,1} x_{2,1} + k_{2,2} x_{2,2}" in tex
    assert r"\partial L/\partial x_{2,2} &= g_{1,1} k_{2,2} + g_{1,2} k_{2,1} + g_{2,1} k_{1,2} + g_{2,2} k_{1,1}" in tex
    assert [["37", "47"], ["67", "77"]] in _arrays(tex)  # the forward values, checked by PyTorch in the seeds


def test_each_proof_is_an_aligned_derivation_ending_in_the_identity(seed003):
    tex = seed003.to_latex()
    proofs = tex.split(r"\subsection*{Proofs}")[1]
    derivations = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", proofs, re.S)
    assert len(derivations) == len(seed003.all_checks())
    first = derivations[0]
    # chain rule, the expanded entry, the independently built right-hand side, the identity
    assert r"\frac{\partial L}{\partial x_{2,2}} &= \sum_{o} g_{o}" in first
    assert r"&= g_{1,1} k_{2,2} + g_{1,2} k_{2,1} + g_{2,1} k_{1,2} + g_{2,2} k_{1,1}" in first
    assert first.strip().endswith(
        r"\Longrightarrow\quad \frac{\partial L}{\partial X} &= "
        r"\operatorname{crop}\bigl(\tilde{G} \star \operatorname{rot180}(K)\bigr)"
    )
    assert r"\frac{\partial L}{\partial K} &= \sum_{n}" in derivations[1]


def test_a_failed_check_is_shown_as_an_inequality(seed003):
    import copy

    d = copy.copy(seed003)
    d.checks = [copy.copy(c) for c in seed003.checks]
    d.checks[0].holds = False
    tex = d.to_latex()
    assert r"\Longrightarrow\quad \frac{\partial L}{\partial X} &\neq" in tex
    assert r"$\times$~\texttt{grad\_\allowbreak{}input" in tex


def test_standalone_document_and_body(seed003):
    full = seed003.to_latex()
    body = seed003.to_latex(standalone=False)
    assert full.startswith("%") and r"\documentclass" in full and full.rstrip().endswith(r"\end{document}")
    assert r"\usepackage{amsmath,amssymb}" in full
    assert r"\documentclass" not in body and r"\begin{document}" not in body
    assert body.strip() in full


def test_notebook_latex_repr_is_math_only(seed003):
    # MathJax/KaTeX display text/latex only when it is math: one $$…$$, no macros or tabular.
    tex = seed003._repr_latex_()
    assert tex.startswith("$$") and tex.endswith("$$") and tex.count("$$") == 2
    for word in (r"\providecommand", r"\setbox", "tabular", r"\section", r"\begin{document}"):
        assert word not in tex
    assert r"y_{1,1} &= k_{1,1} x_{1,1} + k_{1,2} x_{1,2}" in tex


@pytest.mark.parametrize("options", [{}, {"show": ("forward", "proof")}, {"full": True}, {"lang": "zh"}])
def test_cli_output_equals_to_latex(cli, options):
    args = ["conv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4", "--format", "latex"]
    if "show" in options:
        args += ["--show", ",".join(options["show"])]
    if options.get("full"):
        args.append("--full")
    if "lang" in options:
        args += ["--lang", options["lang"]]
    result = cli(*args)
    d = gradsym.conv(input="3x3", kernel="2x2", x="arange", k="1,2,3,4")
    assert result.code == 0
    assert result.out == d.to_latex(**options)


def test_show_filters_sections(seed003):
    tex = render_latex(seed003, show=("grad",))
    assert r"\subsection*{Gradients" in tex
    assert r"\subsection*{Forward pass}" not in tex and r"\subsection*{Proofs}" not in tex


def test_long_sums_are_broken_across_lines_and_summarised():
    d = gradsym.conv(input=(24, 24), kernel=(3, 3))
    tex = d.to_latex(show=("grad",))
    rows = re.findall(r"^(.*?)(?: \\\\)?$", tex.split(r"\partial L/\partial k_{1,1}", 1)[1], re.M)
    lines = [r for r in rows if r.lstrip().startswith("&")][:6]
    assert len(lines) > 2 and all(visible_length(r) < 2 * latex.LINE_WIDTH for r in lines)
    assert "484 terms" in tex and r"\cdots" in tex  # 22·22 products, summarised without --full
    full = d.to_latex(show=("grad",), full=True)
    assert "484 terms" not in full and full.count("g_{22,22} x_{22,22}") == 1


def test_split_terms_keeps_groups_whole():
    assert split_terms(r"a + \frac{b + c}{2} - (d + e) + f") == ["a", r"+ \frac{b + c}{2}", "- (d + e)", "+ f"]


def test_prose_becomes_escaped_text_and_inline_maths():
    assert tex_text("dL/dx = Σ_o g_o · ∂y_o/∂x") == (
        r"$\mathrm{d}L/\mathrm{d}x = \sum _{o} g_{o} \cdot \partial y_{o}/\partial x$"
    )
    assert tex_text("50% & $5 #1 {a} a<b") == r"50\% \& \$5 \#1 \{a\} a\textless{}b"
    assert tex_text("use --full to show all") == r"use \texttt{-{}-{}full} to show all"
    assert tex_text("∂y[1,1]/∂x (values)") == r"$\partial y_{1,1}/\partial x$ (values)"
    assert tex_text("x̂_n,f and a_(l+1),i") == r"$\hat{x}_{n,f}$ and $a_{l+1,i}$"
    assert tex_text("输入 x,卷积核", "zh") == r"输入 $x$,卷积核"


SPECIALS = "\\{}$&%#_^~<>|-–—“”…·∂Σ≤≥→×−ᵀ²₁̃̂αγ✓✗ "


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(SPECIALS) + list("abxyz019(),.;:/=+[]'")), max_size=40))
@example("0_{")  # an unclosed brace after a subscript mark is prose, not an index group
def test_any_prose_gives_balanced_latex(text):
    tex = tex_text(text)
    unescaped = re.sub(r"\\.", "", tex)
    assert unescaped.count("{") == unescaped.count("}")
    assert unescaped.count("$") % 2 == 0
    outside = re.sub(r"\$[^$]*\$", "", re.sub(r"\\[$#%&_{}]", "", tex))
    assert not re.search(r"(?<!\\)[#%&_^]", outside)
    assert not re.search(r"[^\x00-\x7f]", outside)  # pdflatex gets ASCII only


# -- compiling -------------------------------------------------------------------------------
def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


@needs_pdflatex
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_command_compiles(name):
    assert _is_pdf(compile_pdf(_latex_of(EXAMPLES[name])))


def _latex_of(args: list[str], *extra: str) -> str:
    import contextlib
    import io

    from gradsym.cli import app
    from gradsym.cli.common import run

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run(app, [*args, "--format", "latex", *extra])
    assert code in (0, 1)
    return out.getvalue()


@needs_pdflatex
def test_large_derivation_compiles_and_pdf_is_reproducible(tmp_path, cli):
    args = ["conv", "--input", "40x40", "--kernel", "3x3", "--stride", "2", "--padding", "1"]
    pdf = tmp_path / "large.pdf"
    result = cli(*args, "--output", str(pdf))
    assert result.code == 0, result.err
    first = pdf.read_bytes()
    assert _is_pdf(first)
    result = cli(*args, "--output", str(pdf))
    assert pdf.read_bytes() == first  # same input, byte-identical PDF


@needs_xelatex
def test_chinese_pdf_compiles_with_xelatex(tmp_path, cli):
    pdf = tmp_path / "zh.pdf"
    result = cli(*EXAMPLES["conv"], "--lang", "zh", "--output", str(pdf))
    assert result.code == 0, result.err
    assert _is_pdf(pdf.read_bytes())
    tex = _latex_of(EXAMPLES["conv"], "--lang", "zh")
    assert r"\usepackage[UTF8]{ctex}" in tex and "前向传播" in tex


def test_missing_engine_is_a_clear_error(monkeypatch, tmp_path, cli):
    monkeypatch.setattr(latex.shutil, "which", lambda name: None)
    with pytest.raises(SpecError, match=r"needs pdflatex .*apt-get install texlive-latex-base"):
        compile_pdf(r"\documentclass{article}\begin{document}x\end{document}")
    pdf = tmp_path / "out.pdf"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(pdf))
    assert result.code == 2 and result.err.startswith("error: --output with .pdf needs pdflatex")
    assert not pdf.exists() and list(tmp_path.iterdir()) == []
    chinese = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(pdf), "--lang", "zh")
    assert chinese.code == 2 and "xelatex" in chinese.err and "需要" in chinese.err


@needs_pdflatex
def test_compile_errors_name_the_first_tex_error():
    with pytest.raises(SpecError, match=r"pdflatex could not compile the document: Undefined control sequence"):
        compile_pdf("\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}\n")


def test_pdf_output_path_is_checked_before_compiling(tmp_path, cli):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(tmp_path / "no" / "x.pdf"))
    assert result.code == 2 and "does not exist" in result.err


def test_first_error_reads_a_tex_log():
    log = "This is pdfTeX\n! Undefined control sequence.\nl.3 \\begin{document}\\nosuchmacro\n"
    assert latex.first_error(log) == "Undefined control sequence. (l.3 \\begin{document}\\nosuchmacro)"


def test_files_are_written_only_through_the_cli(tmp_path, cli):
    tex = tmp_path / "conv.tex"
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--output", str(tex))
    assert result.code == 0 and tex.read_text(encoding="utf-8") == gradsym.conv(input="3x3", kernel="2x2").to_latex()
    assert Path(tex).suffix == ".tex"
