"""Running a planned batch on a backend (the local pool or a Dask cluster): skipping what is already made,
keeping the results manifest, and telling a ``BatchProgress`` (the CLI's bar) how it goes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BrushworkError
from ..files import held_folder
from ..jobs import Job
from ..signals import signal_number
from .plan import WORK_FOLDER
from .results import ResultsFile
from .task import finished_by, row_for

if TYPE_CHECKING:
    pass

Task = dict[str, Any]
Row = dict[str, Any]


class Backend(Protocol):
    def describe(self) -> str: ...

    def run(self, tasks: list[Task], on_row: Callable[[Row], None]) -> None:
        """Run every task, calling ``on_row`` with each one's row as it ends (in the calling thread)."""


class BatchProgress(Protocol):
    """Told how a batch goes: once before the first task (what was already made is in the tally), after
    each row, and at the end."""

    def start(self, tally: Tally) -> None: ...

    def update(self, tally: Tally) -> None: ...

    def close(self) -> None: ...


@dataclass
class Tally:
    """How a batch went: rows by status, this run's compute time, and the rows that failed."""

    jobs: int
    counts: Counter[str] = field(default_factory=Counter)
    compute_seconds: float = 0.0
    failed: list[Row] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stopped_by: int | None = None  # the signal that stopped the batch

    def add(self, row: Row) -> None:
        self.counts[row["status"]] += 1
        if row["status"] == "finished":
            self.compute_seconds += float(row.get("seconds") or 0.0)
        if row["status"] in ("failed", "ignored"):
            self.failed.append(row)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def images_per_hour(self) -> float:
        return self.counts["finished"] * 3600.0 / self.elapsed if self.elapsed > 0 else 0.0


def run_batch(
    tasks: Sequence[Task],
    early_rows: Sequence[Row],
    backend: Backend,
    results: ResultsFile,
    resume: bool,
    progress: BatchProgress | None = None,
) -> Tally:
    """Run ``tasks`` on ``backend``; ``early_rows`` are rows known before (bad inputs). A task whose
    output is already made is skipped here, without reaching a worker (with ``resume``, keeping the row
    of the run that made it). On KeyboardInterrupt the tally says so, and the tasks not done are
    recorded as ``pending``. A second batch into the same folder is refused while this one runs: two
    would paint the same pairs and write one results manifest over the other's."""
    with held_folder(results.path.parent, "batch"):
        return _run_held(tasks, early_rows, backend, results, resume, progress)


def _run_held(
    tasks: Sequence[Task],
    early_rows: Sequence[Row],
    backend: Backend,
    results: ResultsFile,
    resume: bool,
    progress: BatchProgress | None,
) -> Tally:
    previous = results.previous() if resume else {}
    tally = Tally(jobs=len(tasks) + len(early_rows))
    kept: list[Row] = []
    pending: list[Task] = []
    for task in tasks:
        done = _already_made(task)
        if done:
            earlier = previous.get(task["output"])
            row = earlier if earlier is not None and earlier.get("status") == "finished" else row_for(task, "skipped")
            kept.append(row)
            tally.counts["skipped"] += 1
        else:
            pending.append(task)
    for row in early_rows:
        tally.add(row)
    results.start([*kept, *early_rows])
    if progress is not None:
        progress.start(tally)
    left = {task["output"]: task for task in pending}

    def on_row(row: Row) -> None:
        left.pop(row["output"], None)
        if row["status"] == "skipped":  # made meanwhile (by a retry elsewhere)
            tally.counts["skipped"] += 1
        else:
            tally.add(row)
        results.add(row)
        if progress is not None:
            progress.update(tally)

    try:
        if pending:
            backend.run(pending, on_row)
    except KeyboardInterrupt as stop:
        tally.stopped_by = signal_number(stop)
        for task in left.values():
            row = row_for(task, "pending", error="not run: the batch was stopped")
            tally.counts["pending"] += 1
            results.add(row)
    finally:
        if progress is not None:
            progress.close()
        results.close()
        _remove_if_empty(results.path.parent / WORK_FOLDER)
    return tally


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only when no unfinished job left its levels there
    except OSError:
        pass


def _already_made(task: Task) -> bool:
    try:
        return finished_by(Job.from_dict(task["job"]), Path(task["output"]))
    except BrushworkError:
        return False  # the worker reports it
