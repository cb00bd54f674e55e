"""Runnable code for a derivation: ``--emit numpy|torch|jax`` and ``Derivation.to_code``.

One module per command family turns the derivation's configuration (and, for
``matrix``/``expr``, its closed-form gradients) into a self-contained Python
module that imports only the framework. Nothing here imports a framework.

>>> import gradsym
>>> code = gradsym.conv(input=(3, 3), kernel=(2, 2)).to_code("numpy")
>>> "import gradsym" in code, "def backward(grad_output, x, weight, bias=None):" in code
(False, True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from gradsym.errors import SpecError
from gradsym.render.emit.writer import FRAMEWORKS

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

__all__ = ["FRAMEWORKS", "to_code"]


# command → (module in gradsym.render.emit, function, what it reads: the configuration, the
# command and the configuration, or the whole derivation)
_EMITTERS: dict[str, tuple[str, str, str]] = {
    "conv": ("conv", "emit_conv", "command"),
    "deconv": ("conv", "emit_conv", "command"),
    "linear": ("linear", "emit_linear", "config"),
    "pool": ("pool", "emit_pool", "config"),
    "upsample": ("upsample", "emit_upsample", "config"),
    "batchnorm": ("batchnorm", "emit_batchnorm", "config"),
    "layernorm": ("batchnorm", "emit_layernorm", "config"),
    "groupnorm": ("groupnorm", "emit_groupnorm", "config"),
    "softmax": ("softmax", "emit_softmax", "config"),
    "attention": ("attention", "emit_attention", "config"),
    "rnn": ("rnn", "emit_rnn", "config"),
    "mlp": ("mlp", "emit_mlp", "config"),
    "chain": ("chain", "emit_chain", "config"),
    "matrix": ("matrix", "emit_matrix", "derivation"),
    "expr": ("expr", "emit_expr", "derivation"),
    "net": ("net", "emit_net", "derivation"),
}


def to_code(d: Derivation, framework: str, command_line: str | None = None) -> str:
    """The emitted module for ``d`` in ``framework`` (numpy, torch or jax), as text.

    ``command_line`` is recorded in the header; by default the Python call.
    """
    if framework not in FRAMEWORKS:
        raise SpecError("emit.framework", choices=", ".join(FRAMEWORKS), framework=framework)
    line = command_line or f"gradsym.{d.command}(...).to_code({framework!r})"
    entry = _EMITTERS.get(d.command)
    if entry is None:
        raise SpecError("emit.unavailable", command=d.command)
    module, function, reads = entry
    emit = getattr(importlib.import_module(f"gradsym.render.emit.{module}"), function)
    if reads == "derivation":  # closed forms or element expressions, not only the config
        return str(emit(d, framework, line))
    if reads == "command":
        return str(emit(d.command, d.config, framework, line))
    return str(emit(d.config, framework, line))
