"""Crash logs: where an unexpected exception's traceback goes, so that a user sees one line, not a traceback."""

from __future__ import annotations

import datetime
import os
import sys
import traceback
from pathlib import Path

CRASH_DIR_ENV_VAR = "BRUSHWORK_CRASH_DIR"


def crash_dir() -> Path:
    """Where crash logs go: ``$BRUSHWORK_CRASH_DIR``, else the XDG state folder."""
    if os.environ.get(CRASH_DIR_ENV_VAR):
        return Path(os.environ[CRASH_DIR_ENV_VAR])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "brushwork" / "crashes"


def write_crash_log(exc: BaseException, what: str) -> Path | None:
    """The traceback and what was being done (a command line, a job) in a new file; None if none could be."""
    from . import __version__

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"brushwork {__version__}, Python {sys.version.split()[0]}, {datetime.datetime.now().isoformat()}\n"
        f"while: {what}\n\n" + "".join(traceback.format_exception(exc))
    )
    for folder in (crash_dir(), Path(os.environ.get("TMPDIR", "/tmp"))):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"brushwork-crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None
