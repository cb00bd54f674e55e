"""Progress reporting hooks: the engine says what it is doing; a front end may listen.

The engine calls :func:`report` (cheap when nobody listens); the CLI installs a
listener that draws a Rich progress bar on stderr for long derivations.

>>> seen = []
>>> with listening(lambda stage, done, total: seen.append((stage, done, total))):
...     report("forward", 1, 2)
>>> seen
[('forward', 1, 2)]

A step without countable units reports itself at its start and end, so a front end
always names the step that is actually running:

>>> seen.clear()
>>> with listening(lambda stage, done, total: seen.append((stage, done, total))):
...     with step("numeric check"):
...         pass
>>> seen
[('numeric check', 0, 1), ('numeric check', 1, 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int], None]
_listeners: list[Listener] = []


def report(stage: str, done: int, total: int) -> None:
    """Tell listeners that ``done`` of ``total`` units of ``stage`` are finished."""
    for listener in _listeners:
        listener(stage, done, total)


@contextmanager
def step(stage: str) -> Iterator[None]:
    """Report ``stage`` as running for the duration of a ``with`` block."""
    report(stage, 0, 1)
    yield
    report(stage, 1, 1)


def active() -> bool:
    """True when somebody listens (lets hot loops skip the bookkeeping otherwise)."""
    return bool(_listeners)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Install ``listener`` for the duration of a ``with`` block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
