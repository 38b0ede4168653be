"""The batch on a Dask distributed cluster: the same tasks, submitted to a scheduler (``--cluster ADDRESS``).

The workers need brushwork (with the same settings schema) and the VGG19 weights, and see the inputs and
the output folder at the same paths (a shared filesystem). Each worker process reads VGG19 once
(``task.process_vgg19``). When a worker dies, the scheduler gives its task to another one, up to its
``distributed.scheduler.allowed-failures`` (then the task is recorded as failed); a task is idempotent,
so a retry writes the same file once. ``--devices`` are dealt out over the workers (``tell_devices``); a
worker whose device fails for good exits, to be replaced by its nanny. Ctrl-C cancels what has not
started and sets a Dask ``Event`` that the running tasks poll, so they stop within a few seconds,
keeping their finished levels for ``--resume``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from distributed import Client, Event, as_completed
from distributed.scheduler import KilledWorker

from ..errors import BrushworkError
from ..runtime import keep_freed_memory
from .task import row_for, run_task, warm_up_process

STOP_POLL_SECONDS = 2.0  # how often a running task asks the scheduler whether the batch was stopped

Task = dict[str, Any]
Row = dict[str, Any]


# The exit status of a worker whose device failed for good (``devices.device_lost``): its nanny starts a
# fresh process, and the scheduler gives the task to a worker again.
DEVICE_LOST_EXIT = 3


def run_on_worker(task: Task, stop_event: str, threads: int | None) -> Row:
    """What a Dask worker runs for one task."""
    # Dask's nanny sets a malloc trim threshold for numpy; glibc must keep freed memory for torch here
    # too (a worker that joined after the warm-up has not run it).
    keep_freed_memory()
    if threads:
        import torch

        torch.set_num_threads(threads)
    stop = Event(stop_event)
    last_poll = 0.0
    stopped = False

    def should_stop() -> bool:
        nonlocal last_poll, stopped
        now = time.monotonic()
        if not stopped and now - last_poll >= STOP_POLL_SECONDS:
            last_poll = now
            stopped = bool(stop.is_set())
        return stopped

    row = run_task(task, should_stop)
    if row.pop("device_lost", False):
        os._exit(DEVICE_LOST_EXIT)
    return row


class DaskCluster:
    def __init__(self, client: Client, address: str, threads: int | None = None):
        self.client = client
        self.address = address
        self.threads = threads
        self.workers = len(client.scheduler_info().get("workers", {}))

    def tell_devices(self, devices: Sequence[str] | None) -> dict[str, str | None]:
        """Each worker's device, the ``devices`` dealt out over the workers in address order (None: each
        takes its own $BRUSHWORK_DEVICE, else auto), and VGG19 loaded there. Workers that join later
        take their own, and load VGG19 with their first task."""
        addresses = sorted(self.client.scheduler_info().get("workers", {}))
        told: dict[str, str | None] = {}
        for index, address in enumerate(addresses):
            told[address] = devices[index % len(devices)] if devices else None
            self.client.run(warm_up_process, told[address], workers=[address])
        return told

    @classmethod
    def connect(
        cls, address: str, timeout: float, threads: int | None = None, devices: Sequence[str] | None = None
    ) -> DaskCluster:
        """A client of the scheduler at ``address``; one that cannot be reached is refused in one line."""
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BrushworkError(f"--cluster {address}: cannot reach the Dask scheduler ({why[:200]})") from None
        cluster = cls(client, address, threads)
        cluster.tell_devices(devices)
        return cluster

    def describe(self) -> str:
        return f"the Dask cluster at {self.address} ({self.workers} workers)"

    def run(self, tasks: list[Task], on_row: Callable[[Row], None]) -> None:
        stop = Event(f"brushwork-stop-{uuid.uuid4().hex}", client=self.client)
        futures = {
            self.client.submit(
                run_on_worker, task, stop.name, self.threads, key=f"brushwork-{task['key']}", pure=False
            ): task
            for task in tasks
        }
        try:
            for future in as_completed(futures, loop=self.client.loop):
                task = futures[future]
                try:
                    row = future.result()
                except KilledWorker:
                    row = row_for(task, "failed", error="the workers that ran it died (out of memory, or killed)")
                except Exception as exc:  # the task could not run there (brushwork missing on a worker, say)
                    row = row_for(task, "failed", error=f"on the cluster: {type(exc).__name__}: {exc}"[:400])
                on_row(row)
        except KeyboardInterrupt:
            stop.set()
            self.client.cancel([f for f in futures if not f.done()])
            raise
        finally:
            self.client.close()
