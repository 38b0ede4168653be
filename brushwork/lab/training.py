"""One training loop for every lab model: seeded batches, per-step progress, per-epoch evaluation,
checkpoints after each epoch and on Ctrl-C, and ``resume`` from a checkpoint.

A model plugs in as an ``Experiment``: its modules and optimisers (what a checkpoint holds), a
``train_step`` on a batch of example indices, and ``evaluate`` after each epoch.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import torch
from torch import nn

from ..errors import BrushworkError
from ..signals import RunStopped, raise_if_stopped, signal_number
from .checkpoint import load_checkpoint, read_record, save_checkpoint
from .settings import TrainingSettings

if TYPE_CHECKING:
    from .data import Dataset


class Experiment(Protocol):
    name: str
    modules: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]

    def train_step(self, index: torch.Tensor) -> dict[str, float]: ...

    def evaluate(self, epoch: int) -> dict[str, float]: ...


@dataclass
class StepProgress:
    epoch: int  # 0-based
    epochs: int
    step: int  # 1-based within the epoch
    steps: int
    losses: dict[str, float]


@dataclass
class TrainingRecord:
    """What a run has done so far; saved in every checkpoint."""

    experiment: str
    epochs_done: int = 0
    seconds: float = 0.0  # training time summed over all sessions of the run
    history: list[dict[str, float]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # the settings that produced it (to_dict form)

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "epochs_done": self.epochs_done,
            "seconds": self.seconds,
            "history": self.history,
            "settings": self.settings,
        }


class TrainingInterrupted(RunStopped):
    """Ctrl-C during training; the checkpoint (if any) has been saved."""

    def __init__(self, record: TrainingRecord, checkpoint: Path | None, signum: int = signal.SIGINT):
        super().__init__(checkpoint, signum)
        self.record = record
        self.checkpoint = checkpoint


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """A shuffled split of range(n) into batches, the same for (seed, epoch) however a run was resumed."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=generator)
    return list(order.split(batch_size))


def check_resumable(checkpoint: Path, saved: dict[str, Any], settings: TrainingSettings) -> None:
    """Refuse to continue a run with other settings than it was started with (but for ``epochs``)."""
    current = settings.to_dict()
    for name, value in current.items():
        if name in settings.resumable_changes or name not in saved or saved[name] == value:
            continue
        shown = " ".join(map(str, value)) if isinstance(value, list) else value
        was = " ".join(map(str, saved[name])) if isinstance(saved[name], list) else saved[name]
        raise settings.error(
            name,
            f"{checkpoint}: was trained with {{name}} {was}, not {shown}; resume with the same settings "
            "(only the epochs may change), or start afresh without --resume",
        )


def fit(
    experiment: Experiment,
    n_train: int,
    settings: TrainingSettings,
    checkpoint: Path | None = None,
    resume: bool = False,
    on_step: Callable[[StepProgress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
) -> TrainingRecord:
    """Train for ``settings.epochs`` epochs in all (a resumed run does only the ones left)."""
    record = TrainingRecord(experiment.name, settings=settings.to_dict())
    if resume:
        if checkpoint is None or not checkpoint.is_file():
            raise BrushworkError(f"--resume: no checkpoint at {checkpoint}")
        saved = read_record(checkpoint)
        if saved.get("experiment") != experiment.name:
            raise BrushworkError(
                f"{checkpoint}: is a checkpoint of {saved.get('experiment')!r}, not {experiment.name!r}"
            )
        check_resumable(checkpoint, saved.get("settings", {}), settings)
        load_checkpoint(checkpoint, experiment.modules, experiment.optimizers)
        record = TrainingRecord(**{**saved, "settings": settings.to_dict()})

    def save() -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, experiment.modules, experiment.optimizers, record.as_dict(), overwrite=True)

    try:
        for epoch in range(record.epochs_done, settings.epochs):
            started = time.perf_counter()
            batches = epoch_batches(n_train, settings.batch_size, settings.seed, epoch)
            sums: dict[str, float] = {}
            for step, index in enumerate(batches, start=1):
                raise_if_stopped()
                losses = experiment.train_step(index)
                for key, value in losses.items():
                    sums[key] = sums.get(key, 0.0) + value * len(index)
                if on_step is not None:
                    on_step(StepProgress(epoch, settings.epochs, step, len(batches), losses))
            train_seconds = time.perf_counter() - started
            entry = {
                "epoch": epoch + 1,
                "seconds": record.seconds + train_seconds,
                "images_per_second": n_train / train_seconds,
            }
            entry.update({key: total / n_train for key, total in sums.items()})
            entry.update(experiment.evaluate(epoch))
            # The record changes only here, all at once: a stop before this line leaves the epoch uncounted.
            record.seconds += train_seconds
            record.history.append(entry)
            record.epochs_done = epoch + 1
            save()
            if on_epoch is not None:
                on_epoch(entry)
    except KeyboardInterrupt as stop:
        # Wherever in an epoch the stop came (a step, the evaluation, the report), the checkpoint keeps the
        # finished epochs; the unfinished one is not counted, and --resume runs it again from its start order.
        save()
        raise TrainingInterrupted(record, checkpoint, signal_number(stop)) from None
    return record


E = TypeVar("E", bound=Experiment)


def fit_on(
    experiment: E,
    dataset: Dataset,
    settings: TrainingSettings,
    *,
    checkpoint: Path | None = None,
    resume: bool = False,
    on_step: Callable[[StepProgress], None] | None = None,
    on_epoch: Callable[[dict[str, Any], E], None] | None = None,
) -> TrainingRecord:
    """``fit`` over a dataset's training images, telling ``on_epoch`` the experiment too (to draw its samples)."""
    return fit(
        experiment,
        len(dataset.train_images),
        settings,
        checkpoint=checkpoint,
        resume=resume,
        on_step=on_step,
        on_epoch=None if on_epoch is None else lambda entry: on_epoch(entry, experiment),
    )
