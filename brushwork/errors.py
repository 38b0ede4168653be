"""The one exception type that means "the user's input or environment is wrong"."""

from __future__ import annotations

import re

# Control characters (a newline in a file name, an escape sequence) would break the one line a
# message promises, or play tricks on the terminal; they are shown escaped instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class BrushworkError(Exception):
    """A problem the user can fix: reported by the CLI as one line and exit code 2, never a traceback."""

    exit_code = 2

    def __init__(self, message: str = ""):
        super().__init__(one_line(str(message)))
