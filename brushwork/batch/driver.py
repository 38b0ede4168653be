"""Running a planned batch on a backend (the local pool or a Dask cluster): skipping what is already made,
keeping the results manifest, one progress bar over the jobs, and the summary at the end."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BrushworkError
from ..files import held_folder
from ..jobs import Job
from ..signals import signal_number, signals_held
from .plan import WORK_FOLDER
from .results import ResultsFile
from .task import finished_by, row_for

if TYPE_CHECKING:
    from tqdm import tqdm

Task = dict[str, Any]
Row = dict[str, Any]


class Backend(Protocol):
    def describe(self) -> str: ...

    def run(self, tasks: list[Task], on_row: Callable[[Row], None]) -> None:
        """Run every task, calling ``on_row`` with each one's row as it ends (in the calling thread)."""


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
    show_progress: bool = True,
) -> Tally:
    """Run ``tasks`` on ``backend``; ``early_rows`` are rows known before (bad inputs). A task whose
    output is already made is skipped here, without reaching a worker (with ``resume``, keeping the row
    of the run that made it). On KeyboardInterrupt the tally says so, and the tasks not done are
    recorded as ``pending``. A second batch into the same folder is refused while this one runs: two
    would paint the same pairs and write one results manifest over the other's."""
    with held_folder(results.path.parent, "batch"):
        return _run_held(tasks, early_rows, backend, results, resume, show_progress)


def _run_held(
    tasks: Sequence[Task],
    early_rows: Sequence[Row],
    backend: Backend,
    results: ResultsFile,
    resume: bool,
    show_progress: bool,
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
    bar = _JobsBar(tally, show_progress)
    left = {task["output"]: task for task in pending}

    def on_row(row: Row) -> None:
        left.pop(row["output"], None)
        if row["status"] == "skipped":  # made meanwhile (by a retry elsewhere)
            tally.counts["skipped"] += 1
        else:
            tally.add(row)
        results.add(row)
        bar.update()

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
        bar.close()
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


class _JobsBar:
    """One bar over the jobs: done, failed, skipped, left, images per hour; its ETA from the rate so far."""

    def __init__(self, tally: Tally, enabled: bool):
        self.tally = tally
        self.bar: tqdm[Any] | None = None
        if enabled:
            from tqdm import tqdm

            with signals_held():
                self.bar = tqdm(
                    total=tally.jobs, initial=self._ended(), desc="batch", unit="img", leave=True, file=sys.stderr
                )
            self.update(advance=False)

    def _ended(self) -> int:
        return sum(self.tally.counts[s] for s in ("finished", "skipped", "failed", "ignored"))

    def update(self, advance: bool = True) -> None:
        if self.bar is None:
            return
        counts = self.tally.counts
        self.bar.set_postfix(
            {
                "done": counts["finished"],
                "failed": counts["failed"],
                "skipped": counts["skipped"],
                "left": self.tally.jobs - self._ended(),
                "img/h": f"{self.tally.images_per_hour():.0f}",
            },
            refresh=not advance,
        )
        if advance:
            self.bar.update(self._ended() - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def summary(tally: Tally, results: Path, backend: str) -> str:
    """The table printed at the end of a batch."""
    counts = tally.counts
    minutes, seconds = divmod(int(tally.elapsed), 60)
    lines = [
        f"batch on {backend}: {tally.jobs} jobs in {minutes} min {seconds:02d} s",
        f"  finished  {counts['finished']:>6}",
        f"  skipped   {counts['skipped']:>6}   (already made)",
        f"  failed    {counts['failed']:>6}",
    ]
    if counts["ignored"]:
        lines.append(f"  ignored   {counts['ignored']:>6}   (not images by their names)")
    if counts["pending"] + counts["interrupted"]:
        not_run = counts["pending"] + counts["interrupted"]
        lines.append(f"  not run   {not_run:>6}   (stopped: run the same command with --resume)")
    if counts["finished"]:
        lines.append(
            f"  {tally.images_per_hour():.1f} images per hour; "
            f"{tally.compute_seconds / counts['finished']:.1f} s of compute per image"
        )
    for row in tally.failed[:10]:
        styles = " + ".join(Path(s).name for s in row.get("styles", []))
        what = f"{row.get('content', '')} × {styles}" if styles else str(row.get("content", ""))
        lines.append(f"  {row['status']}: {what}: {row.get('error', '')}")
    if len(tally.failed) > 10:
        lines.append(f"  ... and {len(tally.failed) - 10} more failures")
    lines.append(f"results: {results}")
    return "\n".join(lines)
