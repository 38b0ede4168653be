"""SIGTERM and SIGHUP (a killed job, a closed terminal, ``timeout``) stop a run the way Ctrl-C does.

Python turns SIGINT into KeyboardInterrupt wherever the program is; ``stop_on_signals`` makes the
other two raise ``Stopped``, a KeyboardInterrupt that remembers its signal. Everything that keeps
the best result on Ctrl-C therefore keeps it on these too, and the exit code says which it was
(128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
"""

from __future__ import annotations

import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """A run stopped by a signal other than SIGINT."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class RunStopped(Exception):
    """A run that a stop signal ended, and what it kept: the base of ``optim.Interrupted`` (the best picture
    so far) and ``lab.training.TrainingInterrupted`` (the checkpoint). A front end says what was kept and
    exits with ``exit_code(signum)``."""

    def __init__(self, kept: Any, signum: int = signal.SIGINT):
        super().__init__("interrupted")
        self.kept = kept
        self.signum = signum  # SIGINT for Ctrl-C; SIGTERM or SIGHUP (``Stopped``)


def signal_number(exc: BaseException) -> int:
    """The signal behind a KeyboardInterrupt (SIGINT unless it is a ``Stopped``)."""
    return getattr(exc, "signum", signal.SIGINT)


def exit_code(signum: int) -> int:
    return 128 + signum


def describe(signum: int) -> str:
    """How the stop is told: 'interrupted' for Ctrl-C, 'stopped by SIGTERM' for the others."""
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"


@contextmanager
def _handling(signums: Iterable[int], handler: Any) -> Iterator[dict[int, Any]]:
    """Set ``handler`` for ``signums`` while inside; yields the handlers it replaced. Outside the main
    thread, where handlers cannot be set, it leaves them alone (and yields none)."""
    previous: dict[int, Any] = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:
        pass
    try:
        yield previous
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done; one that came meanwhile is acted on after it.

    For the few steps that must not be cut in half: a progress bar made but not yet kept would stay on the
    screen, and the stop's message would be printed on the end of its line. The handlers are swapped
    rather than the signals masked: a mask is per thread, and torch's threads would take the signal.
    """
    pending: list[int] = []
    replaced: dict[int, Any] = {}
    try:
        with _handling((signal.SIGINT, *HANDLED), lambda number, frame: pending.append(number)) as replaced:
            yield
    finally:
        if pending:
            first = replaced[pending[0]]
            if callable(first):
                first(pending[0], None)
            elif first == signal.SIG_DFL:
                signal.raise_signal(pending[0])


# The stops that arrived while ``stop_on_signals`` was in force. Python raises a signal's exception
# wherever the program is, and where that is a ``__del__`` or a weakref callback it is printed and
# dropped: the loops call ``raise_if_stopped`` at every step so that such a stop still ends the run.
_received: list[int] = []


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)


def raise_if_stopped() -> None:
    """Raise the stop that came, if one came and its exception was lost on the way."""
    if _received:
        signum = _received[0]
        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise ``Stopped`` and SIGINT KeyboardInterrupt, as Python's own
    handler does, and each is remembered for ``raise_if_stopped`` (only in the main thread, where
    handlers can be set). A SIGINT that was ignored when the program started (``nohup``) stays ignored."""
    _received.clear()
    signums: tuple[int, ...] = HANDLED
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signums = (signal.SIGINT, *HANDLED)
    try:
        with _handling(signums, _raise_stopped):
            yield
    finally:
        _received.clear()
