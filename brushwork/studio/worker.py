"""The studio's worker: the one process that owns torch. It loads VGG19 once and runs jobs one at a time.

The server sends ``("run", task)``; the worker answers with ``("progress", ...)`` a few times a second,
writes a preview frame (a JPEG the page fetches by URL) at least once a second, and ends each job with
``("done", ...)``. It keeps each finished level in the job's level file, so a job cut off by a restart or
a crash goes on from its last finished level. It never touches the database: the server owns that.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from ..processes import die_with_parent, leave_interrupts_to_parent

PROGRESS_EVERY = 0.25  # seconds between progress messages
FRAME_EVERY = 0.5  # seconds between preview frames
FRAME_LONG_EDGE = 768


# The exit status of a worker whose device failed for good (``devices.device_lost``): the supervisor
# starts a fresh process for the next job.
DEVICE_LOST_EXIT = 3


def main(connection: Connection, stop: Event, parent_pid: int, threads: int | None, device_name: str = "auto") -> None:
    """The worker process's entry point (started with the spawn context); it paints on ``device_name``."""
    die_with_parent()
    leave_interrupts_to_parent()
    if os.getppid() != parent_pid:
        return
    import torch

    from ..encoders.devices import chosen_device
    from ..encoders.vgg import VGG19Cache

    if threads:
        torch.set_num_threads(threads)
    device = chosen_device(device_name)
    vgg19 = VGG19Cache(device)

    def send(kind: str, payload: dict[str, Any]) -> None:
        try:
            connection.send((kind, payload))
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            os._exit(0)  # the server is gone

    try:
        vgg19("avg", "zeros")  # what the default presets use; others load on first use
    except Exception:  # e.g. no weights: the first job reports it, in its own words
        pass
    send("ready", {"pid": os.getpid()})
    while True:
        try:
            kind, task = connection.recv()
        except (EOFError, OSError):
            return
        if kind == "quit":
            return
        if kind == "run":
            stop.clear()
            done = run_task(task, stop, send, vgg19, device)
            lost = done.pop("device_lost", False)
            send("done", done)
            if lost:
                os._exit(DEVICE_LOST_EXIT)


def run_task(task: dict[str, Any], stop: Event, send: Any, vgg19: Any, device: Any = None) -> dict[str, Any]:
    """Run one job; returns the ``done`` message. ``task`` has the job (with file paths) and where to write."""
    from PIL import Image

    from ..encoders.precision import resolved_run
    from ..files import WriteRefused
    from ..image.io import to_pil
    from ..jobs import Job
    from ..jobs.eta import Eta
    from ..jobs.resume import LevelFile
    from ..jobs.runner import run_job_recorded, save_job_output
    from ..techniques.progress import LevelProgress, Reporting, TileProgress
    from .uploads import THUMBNAIL_EDGE, write_jpeg

    job_id = task["id"]
    job = Job.from_dict(task["job"])
    eta = Eta([((h, w), n) for (h, w), n in task["plan"]], task.get("works"))
    level_file = LevelFile(task["levels"], job)
    last_progress = last_frame = 0.0
    frames = 0

    def write_frame(image: Any) -> None:
        nonlocal frames
        try:
            write_jpeg(to_pil(image), Path(task["frame"]), FRAME_LONG_EDGE, overwrite=True, rescue=False)
        except WriteRefused:
            return  # a preview the data folder has no room for is skipped; the painting goes on
        frames += 1

    # The last iteration reported: a tile's message repeats its losses (a tiled iteration takes seconds).
    latest: dict[str, Any] = {"level": -1, "iteration": 0, "total": 0.0, "losses": {}}

    def on_progress(progress: LevelProgress) -> None:
        nonlocal last_progress, last_frame
        if stop.is_set():
            raise KeyboardInterrupt  # the loop keeps the best image so far
        now = time.monotonic()
        first_of_level = progress.iteration == 1
        latest.update(level=progress.level, iteration=progress.iteration, total=progress.total, losses=progress.losses)
        eta.observe(progress.level, progress.seconds)
        if now - last_frame >= FRAME_EVERY or first_of_level or progress.iteration == progress.iterations:
            write_frame(progress.image)
            last_frame = now
        if now - last_progress >= PROGRESS_EVERY or first_of_level or progress.iteration == progress.iterations:
            last_progress = now
            send("progress", message(progress.level, progress.levels, progress.size, progress.iterations))

    def on_tile(progress: TileProgress) -> None:
        nonlocal last_progress
        if stop.is_set():
            raise KeyboardInterrupt  # at a print size an iteration is long: stop within a tile
        now = time.monotonic()
        if now - last_progress >= PROGRESS_EVERY:
            last_progress = now
            within = progress.tile / progress.tiles
            payload = message(progress.level, progress.levels, progress.size, progress.iterations, within)
            send("progress", payload | {"tile": progress.tile, "tiles": progress.tiles})

    def on_draft(image: Any) -> None:
        """The fast tier's picture that the painting starts from: shown at once, before the first iteration."""
        nonlocal last_frame
        write_frame(image)
        last_frame = time.monotonic()
        if task["plan"]:
            (size, iterations), levels = task["plan"][0], len(task["plan"])
            send("progress", message(0, levels, tuple(size), iterations) | {"draft": True})

    def message(level: int, levels: int, size: tuple[int, int], iterations: int, within: float = 0.0) -> dict[str, Any]:
        """A progress message for the page; ``within``: how far into the next iteration its tiles are."""
        iteration = latest["iteration"] if latest["level"] == level else 0
        return {
            "id": job_id,
            "level": level,
            "levels": levels,
            "size": list(size),
            "iteration": iteration,
            "iterations": iterations,
            "total": latest["total"],
            "losses": latest["losses"],
            "eta": eta.seconds_left(level, iteration + within),
            "frame": frames,
        }

    reporting = Reporting(on_progress, on_tile, on_draft)
    outcome = run_job_recorded(job, reporting, level_store=level_file, vgg19=vgg19, device=device)
    seconds = level_file.seconds_so_far()  # a resumed job's earlier runs included
    done: dict[str, Any] = {
        "id": job_id,
        "seconds": seconds,
        "error": outcome.error,
        "losses": {},
        "run": resolved_run(job.settings, device),
        "device_lost": outcome.device_lost,
    }
    picture = outcome.result.image if outcome.result is not None else outcome.best
    if outcome.result is not None:
        done["losses"] = outcome.result.losses
    status = {"finished": "finished", "interrupted": "stopped"}.get(outcome.status, "failed")
    if picture is not None:
        try:
            save_job_output(
                job,
                picture,
                task["result"],
                overwrite=True,
                status=status,
                device=device,
                input_names=task.get("names"),
            )
            shown = picture if isinstance(picture, Image.Image) else to_pil(picture)
            write_jpeg(shown, Path(task["thumbnail"]), THUMBNAIL_EDGE, overwrite=True)
        except Exception as exc:  # a full disk: the job fails with the reason, the worker goes on
            status, done["error"] = "failed", f"the result could not be written: {exc}"
    if status == "finished":
        level_file.path.unlink(missing_ok=True)
    done["status"] = status
    return done
