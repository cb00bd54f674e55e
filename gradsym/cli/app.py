"""The Typer application every command module registers itself on."""

from __future__ import annotations

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
