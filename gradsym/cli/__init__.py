"""The ``gradsym`` command line: parse options, call the library, render. Nothing else.

Every command lives in its own module here and registers itself on ``app``.
"""

from __future__ import annotations

import sys

import typer

from gradsym._version import __version__

app = typer.Typer(
    name="gradsym",
    help="Derive neural-network gradients symbolically, and prove them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gradsym {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Derive neural-network gradients symbolically, and prove them."""


from gradsym.cli import batchnorm as _batchnorm  # noqa: E402,F401
from gradsym.cli import chain as _chain  # noqa: E402,F401
from gradsym.cli import conv as _conv  # noqa: E402,F401  (registers the command)
from gradsym.cli import deconv as _deconv  # noqa: E402,F401
from gradsym.cli import expr as _expr  # noqa: E402,F401
from gradsym.cli import linear as _linear  # noqa: E402,F401
from gradsym.cli import matrix as _matrix  # noqa: E402,F401
from gradsym.cli import mlp as _mlp  # noqa: E402,F401
from gradsym.cli import pool as _pool  # noqa: E402,F401
from gradsym.cli import sizes as _sizes  # noqa: E402,F401
from gradsym.cli.common import add_emit_option  # noqa: E402

add_emit_option(app)  # --emit numpy|torch|jax on every command


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; turn every user error into one ``error:`` line, exit 2."""
    from gradsym.cli.common import run

    sys.exit(run(app, argv))
