"""Reading JSON documents that come from outside (settings files, records in PNGs and sidecars, batch
manifests, the studio's request bodies) within bounds, so that a hostile one ends in one line.

Python's own parser recurses once per level of nesting (a document 100,000 levels deep raises
RecursionError), refuses integers of over 4,300 digits with a ValueError, and reads a document of any
size; each of those escaped as an internal error. ``parse_json`` checks the size first, the nesting
before parsing (a scan that does not recurse), and the integers as it parses, and says which bound a
document broke. ``expect`` checks the type of a value read from one.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from .errors import BrushworkError

# Nothing brushwork writes or reads comes near these: a record is about 2 KB and 4 levels deep.
MAX_DOCUMENT_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 40

T = TypeVar("T")


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, brackets inside strings not counted.

    A scan, not a parse: it never recurses, so it answers for a document of any depth.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _bounded_integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _TooLong(len(digits.lstrip("-")))
    return int(digits)


class _TooLong(Exception):
    def __init__(self, digits: int):
        self.digits = digits


def parse_json(
    data: str | bytes,
    where: str,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """The JSON value in ``data``, or a ``BrushworkError`` that starts with ``where`` and says what is wrong:
    too large, nested too deep, an integer too long, not UTF-8, or not valid JSON (with the line)."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BrushworkError(f"{where}: a JSON document of {size:,} bytes; at most {max_bytes:,} are read")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BrushworkError(f"{where}: not UTF-8 text") from None
    depth = nesting_depth(data)
    if depth > max_depth:
        raise BrushworkError(f"{where}: JSON nested {depth:,} levels deep; at most {max_depth} are read")
    try:
        return json.loads(data, parse_int=_bounded_integer)
    except _TooLong as exc:
        raise BrushworkError(
            f"{where}: a JSON integer of {exc.digits:,} digits; at most {MAX_INTEGER_DIGITS} are read"
        ) from None
    except json.JSONDecodeError as exc:
        line = f" at line {exc.lineno}" if "\n" in data else ""
        raise BrushworkError(f"{where}: not valid JSON ({exc.msg}{line})") from None
    except (RecursionError, ValueError) as exc:  # a bound of the parser's own that the checks above missed
        raise BrushworkError(f"{where}: not a JSON document brushwork reads ({type(exc).__name__})") from None


_TYPE_NAMES = {dict: "a JSON object", list: "a JSON array", str: "a string", bool: "true or false"}


def type_name(value: Any) -> str:
    """How a JSON value's type is called in messages: "a JSON object", "null", "a number", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def expect(value: Any, kind: type[T], what: str) -> T:
    """``value`` if it is of ``kind`` (JSON's object, array, string or boolean), else a one-line error
    that names ``what`` and both types: "settings must be a JSON object, not a JSON array"."""
    if not isinstance(value, kind):
        raise BrushworkError(f"{what} must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {type_name(value)}")
    return value
