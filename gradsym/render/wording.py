"""Wording: the catalogue looked up per language, keyed errors worded for their caller, and
the few finished messages gradsym does not write (Click's, Python's parser's) translated.

>>> Catalogue("en")("section.forward")
'Forward pass'
"""

from __future__ import annotations

import re
from typing import Any

from gradsym.errors import Phrase, Verbatim, api_message
from gradsym.render.messages import CATALOGUES, EN, ERRORS_ZH, HELP_ZH


class Catalogue:
    """Look up a message in one language, falling back to English.

    >>> Catalogue("zh")("verdict.ok", count=3)
    '全部 3 项检验成立。'
    """

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.messages = CATALOGUES.get(lang, EN)

    def get(self, key: str, default: str) -> str:
        """The message for ``key``, or ``default`` when the catalogue has none."""
        return self.messages.get(key) or EN.get(key) or default

    def __call__(self, key: str, **params: object) -> str:
        text = self.messages.get(key) or EN[key]
        return text.format(**params) if params else text

    def error(self, message: str) -> str:
        """An English error message in this language (unchanged for English)."""
        return translate_error(message, self.lang)


# -- keyed errors: a key and the facts, worded here -----------------------------------------
class _Names:
    """``{opt.in_channels}`` in an error template: the parameter as the caller knows it —
    ``--in-channels`` on the command line, ``in_channels`` from Python."""

    def __init__(self, caller: str) -> None:
        self.cli = caller == "cli"

    def __getattr__(self, name: str) -> str:
        return "--" + name.replace("_", "-") if self.cli else name

    def with_value(self, name: str, value: object) -> str:
        """``--groups 3`` on the command line, ``groups=3`` from Python."""
        if self.cli:  # a value with spaces is quoted as the shell needs it
            shown = f"'{value}'" if isinstance(value, str) and " " in value else value
            return f"{getattr(self, name)} {shown}"
        return f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}"


class _Flags:
    """``{flag.expand}`` in an error template: an on/off option as the caller sets it —
    ``--expand`` on the command line, ``expand=True`` from Python."""

    def __init__(self, caller: str) -> None:
        self.cli = caller == "cli"

    def __getattr__(self, name: str) -> str:
        return "--" + name.replace("_", "-") if self.cli else f"{name}=True"


class _Given:
    """``{given.groups}``: a parameter with the value it was given — ``--groups 3`` on the
    command line, ``groups=3`` from Python."""

    def __init__(self, caller: str, facts: dict[str, object]) -> None:
        self.names, self.facts = _Names(caller), facts

    def __getattr__(self, name: str) -> str:
        return self.names.with_value(name, self.facts[name])


def _param_name(value: object, names: _Names) -> str:
    """A parameter as the caller knows it; a :class:`Verbatim` label as it is, its leading
    ``--option`` renamed for Python as :func:`api_message` does (``--k (layer 2)``)."""
    name = str(value)
    if not isinstance(value, Verbatim):
        return getattr(names, name)
    if names.cli:
        return name
    at = re.fullmatch(r"--at ([^\s=]+)(?:=…)?", name)  # a value given by name: at={'w_1': …}
    if at:
        return f"at[{at.group(1)!r}]"
    return api_message(name, {m.replace("-", "_") for m in re.findall(r"--([\w-]+)", name)})


