"""``run_job``: the one function that runs a job, for the CLI, the studio and the batch runner."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..encoders.devices import device_lost
from ..encoders.precision import resolved_run
from ..encoders.vgg import VGG19Encoder
from ..errors import BrushworkError
from ..image.io import load_image, save_image
from ..optim import Interrupted
from ..provenance import record
from ..settings import Settings
from ..techniques.context import Picture, ProgressCallback, RunContext
from ..techniques.levels import LevelStore
from ..techniques.progress import LevelProgress, TileProgress, draft_events, tile_events
from .job import Job
from .technique import Technique, given, technique


@dataclass
class JobResult:
    image: Picture  # the picture to save
    losses: dict[str, float] = field(default_factory=dict)  # the last iteration's loss terms
    seconds: float = 0.0


class LastLosses:
    """A ``Reporter`` that keeps the last iteration's losses and passes every event on to ``callback``."""

    def __init__(self, callback: ProgressCallback | None):
        self.callback = callback
        self.on_tile = tile_events(callback)
        self.on_draft = draft_events(callback)
        self.losses: dict[str, float] = {}

    def __call__(self, progress: LevelProgress) -> None:
        self.losses = dict(progress.losses)
        if self.callback is not None:
            self.callback(progress)

    def tile(self, progress: TileProgress) -> None:
        if self.on_tile is not None:
            self.on_tile(progress)

    def draft(self, image: torch.Tensor) -> None:
        if self.on_draft is not None:
            self.on_draft(image)


def load_inputs(kind: Technique, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A job's input files loaded by role: a tensor, a list of them, or {style index: tensor}."""
    images: dict[str, Any] = {}
    for role in kind.roles:
        value = inputs.get(role.name)
        if not given(value):
            continue
        if role.keyed:
            images[role.name] = {int(k): load_image(v) for k, v in value.items()}
        elif role.many:
            images[role.name] = [load_image(v) for v in value]
        else:
            images[role.name] = load_image(value)
    return images


def run_job(
    job: Job,
    callback: ProgressCallback | None = None,
    *,
    level_store: LevelStore | None = None,
    vgg19: Callable[[str, str], VGG19Encoder] | None = None,
    device: torch.device | None = None,
) -> JobResult:
    """Validate ``job``, load its inputs and run it on ``device`` (None: the host), reporting every
    iteration to ``callback`` (and, to a ``Reporter``, every tile of a tiled level).

    On Ctrl-C (or a callback raising KeyboardInterrupt) raises ``Interrupted`` whose ``best`` is
    the picture so far, ready to save. ``level_store`` and ``vgg19``: see ``RunContext``.
    """
    job.validate()
    kind = technique(job.technique)
    return run_images(kind, job.settings, lambda: load_inputs(kind, job.inputs), callback, level_store, vgg19, device)


def on_device(value: Any, device: torch.device | None) -> Any:
    """Loaded inputs (a tensor, a list of them, or a dict of them) moved to ``device`` (None: left)."""
    if device is None:
        return value
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, Mapping):
        return {key: on_device(item, device) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(on_device(item, device) for item in value)
    return value


def on_host(picture: Any) -> Any:
    """A picture (or the list a stopped inversion keeps) on the host, where it is saved."""
    if isinstance(picture, torch.Tensor):
        return picture.detach().cpu()
    if isinstance(picture, list):
        return [on_host(item) for item in picture]
    return picture


def out_of_memory_advice(device: torch.device | None) -> str:
    """What to pass when a run ran out of memory on ``device``."""
    if device is None or device.type == "cpu":
        return "give a smaller size"
    return f"give a smaller size or a smaller --max-memory (it tiles within it on {device.type}), or --device cpu"


def run_images(
    kind: Technique,
    settings: Settings,
    images: Callable[[], Mapping[str, Any]],
    callback: ProgressCallback | None = None,
    level_store: LevelStore | None = None,
    vgg19: Callable[[str, str], VGG19Encoder] | None = None,
    device: torch.device | None = None,
) -> JobResult:
    """Run ``kind``'s engine on loaded images (``images()``, called inside the memory net) on ``device``
    (None: the host): the path every job takes, and the Python API with images it was handed. The picture
    comes back on the host."""
    report = LastLosses(callback)
    started = time.perf_counter()
    try:
        image = kind.run(on_device(images(), device), settings, RunContext(report, level_store, vgg19, device))
    except Interrupted as stop:
        raise stop.with_best(on_host(stop.best)) from None
    except MemoryError:
        raise BrushworkError(f"ran out of memory; {out_of_memory_advice(None)}") from None
    except RuntimeError as exc:
        # The estimate before the run (brushwork.memory) missed: say so in one line, not torch's traceback.
        if "allocate" in str(exc) or "out of memory" in str(exc):
            first = str(exc).splitlines()[0][:120]
            raise BrushworkError(f"ran out of memory ({first}); {out_of_memory_advice(device)}") from None
        raise
    return JobResult(on_host(image), dict(report.losses), time.perf_counter() - started)


def save_job_output(
    job: Job,
    image: Picture,
    path: str | Path,
    overwrite: bool = False,
    status: str = "finished",
    device: torch.device | None = None,
    input_names: Mapping[str, Any] | None = None,
) -> Path:
    """Write a job's picture with the record of what made it, and on which device (``brushwork info``
    reads it back). ``input_names``: what the record calls the inputs where their files are not named as
    their owner knows them (the studio's uploads); the job's file names otherwise."""
    inputs = job.inputs if input_names is None else input_names
    made_by = record(job.technique, job.settings, inputs, status, run=resolved_run(job.settings, device))
    return save_image(image, path, overwrite=overwrite, metadata=made_by)


@dataclass
class JobOutcome:
    """How a job ended, for a runner that must record it and go on (the studio's worker, the batch runner)."""

    status: str  # "finished", "refused" (bad input: ``error``), "interrupted", "crashed" (a bug: ``crash_log``)
    result: JobResult | None = None
    error: str = ""
    best: Picture | None = None  # on "interrupted": the picture so far
    crash_log: Path | None = None
    device_lost: bool = False  # on "crashed": the device is unusable in this process (``devices.device_lost``)


def run_job_recorded(
    job: Job,
    callback: ProgressCallback | None = None,
    *,
    level_store: LevelStore | None = None,
    vgg19: Callable[[str, str], VGG19Encoder] | None = None,
    device: torch.device | None = None,
) -> JobOutcome:
    """``run_job`` that never raises for a job's own failure: bad input, a stop and a bug become an outcome.

    A bug's traceback goes to a crash log (``brushwork.crashes``), so one job cannot take its runner down.
    """
    from ..crashes import write_crash_log

    try:
        return JobOutcome("finished", run_job(job, callback, level_store=level_store, vgg19=vgg19, device=device))
    except BrushworkError as exc:
        return JobOutcome("refused", error=str(exc))
    except Interrupted as stop:
        return JobOutcome("interrupted", error="stopped", best=stop.best)
    except Exception as exc:
        log = write_crash_log(exc, f"job {job.to_dict()}")
        first = (str(exc).splitlines() or [""])[0][:300]
        return JobOutcome(
            "crashed",
            error=f"internal error: {type(exc).__name__}: {first}",
            crash_log=log,
            device_lost=device_lost(exc),
        )
