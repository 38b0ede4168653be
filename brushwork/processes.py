"""Helpers for the worker processes that long-lived runners start (the studio's worker, the batch pool)."""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """Linux: have the kernel end this process when its parent's ends (SIGKILL included), so that no
    orphan worker goes on writing a job's files after the runner that started it is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def leave_interrupts_to_parent() -> None:
    """Ignore Ctrl-C here: it reaches the whole process group, and the runner decides what stops (and tells us)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
