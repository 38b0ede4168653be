"""The local pool: ``workers`` spawned processes, each loading VGG19 once and running one task at a time.

Each worker is its own one-process ``ProcessPoolExecutor``, so that when a process dies (the kernel's
out-of-memory killer, a segfault) exactly the task it held is known: that task is tried again in a
new process, up to ``MAX_ATTEMPTS`` times in all, then recorded as failed, and the batch goes on. (One
executor with several processes breaks every task it holds when one of them dies.)

Ctrl-C reaches every process in the terminal's group; the workers ignore it, the pool sets the stop
event, and each worker ends its task within an iteration (its finished levels kept for ``--resume``).

With ``devices`` (``--devices cuda:0 cuda:1``) the workers are dealt out over them in turn; the workers
on one device share its memory. A worker whose device failed for good (``devices.device_lost``) is
replaced by a new process, and its task tried again like a dead worker's.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event
from typing import Any

from ..processes import die_with_parent, leave_interrupts_to_parent
from .task import row_for, run_task, warm_up_process

MAX_ATTEMPTS = 3  # a task whose worker dies is tried twice more
STOP_WAIT = 120.0  # seconds to wait for the running tasks to stop after Ctrl-C

Task = dict[str, Any]
Row = dict[str, Any]
Work = Callable[[Task, Callable[[], bool]], Row]

_stop_event: Event | None = None  # set in each worker process by _start_worker


def _start_worker(threads: int | None, sharing: int, stop: Event, device: str | None) -> None:
    """A worker process's first step: tie its life to the batch's, leave Ctrl-C to it, take its share of
    its device's memory (``sharing`` workers paint on it side by side), load VGG19 there."""
    global _stop_event
    die_with_parent()
    leave_interrupts_to_parent()
    _stop_event = stop
    from ..memory import MEMORY_SHARE_ENV_VAR

    os.environ[MEMORY_SHARE_ENV_VAR] = str(1.0 / sharing)
    import torch

    if threads:
        torch.set_num_threads(threads)
    warm_up_process(device)


def _run_in_worker(work: Work, task: Task) -> Row:
    assert _stop_event is not None
    return work(task, _stop_event.is_set)


def default_threads(workers: int) -> int:
    """The cores shared out between the workers, at least one thread each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // workers)


class LocalPool:
    """Runs tasks on ``workers`` processes of this machine; ``work`` is what a worker calls per task."""

    def __init__(
        self,
        workers: int,
        threads: int | None = None,
        work: Work = run_task,
        devices: Sequence[str] | None = None,
    ):
        self.workers = workers
        self.threads = threads if threads is not None else default_threads(workers)
        self.work = work
        self.devices = list(devices) if devices else [None]  # None: $BRUSHWORK_DEVICE, else auto
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()

    def device_of(self, slot: int) -> str | None:
        """The device worker ``slot`` paints on: the devices dealt out in turn."""
        return self.devices[slot % len(self.devices)]

    def sharing(self, slot: int) -> int:
        """How many workers paint on ``slot``'s device (they share its memory)."""
        return sum(1 for other in range(self.workers) if self.device_of(other) == self.device_of(slot))

    def describe(self) -> str:
        processes = f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"
        on = "" if self.devices == [None] else " on " + ", ".join(str(device) for device in self.devices)
        return f"{processes} × {self.threads} thread{'s' if self.threads > 1 else ''}{on}"

    def _executor(self, slot: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=self._context,
            initializer=_start_worker,
            initargs=(self.threads, self.sharing(slot), self._stop, self.device_of(slot)),
        )

    def run(self, tasks: list[Task], on_row: Callable[[Row], None]) -> None:
        """Run every task, calling ``on_row`` with each one's row as it ends. On KeyboardInterrupt the
        running tasks are stopped and their rows given, then the KeyboardInterrupt goes on up."""
        queue: deque[tuple[Task, int]] = deque((task, 1) for task in tasks)
        executors = [self._executor(slot) for slot in range(min(self.workers, len(tasks)))]
        running: dict[Future[Row], tuple[int, Task, int]] = {}
        try:
            while queue or running:
                busy = {slot for slot, _, _ in running.values()}
                for slot in range(len(executors)):
                    if slot not in busy and queue:
                        task, attempt = queue.popleft()
                        try:
                            future = executors[slot].submit(_run_in_worker, self.work, task)
                        except BrokenProcessPool:  # its process died since its last task: a new one
                            executors[slot] = self._executor(slot)
                            future = executors[slot].submit(_run_in_worker, self.work, task)
                        running[future] = (slot, task, attempt)
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    slot, task, attempt = running.pop(future)
                    row = self._row(future, task, attempt)
                    lost = row is not None and row.pop("device_lost", False)
                    if row is None or lost:  # its process died, or its device: a new one
                        executors[slot].shutdown(wait=False, cancel_futures=True)
                        executors[slot] = self._executor(slot)
                    if row is None or (lost and attempt < MAX_ATTEMPTS):
                        queue.appendleft((task, attempt + 1))  # and the task again
                    else:
                        on_row(row)
        except KeyboardInterrupt:
            self._stop.set()
            finished, _ = wait(running, timeout=STOP_WAIT)
            for future in finished:
                slot, task, attempt = running[future]
                row = self._row(future, task, attempt)  # None: its process died as the batch stopped
                if row is not None:
                    row.pop("device_lost", None)
                on_row(row if row is not None else row_for(task, "interrupted", error="stopped", attempts=attempt))
            raise
        finally:
            for executor in executors:
                executor.shutdown(wait=False, cancel_futures=True)

    def _row(self, future: Future[Row], task: Task, attempt: int) -> Row | None:
        """The task's row, or None if its process died and it has attempts left."""
        try:
            row = future.result()
        except BrokenProcessPool:
            if attempt < MAX_ATTEMPTS:
                return None
            why = f"its worker process died {attempt} times while running it (out of memory, or killed)"
            return row_for(task, "failed", error=why, attempts=attempt)
        except Exception as exc:  # the task could not reach the worker (say, it did not pickle)
            return row_for(task, "failed", error=f"internal error: {type(exc).__name__}: {exc}", attempts=attempt)
        row["attempts"] = attempt
        return row
