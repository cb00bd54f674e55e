"""A Rich progress bar on stderr, shown only for derivations that take over a second,
and only when stderr is a terminal (never on stdout, never in redirected output)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gradsym.progress import listening

DELAY = 1.0


class _Bar:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.start < DELAY:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True,
            )
            self.progress.start()
        task = self.tasks.get(stage)
        if task is None:
            for earlier in self.tasks.values():  # a new stage means the earlier ones are done
                self.progress.update(earlier, completed=self.progress.tasks[earlier].total)
            task = self.tasks[stage] = self.progress.add_task(stage, total=max(total, 1))
        self.progress.update(task, completed=done, total=max(total, 1))

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


_current: list[_Bar] = []


@contextmanager
def progress_bar() -> Iterator[None]:
    """Listen to the engine's progress reports while the body runs."""
    if not sys.stderr.isatty():
        yield
        return
    bar = _Bar()
    _current.append(bar)
    try:
        with listening(bar):
            yield
    finally:
        bar.close()
        _current.remove(bar)


def finish() -> None:
    """Take the bar off the screen before results are printed."""
    for bar in _current:
        bar.close()
        bar.progress = None
        bar.start = float("inf")  # never again in this run
