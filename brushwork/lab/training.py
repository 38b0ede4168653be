"""One training loop for every lab model: seeded batches, per-step progress, per-epoch evaluation,
checkpoints after each epoch and on Ctrl-C, and ``resume`` from a checkpoint.

A model plugs in as an ``Experiment``: its modules and optimisers (what a checkpoint holds), a
``train_step`` on a batch of example indices, and ``evaluate`` after each epoch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import torch
from torch import nn

from ..errors import BrushworkError
from .checkpoint import load_checkpoint, save_checkpoint


class Experiment(Protocol):
    name: str
    modules: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]

    def train_step(self, index: torch.Tensor) -> dict[str, float]: ...

    def evaluate(self, epoch: int) -> dict[str, float]: ...


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    batch_size: int
    seed: int = 0


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
    history: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"experiment": self.experiment, "epochs_done": self.epochs_done, "seconds": self.seconds,
                "history": self.history}


class TrainingInterrupted(Exception):
    """Ctrl-C during training; the checkpoint (if any) has been saved."""

    def __init__(self, record: TrainingRecord, checkpoint: Path | None):
        super().__init__("interrupted")
        self.record = record
        self.checkpoint = checkpoint


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """A shuffled split of range(n) into batches, the same for (seed, epoch) however a run was resumed."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=generator)
    return list(order.split(batch_size))


def fit(
    experiment: Experiment,
    n_train: int,
    settings: TrainSettings,
    checkpoint: Path | None = None,
    resume: bool = False,
    on_step: Callable[[StepProgress], None] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
) -> TrainingRecord:
    """Train for ``settings.epochs`` epochs in all (a resumed run does only the ones left)."""
    record = TrainingRecord(experiment.name)
    if resume:
        if checkpoint is None or not checkpoint.is_file():
            raise BrushworkError(f"--resume: no checkpoint at {checkpoint}")
        saved = load_checkpoint(checkpoint, experiment.modules, experiment.optimizers)
        if saved.get("experiment") != experiment.name:
            raise BrushworkError(f"{checkpoint}: is a checkpoint of {saved.get('experiment')!r}, not {experiment.name!r}")
        record = TrainingRecord(**saved)

    def save() -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, experiment.modules, experiment.optimizers, record.as_dict(), overwrite=True)

    for epoch in range(record.epochs_done, settings.epochs):
        started = time.perf_counter()
        batches = epoch_batches(n_train, settings.batch_size, settings.seed, epoch)
        sums: dict[str, float] = {}
        try:
            for step, index in enumerate(batches, start=1):
                losses = experiment.train_step(index)
                for key, value in losses.items():
                    sums[key] = sums.get(key, 0.0) + value * len(index)
                if on_step is not None:
                    on_step(StepProgress(epoch, settings.epochs, step, len(batches), losses))
        except KeyboardInterrupt:
            # The unfinished epoch is not counted: --resume runs it again from its start order.
            save()
            raise TrainingInterrupted(record, checkpoint) from None
        train_seconds = time.perf_counter() - started
        record.seconds += train_seconds
        entry = {"epoch": epoch + 1, "seconds": record.seconds, "images_per_second": n_train / train_seconds}
        entry.update({key: total / n_train for key, total in sums.items()})
        entry.update(experiment.evaluate(epoch))
        record.history.append(entry)
        record.epochs_done = epoch + 1
        save()
        if on_epoch is not None:
            on_epoch(entry)
    return record
