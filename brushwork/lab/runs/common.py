"""What every lab run shares: the ``Reporter`` it tells its progress, the output folder, and small helpers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...errors import BrushworkError
from ...files import already_exists, check_writable, write_text
from ..data import Dataset
from ..settings import (
    TrainingSettings,
)
from ..training import StepProgress


class Reporter:
    """How a lab run tells its progress. Override what you want to show; each method does nothing here."""

    def start(self, label: str) -> None:
        """A training run (or a feature pass) called ``label`` begins."""

    def step(self, progress: StepProgress) -> None:
        """One training step of the current run."""

    def features(self, done: int, total: int) -> None:
        """``done`` of ``total`` batches of frozen-network features are computed."""

    def epoch(self, label: str, entry: Mapping[str, float]) -> None:
        """An epoch of run ``label`` ended with these figures."""

    def finish(self) -> None:
        """The current run ended (or was interrupted)."""

    def say(self, text: str) -> None:
        """A line for people."""


QUIET = Reporter()


def prepare_folder(folder: Path, outputs: Sequence[str], overwrite: bool = False, resume: bool = False) -> Path:
    """Create the output folder and refuse, before any work, to replace outputs without ``overwrite``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BrushworkError(f"{folder}: exists and is not a folder")
    if not (overwrite or resume):
        for name in outputs:
            if (folder / name).exists():
                raise already_exists(folder / name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrushworkError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    check_writable(folder / "results.json", overwrite=True)
    return folder


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n", overwrite=True)


def usable_subset(dataset: Dataset, settings: TrainingSettings) -> Dataset:
    """The examples the settings ask for, refused before any work if they cannot be trained on."""
    data = dataset.subset(settings.train_limit, settings.test_limit)
    data.check()
    return data


def merge_metric(histories: Mapping[str, list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    longest = max((len(h) for h in histories.values()), default=0)
    return [{"epoch": i + 1, **{n: h[i][key] for n, h in histories.items() if i < len(h)}} for i in range(longest)]
