"""Runs the queue: starts the worker process, hands it the next job, records how each ends, and
restarts the worker when it dies (the job it had fails with the reason; the server stays up).

Everything here runs on the server's event loop, but for one thread per worker that waits on its pipe.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Any

from ..errors import BrushworkError
from ..jobs.technique import technique
from .folders import Folders
from .jobs import job_for_worker, photo_size_of, public_job
from .store import FAILED, RUNNING, Store, storage_problem

Publish = Callable[[str, dict[str, Any]], None]
log = logging.getLogger("brushwork.studio")
CURVE_POINTS = 2000  # the latest progress messages' total losses kept for the loss curve, as the page keeps
RETRY_SECONDS = 2.0  # how soon a change the data folder refused is tried again


@dataclass
class Worker:
    process: SpawnProcess
    connection: Connection
    stop: Event
    job_id: int | None = None
    ready: bool = False


@dataclass
class Supervisor:
    store: Store
    folders: Folders
    publish: Publish
    threads: int | None = None
    device: str = "auto"
    worker: Worker | None = None
    live: dict[int, dict[str, Any]] = field(default_factory=dict)  # the running job's latest progress
    curves: dict[int, list[float]] = field(default_factory=dict)  # the running job's total losses so far
    _events: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _refused: str | None = None  # why the data folder last refused a change, until it takes one again

    # ------------------------------------------------------------------ lifecycle

    def start(self, warm: bool = True) -> None:
        """Queue again what was running when the server last stopped, and start the worker now (``warm``)
        so that it has torch and VGG19 loaded by the time the first Paint comes."""
        for job_id in self.store.requeue_running():
            self.announce(job_id)
        self._task = asyncio.get_running_loop().create_task(self._run())
        if warm and self.worker is None:
            self.worker = self._spawn()
        self.kick()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.worker is not None:
            # The job it had stays 'running' in the database: the next start queues it again, and it
            # goes on from its last finished level.
            self._end_worker(self.worker)
            self.worker = None

    def kick(self) -> None:
        """Something changed (a job queued, the queue resumed): start the next job if the worker is free."""
        self._events.put_nowait(("kick", None))

    def stop_job(self, job_id: int) -> bool:
        worker = self.worker
        if worker is None or worker.job_id != job_id:
            return False
        worker.stop.set()
        return True

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            event = await self._events.get()
            try:
                self._handle(*event)
                self._next()
            except (sqlite3.Error, OSError) as exc:
                # The data folder is full or read-only: nothing the worker said is dropped; the event is
                # handled again once there is room (every change it makes is one transaction).
                problem = storage_problem(exc)
                if problem != self._refused:
                    log.error("brushwork studio: %s; trying again every %g s", problem, RETRY_SECONDS)
                    self._refused = problem
                loop.call_later(RETRY_SECONDS, self._events.put_nowait, event)
                continue
            if self._refused is not None:
                log.warning("brushwork studio: the data folder takes changes again")
                self._refused = None

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "message":
            worker, (message, data) = payload
            if worker is self.worker and self.worker is not None:
                self._on_message(self.worker, message, data)
        elif kind == "died":
            if payload is self.worker and self.worker is not None:
                self._on_death(self.worker)

    def _next(self) -> None:
        if self.store.paused:
            return
        worker = self.worker
        if worker is not None and (worker.job_id is not None or not worker.ready):
            return
        job = self.store.next_queued()
        if job is None:
            return
        if worker is None:
            self.worker = self._spawn()
            return  # the job is handed over when the worker says it is ready
        self.store.start(job["id"])
        try:
            brushwork_job, task = job_for_worker(self.folders, self.store, job)
        except BrushworkError as exc:
            self.store.end(job["id"], FAILED, error=str(exc))
            self.announce(job["id"])
            self.kick()
            return
        worker.job_id = job["id"]
        self.live[job["id"]] = {}
        self.curves[job["id"]] = []
        kind = technique(brushwork_job.technique)
        task["plan"] = kind.plan(brushwork_job.settings, photo_size_of(self.store, job))
        task["works"] = kind.level_works(brushwork_job.settings, task["plan"])
        worker.connection.send(("run", task))
        self.announce(job["id"])

    def _on_message(self, worker: Worker, message: str, data: dict[str, Any]) -> None:
        if message == "ready":
            worker.ready = True
        elif message == "progress":
            self.live[data["id"]] = data
            if not data.get("draft"):  # the loss curve, for a page opened or reloaded mid-job
                curve = self.curves.setdefault(data["id"], [])
                curve.append(data["total"])
                del curve[:-CURVE_POINTS]
            self.publish("progress", data)
        elif message == "done":
            job_id = data["id"]
            # Recorded first: if the database cannot take it, the worker stays busy until it can.
            self.store.end(
                job_id,
                data["status"],
                error=data["error"],
                seconds=data["seconds"],
                losses=data["losses"],
                run=data.get("run") or {},
            )
            worker.job_id = None
            self.live.pop(job_id, None)
            self.curves.pop(job_id, None)
            self.announce(job_id)

    def _on_death(self, worker: Worker) -> None:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        job_id = worker.job_id
        if job_id is None and not worker.ready:
            # It died starting up: fail the job it was started for, or the next start would be the same.
            waiting = self.store.next_queued()
            job_id = None if waiting is None else waiting["id"]
        if job_id is not None:
            self.store.end(job_id, FAILED, error=death_reason(code))
            self.live.pop(job_id, None)
            self.curves.pop(job_id, None)
            self.announce(job_id)
        self.worker = None

    # ------------------------------------------------------------------ the process

    def _spawn(self) -> Worker:
        from . import worker as worker_module

        context = multiprocessing.get_context("spawn")
        server_end, worker_end = context.Pipe()
        stop = context.Event()
        process = context.Process(
            target=worker_module.main,
            args=(worker_end, stop, os.getpid(), self.threads, self.device),
            name="brushwork-studio-worker",
            daemon=True,
        )
        process.start()
        worker_end.close()
        worker = Worker(process, server_end, stop)
        loop = asyncio.get_running_loop()

        def listen() -> None:
            while True:
                try:
                    message = server_end.recv()
                except (EOFError, OSError):
                    loop.call_soon_threadsafe(self._events.put_nowait, ("died", worker))
                    return
                loop.call_soon_threadsafe(self._events.put_nowait, ("message", (worker, message)))

        threading.Thread(target=listen, name="brushwork-worker-pipe", daemon=True).start()
        return worker

    def _end_worker(self, worker: Worker) -> None:
        try:
            worker.connection.send(("quit", None))
        except OSError:
            pass
        if worker.process.is_alive():
            worker.process.terminate()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)

    # ------------------------------------------------------------------ what the page sees

    def announce(self, job_id: int) -> None:
        """Tell every open page what the job is now."""
        self.publish("job", {"job": self.describe(job_id)})

    def describe(self, job_id: int) -> dict[str, Any] | None:
        job = self.store.job(job_id)
        return None if job is None else self.public(job)

    def public(self, job: dict[str, Any]) -> dict[str, Any]:
        return public_job(self.folders, self.store, job, self.live.get(job["id"]) if job["status"] == RUNNING else None)


def death_reason(code: int | None) -> str:
    """Why the worker ended, for the job it had: a signal (the kernel's out-of-memory killer sends
    SIGKILL) or an exit code."""
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the worker process was killed by {name}{hint}; it has been restarted"
    return f"the worker process ended unexpectedly (exit code {code}); it has been restarted"
