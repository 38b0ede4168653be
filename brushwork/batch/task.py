"""``run_task``: one batch task, wherever it runs (a local pool process, a Dask worker). Nothing here
knows which; the caller passes ``should_stop``, and the process keeps its VGG19s in ``process_vgg19()``.

A task is idempotent: if its output already holds a finished picture made by the same job, it is
skipped, so a retry (after a worker was lost) or a resumed batch writes every file once. The picture is
written atomically (a whole file or none), and each finished level is kept in the task's level file,
so a task cut off goes on from its last finished level the next time.
"""

from __future__ import annotations

import functools
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrushworkError
from ..files import make_folder
from ..jobs import Job

if TYPE_CHECKING:
    import torch

    from ..encoders.vgg import VGG19Cache

# The device this process's tasks run on, as a name (``encoders.devices.chosen_device``): set by the pool
# or the cluster that started the process (``warm_up_process``); None: $BRUSHWORK_DEVICE, else auto.
_device_name: str | None = None


@functools.cache
def process_device() -> torch.device:
    """Where this process's tasks run (one line where that device is not here)."""
    from ..encoders.devices import chosen_device

    return chosen_device(_device_name)


@functools.cache
def process_vgg19() -> VGG19Cache:
    """This process's VGG19s, on its device: one process runs many tasks, and reads each VGG19 it needs
    from disk once. (Made on first use, so that importing this module needs no torch.)"""
    from ..encoders.vgg import VGG19Cache

    return VGG19Cache(process_device())


def use_device(name: str | None) -> None:
    """Run this process's tasks on the device ``name`` from now on (None: $BRUSHWORK_DEVICE, else auto)."""
    global _device_name
    if name != _device_name:
        _device_name = name
        process_device.cache_clear()
        process_vgg19.cache_clear()


def warm_up_process(device_name: str | None = None) -> None:
    """A worker process's first step, wherever it runs: its device (``use_device``), glibc keeps freed
    memory for reuse (``runtime.keep_freed_memory``), and the VGG19 the presets use is read before the
    first task."""
    from ..runtime import keep_freed_memory

    use_device(device_name)
    keep_freed_memory()
    try:
        process_vgg19()("avg", "zeros")  # others load on first use
    except Exception:  # no weights there, say: the first task reports it in its own words
        pass


def finished_by(job: Job, output: Path) -> bool:
    """Whether ``output`` is a finished picture that ``job`` made (same technique, settings and inputs)."""
    from ..provenance import read_record, record

    if not output.is_file():
        return False
    try:
        made = read_record(output)
    except BrushworkError:
        return False
    wanted = record(job.technique, job.settings, job.inputs)
    return made.get("status") == "finished" and all(
        made.get(k) == wanted[k] for k in ("technique", "settings", "inputs")
    )


def row_for(task: Mapping[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    """A results-manifest row."""
    row: dict[str, Any] = {
        "key": task.get("key", ""),
        "content": task.get("content", ""),
        "styles": list(task.get("styles", [])),
        "output": task.get("output", ""),
        "status": status,
        "seconds": 0.0,
        "losses": {},
        "error": "",
    }
    row.update(fields)
    return row


def run_task(task: Mapping[str, Any], should_stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Run one task here; returns its row: ``finished``, ``skipped`` (already made), ``failed`` (with the
    error) or ``interrupted`` (``should_stop`` said so; nothing is written but the level file)."""
    where = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        job = Job.from_dict(task["job"])
    except BrushworkError as exc:
        return row_for(task, "failed", error=str(exc), **where)
    output = Path(task["output"])
    if finished_by(job, output):
        return row_for(task, "skipped", **where)
    if os.path.lexists(output) and not task.get("overwrite"):
        message = f"{output}: already exists and was not made by this job; pass --overwrite to replace it"
        return row_for(task, "failed", error=message, **where)
    try:
        make_folder(output.parent)
        make_folder(Path(task["levels"]).parent)
    except BrushworkError as exc:
        return row_for(task, "failed", error=str(exc), **where)
    return _run(job, task, output, should_stop, where)


def _run(
    job: Job, task: Mapping[str, Any], output: Path, should_stop: Callable[[], bool], where: dict[str, str]
) -> dict[str, Any]:
    from ..jobs.resume import LevelFile
    from ..jobs.runner import run_job_recorded, save_job_output

    def callback(progress: object) -> None:
        if should_stop():
            raise KeyboardInterrupt  # the loop ends at once; the finished levels are in the level file

    try:
        device = process_device()
    except BrushworkError as exc:
        return row_for(task, "failed", error=str(exc), **where)
    where["device"] = str(device)
    levels = LevelFile(task["levels"], job)
    started = time.perf_counter()
    outcome = run_job_recorded(job, callback, level_store=levels, vgg19=process_vgg19(), device=device)
    seconds = round(time.perf_counter() - started, 3)
    if outcome.status == "interrupted":
        return row_for(task, "interrupted", seconds=seconds, error="stopped before it finished", **where)
    if outcome.device_lost:
        # The device is unusable in this process: its runner replaces the process and tries the task again.
        return row_for(task, "failed", seconds=seconds, error=outcome.error, device_lost=True, **where)
    if outcome.status != "finished" or outcome.result is None:
        return row_for(task, "failed", seconds=seconds, error=outcome.error, **where)
    try:
        save_job_output(job, outcome.result.image, output, overwrite=True, device=device)
    except BrushworkError as exc:
        return row_for(task, "failed", seconds=seconds, error=str(exc), **where)
    Path(task["levels"]).unlink(missing_ok=True)
    losses = {name: round(value, 6) for name, value in outcome.result.losses.items()}
    return row_for(task, "finished", seconds=seconds, losses=losses, **where)
