"""Options and plumbing shared by every command: formats, output files, errors."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from gradsym.budget import MAX_TERMS_HELP

if TYPE_CHECKING:
    from gradsym.derivation import Derivation

FORMATS = ("rich", "text", "latex", "markdown", "json", "html")
SUFFIXES = {".tex": "latex", ".pdf": "latex", ".md": "markdown", ".json": "json", ".txt": "text",
            ".html": "html", ".htm": "html"}
FORMAT_NAMES = {"rich": "the output", "text": "text", "latex": "LaTeX", "markdown": "Markdown",
                "json": "JSON", "html": "HTML"}
SECTIONS = ("forward", "jacobian", "grad", "proof")

# -- option types shared by the commands ---------------------------------------------
Format = Annotated[
    str | None,
    typer.Option("--format", "-f", help="rich | text | latex | markdown | json | html "
                 "(default: rich on a terminal, text otherwise; or from the --output suffix)."),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to FILE (.tex .pdf .md .json .txt .html) instead of "
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
ANIMATED = ("conv", "deconv", "pool", "upsample")  # the commands that take --animate
Lang = Annotated[str, typer.Option("--lang", help="Language of the prose: en | zh.")]
MaxTerms = Annotated[
    int | None,
    typer.Option("--max-terms", help=MAX_TERMS_HELP, min=1),
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

        self.code = _CODE[0]
        if self.code is not None:  # --emit: a Python module, no rendering options
            check_code_options(self.code, fmt, output, show, plot)
            self.fmt, self.output, self.full, self.plot, self.lang = "code", output, full, None, lang
            self.show = parse_show(None)
            return
        if fmt is not None and fmt not in FORMATS:
            raise SpecError("cli.format", choices=", ".join(FORMATS), got=repr(fmt))
        if output is not None and fmt is None:
            suffix = output.suffix.lower()
            if suffix not in SUFFIXES:
                raise SpecError("cli.suffix", output=output, suffix=suffix or "(none)",
                                choices=" ".join(SUFFIXES))
            fmt = SUFFIXES[suffix]
        if output is not None and output.suffix.lower() == ".pdf" and fmt != "latex":
            raise SpecError("cli.pdf_format", output=output, format="latex")
        if fmt is None:
            fmt = "rich" if sys.stdout.isatty() else "text"
        self.fmt = fmt
        self.output = output
        self.full = full
        self.plot = plot
        if lang not in ("en", "zh"):
            raise SpecError("cli.lang", got=repr(lang))
        self.lang = lang
        self.show = parse_show(show)
        if plot is not None and plot.suffix.lower() != ".png":
            raise SpecError("cli.plot_suffix", plot=plot)
        from gradsym.budget import request_rendering

        request_rendering(fmt, full)  # the work budget counts what will be printed
        # Both files or neither: a missing folder is refused before anything is written.
        if output is not None:
            check_folder(output, "--output")
        if plot is not None:
            check_folder(plot, "--plot")
        self.animate = animate
        if animate is not None and animate.suffix.lower() != ".gif":
            raise SpecError("animate.suffix", path=animate)

    def __call__(self, d: Derivation) -> int:
        """Render ``d`` to stdout or the output file; return the exit status."""
        from gradsym import progress

        if self.code is not None:
            return self.write_code(d)
        opts: dict[str, Any] = {"show": self.show, "full": self.full, "lang": self.lang}
        plan = None
        if self.animate is not None:  # refuse (too many frames …) before anything is written
            from gradsym.render.animate import plan_animation

            plan = plan_animation(d, self.lang)
        picture = None
        if self.plot is not None:  # drawn first: a failing plot leaves no --output file
            from gradsym.render.plot import plot_png

            with progress.step("drawing the plot"):
                picture = plot_png(d, lang=self.lang)
        with progress.step("writing " + ("PDF" if self.pdf else FORMAT_NAMES[self.fmt])):
            status = self._write(d, opts)
        if self.plot is not None and picture is not None:
            write_atomic(self.plot, picture, "--plot")
        if self.animate is not None and plan is not None:
            from gradsym.render.animate_draw import gif_bytes

            write_atomic(self.animate, gif_bytes(plan, lang=self.lang), "--animate")
        return status

    @property
    def pdf(self) -> bool:
        return self.output is not None and self.output.suffix.lower() == ".pdf"

    def _write(self, d: Derivation, opts: dict[str, Any]) -> int:
        if self.output is not None and self.pdf:
            from gradsym.render.latex import compile_pdf

            pdf = compile_pdf(d.to_latex(**opts), lang=self.lang)
            write_atomic(self.output, pdf)
        else:
            text = render(d, self.fmt, opts, to_file=self.output is not None)
            if text is not None:
                self._deliver(text)
        return 0 if d.holds else 1

    def write_code(self, d: Derivation) -> int:
        """``--emit``: the runnable module instead of a rendering."""
        assert self.code is not None
        self._deliver(d.to_code(self.code, command_line=_COMMAND_LINE[0]))
        return 0 if d.holds else 1

    def _deliver(self, text: str) -> None:
        """``text`` into the ``--output`` file, or on stdout once the progress bar is gone."""
        if self.output is not None:
            write_atomic(self.output, text.encode("utf-8"))
            return
        from gradsym.cli.progressbar import finish

        finish()
        sys.stdout.write(text)
        sys.stdout.flush()


RENDER_OPTIONS = ("format", "output", "show", "full", "plot", "lang")


def derive_and_emit(command: str, options: dict[str, Any]) -> int:
    """Run ``command``: the library function of the same name (the module ``gradsym`` names)
    takes every option but the rendering ones, passed on once, by name (``options`` is the
    command's ``locals()``); then render."""
    import importlib

    from gradsym import _LAZY as PUBLIC_MODULES

    fmt, output, show, full, plot, lang = (options[name] for name in RENDER_OPTIONS)
    emit = Emit(fmt, output, show, full, plot, lang, options.get("animate"))
    derive = getattr(importlib.import_module(PUBLIC_MODULES[command]), command)
    skip = (*RENDER_OPTIONS, "animate")
    return emit(derive(**{k: v for k, v in options.items() if k not in skip}))


# -- --emit: one option added to every command (see add_emit_option) -------------------
_CODE: list[str | None] = [None]  # the --emit framework of the current command
_COMMAND_LINE: list[str | None] = [None]  # the command line, for the emitted module's header
CodeOption = Annotated[
    str | None,
    typer.Option("--emit", help="Print runnable code instead: numpy | torch | jax — the forward, "
                 "the derived backward and a self-test (python FILE.py); with --output FILE.py."),
]


def check_code_options(code: str, fmt: str | None, output: Path | None, show: str | None,
                       plot: Path | None) -> None:
    from gradsym.errors import SpecError
    from gradsym.render.emit.writer import FRAMEWORKS

    framework = code
    if framework not in FRAMEWORKS:
        raise SpecError("cli.emit", choices=", ".join(FRAMEWORKS), got=repr(framework))
    if output is not None and output.suffix.lower() != ".py" and not (output.exists() and not output.is_file()):
        raise SpecError("cli.emit_suffix", output=output)
    for given, name in ((fmt, "format"), (show, "show"), (plot, "plot")):
        if given is not None:
            raise SpecError("cli.emit_option", param=name)


class ExpressionCommand(TyperCommand):
    """A command whose EXPRESSION argument is never read as an option: ``gradsym matrix
    "-y.T*W*x + x.T*x" …`` works. Every argument that starts with ``-`` but is not one of
    the command's options (nor the value of one) is taken as a positional argument."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, protect_positionals(self.get_params(ctx), args))


def protect_positionals(params: list[Any], args: list[str]) -> list[str]:
    """``args`` with the options first, then ``--`` and the positional arguments, so that a
    positional argument starting with ``-`` (``-y.T*W*x``) is not read as an option; an
    unknown ``--word`` stays an option (Click then names it).
    """
    takes_value: dict[str, bool] = {}
    for p in params:
        if getattr(p, "param_type_name", "") == "option":  # Typer bundles its own Click
            for name in (*p.opts, *p.secondary_opts):
                takes_value[name] = not (p.is_flag or p.count)
    options: list[str] = []
    positionals: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            positionals += args[i + 1:]
            break
        name = arg.split("=", 1)[0]
        if name in takes_value or (arg.startswith("--") and arg[2:3].isalpha()):
            options.append(arg)
            if takes_value.get(name) and "=" not in arg and i + 1 < len(args):
                options.append(args[i + 1])
                i += 1
        else:
            positionals.append(arg)
        i += 1
    return [*options, "--", *positionals] if positionals else options


def add_emit_option(app: typer.Typer) -> None:
    """Give every registered command an ``--emit`` option, once, here.

    The command's callback is wrapped: the wrapper's signature is the command's plus
    ``emit``; it records the value for :class:`Emit` and calls the command.
    """
    import functools
    import inspect

    for info in app.registered_commands:
        callback = info.callback
        if callback is None or getattr(callback, "_with_emit", False):
            continue
        signature = inspect.signature(callback, eval_str=True)
        if "emit" in signature.parameters:
            continue

        def wrapper(*args: Any, __callback: Callable[..., Any] = callback, emit: str | None = None,
                    **kwargs: Any) -> Any:
            _CODE[0] = emit
            try:
                return __callback(*args, **kwargs)
            finally:
                _CODE[0] = None

        wrapped = functools.wraps(callback)(wrapper)
        params = list(signature.parameters.values())
        params.append(inspect.Parameter("emit", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=CodeOption))
        wrapped.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        wrapped.__annotations__ = {**{p.name: p.annotation for p in signature.parameters.values()},
                                   "emit": CodeOption, "return": signature.return_annotation}
        wrapped._with_emit = True  # type: ignore[attr-defined]
        info.callback = wrapped


def parse_show(show: str | None) -> tuple[str, ...]:
    from gradsym.errors import SpecError

    if show is None:
        return SECTIONS
    parts = tuple(p.strip().lower() for p in show.split(",") if p.strip())
    bad = [p for p in parts if p not in SECTIONS]
    if bad or not parts:
        raise SpecError("cli.show", show=repr(show), section=bad[0] if bad else "(none)",
                        choices=",".join(SECTIONS))
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
    if fmt == "html":
        return d.to_html(**opts)
    if to_file:
        from gradsym.render.terminal import rich_text

        return rich_text(d, **opts)
    from gradsym.cli.progressbar import finish
    from gradsym.render.terminal import print_rich

    finish()

    print_rich(d, **opts)
    return None


def check_folder(path: Path, option: str) -> None:
    """Refuse an output path whose folder does not exist, before any work is done."""
    from gradsym.errors import SpecError

    folder = Path(os.path.realpath(path)).parent
    if not folder.is_dir():
        raise SpecError("cli.folder", param=option.removeprefix("--"), got=path, folder=folder)


def write_atomic(path: Path, data: bytes, option: str = "--output") -> None:
    """Write via a temporary file in the same folder and rename: never a half-written file.

    Replacing a file keeps its permissions (and owner where allowed); a full disk or a
    folder that may not be written is a :class:`SpecError`, and no temporary file is left.
    """
    import errno
    import stat

    from gradsym.errors import SpecError

    param = option.removeprefix("--")

    def failed(exc: OSError, where: Path) -> SpecError:
        if exc.errno == errno.ENOSPC:
            return SpecError("cli.no_space", param=param, got=path, where=where)
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return SpecError("cli.permission", param=param, got=path, where=where)
        reason = exc.strerror or type(exc).__name__
        return SpecError("cli.cannot_write", param=param, got=path, where=where, reason=reason)

    if path.exists() and not path.is_file():
        # A device (``--output /dev/null``): write to it; never replace it with a file.
        if path.is_dir():
            raise SpecError("cli.is_folder", param=param, got=path)
        if stat.S_ISFIFO(path.stat().st_mode):
            raise SpecError("cli.fifo", param=param, got=path)
        try:
            with open(path, "wb") as stream:
                stream.write(data)
        except OSError as exc:
            raise failed(exc, path) from None
        return
    check_folder(path, option)
    path = Path(os.path.realpath(path))  # through a symlink, replace the file it points to
    folder = path.parent
    old = path.stat() if path.exists() else None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise failed(exc, folder) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))  # replacing: keep the file's permissions
            try:
                os.chown(tmp, old.st_uid, old.st_gid)
            except OSError:
                pass  # only root may give a file away
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise failed(exc, path) from None
        raise


class Interrupted(BaseException):
    """Ctrl-C, raised by our own SIGINT handler (Typer would swallow a KeyboardInterrupt)."""


class Terminated(Interrupted):
    """SIGTERM (``timeout``, service managers, containers): clean up like Ctrl-C, exit 143."""


def _on_sigint(signum: int, _frame: Any) -> None:
    import signal

    _ignore_signals()
    raise Terminated if signum == signal.SIGTERM else Interrupted


def _ignore_signals() -> None:
    """A second Ctrl-C (or SIGTERM) while the first is being cleaned up must not interrupt
    the clean-up (or Python's shutdown): from now on both are ignored."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)


def run(app: Callable[..., Any], argv: list[str] | None) -> int:
    """Run the Typer app; one ``error:`` line and status 2 on bad input, 130 on Ctrl-C."""
    _LANGUAGE[0] = error_language(argv)
    import shlex

    _COMMAND_LINE[0] = shlex.join(["gradsym", *(sys.argv[1:] if argv is None else argv)])
    import gc
    import signal
    import threading

    # The engine allocates millions of small, acyclic dicts and tuples; the default
    # thresholds would run the cycle collector over them again and again (~30% of the time).
    gc.set_threshold(100_000, 50, 100)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
        signal.signal(signal.SIGTERM, _on_sigint)
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    from gradsym.budget import rendering
    from gradsym.cli.progressbar import progress_bar
    from gradsym.errors import GradsymError

    try:
        _check_animate(argv)
        with progress_bar(), rendering("json", False):
            result = _localized(app)(args=argv, standalone_mode=False, prog_name="gradsym")
    except typer.Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError:
        return 0  # the help was printed
    except UsageError as exc:
        ctx = exc.ctx
        where = f" (see 'gradsym {ctx.info_name} --help')" if ctx is not None and ctx.parent else ""
        return _fail(f"{exc.format_message()}{where}")
    except Terminated:
        sys.stderr.write(f"error: {_translated('terminated')}\n")
        return 143
    except (typer.Abort, KeyboardInterrupt, Interrupted):
        _ignore_signals()
        return _interrupted()
    except GradsymError as exc:
        if exc.key is not None:  # worded by the catalogue in the chosen language
            return _fail(exc.render(_LANGUAGE[0], caller="cli"), worded=True)
        return _fail(str(exc))
    except getattr(typer, "TyperException", ()) as exc:  # Typer ≥ 0.27 only
        return _fail(str(exc))
    except RecursionError:
        return _fail_with("nested")
    except OverflowError:
        return _fail_with("cli.overflow")
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        return _fail_with("cli.digits")
    except MemoryError:
        return _fail_with("memory")
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
        names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
        if command in names:
            raise SpecError("animate.command", command=command)


def _fail(message: str, *, worded: bool = False) -> int:
    message = " ".join(message.split())
    message = message if worded else _translated(message)
    sys.stderr.write(f"error: {message}\n")
    return 2


def _fail_with(key: str) -> int:
    """``_fail`` with a catalogue message (one that names no value)."""
    from gradsym.render.wording import word_error

    return _fail(word_error(key, {}, _LANGUAGE[0], caller="cli"), worded=True)


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
    from gradsym.render.wording import translate_error

    return translate_error(message, _LANGUAGE[0])


def _localized(app: Callable[..., Any]) -> Callable[..., Any]:
    """The app's Click command: flags show no ``<bool>`` type, and (--lang zh,
    GRADSYM_LANG=zh) the help is translated."""
    if not isinstance(app, typer.Typer):
        return app
    from typer._click import Context
    from typer.main import get_command

    command = get_command(app)
    stack = [command]
    while stack:
        current = stack.pop()
        helper = current.get_help_option(Context(current, help_option_names=["-h", "--help"]))
        for param in [*getattr(current, "params", []), *([helper] if helper else [])]:
            if getattr(param, "is_flag", False):
                param.metavar = ""  # a flag takes no value: no type to show
        stack.extend(getattr(current, "commands", {}).values())
    if _LANGUAGE[0] == "en":
        return command
    from gradsym.render.wording import localize_help

    return localize_help(command, _LANGUAGE[0])