def word_error(key: str, facts: dict[str, object], lang: str = "en", caller: str = "python") -> str:
    """The message of a keyed error (``error.<key>`` in the catalogue) in ``lang``.

    >>> word_error("conv.groups_divide", {"groups": 3, "in_channels": 4, "out_channels": 6})
    'groups=3 must divide both in_channels (4) and out_channels (6)'
    """
    messages = CATALOGUES.get(lang, EN)
    template = messages.get(f"error.{key}") or EN.get(f"error.{key}")
    if template is None:  # not a key after all: the text as it was given, with its facts
        return key + "".join(f"; {fact}={value!r}" for fact, value in facts.items())
    names = _Names(caller)
    given = _Given(caller, facts)
    worded: dict[str, object] = dict(facts)
    # ``param`` / ``*_param`` facts hold a parameter's name: ``{param}`` is the name as the
    # caller knows it, ``{param_got}`` / ``{param_example}`` the name with that value
    for fact, value in facts.items():
        if isinstance(value, Phrase | BaseException):  # a part of the message: same language
            render = getattr(value, "render", None)  # a Phrase, a keyed error (or DomainError)
            keyed = isinstance(value, Phrase) or getattr(value, "key", None) is not None
            worded[fact] = (render(lang, caller) if keyed and render is not None
                            else translate_error(str(value) or type(value).__name__, lang))
            continue
        if fact == "params" or fact.endswith("_params"):  # parameter names: "--x, --k" / "x, k"
            worded[fact] = ", ".join(_param_name(name, names) for name in value)  # type: ignore[attr-defined]
        if fact == "param" or fact.endswith("_param"):
            worded[fact] = shown = _param_name(value, names)
            for extra in ("got", "example"):
                if extra in facts:  # a Verbatim label keeps its words: "--k (layer 2) 0"
                    worded[f"{fact}_{extra}"] = (f"{shown} {facts[extra]}" if isinstance(value, Verbatim)
                                                 else names.with_value(str(value), facts[extra]))
    return template.format(opt=names, given=given, flag=_Flags(caller), **worded)


