"""The one exception type that means "the user's input or environment is wrong"."""

from __future__ import annotations

import re

# Control characters (a newline in a file name, an escape sequence) would break the one line a
# message promises, or play tricks on the terminal; they are shown escaped instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` as any stream, file or database can take it: the bytes of a file name that were not
    UTF-8 (which Python holds as lone surrogates) and any other lone surrogate as ``\\xNN``/``\\udNNN``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name's byte made (say "\ud800" from JSON)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``), and printable."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], printable(text))


class BrushworkError(Exception):
    """A problem the user can fix: reported by the CLI as one line and exit code 2, never a traceback."""

    exit_code = 2

    def __init__(self, message: str = ""):
        super().__init__(one_line(str(message)))
