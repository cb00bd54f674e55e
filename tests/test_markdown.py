"""Markdown output (``--format markdown``): GitHub-flavoured, ``$…$`` maths, tables."""

from __future__ import annotations

import re

import pytest
from test_zh import EXAMPLES

import gradsym
from gradsym.render.markdown import md_math, md_text, render_markdown


@pytest.fixture(scope="module")
def seed003():
    return gradsym.conv(input=(3, 3), kernel=(2, 2), x="arange", k=[[1, 2], [3, 4]])


def tables(md: str) -> list[list[list[str]]]:
    """Every GFM table: its body rows as cells (the row-label column dropped)."""
    found: list[list[list[str]]] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|(---:\|)+", lines[i + 1]):
            header = lines[i].count("|")
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                assert lines[j].count("|") == header  # every row as wide as the header
                rows.append([c.strip() for c in lines[j].strip("|").split("|")][1:])
                j += 1
            found.append(rows)
            i = j
        else:
            i += 1
    return found


def test_seed_003_jacobians_are_tables(seed003):
    md = seed003.to_markdown()
    found = tables(md)
    for table in (
        [["1", "2", "0"], ["3", "4", "0"], ["0", "0", "0"]],
        [["0", "0", "0"], ["0", "1", "2"], ["0", "3", "4"]],
        [["5", "6"], ["8", "9"]],
    ):
        assert table in found
    assert [["$k_{1,1}$", "$k_{1,2}$", "0"], ["$k_{2,1}$", "$k_{2,2}$", "0"], ["0", "0", "0"]] in found
    assert [["37", "47"], ["67", "77"]] in found


def test_equations_and_proofs_are_display_maths(seed003):
    md = seed003.to_markdown()
    assert md.startswith("# gradsym conv — 2-D convolution")
    assert "## Forward pass" in md and "## Proofs" in md
    assert r"y_{1,1} &= k_{1,1} x_{1,1} + k_{1,2} x_{1,2} + k_{2,1} x_{2,1} + k_{2,2} x_{2,2} \\" in md
    assert "### ✅ `grad_input_equals_full_conv_rot180_kernel`" in md
    assert (r"\Longrightarrow\quad \frac{\partial L}{\partial X} &= "
            r"\operatorname{crop}\bigl(\tilde{G} \star \operatorname{rot180}(K)\bigr)") in md
    assert md.rstrip().endswith("**✅ All 3 checks hold.**")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_command_gives_well_formed_markdown(cli, name):
    result = cli(*EXAMPLES[name], "--format", "markdown")
    assert result.code in (0, 1), result.err
    md = result.out
    assert md.startswith(f"# gradsym {name}")
    lines = md.splitlines()
    assert lines.count("$$") % 2 == 0  # every display block is closed
    inside = False
    for line in lines:
        if line == "$$":
            inside = not inside
            continue
        if not inside:
            # inline maths is balanced; a table row's maths has no bare |
            assert len(re.findall(r"(?<!\\)\$", line)) % 2 == 0, line
            if line.startswith("|"):
                for formula in re.findall(r"\$([^$]*)\$", line):
                    assert "|" not in formula, line
    tables(md)


def test_cli_output_equals_to_markdown_and_notebook_repr(cli, seed003):
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4",
                 "--format", "markdown", "--show", "jacobian,proof")
    assert result.code == 0
    assert result.out == seed003.to_markdown(show=("jacobian", "proof"))
    assert seed003._repr_markdown_() == seed003.to_markdown()
    assert "## Forward pass" not in result.out


def test_chinese_markdown(seed003):
    md = render_markdown(seed003, lang="zh")
    assert "## 前向传播" in md and "全部 3 项检验成立" in md


def test_large_grids_are_summarised():
    d = gradsym.conv(input=(30, 30), kernel=(3, 3))
    md = d.to_markdown(show=("forward",))
    assert "*… 760 more (use `--full` to show all)*" in md  # 28·28 = 784 outputs, 24 shown
    assert "*30x30 grid, showing the top-left 10x10 corner (use `--full` to show all)*" in md
    full = d.to_markdown(show=("forward",), full=True)
    assert full.count("y_{") > md.count("y_{")


def test_prose_is_escaped_and_options_are_code():
    assert md_text("a*b_c | $x$ <tag> use --full") == r"a\*b\_c \| \$x\$ \<tag\> use `--full`"
    assert md_math(r"\left|x\right| + \|y\|") == r"\left\vert x\right\vert  + \Vert y\Vert "
