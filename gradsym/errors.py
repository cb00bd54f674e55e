"""Errors raised by gradsym. Every user-facing error is a GradsymError (a ValueError)."""

import re

# --option, then an optional value (a number, shape or quoted text); "--at NAME=…" stays as it is.
_OPTION = re.compile(
    r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\b(?! \w+=)(?: (-?[\d./x]+\b|'[^']*'))?"
)


# A catalogue key: ``conv.groups_divide`` (worded by the catalogue as ``error.conv.groups_divide``).
_KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


class Verbatim(str):
    """A ``param`` fact that is a label, not a parameter: printed as it is (``--shape a=2y``,
    a layer's ``size``), never renamed for the caller."""


class Phrase:
    """A part of a keyed message that the catalogue words too (``error.<key>`` with ``facts``),
    in the language of the message that holds it: ``ExpressionError("expr.not_allowed",
    what=Phrase("expr.what.list"), …)``. ``Phrase(text=…)`` (no key) is English from elsewhere
    (Python's parser), translated by the error templates where they know it."""

    def __init__(self, key: str = "", /, **facts: object) -> None:
        self.key, self.facts = key or None, facts

    def render(self, lang: str = "en", caller: str = "python") -> str:
        if self.key is None:
            text = str(self.facts.get("text", ""))
            if lang == "en" or not text:
                return text
            from gradsym.render.wording import translate_error

            return translate_error(text, lang)
        from gradsym.render.wording import word_error

        return word_error(self.key, self.facts, lang, caller)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Phrase({self.key!r}, **{self.facts!r})"


class GradsymError(ValueError):
    """Base class of every error gradsym reports to a user.

    Raised with a catalogue key and the facts — ``SpecError("conv.groups_divide", groups=3,
    in_channels=4, out_channels=6)`` — the catalogue words it per language and names each
    parameter as the caller knows it: ``--groups 3`` on the command line, ``groups=3`` from
    Python (``str(exc)`` is the Python wording). A finished sentence is still accepted.

    >>> str(SpecError("option.positive", param="groups", got=0))
    'groups must be a whole number ≥ 1, got 0'
    >>> SpecError("option.positive", param="groups", got=0).render(caller="cli")
    '--groups must be a whole number ≥ 1, got 0'
    """

    def __init__(self, message: str = "", /, **facts: object) -> None:
        super().__init__(message)
        self.key = message if facts or _KEY.fullmatch(message) else None
        self.facts = facts

    def render(self, lang: str = "en", caller: str = "python") -> str:
        """The message in ``lang`` (en, zh), naming parameters for ``caller`` (python, cli)."""
        if self.key is None:
            return str(self.args[0]) if self.args else ""
        from gradsym.render.wording import word_error

        return word_error(self.key, self.facts, lang, caller)

    def __str__(self) -> str:
        return self.render()


class SpecError(GradsymError):
    """A shape, option or value given by the user is malformed or inconsistent."""


class ExpressionError(GradsymError):
    """A user-supplied expression is malformed or uses something not allowed."""


class SizeError(GradsymError):
    """The requested derivation exceeds the work budget (see --max-terms)."""


def api_message(message: str, parameters: frozenset[str] | set[str]) -> str:
    """A message written for the command line, as the Python API says it: each ``--option``
    that is a parameter of the function becomes the parameter's name, and ``--option VALUE``
    (a number, a shape or a quoted value) becomes ``option=VALUE``.

    >>> api_message("--stride values must be ≥ 1, got 0; --groups 2 must divide --in-channels",
    ...             {"stride", "groups", "in_channels"})
    'stride values must be ≥ 1, got 0; groups=2 must divide in_channels'
    >>> api_message("raise it with --max-terms N (see --help)", {"max_terms"})
    'raise it with max_terms N (see --help)'
    """

    def name(match: re.Match[str]) -> str:
        parameter = match.group(1).replace("-", "_")
        if parameter not in parameters:
            return match.group(0)
        return f"{parameter}={match.group(2)}" if match.group(2) else parameter

    return _OPTION.sub(name, message)


def in_python_terms(exc: GradsymError, parameters: frozenset[str] | set[str]) -> GradsymError:
    """``exc`` as the Python API reports it: a copy with the ``--options`` that are among
    ``parameters`` renamed by :func:`api_message`, or ``exc`` itself when nothing changes
    (a keyed error is worded for Python already)."""
    named = api_message(str(exc), parameters)
    return exc if named == str(exc) else type(exc)(named)
