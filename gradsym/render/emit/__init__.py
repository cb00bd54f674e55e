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

from typing import TYPE_CHECKING

from gradsym.errors import SpecError
from gradsym.render.emit.writer import FRAMEWORKS

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

__all__ = ["FRAMEWORKS", "to_code"]


def to_code(d: Derivation, framework: str, command_line: str | None = None) -> str:
    """The emitted module for ``d`` in ``framework`` (numpy, torch or jax), as text.

    ``command_line`` is recorded in the header; by default the Python call.
    """
    if framework not in FRAMEWORKS:
        raise SpecError(f"--emit must be one of {', '.join(FRAMEWORKS)}, got {framework!r}")
    line = command_line or f"gradsym.{d.command}(...).to_code({framework!r})"
    if d.command in ("conv", "deconv"):
        from gradsym.render.emit.conv import emit_conv

        return emit_conv(d.command, d.config, framework, line)
    if d.command == "linear":
        from gradsym.render.emit.linear import emit_linear

        return emit_linear(d.config, framework, line)
    if d.command == "pool":
        from gradsym.render.emit.pool import emit_pool

        return emit_pool(d.config, framework, line)
    if d.command == "upsample":
        from gradsym.render.emit.upsample import emit_upsample

        return emit_upsample(d.config, framework, line)
    if d.command == "batchnorm":
        from gradsym.render.emit.batchnorm import emit_batchnorm

        return emit_batchnorm(d.config, framework, line)
    if d.command == "softmax":
        from gradsym.render.emit.softmax import emit_softmax

        return emit_softmax(d.config, framework, line)
    if d.command == "layernorm":
        from gradsym.render.emit.batchnorm import emit_layernorm

        return emit_layernorm(d.config, framework, line)
    if d.command == "groupnorm":
        from gradsym.render.emit.groupnorm import emit_groupnorm

        return emit_groupnorm(d.config, framework, line)
    if d.command == "mlp":
        from gradsym.render.emit.mlp import emit_mlp

        return emit_mlp(d.config, framework, line)
    if d.command == "chain":
        from gradsym.render.emit.chain import emit_chain

        return emit_chain(d.config, framework, line)
    if d.command == "matrix":
        from gradsym.render.emit.matrix import emit_matrix

        return emit_matrix(d, framework, line)
    if d.command == "expr":
        from gradsym.render.emit.expr import emit_expr

        return emit_expr(d, framework, line)
    if d.command == "rnn":
        from gradsym.render.emit.rnn import emit_rnn

        return emit_rnn(d.config, framework, line)
    if d.command == "attention":
        from gradsym.render.emit.attention import emit_attention

        return emit_attention(d.config, framework, line)
    raise SpecError(f"--emit is not available for {d.command}: it has no backward pass to emit")
