"""``run_job``: the one function that runs a job, for the CLI, the studio and the batch runner."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from ..encoders.precision import resolved_run
from ..encoders.vgg import VGG19Encoder
from ..errors import BrushworkError
from ..image.io import load_image, save_image
from ..optim import Interrupted
from ..provenance import record
from ..settings import DreamSettings, InversionSettings, TextureSettings, TransferSettings
from ..techniques.levels import LevelStore
from ..techniques.progress import LevelProgress, TileProgress
from .job import Job

ProgressCallback = Callable[[LevelProgress], None]


@dataclass
class RunContext:
    """What a long-lived runner gives every job: a level store to resume from, and encoders loaded once.

    ``vgg19(pooling, padding_mode)`` returns a whole VGG19 (it runs only as deep as a job asks), so
    the studio's worker reads the weights once rather than per job.
    """

    callback: ProgressCallback
    level_store: LevelStore | None = None
    vgg19: Callable[[str, str], VGG19Encoder] | None = None
    on_tile: Callable[[TileProgress], None] | None = None  # each tile of a tiled level (transfer, texture, dream)

    def encoder(self, pooling: str, padding_mode: str = "zeros") -> VGG19Encoder | None:
        return None if self.vgg19 is None else self.vgg19(pooling, padding_mode)


# A (1, 3, H, W) RGB tensor in [0, 1], or a PIL image where the picture has captions (invert's sheet).
Picture = torch.Tensor | Image.Image


@dataclass
class JobResult:
    image: Picture  # the picture to save
    losses: dict[str, float] = field(default_factory=dict)  # the last iteration's loss terms
    seconds: float = 0.0


def _load_many(paths: Any) -> list[torch.Tensor]:
    return [load_image(p) for p in paths]


def _run_transfer(job: Job, run: RunContext) -> Picture:
    from ..techniques.transfer import stylize

    settings, inputs = job.settings, job.inputs
    assert isinstance(settings, TransferSettings)
    content = load_image(inputs["content"])
    styles = _load_many(inputs["styles"])
    # A mask's grey level is the weight of its style there.
    masks = {int(k): load_image(v).mean(dim=1, keepdim=True) for k, v in (inputs.get("masks") or {}).items()}
    init = load_image(inputs["init"]) if inputs.get("init") else None
    return stylize(
        content,
        styles,
        settings,
        masks=masks,
        init_image=init,
        encoder=run.encoder(settings.pooling),
        callback=run.callback,
        level_store=run.level_store,
        on_tile=run.on_tile,
    )


def _run_texture(job: Job, run: RunContext) -> Picture:
    from ..techniques.texture import synthesize

    settings = job.settings
    assert isinstance(settings, TextureSettings)
    return synthesize(
        load_image(job.inputs["style"]),
        settings,
        encoder=run.encoder(settings.pooling, settings.padding_mode),
        callback=run.callback,
        level_store=run.level_store,
        on_tile=run.on_tile,
    )


def _run_dream(job: Job, run: RunContext) -> Picture:
    from ..techniques.dream import dream

    settings = job.settings
    assert isinstance(settings, DreamSettings)
    photo = load_image(job.inputs["image"])
    guide = load_image(job.inputs["guide"]) if job.inputs.get("guide") else None
    encoder = run.encoder(settings.pooling) if settings.network == "vgg19" else None
    return dream(
        photo,
        settings,
        guide=guide,
        encoder=encoder,
        callback=run.callback,
        level_store=run.level_store,
        on_tile=run.on_tile,
    )


def _run_invert(job: Job, run: RunContext) -> Picture:
    from ..image.pyramid import fit_long_edge, resize
    from ..image.sheet import captioned_sheet
    from ..techniques.invert import invert

    settings = job.settings
    assert isinstance(settings, InversionSettings)
    photo = load_image(job.inputs["image"])
    original = resize(photo, fit_long_edge(photo.shape[-2], photo.shape[-1], settings.size))

    def sheet(reconstructions: list[torch.Tensor]) -> Picture:
        panels = [("original", original)]
        panels += [(f"from {layer}", image) for layer, image in zip(settings.layers, reconstructions, strict=False)]
        return captioned_sheet(panels, columns=min(len(panels), 3))

    try:
        return sheet(invert(photo, settings, encoder=run.encoder(settings.pooling), callback=run.callback))
    except Interrupted as stop:
        raise stop.with_best(sheet(stop.best)) from None


RUNNERS: Mapping[str, Callable[[Job, RunContext], Picture]] = {
    "transfer": _run_transfer,
    "texture": _run_texture,
    "dream": _run_dream,
    "invert": _run_invert,
}


def run_job(
    job: Job,
    callback: ProgressCallback | None = None,
    *,
    level_store: LevelStore | None = None,
    vgg19: Callable[[str, str], VGG19Encoder] | None = None,
    on_tile: Callable[[TileProgress], None] | None = None,
) -> JobResult:
    """Validate ``job``, load its inputs and run it, reporting every iteration to ``callback``.

    On Ctrl-C (or a callback raising KeyboardInterrupt) raises ``Interrupted`` whose ``best`` is
    the picture so far, ready to save. ``level_store``, ``vgg19`` and ``on_tile``: see ``RunContext``.
    """
    job.validate()
    last: dict[str, float] = {}

    def report(progress: LevelProgress) -> None:
        last.clear()
        last.update(progress.losses)
        if callback is not None:
            callback(progress)

    started = time.perf_counter()
    try:
        image = RUNNERS[job.technique](job, RunContext(report, level_store, vgg19, on_tile))
    except MemoryError:
        raise BrushworkError("ran out of memory; give a smaller size") from None
    except RuntimeError as exc:
        # The estimate before the run (brushwork.memory) missed: say so in one line, not torch's traceback.
        if "allocate" in str(exc) or "out of memory" in str(exc):
            raise BrushworkError(f"ran out of memory ({str(exc).splitlines()[0][:120]}); give a smaller size") from None
        raise
    return JobResult(image, dict(last), time.perf_counter() - started)


def save_job_output(
    job: Job, image: Picture, path: str | Path, overwrite: bool = False, status: str = "finished"
) -> Path:
    """Write a job's picture with the record of what made it (``brushwork info`` reads it back)."""
    made_by = record(job.technique, job.settings, job.inputs, status, run=resolved_run(job.settings))
    return save_image(image, path, overwrite=overwrite, metadata=made_by)


