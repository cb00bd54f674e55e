"""Errors raised by gradsym. Every user-facing error is a GradsymError (a ValueError)."""


class GradsymError(ValueError):
    """Base class of every error gradsym reports to a user."""


class SpecError(GradsymError):
    """A shape, option or value given by the user is malformed or inconsistent."""


class ExpressionError(GradsymError):
    """A user-supplied expression is malformed or uses something not allowed."""


class SizeError(GradsymError):
    """The requested derivation exceeds the work budget (see --max-terms)."""
