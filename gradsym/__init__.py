"""gradsym: derive neural-network gradients symbolically, and prove them.

>>> import gradsym
>>> d = gradsym.conv(input=(3, 3), kernel=(2, 2))
>>> d.checks[0].name
'grad_input_equals_full_conv_rot180_kernel'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradsym._version import __version__
from gradsym.errors import GradsymError

if TYPE_CHECKING:
    from gradsym.derivation import Derivation  # noqa: F401
    from gradsym.layers.conv import conv  # noqa: F401
    from gradsym.reader import from_dict  # noqa: F401

# Public name → module that defines it (one module per command, imported on first use).
_LAZY = {
    "Derivation": "gradsym.derivation",
    "conv": "gradsym.layers.conv",
    "from_dict": "gradsym.reader",
}

__all__ = ["__version__", "GradsymError", *_LAZY]


def __getattr__(name: str) -> Any:
    # Imported on first use so that `gradsym --help` stays fast.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gradsym' has no attribute {name!r}")
