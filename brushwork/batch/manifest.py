"""A batch from a manifest: one row per job, as CSV (a header row) or JSON Lines.

Each row names a ``content`` photo and its ``style`` (or ``styles``: several, separated by ``;`` in CSV,
a list in JSON); every other column is a setting that overrides the batch's for that row, written as
on the command line (``content_weight`` or ``content-weight``; ``30 120 120`` for a list; ``true`` or
``false`` for a switch). Relative paths are relative to the manifest's folder. A row that cannot be used
(a missing file, a bad value) does not stop the batch: it is returned as a ``BadRow`` and recorded.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from ..constants import IMAGE_SUFFIXES
from ..documents import parse_json
from ..errors import BrushworkError
from ..settings import TransferSettings
from ..settings.fast import FastSettings
from .plan import BatchSettings, Pair, Source

MANIFEST_SUFFIXES = (".csv", ".jsonl")
FILE_COLUMNS = ("content", "style", "styles")
S = TypeVar("S", TransferSettings, FastSettings)


@dataclass(frozen=True)
class BadRow:
    origin: str  # "manifest.csv line 4"
    content: str
    error: str


def is_manifest(spec: str) -> bool:
    return Path(spec).suffix.lower() in MANIFEST_SUFFIXES and Path(spec).is_file()


def read_manifest(path: Path, base: BatchSettings) -> tuple[list[Pair], list[BadRow]]:
    """The pairs of a manifest, and the rows that could not be used; a manifest that cannot be read at
    all (not UTF-8, no header, no content column) is refused in one line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BrushworkError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    rows = _csv_rows(path, text, base) if path.suffix.lower() == ".csv" else _jsonl_rows(path, text)
    pairs: list[Pair] = []
    bad: list[BadRow] = []
    for origin, row in rows:
        if isinstance(row, BadRow):
            bad.append(row)
            continue
        try:
            pairs.append(_pair(path.parent, origin, row, base))
        except BrushworkError as exc:
            bad.append(BadRow(origin, str(row.get("content") or ""), str(exc)))
    if not pairs and not bad:
        raise BrushworkError(f"{path}: the manifest has no rows")
    return pairs, bad


def _csv_rows(path: Path, text: str, base: BatchSettings) -> list[tuple[str, Any]]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    if "content" not in header:
        raise BrushworkError(f"{path}: the first row must name the columns, with at least content and style")
    if not {"style", "styles"} & set(header):
        raise BrushworkError(f"{path}: no style (or styles) column")
    known = {f.name for f in dataclasses.fields(base)}
    for column in header:
        if column not in FILE_COLUMNS and column.replace("-", "_") not in known:
            raise BrushworkError(f"{path}: column {column!r} is neither an input nor a {base.technique} setting")
    rows: list[tuple[str, Any]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit (131,072 characters), a NUL byte
            raise BrushworkError(f"{path}: not a CSV file brushwork reads ({exc})") from None
        origin = f"{path.name} line {reader.line_num}"
        if None in row:  # more cells than columns
            rows.append(
                (origin, BadRow(origin, str(row.get("content") or ""), "more cells than the header has columns"))
            )
            continue
        cells = {key: value.strip() for key, value in row.items() if value is not None and value.strip()}
        if "styles" in cells:
            cells["styles"] = [part.strip() for part in cells["styles"].split(";") if part.strip()]
        rows.append((origin, cells))
    return rows


def _jsonl_rows(path: Path, text: str) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path.name} line {number}"
        try:
            row = parse_json(line, origin)
        except BrushworkError as exc:
            # One bad line is one failed job, as a missing photo is: the message without the origin.
            rows.append((origin, BadRow(origin, "", str(exc).removeprefix(f"{origin}: "))))
            continue
        if not isinstance(row, dict):
            rows.append((origin, BadRow(origin, "", "a row must be a JSON object")))
            continue
        rows.append((origin, row))
    return rows


def _pair(folder: Path, origin: str, row: Mapping[str, Any], base: BatchSettings) -> Pair:
    try:
        content = row["content"]
    except KeyError:
        raise BrushworkError("the row names no content photo") from None
    styles = row.get("styles", row.get("style"))
    if isinstance(styles, str):
        styles = [styles]
    if not styles or not isinstance(styles, list) or not all(isinstance(s, str) for s in styles):
        raise BrushworkError("the row names no style image")
    if not isinstance(content, str):
        raise BrushworkError("content must be a file name")
    settings = _row_settings(row, base)
    return Pair(_row_file(folder, content), tuple(_row_file(folder, s) for s in styles), settings, origin)


def _row_file(folder: Path, name: str) -> Source:
    path = Path(name) if Path(name).is_absolute() else folder / name
    try:
        found = path.is_file()
    except OSError as exc:  # a name longer than the file system allows: no such file can exist
        raise BrushworkError(f"{name[:60]}...: {exc.strerror or exc}") from None
    if not found:
        raise BrushworkError(f"{name}: no such file")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise BrushworkError(f"{name}: not an image file by its name ({', '.join(IMAGE_SUFFIXES)})")
    # The output mirrors the photo's folder below the manifest's; a photo elsewhere goes to the top.
    try:
        name_below = PurePosixPath(path.resolve().relative_to(folder.resolve()).as_posix())
    except ValueError:
        name_below = PurePosixPath(path.name)
    return Source(path, name_below)


def _row_settings(row: Mapping[str, Any], base: BatchSettings) -> BatchSettings:
    """The batch's settings with the row's own: cells as words, a JSON row's ``settings`` object as values."""
    given = row.get("settings", {})
    if not isinstance(given, Mapping):
        raise BrushworkError("settings must be a JSON object")
    words = {key: value for key, value in row.items() if key not in (*FILE_COLUMNS, "settings")}
    if isinstance(base, TransferSettings):  # narrowed per class, so each keeps its own type
        return _updated(base, words, given)
    return _updated(base, words, given)


def _updated(base: S, words: Mapping[str, Any], given: Mapping[str, Any]) -> S:
    settings = base.updated(type(base).changes_from_words(words)) if words else base
    if given:
        settings = type(base).from_dict(given, base=settings)
    settings.validate()
    return settings