# -- translating finished error messages -------------------------------------------------
def template_parts(template: str) -> list[str]:
    """``"a {x} b"`` → ``["a ", "x", " b"]``: literals at even, placeholders at odd positions.

    Placeholders are Python expressions and may hold braces of their own.
    """
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{":
            depth, j = 1, i + 1
            while j < len(template) and depth:
                depth += {"{": 1, "}": -1}.get(template[j], 0)
                j += 1
            parts.append("".join(literal))
            parts.append(template[i + 1 : j - 1])
            literal = []
            i = j
            continue
        literal.append(ch)
        i += 1
    parts.append("".join(literal))
    return parts


def _residue(text: str) -> int:
    """How many English words a translation still holds (quoted text and options aside)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|--[\w-]+", " ", text)
    return len(re.findall(r"(?<![\w.])[A-Za-z]{2,}(?![\w.(])", text))


class _Template:
    """One message template: a regex over the English text, and its translation.

    Adjacent placeholders (``{hint}{found}``) are captured as one value, which is
    translated as a concatenation of fragments.
    """

    def __init__(self, english: str, translated: str) -> None:
        parts = template_parts(" ".join(english.split()))  # surrounding spaces dropped
        literals, names = parts[0::2], parts[1::2]
        groups: list[str] = []  # one entry per capture: "{a}" or "{a}{b}" for adjacent ones
        pattern = [re.escape(literals[0])]
        for i, name in enumerate(names):
            if i > 0 and literals[i] == "":
                groups[-1] += "{" + name + "}"
            else:
                groups.append("{" + name + "}")
                pattern.append("(.*?)")
            pattern.append(re.escape(literals[i + 1]))
        self.groups = groups
        self.literal = sum(len(p) for p in literals)
        self.starts_literal = bool(literals[0])
        self.regex = re.compile("".join(pattern), re.DOTALL)
        self.suffix = re.compile("(.*?)" + "".join(pattern), re.DOTALL)
        self.translated = translated

    def fill(self, values: list[str], lang: str, depth: int) -> str:
        out = self.translated
        for group, value in zip(self.groups, values):
            value = _translate(value, lang, depth + 1) if value.strip() else value
            if group in out:
                out = out.replace(group, value)
            else:  # the translation splits adjacent placeholders: keep the text once
                first, *rest = template_parts(group)[1::2]
                out = out.replace("{" + first + "}", value)
                for name in rest:
                    out = out.replace("{" + name + "}", "")
        return out


_TEMPLATES: dict[str, list[_Template]] = {}


def _templates(lang: str) -> list[_Template]:
    """Compiled templates of a table: ``zh`` (errors) or ``zh-help`` (help texts)."""
    if lang not in _TEMPLATES:
        language, _, kind = lang.partition("-")
        if kind == "help":
            table = dict(HELP_ZH) if language == "zh" else {}
        else:
            table = dict(ERRORS_ZH) if language == "zh" else {}
            messages = CATALOGUES.get(language, {})
            for key, english in EN.items():
                if key.startswith("error.") and key in messages:
                    table[english] = messages[key]
        compiled = [_Template(en, tr) for en, tr in table.items()]
        # The most specific template (most literal text) is tried first.
        compiled.sort(key=lambda tpl: -tpl.literal)
        _TEMPLATES[lang] = [tpl for tpl in compiled if tpl.literal >= 3]
    return _TEMPLATES[lang]


def _translate(message: str, lang: str, depth: int) -> str:
    """The best translation of ``message``: a whole template, else text + a trailing fragment.

    Of the templates that match, the one leaving the least English wins (a value that
    swallowed a suffix such as " (see 'gradsym conv --help')" leaves English behind).
    """
    core = message.strip()
    if depth > 6 or not core:
        return message
    if core != message:  # translate the words, keep the spaces around them
        start = message.index(core)
        return message[:start] + _translate(core, lang, depth) + message[start + len(core) :]
    best: tuple[int, int, str] | None = None
    for template in _templates(lang):
        match = template.regex.fullmatch(message)
        if match is not None:
            out = template.fill(list(match.groups()), lang, depth)
            score = (_residue(out), -template.literal)
            if best is None or score < best[:2]:
                best = (*score, out)
                if score[0] == 0:
                    break
    if best is None or best[0] > 0:
        # text followed by a known fragment: "; names starting with '__' are reserved …"
        for template in _templates(lang):
            if not template.starts_literal:
                continue
            match = template.suffix.fullmatch(message)
            if match is None or not match.group(1):
                continue
            head = _translate(match.group(1), lang, depth + 1)
            out = head + template.fill(list(match.groups()[1:]), lang, depth)
            score = (_residue(out), -template.literal)
            if best is None or score < best[:2]:
                best = (*score, out)
                if score[0] == 0:
                    break
    return best[2] if best is not None else message


def translate_error(message: str, lang: str) -> str:
    """The Chinese text of an English error message (unchanged when no template fits).

    >>> translate_error("interrupted", "zh")
    '已中断'
    """
    if lang == "en":
        return message
    return _tidy(_translate(" ".join(message.split()), lang, 0))


def _tidy(text: str) -> str:
    """No space next to full-width punctuation."""
    return re.sub(r"\s*([\uff08\uff09\uff0c\uff1a\uff1b\u3002])\s*", r"\1", text)


def translate_help(text: str | None, lang: str) -> str | None:
    """A command's or option's help in ``lang``, paragraph by paragraph.

    >>> translate_help("Print the version and exit.", "zh")
    '打印版本号并退出。'
    """
    if lang == "en" or not text:
        return text
    paragraphs = re.split(r"\n\s*\n", text.strip())
    out = [_tidy(_translate(" ".join(p.split()), f"{lang}-help", 0)) for p in paragraphs]
    # Rich wraps help text at spaces only: let a line break after Chinese punctuation.
    out = [re.sub(r"([\uff0c\uff1b\uff1a\u3001\u3002])(?=\S)", r"\1 ", p) for p in out]
    return "\n\n".join(re.sub(r"(?<=\S)\uff08", " \uff08", p) for p in out)


def localize_help(command: Any, lang: str) -> Any:
    """Translate the help texts of a Click command tree in place (``.help`` of the
    commands and their options); returns the command."""
    stack = [command]
    while stack:
        current = stack.pop()
        current.help = translate_help(getattr(current, "help", None), lang)
        for param in getattr(current, "params", []):
            if getattr(param, "help", None):
                param.help = translate_help(param.help, lang)
        stack.extend(getattr(current, "commands", {}).values())
    return command
