"""The results manifest: one JSON line per job (status, output, wall time, final losses, error).

It is started atomically with the rows known before anything runs (jobs already made, bad inputs),
then each job's row is appended, flushed and synced as it ends, so a crash of the batch itself loses no
row that was written. A resumed batch keeps the earlier run's rows for the jobs it does not run again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..documents import parse_json
from ..errors import BrushworkError
from ..files import write_text

Row = dict[str, Any]
RESULTS_NAME = "results.jsonl"


class ResultsFile:
    def __init__(self, path: Path):
        self.path = path
        self._file: IO[str] | None = None

    def previous(self) -> dict[str, Row]:
        """The rows an earlier run left, by output path (a damaged line is passed over)."""
        rows: dict[str, Row] = {}
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return rows
        except OSError as exc:
            raise BrushworkError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
        for line in lines:
            try:
                row = parse_json(line, str(self.path))
            except BrushworkError:  # a line cut short by a crash, or one that was tampered with
                continue
            if isinstance(row, dict) and row.get("output"):
                rows[str(row["output"])] = row
        return rows

    def start(self, rows: Iterable[Row]) -> None:
        write_text(self.path, "".join(_line(row) for row in rows), overwrite=True)
        try:
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise BrushworkError(f"{self.path}: cannot be written ({exc.strerror or exc})") from None

    def add(self, row: Row) -> None:
        assert self._file is not None, "start() first"
        self._file.write(_line(row))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _line(row: Row) -> str:
    text = json.dumps(row, ensure_ascii=False, sort_keys=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A file name that is not UTF-8: JSON's \udcNN escapes keep its bytes exactly, so that a resumed
        # batch finds the row again.
        text = json.dumps(row, sort_keys=False)
    return text + "\n"
