"""Chinese (``--lang zh``): every piece of prose translated, errors included.

"Untranslated English prose" is defined precisely by :func:`english_runs`: after
removing math (``$…$``), code spans, quoted text (``'…'``), option names (``--full``), identifiers that
contain ``_``, ``.`` or digits (``x_1_1``, ``torch.nn.Linear``, ``rot180``), words
directly followed by ``(`` (function names) and ``gradsym COMMAND``, a run of two
or more space-separated words of two or more Latin letters, of which at least two
are not proper names or function names from :data:`ALLOWED`, is English prose.

Run ``python tests/test_zh.py`` to list the raise sites whose messages have no
Chinese template yet.
"""

from __future__ import annotations

import ast
import builtins
import re
import shlex
from pathlib import Path

import pytest

from gradsym.render.messages import EN, ERRORS_ZH, ZH
from gradsym.render.wording import Catalogue, template_parts, translate_error

ROOT = Path(__file__).resolve().parent.parent / "gradsym"
ERROR_CALLS = {"SpecError", "ExpressionError", "SizeError", "GradsymError", "_fail"}
BUILTIN_ERRORS = {name for name in dir(builtins) if name.endswith(("Error", "Exception"))}
ALLOWED = set(
    """PyTorch TensorFlow JAX SymPy NumPy Matplotlib VALID SAME Max Min Heaviside KroneckerDelta
    Piecewise Contains Range Integers True False mean sum max min trace det inv norm hadamard
    logsumexp softmax sqrt exp log tanh sigmoid relu sign mod argmax none TeX Live LaTeX Frobenius
    Kronecker Debian Ubuntu pip apt install NC sin cos abs tr dot maximum minimum""".split()
)


def english_runs(text: str) -> list[str]:
    """Runs of English prose left in ``text`` (see the module docstring)."""
    t = re.sub(r"\$[^$]*\$", " ", text)
    t = re.sub(r"`[^`]*`|'[^'\n]*'", " ", t)
    t = re.sub(r"--[\w-]+(=\S+)?", " ", t)
    t = re.sub(r"\b[\w.]*[_\d.][\w.]*\b", " ", t)
    t = re.sub(r"\b[A-Za-z]+(?=\()", " ", t)
    t = re.sub(r"\bgradsym \w+", " ", t)
    runs = []
    for match in re.finditer(r"[A-Za-z]{2,}(?: +[A-Za-z]{2,})+", t):
        words = [w for w in match.group(0).split() if w not in ALLOWED]
        if len(words) >= 2:
            runs.append(match.group(0))
    return runs


def test_english_runs_finds_prose_and_ignores_maths():
    assert english_runs("the window gives ∂L/∂x") == ["the window gives"]
    assert english_runs("输入 x_1_1,--full,$\\partial L$,gradsym conv,PyTorch 语义") == []
    assert english_runs("卷积 tf.nn.conv2d 与 rot180(k)") == []


# -- the catalogue ------------------------------------------------------------------------
def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_every_english_message_has_a_chinese_one_with_the_same_placeholders():
    missing = [key for key in EN if key not in ZH]
    assert not missing, f"no Chinese text for {missing}"
    different = [key for key in ZH if key in EN and _placeholders(EN[key]) != _placeholders(ZH[key])]
    assert not different, f"placeholders differ in {different}"
    assert not [key for key in ZH if key not in EN], "Chinese keys that English does not have"


def test_chinese_messages_contain_no_english_prose():
    leftovers = {key: english_runs(text) for key, text in ZH.items() if english_runs(text)}
    assert not leftovers, leftovers


def test_chinese_punctuation_is_full_width_next_to_chinese():
    # An ASCII comma, colon or semicolon directly between Chinese characters is a typo.
    bad = [key for key, text in ZH.items() if re.search(r"[\u4e00-\u9fff][,;:][\u4e00-\u9fff]", text)]
    assert not bad, bad


def test_catalogue_falls_back_to_english_and_formats():
    assert Catalogue("zh")("verdict.ok", count=2) == "全部 2 项检验成立。"
    assert Catalogue("xx")("verdict.ok", count=2) == "All 2 checks hold."


