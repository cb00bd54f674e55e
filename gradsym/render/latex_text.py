"""Plain text to LaTeX: tensor names (``x₁,₁`` → ``x_{1,1}``) and prose with formulas in it.

Prose lines mix words (any language), option names and formulas written with Unicode
(``∂L/∂x = Σ g·w``); :func:`tex_text` sets the words as text and the formulas as math.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# -- names -------------------------------------------------------------------------
GREEK = {
    name: "\\" + name
    for name in (
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
        "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
    ).split()
}
GREEK["eps"] = r"\varepsilon"
GREEK["lam"] = r"\lambda"


def tex_letter(letter: str) -> str:
    """A tensor letter in math mode: ``x``, ``\\gamma``, ``\\mathit{W1}``."""
    if letter in GREEK:
        return GREEK[letter]
    if len(letter) == 1:
        return letter
    return r"\mathit{" + letter.replace("_", r"\_") + "}"


def tex_name(letter: str, index: Sequence[int]) -> str:
    """``x_{1,1}`` for letter x and 1-based index (1, 1)."""
    base = tex_letter(letter)
    return f"{base}_{{{','.join(map(str, index))}}}" if index else base


def tensor_letter(letter: str) -> str:
    """A whole tensor: capital for one-letter names (X for x), else the name itself."""
    if len(letter) == 1 and letter.isascii() and letter.isalpha():
        return letter.upper()
    return tex_letter(letter)


# -- prose --------------------------------------------------------------------------------
MATH_CHARS = {
    "∂": r"\partial ", "Σ": r"\sum ", "∑": r"\sum ", "·": r"\cdot ", "⋆": r"\star ",
    "∗": r"\ast ", "⊕": r"\oplus ", "⊙": r"\odot ", "⊗": r"\otimes ", "∘": r"\circ ",
    "×": r"\times ", "÷": r"\div ", "−": "-", "±": r"\pm ", "≤": r"\le ", "≥": r"\ge ",
    "≠": r"\ne ", "≈": r"\approx ", "≡": r"\equiv ", "→": r"\to ", "←": r"\gets ",
    "↦": r"\mapsto ", "⇒": r"\Rightarrow ", "⟹": r"\Longrightarrow ", "∈": r"\in ", "ℤ": r"\mathbb{Z}",
    "∉": r"\notin ", "∀": r"\forall ", "∞": r"\infty ", "√": r"\surd ", "‖": r"\|",
    "…": r"\dots ", "⋯": r"\cdots ", "°": r"^{\circ}", "ᵀ": r"^{\top}", "⊤": r"\top ",
    "∇": r"\nabla ", "⌈": r"\lceil ", "⌉": r"\rceil ", "⌊": r"\lfloor ", "⌋": r"\rfloor ",
    "⟨": r"\langle ", "⟩": r"\rangle ", "′": "'", "ε": r"\varepsilon ", "∑ᵢ": r"\sum_i ",
}
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0307": r"\dot",
           "\u0308": r"\ddot", "\u20d7": r"\vec"}
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊ₒᵢⱼₖₙ", "0123456789-+oijkn"))
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿ", "0123456789-+n"))
TEXT_CHARS = {
    "—": "---", "–": "--", "“": "``", "”": "''", "‘": "`", "’": "'", "…": r"\dots{}",
    "✓": r"$\checkmark$", "✗": r"$\times$", "\u00a0": "~", "•": r"\textbullet{}",
}
TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
    "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}",
}
MATH_ESCAPES = {
    "\\": r"\backslash ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
    "#": r"\#", "~": r"\sim ", "*": r"\ast ", '"': "''",
}
FUNCTION_WORDS = frozenset(
    "rot180 crop pad conv full_conv zero_insert dilate argmax argmin max min sum mean "
    "diag tr det exp log sqrt sin cos tanh sigmoid relu mask window".split()
)
_CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")
_OPTION = re.compile(r"--[a-z][a-z0-9-]*")
_BRACKET_INDEX = re.compile(r"([A-Za-z])\[(\d+(?:,\d+)*)\]")
_DIFFERENTIAL = re.compile(r"d([^\W\d_]\w*)/d([^\W\d_]\w*)(?![\w(])")
_MORE_INDICES = re.compile(r"(?:,[A-Za-z0-9]+)+(?![\w(])")
_OPERATORS = frozenset("= + - − · × ⋆ → ≤ ≥ ≠ ≈ : ⊕ ∘".split())


def is_cjk(ch: str) -> bool:
    return bool(_CJK.fullmatch(ch))


def _is_mathy(token: str) -> bool:
    """Does a prose token read as mathematics (x_1, ∂L/∂x, Σ_o, rot180(k), g̃)?"""
    if _OPTION.fullmatch(token):
        return False
    if len(token) == 1 and token.isascii() and token.isalpha() and token not in "aAI":
        return True  # a lone letter in a sentence is a variable: g, k, s
    if any(ch in MATH_CHARS or ch in SUBSCRIPTS or ch in SUPERSCRIPTS or ch in ACCENTS for ch in token):
        return True
    if any(unicodedata.category(ch).startswith("L") and "GREEK" in unicodedata.name(ch, "") for ch in token):
        return True
    if re.search(r"[A-Za-z0-9)]_[A-Za-z0-9{(]|\^|\w\[\d", token):
        return True
    return bool(re.fullmatch(r"d[A-Za-z]\w*/d[A-Za-z]\w*|[a-z]\(.*\)|rot180\(.*", token))


def math_text(token: str) -> str:
    """A math-looking piece of prose (``∂y[1,1]/∂x``, ``Σ_o g_o``) as LaTeX math."""
    token = _BRACKET_INDEX.sub(lambda m: f"{m.group(1)}_{{{m.group(2)}}}", token)
    out: list[str] = []
    i = 0
    n = len(token)
    while i < n:
        ch = token[i]
        if ch == "{" and out and out[-1].endswith("_") and "}" in token[i:]:
            # an index already converted by _BRACKET_INDEX: copy the group verbatim (an
            # unclosed brace is prose, escaped below)
            j = token.index("}", i)
            out.append(token[i : j + 1])
            i = j + 1
            continue
        ratio = _DIFFERENTIAL.match(token, i)
        if ratio and (i == 0 or not token[i - 1].isalnum()):
            top, bottom = (math_text(x) for x in ratio.groups())
            out.append(rf"\mathrm{{d}}{top}/\mathrm{{d}}{bottom}")
            i = ratio.end()
            continue
        match = _IDENT.match(token, i)
        if match:
            ident, end = match.group(0), match.end()
            more = _MORE_INDICES.match(token, end) if "_" in ident else None
            if more:  # w_l,i,j: one subscript of several indices
                ident, end = ident + more.group(0), more.end()
            out.append(_ident_tex(ident))
            i = end
            continue
        if ch in ACCENTS and out:  # a combining accent over the previous atom: x̂, g̃
            out[-1] = f"{ACCENTS[ch]}{{{out[-1]}}}"
        elif ch in "_^":
            sub = re.match(r"[A-Za-z0-9]+(?:,[A-Za-z0-9]+)*", token[i + 1 :])
            group = _parenthesised(token, i + 1)
            if token[i + 1 : i + 2] == "{":
                out.append(ch)
            elif group is not None:  # a_(l+1),i: a parenthesised index, maybe more after it
                more = _MORE_INDICES.match(token, group + 1)
                tail = more.group(0) if more else ""
                out.append(f"{ch}{{{math_text(token[i + 2 : group])}{tail}}}")
                i = group + 1 + len(tail)
                continue
            elif sub:
                word = sub.group(0)
                inner = ",".join(p if len(p) == 1 or p.isdigit() else rf"\mathrm{{{p}}}" for p in word.split(","))
                out.append(f"{ch}{{{inner}}}")
                i += len(word)
            else:
                out.append(r"\_" if ch == "_" else r"\hat{}")
        elif ch in SUBSCRIPTS:
            j = i
            while j < n and (token[j] in SUBSCRIPTS or token[j] == "," and token[j + 1 : j + 2] in SUBSCRIPTS):
                j += 1
            out.append("_{" + "".join(SUBSCRIPTS.get(c, c) for c in token[i:j]) + "}")
            i = j
            continue
        elif ch in SUPERSCRIPTS:
            j = i
            while j < n and token[j] in SUPERSCRIPTS:
                j += 1
            out.append("^{" + "".join(SUPERSCRIPTS[c] for c in token[i:j]) + "}")
            i = j
            continue
        elif ch in MATH_CHARS:
            out.append(MATH_CHARS[ch])
        elif ch in MATH_ESCAPES:
            out.append(MATH_ESCAPES[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(_unicode_math(ch))
        i += 1
    return "".join(out).strip()


def _parenthesised(token: str, start: int) -> int | None:
    """The index of the ``)`` closing a ``(`` at ``start``, if there is one."""
    if token[start : start + 1] != "(":
        return None
    depth = 0
    for j in range(start, len(token)):
        depth += {"(": 1, ")": -1}.get(token[j], 0)
        if depth == 0:
            return j
    return None


def _ident_tex(ident: str) -> str:
    """``x_1_1`` → ``x_{1,1}``; ``g_o`` → ``g_{o}``; ``full_conv`` → ``\\operatorname{full\\_conv}``."""
    parts = ident.split("_")
    base, rest = parts[0], [q for p in parts[1:] for q in p.split(",")]
    ident = ident.replace(",", "_")
    if ident in FUNCTION_WORDS or (len(base) > 1 and rest and not all(p.isdigit() or len(p) == 1 for p in rest)):
        return r"\operatorname{" + ident.replace("_", r"\_") + "}"
    if len(base) > 1 and base not in GREEK:
        head = rf"\operatorname{{{base}}}" if base.isalpha() else rf"\mathit{{{base}}}"
    else:
        head = tex_letter(base)
    if not rest:
        return head
    return head + "_{" + ",".join(p if len(p) == 1 or p.isdigit() else rf"\mathrm{{{p}}}" for p in rest) + "}"


def _unicode_math(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if "GREEK" in name and unicodedata.category(ch).startswith("L"):
        word = name.split()[-1].lower()
        if "CAPITAL" in name:
            word = word.capitalize()
        return GREEK.get(word, "\\" + word) + " "
    base = unicodedata.normalize("NFKD", ch)[:1]
    if base.isascii() and base.isalnum():
        return base
    return rf"\text{{\texttt{{[U+{ord(ch):04X}]}}}}"


def tex_text(text: str, lang: str = "en") -> str:
    """Prose as LaTeX: special characters escaped, math-looking tokens as inline math,
    option names in typewriter (``--full``), Chinese passed through for ctex."""
    pieces: list[str] = []
    pos = 0
    for match in _CJK.finditer(text):
        pieces.append(_latin_text(text[pos : match.start()], lang))
        pieces.append(match.group(0))
        pos = match.end()
    pieces.append(_latin_text(text[pos:], lang))
    return "".join(pieces)


def _latin_text(text: str, lang: str) -> str:
    """Words and spaces: runs of math-looking words (and operators between them) become
    one inline formula; the rest is escaped text."""
    if not text:
        return ""
    stripped = text.lstrip()
    lead_space = text[: len(text) - len(stripped)]
    parts = re.split(r"(\s+)", stripped)
    words: list[tuple[str, str, str, str, str]] = []  # lead, core, tail, kind, space after
    for i in range(0, len(parts), 2):
        word = parts[i]
        space = parts[i + 1] if i + 1 < len(parts) else ""
        if not word:
            continue
        lead, core, tail = _split_punctuation(word)
        if core and _is_mathy(core):
            kind = "math"
        elif core in _OPERATORS:
            kind = "op"
        else:
            kind = "text"
        words.append((lead, core, tail, kind, space))
    out: list[str] = [lead_space]
    i = 0
    while i < len(words):
        lead, core, tail, kind, space = words[i]
        if kind == "text" or (kind == "op" and core in "-:"):
            out.append(_escape_text(lead + core + tail, lang) + space)
            i += 1
            continue
        j = i
        while not words[j][2] and j + 1 < len(words):
            nxt = words[j + 1]
            if nxt[0] or nxt[3] == "text":
                break
            j += 1
        while j > i and words[j][3] == "op":
            j -= 1
        formula = " ".join(math_text(w[1]) for w in words[i : j + 1])
        out.append(_escape_text(lead, lang) + "$" + formula + "$" + _escape_text(words[j][2], lang) + words[j][4])
        i = j + 1
    return "".join(out)


def _split_punctuation(token: str) -> tuple[str, str, str]:
    """Leading ``(``/quotes and trailing ``,.;:)`` that belong to the sentence, not the math."""
    lead = re.match(r"[(\"'“‘]*", token)
    start = lead.end() if lead else 0
    end = len(token)
    while end > start and token[end - 1] in ",.;:!?\"'”’":
        end -= 1
    # a closing parenthesis stays with the maths when it closes one opened inside it
    while end > start and token[end - 1] == ")" and token[start:end].count("(") < token[start:end].count(")"):
        end -= 1
    return token[:start], token[start:end], token[end:]


def _escape_text(text: str, lang: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        option = _OPTION.match(text, i)
        if option and (i == 0 or not text[i - 1].isalnum()):
            out.append(r"\texttt{" + option.group(0).replace("-", "-{}") + "}")
            i = option.end()
            continue
        ch = text[i]
        if ch in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[ch])
        elif ch in TEXT_CHARS:
            out.append(TEXT_CHARS[ch])
        elif ch == "-" and text[i + 1 : i + 2] == "-":
            out.append("-{}")
        elif ch.isascii() or lang == "zh" or unicodedata.category(ch).startswith("L") and ord(ch) < 0x250:
            out.append(ch)
        elif ch in MATH_CHARS or ch in SUBSCRIPTS or ch in SUPERSCRIPTS:
            out.append("$" + math_text(ch) + "$")
        else:
            out.append("$" + _unicode_math(ch).strip() + "$")
        i += 1
    return "".join(out)


def tex_code(name: str) -> str:
    """An identifier (check name) in typewriter type, breakable after underscores."""
    return r"\texttt{" + name.replace("_", r"\_\allowbreak{}") + "}"
