"""Crash logs: where an unexpected exception's traceback goes, so that a user sees one line, not a traceback."""

from __future__ import annotations

import datetime
import os
import sys
import traceback
from pathlib import Path

from .errors import printable

CRASH_DIR_ENV_VAR = "BRUSHWORK_CRASH_DIR"


def crash_dir() -> Path:
    """Where crash logs go: ``$BRUSHWORK_CRASH_DIR``, else the XDG state folder."""
    if os.environ.get(CRASH_DIR_ENV_VAR):
        return Path(os.environ[CRASH_DIR_ENV_VAR])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "brushwork" / "crashes"


def write_crash_log(exc: BaseException, what: str) -> Path | None:
    """The traceback and what was being done (a command line, a job) in a new file; None if none could be.

    The net under every other error: it never raises (a name it cannot encode, an unwritable or full
    folder, no home), so the one line and exit code 70 always follow.
    """
    try:
        text = printable(_report(exc, what))
    except Exception:  # a traceback that cannot even be formatted: the exception's type still is
        text = f"while: {printable(what)}\n{type(exc).__name__} (the traceback could not be formatted)\n"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in _crash_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"brushwork-crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except Exception:
            continue
    return None


def _report(exc: BaseException, what: str) -> str:
    from . import __version__

    return (
        f"brushwork {__version__}, Python {sys.version.split()[0]}, {datetime.datetime.now().isoformat()}\n"
        f"while: {what}\n\n" + "".join(traceback.format_exception(exc))
    )


def _crash_folders() -> list[Path]:
    folders = []
    for where in (crash_dir, lambda: Path(os.environ.get("TMPDIR") or "/tmp"), lambda: Path("/tmp")):
        try:  # no HOME, or a $BRUSHWORK_CRASH_DIR that is not a path
            folders.append(where())
        except Exception:
            continue
    return folders