# -- the documents ------------------------------------------------------------------------
def command_examples() -> dict[str, list[str]]:
    """Every registered command's example, from its help text (``Example: gradsym …``)."""
    import typer.main

    from gradsym.cli import app

    examples = {}
    for name, command in sorted(typer.main.get_command(app).commands.items()):  # type: ignore[attr-defined]
        match = re.search(r"Example[^:]*:\s*gradsym\s+(.*?)(?:\n\s*\n|$)", command.help or "", re.S)
        if match:
            examples[name] = shlex.split(" ".join(match.group(1).split()))
    return examples


EXAMPLES = command_examples()
# Variants whose prose the help examples do not reach: the --general derivations.
VARIANTS = {
    "conv --general": ["conv", "--general", "--dims", "1"],
    "deconv --general": ["deconv", "--general", "--dims", "1"],
    "matrix letter sizes": ["matrix", "(X*w - y).T*(X*w - y)", "--shape", "X=mxn", "--shape", "w=n",
                            "--shape", "y=m"],
}
CASES = {**EXAMPLES, **VARIANTS}


@pytest.mark.parametrize("name", sorted(CASES))
def test_chinese_text_output_has_no_english_prose(cli, name):
    result = cli(*CASES[name], "--format", "text", "--lang", "zh")
    assert result.code in (0, 1), result.err
    assert english_runs(result.out) == []


def test_chinese_markdown_and_latex_have_no_english_prose(cli):
    args = EXAMPLES["conv"]
    for fmt in ("markdown", "latex"):
        result = cli(*args, "--format", fmt, "--lang", "zh")
        assert result.code == 0
        body = result.out
        if fmt == "latex":  # drop LaTeX commands and the preamble's comment
            body = body.split(r"\begin{document}", 1)[1]
            body = re.sub(r"\\[A-Za-z]+\*?(\[[^]]*\])?", " ", body)
        assert english_runs(body) == [], fmt


def test_english_is_the_default(cli):
    result = cli(*EXAMPLES["conv"], "--format", "text")
    assert "Forward pass" in result.out and "前向传播" not in result.out


# -- errors -------------------------------------------------------------------------------
def _template(node: ast.AST, consts: dict[str, str]) -> str | None:
    """A raise site's message as a template: literal text, ``{expression}`` for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                assert isinstance(value, ast.FormattedValue)
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left, consts), _template(node.right, consts)
        return left + right if left is not None and right is not None else None
    return None


def raise_site_templates() -> list[tuple[str, str]]:
    """``(where, template)`` of every error message in the package, and of the message
    pieces handed to helpers that build one (``self.reject("the name …", …)``)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        consts: dict[str, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                text = _template(stmt.value, consts)
                if text is not None:
                    consts[stmt.targets[0].id] = text
        in_raise: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc
                name = getattr(getattr(call, "func", None), "id", None)
                if name in BUILTIN_ERRORS:
                    continue  # an internal error (TypeError …), never shown to a user
                in_raise.update(id(n) for n in ast.walk(call))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            texts = [t for t in (_template(a, consts) for a in node.args) if t]
            if name in ERROR_CALLS and texts:
                found.append((where, texts[0]))
            elif id(node) in in_raise and name not in ("t", "Catalogue"):
                found.extend((where, text) for text in texts)
    return [(w, t) for w, t in found if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+|en|zh", t)]


def _normal(text: str) -> str:
    return " ".join(text.split())


def untranslated_raise_sites() -> list[tuple[str, str]]:
    known = {_normal(k) for k in ERRORS_ZH} | {_normal(v) for k, v in EN.items() if k.startswith("error.")}
    return [
        (w, t) for w, t in raise_site_templates()
        if _normal(t) not in known and len("".join(template_parts(t)[0::2]).strip()) > 2
    ]


def test_every_error_message_has_a_chinese_template():
    missing = untranslated_raise_sites()
    assert not missing, "no Chinese template for:\n" + "\n".join(f"{w}: {t!r}" for w, t in missing)


def test_error_templates_keep_their_placeholders_and_are_chinese():
    for english, chinese in ERRORS_ZH.items():
        assert set(template_parts(chinese)[1::2]) <= set(template_parts(english)[1::2]), english
        filled = chinese
        for name in template_parts(chinese)[1::2]:
            filled = filled.replace("{" + name + "}", " ")
        assert english_runs(filled) == [], english


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["conv", "--input", "3x3", "--kernel", "2x2", "--stride", "0"], "--stride"),
        (["conv", "--kernel", "2x2"], "--input"),
        (["conv", "--input", "3x3", "--kernel", "2x2", "--foo"], "--foo"),
        (["conv", "--input", "3x3", "--kernel", "2x2", "--x", "1,2,3,nan"], "nan"),
        (["expr", "a +* b", "--shape", "a=2", "--wrt", "a"], "4"),
    ],
)
def test_errors_are_printed_in_chinese(cli, args, expected):
    result = cli(*args, "--lang", "zh")
    assert result.code == 2
    line = result.err.strip()
    assert line.startswith("error: ") and expected in line
    assert re.search(r"[\u4e00-\u9fff]", line), line
    assert english_runs(line.removeprefix("error: ")) == [], line


