"""Options and plumbing shared by every command: formats, output files, errors."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

FORMATS = ("rich", "text", "latex", "markdown", "json")
SUFFIXES = {".tex": "latex", ".pdf": "latex", ".md": "markdown", ".json": "json", ".txt": "text"}
SECTIONS = ("forward", "jacobian", "grad", "proof")

# -- option types shared by the commands ---------------------------------------------
Format = Annotated[
    str | None,
    typer.Option("--format", "-f", help="rich | text | latex | markdown | json "
                 "(default: rich on a terminal, text otherwise; or from the --output suffix)."),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to FILE (.tex .pdf .md .json .txt) instead of "
                 "printing; .pdf compiles the LaTeX.", dir_okay=False),
]
Show = Annotated[
    str | None,
    typer.Option("--show", help="Sections to print, comma-separated: forward,jacobian,grad,proof "
                 "(human formats only; JSON always has everything)."),
]
Full = Annotated[bool, typer.Option("--full", help="Print every entry, even for large derivations.")]
Plot = Annotated[
    Path | None, typer.Option("--plot", help="Also draw pictures to FILE.png (needs: pip install \"gradsym\\[plot]\").",
                              dir_okay=False),
]
Animate = Annotated[
    Path | None, typer.Option("--animate", help="Also animate the forward and backward passes to FILE.gif "
                              "(needs: pip install \"gradsym\\[plot]\").", dir_okay=False),
]
ANIMATED = ("conv", "deconv", "pool")  # the commands that take --animate
Lang = Annotated[str, typer.Option("--lang", help="Language of the prose: en | zh.")]
MaxTerms = Annotated[
    int | None,
    typer.Option("--max-terms", help="Work budget in expanded terms (default 1,500,000, about 4 GB); "
                 "raise it to derive larger cases.", min=1),
]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed for --x random etc. (reproducible).")]


def value_option(help_text: str) -> Any:
    return typer.Option(help=help_text + " A list '[[1,2],[3,4]]' or '1,2,3,4', or "
                        "arange | ones | zeros | random. Exact: 1/2 and 0.5 stay exact.")


class Emit:
    """The rendering options of one invocation."""

    def __init__(self, fmt: str | None, output: Path | None, show: str | None, full: bool,
                 plot: Path | None, lang: str, animate: Path | None = None) -> None:
        from gradsym.errors import SpecError

        if fmt is not None and fmt not in FORMATS:
            raise SpecError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        if output is not None and fmt is None:
            suffix = output.suffix.lower()
            if suffix not in SUFFIXES:
                raise SpecError(
                    f"--output {output}: unknown suffix {suffix or '(none)'}; use one of "
                    f"{' '.join(SUFFIXES)} or give --format"
                )
            fmt = SUFFIXES[suffix]
        if output is not None and output.suffix.lower() == ".pdf" and fmt != "latex":
            raise SpecError(f"--output {output}: a PDF is made from LaTeX; drop --format or use --format latex")
        if fmt is None:
            fmt = "rich" if sys.stdout.isatty() else "text"
        self.fmt = fmt
        self.output = output
        self.full = full
        self.plot = plot
        if lang not in ("en", "zh"):
            raise SpecError(f"--lang must be en or zh, got {lang!r}")
        self.lang = lang
        self.show = parse_show(show)
        if plot is not None and plot.suffix.lower() != ".png":
            raise SpecError(f"--plot {plot}: the picture is a PNG; use a name ending in .png")
        self.animate = animate
        if animate is not None and animate.suffix.lower() != ".gif":
            from gradsym.render.messages import Catalogue

            raise SpecError(Catalogue("en")("error.animate.suffix", path=animate))

    def __call__(self, d: Derivation) -> int:
        """Render ``d`` to stdout or the output file; return the exit status."""
        from gradsym.cli.progressbar import finish

        opts: dict[str, Any] = {"show": self.show, "full": self.full, "lang": self.lang}
        plan = None
        if self.animate is not None:  # refuse (too many frames …) before anything is written
            from gradsym.render.animate import plan_animation

            plan = plan_animation(d, self.lang)
        if self.output is not None and self.output.suffix.lower() == ".pdf":
            from gradsym.render.latex import compile_pdf

            pdf = compile_pdf(d.to_latex(**opts), lang=self.lang)
            write_atomic(self.output, pdf)
        else:
            text = render(d, self.fmt, opts, to_file=self.output is not None)
            if text is not None:
                if self.output is not None:
                    write_atomic(self.output, text.encode("utf-8"))
                else:
                    finish()
                    sys.stdout.write(text)
                    sys.stdout.flush()
        if self.plot is not None:
            from gradsym.render.plot import plot_png

            write_atomic(self.plot, plot_png(d, lang=self.lang))
        if self.animate is not None and plan is not None:
            from gradsym.render.animate import gif_bytes

            write_atomic(self.animate, gif_bytes(plan, lang=self.lang))
        return 0 if d.holds else 1


def parse_show(show: str | None) -> tuple[str, ...]:
    from gradsym.errors import SpecError

    if show is None:
        return SECTIONS
    parts = tuple(p.strip().lower() for p in show.split(",") if p.strip())
    bad = [p for p in parts if p not in SECTIONS]
    if bad or not parts:
        raise SpecError(
            f"--show {show!r}: unknown section {bad[0] if bad else '(none)'}; choose from "
            f"{','.join(SECTIONS)}"
        )
    return parts


def render(d: Derivation, fmt: str, opts: dict[str, Any], *, to_file: bool) -> str | None:
    if fmt == "json":
        return d.to_json()
    if fmt == "text":
        return d.to_text(**opts)
    if fmt == "markdown":
        return d.to_markdown(**opts)
    if fmt == "latex":
        return d.to_latex(**opts)
    if to_file:
        from gradsym.render.terminal import rich_text

        return rich_text(d, **opts)
    from gradsym.cli.progressbar import finish
    from gradsym.render.terminal import print_rich

    finish()

    print_rich(d, **opts)
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: never a half-written file."""
    from gradsym.errors import SpecError

    if path.exists() and not path.is_file():
        # A device or pipe (``--output /dev/null``): write to it; never replace it with a file.
        if path.is_dir():
            raise SpecError(f"--output {path} is a folder; give a file name")
        with open(path, "wb") as stream:
            stream.write(data)
        return
    path = Path(os.path.realpath(path))  # through a symlink, replace the file it points to
    folder = path.parent
    if not folder.is_dir():
        raise SpecError(f"--output {path}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Interrupted(BaseException):
    """Ctrl-C, raised by our own SIGINT handler (Typer would swallow a KeyboardInterrupt)."""


def _on_sigint(_signum: int, _frame: Any) -> None:
    raise Interrupted


def run(app: Callable[..., Any], argv: list[str] | None) -> int:
    """Run the Typer app; one ``error:`` line and status 2 on bad input, 130 on Ctrl-C."""
    _LANGUAGE[0] = error_language(argv)
    import gc
    import signal
    import threading

    # The engine allocates millions of small, acyclic dicts and tuples; the default
    # thresholds would run the cycle collector over them again and again (~30% of the time).
    gc.set_threshold(100_000, 50, 100)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    from gradsym.cli.progressbar import progress_bar
    from gradsym.errors import GradsymError

    try:
        _check_animate(argv)
        with progress_bar():
            result = _localized(app)(args=argv, standalone_mode=False, prog_name="gradsym")
    except typer.Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError:
        return 0  # the help was printed
    except UsageError as exc:
        ctx = exc.ctx
        where = f" (see 'gradsym {ctx.info_name} --help')" if ctx is not None and ctx.parent else ""
        return _fail(f"{exc.format_message()}{where}")
    except (typer.Abort, KeyboardInterrupt, Interrupted):
        return _interrupted()
    except GradsymError as exc:
        return _fail(str(exc))
    except typer.TyperException as exc:
        return _fail(str(exc))
    except RecursionError:
        return _fail("the input is nested too deeply")
    except MemoryError:
        return _fail("out of memory; choose smaller sizes or a lower --max-terms")
    except BrokenPipeError:
        return 0
    return int(result) if isinstance(result, int) else 0


def _check_animate(argv: list[str] | None) -> None:
    """``--animate`` on a command that draws no animation: one clear error, not Click's."""
    from gradsym.errors import SpecError

    args = sys.argv[1:] if argv is None else argv
    if not any(a == "--animate" or a.startswith("--animate=") for a in args):
        return
    command = next((a for a in args if not a.startswith("-")), None)
    if command is not None and command not in ANIMATED:
        from gradsym.cli import app
        from gradsym.render.messages import Catalogue

        names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
        if command in names:
            raise SpecError(Catalogue("en")("error.animate.command", command=command))


def _fail(message: str) -> int:
    message = _translated(" ".join(message.split()))
    sys.stderr.write(f"error: {message}\n")
    return 2


def _interrupted() -> int:
    sys.stderr.write(f"error: {_translated('interrupted')}\n")
    return 130


_LANGUAGE = ["en"]  # the language of error messages for the current run()


def error_language(argv: list[str] | None) -> str:
    """``--lang zh`` / ``--lang=zh`` on the command line, else ``GRADSYM_LANG``, else English.

    Read from the raw arguments because an error may come before Typer has parsed them.
    """
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("GRADSYM_LANG", "en")


def _translated(message: str) -> str:
    if _LANGUAGE[0] == "en":
        return message
    from gradsym.render.messages import translate_error

    return translate_error(message, _LANGUAGE[0])


def _localized(app: Callable[..., Any]) -> Callable[..., Any]:
    """The app itself, or (--lang zh, GRADSYM_LANG=zh) its Click command with translated help."""
    if _LANGUAGE[0] == "en" or not isinstance(app, typer.Typer):
        return app
    from typer.main import get_command

    from gradsym.render.messages import localize_help

    return localize_help(get_command(app), _LANGUAGE[0])
