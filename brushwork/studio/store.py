"""The studio's state in SQLite (WAL): uploaded images, the job queue, its history and the gallery.

One file, ``studio.sqlite3`` in the data folder, with a schema version. A job's row is the truth about
it: the queue is the queued rows by ``position``, the gallery the rows with a result. Every change is
one transaction, so a crash leaves the queue as it was before the change or after it, never between.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BrushworkError

log = logging.getLogger("brushwork.studio")

# 2: jobs.run, what the machine chose for a job ({"precision": ...}).
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,          -- what the user called it; shown, never used as a path
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    technique TEXT NOT NULL,
    preset TEXT NOT NULL,
    settings TEXT NOT NULL,      -- the settings' to_dict(), as JSON
    inputs TEXT NOT NULL,        -- role -> image id (or a list of ids), as JSON
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'stopped', 'failed')),
    position REAL NOT NULL,      -- the queue's order
    created REAL NOT NULL,
    started REAL,
    ended REAL,
    seconds REAL,                -- time spent painting, over every attempt
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    losses TEXT NOT NULL DEFAULT '{}',
    run TEXT NOT NULL DEFAULT '{}'  -- what the machine chose where the settings left it ("auto"), as JSON
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, position);
"""

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
WITH_RESULT = (FINISHED, STOPPED)


class StoreError(BrushworkError):
    """The data folder's database is not one this brushwork reads."""


def storage_refusal(exc: BaseException) -> tuple[int, str]:
    """A write the data folder refused (a full disk, a read-only folder): the HTTP status, and what it says
    to a person."""
    if isinstance(exc, sqlite3.Error):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code of an extended one
        full, read_only = code == sqlite3.SQLITE_FULL, code == sqlite3.SQLITE_READONLY
    else:
        number = getattr(exc, "errno", None)
        full, read_only = number in (errno.ENOSPC, errno.EDQUOT), number in (errno.EROFS, errno.EACCES, errno.EPERM)
    if full:
        return 507, "the studio's data folder is full; free some space there"
    if read_only:
        return 503, "the studio's data folder cannot be written (read-only, or no permission)"
    return 503, f"the studio's data folder could not be written ({exc})"


def storage_problem(exc: BaseException) -> str:
    return storage_refusal(exc)[1]


@dataclass(frozen=True)
class ImageRow:
    id: str
    name: str
    format: str
    width: int
    height: int
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "name", "format", "width", "height", "bytes")}


