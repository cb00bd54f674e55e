"""The ``gradsym`` command line: parse options, call the library, render. Nothing else.

Every command lives in its own module here and registers itself on ``app``
(:mod:`gradsym.cli.app`); importing this package registers them all.
"""

from __future__ import annotations

import sys

from gradsym.cli import attention as _attention  # noqa: F401  (registers the command)
from gradsym.cli import batchnorm as _batchnorm  # noqa: F401
from gradsym.cli import chain as _chain  # noqa: F401
from gradsym.cli import conv as _conv  # noqa: F401
from gradsym.cli import deconv as _deconv  # noqa: F401
from gradsym.cli import expr as _expr  # noqa: F401
from gradsym.cli import groupnorm as _groupnorm  # noqa: F401
from gradsym.cli import layernorm as _layernorm  # noqa: F401
from gradsym.cli import linear as _linear  # noqa: F401
from gradsym.cli import matrix as _matrix  # noqa: F401
from gradsym.cli import mlp as _mlp  # noqa: F401
from gradsym.cli import net as _net  # noqa: F401
from gradsym.cli import pool as _pool  # noqa: F401
from gradsym.cli import rnn as _rnn  # noqa: F401
from gradsym.cli import sizes as _sizes  # noqa: F401
from gradsym.cli import softmax as _softmax  # noqa: F401
from gradsym.cli import upsample as _upsample  # noqa: F401
from gradsym.cli.app import app
from gradsym.cli.common import add_emit_option

add_emit_option(app)  # --emit numpy|torch|jax on every command

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; turn every user error into one ``error:`` line, exit 2."""
    from gradsym.cli.common import run

    sys.exit(run(app, argv))