def test_gradsym_lang_environment_variable_translates_errors(cli, monkeypatch):
    monkeypatch.setenv("GRADSYM_LANG", "zh")
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--groups", "0")
    assert result.code == 2 and re.search(r"[\u4e00-\u9fff]", result.err)
    monkeypatch.delenv("GRADSYM_LANG")
    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--groups", "0")
    assert not re.search(r"[\u4e00-\u9fff]", result.err)


def test_translate_error_fills_the_chinese_template():
    message = "--groups must be a whole number ≥ 1, got 0"
    assert translate_error(message, "en") == message
    chinese = translate_error(message, "zh")
    assert "--groups" in chinese and "0" in chinese and chinese != message
    assert translate_error("something nobody wrote", "zh") == "something nobody wrote"


if __name__ == "__main__":
    for where, template in untranslated_raise_sites():
        print(f"{template!r}  # {where}")


# -- help ---------------------------------------------------------------------------------
def _help_texts() -> list[str]:
    import typer.main

    from gradsym.cli import app

    root = typer.main.get_command(app)
    texts = [root.help or ""]
    for command in [root, *root.commands.values()]:  # type: ignore[attr-defined]
        texts.append(command.help or "")
        texts.extend(p.help for p in command.params if getattr(p, "help", None))
    return [t for t in texts if t]


def test_every_help_text_has_a_chinese_translation():
    from gradsym.render.wording import translate_help

    untranslated = []
    for text in _help_texts():
        chinese = translate_help(text, "zh") or ""
        runs = english_runs(re.sub(r"(?m)^示例[^:：]*[:：].*$", "", chinese))  # examples stay commands
        if runs or chinese == text:
            untranslated.append((text, runs))
    assert not untranslated, untranslated


def test_help_is_chinese_with_gradsym_lang(cli, monkeypatch):
    monkeypatch.setenv("GRADSYM_LANG", "zh")
    result = cli("conv", "--help")
    assert result.code == 0 and "卷积" in result.out and "示例" in result.out
    monkeypatch.delenv("GRADSYM_LANG")
    english = cli("conv", "--help")
    assert "Convolution: forward" in english.out and "卷积" not in english.out


def test_plain_text_in_chinese_aligns_by_display_width(cli):
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    result = cli("conv", "--input", "3x3", "--kernel", "2x2", "--x", "arange", "--k", "1,2,3,4", "--format", "text",
                 "--lang", "zh")
    assert result.code == 0
    lines = result.out.splitlines()
    underlined = [(title, rule) for title, rule in zip(lines, lines[1:])
                  if rule and set(rule) <= {"-", "="} and title]
    assert underlined and any(width(t) != len(t) for t, _ in underlined)
    for title, rule in underlined:
        assert len(rule) == min(width(title), 100), title


def test_the_mlp_weight_layout_hint_is_translated(cli):
    result = cli("mlp", "--layers", "3,2,1", "--at", "w_1=[[1,2,3],[4,5,6]]", "--lang", "zh")
    assert result.code == 2
    assert "torch.nn.Linear.weight 的转置" in result.err
    assert "inputs" not in result.err and "give" not in result.err