class Store:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        # One connection, used under a lock: the server's calls are short, and the worker never writes here.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{path}: not a studio database ({exc}); move it away to start afresh") from None
        version = self.meta("schema_version")
        if version is not None and int(version) > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer brushwork (schema {version}); upgrade brushwork")
        if version is not None and int(version) < 2:
            with self._transaction() as db:
                db.execute("ALTER TABLE jobs ADD COLUMN run TEXT NOT NULL DEFAULT '{}'")
        if version is None or int(version) < SCHEMA_VERSION:
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _keep_on_disk(self) -> None:
        """If the database file was removed while the studio runs (a clean-up script, a hand), write it
        again from the open connection, which still reads the removed file: the queue and the gallery
        would otherwise be lost at the next start. (Called under the lock, before each change.)"""
        try:
            os.stat(self.path)
            return
        except FileNotFoundError:
            pass
        restored = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        restored.row_factory = sqlite3.Row
        self._db.backup(restored)
        restored.execute("PRAGMA journal_mode=WAL")
        restored.execute("PRAGMA synchronous=NORMAL")
        self._db.close()
        self._db = restored
        log.warning("brushwork studio: %s was removed while running; written again from its open copy", self.path)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._keep_on_disk()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite has rolled back by itself after some errors (a full disk): then there is none to end.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            try:
                self._keep_on_disk()
            finally:
                self._db.close()

    # ------------------------------------------------------------------ meta

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def paused(self) -> bool:
        return self.meta("paused") == "1"

    def set_paused(self, paused: bool) -> None:
        self.set_meta("paused", "1" if paused else "0")

    # ------------------------------------------------------------------ images

    def add_image(self, image: ImageRow) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO images (id, name, format, width, height, bytes, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (image.id, image.name, image.format, image.width, image.height, image.bytes, time.time()),
            )

    def image(self, image_id: str) -> ImageRow | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, format, width, height, bytes FROM images WHERE id = ?", (image_id,)
            ).fetchone()
        return None if row is None else ImageRow(**dict(row))

    # ------------------------------------------------------------------ jobs

    def add_job(self, technique: str, preset: str, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> int:
        with self._transaction() as db:
            last = db.execute("SELECT COALESCE(MAX(position), 0) FROM jobs").fetchone()[0]
            cursor = db.execute(
                "INSERT INTO jobs (technique, preset, settings, inputs, status, position, created) "
                "VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (technique, preset, json.dumps(settings), json.dumps(inputs), last + 1, time.time()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job_dict(row)

    def jobs(self) -> list[dict[str, Any]]:
        """Every job: the running one and the queue in order, then the rest newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END, "
                "CASE WHEN status IN ('running', 'queued') THEN position ELSE -COALESCE(ended, created) END"
            ).fetchall()
        return [_job_dict(row) for row in rows]

    def next_queued(self) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE status = 'queued' ORDER BY position LIMIT 1").fetchone()
        return None if row is None else _job_dict(row)

    def start(self, job_id: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET status = 'running', started = ?, attempts = attempts + 1, error = '' "
                "WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            )

    def end(
        self,
        job_id: int,
        status: str,
        *,
        error: str = "",
        seconds: float = 0.0,
        losses: Mapping[str, float] = {},
        run: Mapping[str, str] = {},
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET status = ?, ended = ?, error = ?, seconds = ?, losses = ?, run = ? WHERE id = ?",
                (status, time.time(), error, seconds, json.dumps(dict(losses or {})), json.dumps(dict(run)), job_id),
            )

    def requeue_running(self) -> list[int]:
        """After a restart: the jobs that were running go back to the front of the queue, in their order."""
        with self._transaction() as db:
            running = [r["id"] for r in db.execute("SELECT id FROM jobs WHERE status = 'running' ORDER BY position")]
            first = db.execute("SELECT COALESCE(MIN(position), 0) FROM jobs WHERE status = 'queued'").fetchone()[0]
            for offset, job_id in enumerate(running):
                db.execute(
                    "UPDATE jobs SET status = 'queued', position = ? WHERE id = ?",
                    (first - len(running) + offset, job_id),
                )
            return running

    def move(self, job_id: int, direction: int) -> bool:
        """Swap a queued job with its neighbour before (-1) or after (+1) it; False if there is none."""
        with self._transaction() as db:
            row = db.execute("SELECT position FROM jobs WHERE id = ? AND status = 'queued'", (job_id,)).fetchone()
            if row is None:
                return False
            comparison, order = ("<", "DESC") if direction < 0 else (">", "ASC")
            neighbour = db.execute(
                f"SELECT id, position FROM jobs WHERE status = 'queued' AND position {comparison} ? "
                f"ORDER BY position {order} LIMIT 1",
                (row["position"],),
            ).fetchone()
            if neighbour is None:
                return False
            db.execute("UPDATE jobs SET position = ? WHERE id = ?", (neighbour["position"], job_id))
            db.execute("UPDATE jobs SET position = ? WHERE id = ?", (row["position"], neighbour["id"]))
            return True

    def remove(self, job_id: int) -> dict[str, Any] | None:
        """Delete a job that is not running (a queued one, or one in the history); returns its row."""
        with self._transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ? AND status != 'running'", (job_id,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            return _job_dict(row)


def _job_dict(row: sqlite3.Row) -> dict[str, Any]:
    job = dict(row)
    for key in ("settings", "inputs", "losses", "run"):
        job[key] = json.loads(job[key])
    return job
