"""Errors raised by gradsym. Every user-facing error is a GradsymError (a ValueError)."""

import re

# --option, then an optional value (a number, shape or quoted text); "--at NAME=…" stays as it is.
_OPTION = re.compile(
    r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\b(?! \w+=)(?: (-?[\d./x]+\b|'[^']*'))?"
)


class GradsymError(ValueError):
    """Base class of every error gradsym reports to a user."""


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
