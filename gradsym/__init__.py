"""gradsym: derive neural-network gradients symbolically, and prove them.

Data flows one way: ``cli`` (parse options) → ``layers`` (forward pass, Jacobians,
gradients, proved identities, as data in a :class:`Derivation`) → ``render`` (every
caption, section and JSON field). The engine — ``layers``, ``calculus``, ``poly``,
``indexcalc``, ``instantiate``, ``numeric``, ``spec``, ``proofs``, ``derivation`` — never
imports ``render`` or ``cli``, and no module imports another in a circle
(``tests/test_architecture.py`` enforces both). See :mod:`gradsym.layers` for where a
new layer goes and :mod:`gradsym.render` for where its presentation goes.

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
    from gradsym.layers.attention import attention  # noqa: F401
    from gradsym.layers.batchnorm import batchnorm  # noqa: F401
    from gradsym.layers.chain import chain  # noqa: F401
    from gradsym.layers.convolution import (
        conv,  # noqa: F401
        deconv,  # noqa: F401
    )
    from gradsym.layers.expr import expr  # noqa: F401
    from gradsym.layers.groupnorm import groupnorm  # noqa: F401
    from gradsym.layers.layernorm import layernorm  # noqa: F401
    from gradsym.layers.linear import linear  # noqa: F401
    from gradsym.layers.matrix_general import matrix  # noqa: F401
    from gradsym.layers.mlp import mlp  # noqa: F401
    from gradsym.layers.net import net  # noqa: F401
    from gradsym.layers.pool import pool  # noqa: F401
    from gradsym.layers.rnn import rnn  # noqa: F401
    from gradsym.layers.sizes import sizes  # noqa: F401
    from gradsym.layers.softmax import softmax  # noqa: F401
    from gradsym.layers.upsample import upsample  # noqa: F401
    from gradsym.reader import from_dict  # noqa: F401

# Public name → module that defines it (one module per command, imported on first use).
_LAZY = {
    "Derivation": "gradsym.derivation",
    "conv": "gradsym.layers.convolution",
    "deconv": "gradsym.layers.convolution",
    "sizes": "gradsym.layers.sizes",
    "from_dict": "gradsym.reader",
    "linear": "gradsym.layers.linear",
    "mlp": "gradsym.layers.mlp",
    "expr": "gradsym.layers.expr",
    "matrix": "gradsym.layers.matrix_general",  # letter sizes there, else layers.matrix
    "chain": "gradsym.layers.chain",
    "pool": "gradsym.layers.pool",
    "batchnorm": "gradsym.layers.batchnorm",
    "softmax": "gradsym.layers.softmax",
    "layernorm": "gradsym.layers.layernorm",
    "groupnorm": "gradsym.layers.groupnorm",
    "net": "gradsym.layers.net",
    "upsample": "gradsym.layers.upsample",
    "rnn": "gradsym.layers.rnn",
    "attention": "gradsym.layers.attention",
}

__all__ = ["__version__", "GradsymError", *_LAZY]


def __getattr__(name: str) -> Any:
    # Imported on first use so that `gradsym --help` stays fast.
    if name in _LAZY:
        import importlib

        found = getattr(importlib.import_module(_LAZY[name]), name)
        if name != "Derivation":
            found = _guarded(found)
        globals()[name] = found
        return found
    raise AttributeError(f"module 'gradsym' has no attribute {name!r}")


def _guarded(function: Any) -> Any:
    """The public function, raising only GradsymError for bad arguments (documented)."""
    import functools
    import inspect

    from gradsym.errors import in_python_terms

    parameters = frozenset(inspect.signature(function).parameters)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        from gradsym.errors import SpecError

        budget = kwargs.get("max_terms")
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 1
        ):
            raise SpecError("budget.max_terms_type", type=type(budget).__name__, got=repr(budget))
        try:
            return function(*args, **kwargs)
        except GradsymError as exc:
            raise in_python_terms(exc, parameters) from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            raise SpecError("api.wrong_argument", function=function.__name__,
                            error=f"{type(exc).__name__}: {str(exc)[:120]}") from None

    return call