@dataclass
class JobOutcome:
    """How a job ended, for a runner that must record it and go on (the studio's worker, the batch runner)."""

    status: str  # "finished", "refused" (bad input: ``error``), "interrupted", "crashed" (a bug: ``crash_log``)
    result: JobResult | None = None
    error: str = ""
    best: Picture | None = None  # on "interrupted": the picture so far
    crash_log: Path | None = None


def run_job_recorded(
    job: Job,
    callback: ProgressCallback | None = None,
    *,
    level_store: LevelStore | None = None,
    vgg19: Callable[[str, str], VGG19Encoder] | None = None,
    on_tile: Callable[[TileProgress], None] | None = None,
) -> JobOutcome:
    """``run_job`` that never raises for a job's own failure: bad input, a stop and a bug become an outcome.

    A bug's traceback goes to a crash log (``brushwork.crashes``), so one job cannot take its runner down.
    """
    from ..crashes import write_crash_log

    try:
        return JobOutcome("finished", run_job(job, callback, level_store=level_store, vgg19=vgg19, on_tile=on_tile))
    except BrushworkError as exc:
        return JobOutcome("refused", error=str(exc))
    except Interrupted as stop:
        return JobOutcome("interrupted", error="stopped", best=stop.best)
    except Exception as exc:
        log = write_crash_log(exc, f"job {job.to_dict()}")
        first = (str(exc).splitlines() or [""])[0][:300]
        return JobOutcome("crashed", error=f"internal error: {type(exc).__name__}: {first}", crash_log=log)
