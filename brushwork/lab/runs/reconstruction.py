"""The autoencoders (seed 000): reconstructions and how much checkerboard they paint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...errors import BrushworkError
from ...files import write_text
from ...provenance import record
from .. import autoencoding, classifiers, plots
from ..data import Dataset, load_fashion_mnist, load_mnist
from ..metrics import nyquist_energy_share
from ..report import autoencoder_table
from ..settings import (
    AUTOENCODERS,
    AutoencoderSettings,
)
from .common import QUIET, Reporter, merge_metric, prepare_folder, usable_subset, write_json

# ---------------------------------------------------------------- autoencoders


def _named_dataset(name: str) -> Dataset:
    return load_mnist() if name == "mnist" else load_fashion_mnist()


@dataclass
class AutoencoderReport:
    rows: list[dict[str, Any]]
    originals_nyquist_share: float
    table: str


def autoencoders(
    models: Sequence[str],
    folder: Path,
    settings: AutoencoderSettings = AutoencoderSettings(),
    *,
    overwrite: bool = False,
    resume: bool = False,
    dataset: Dataset | None = None,
    reporter: Reporter = QUIET,
    device: torch.device | None = None,
) -> AutoencoderReport:
    """Train and compare autoencoders: reconstructions.png (originals, then each model's), results, test_mse.png."""
    settings.validate()
    for name in models:
        if name not in AUTOENCODERS:
            raise BrushworkError(f"unknown autoencoder {name!r}; choose one of {', '.join(AUTOENCODERS)}")
    outputs = [f"{n}.safetensors" for n in models] + [
        "reconstructions.png",
        "results.md",
        "results.json",
        "test_mse.png",
    ]
    data = usable_subset(dataset if dataset is not None else _named_dataset(settings.dataset), settings)
    folder = prepare_folder(folder, outputs, overwrite, resume)
    made_by = record("lab-autoencoder", settings, {"models": list(models)})
    shown = classifiers.images_tensor(data.test_images[:12])
    rows, panels, histories = [], [shown], {}
    for name in models:
        reporter.start(name)
        try:
            result = autoencoding.train_autoencoder(
                name,
                data,
                settings,
                on_step=reporter.step,
                checkpoint=folder / f"{name}.safetensors",
                resume=resume,
                device=device,
            )
        finally:
            reporter.finish()
        final = result.final
        rows.append(
            {
                "model": name,
                "title": autoencoding.TITLES[name],
                "test_mse": final["test_mse"],
                "nyquist_share": final["nyquist_share"],
            }
        )
        histories[name] = result.record.history
        panels.append(result.experiment.reconstruct(shown))
        reporter.say(
            f"{autoencoding.TITLES[name]}: test MSE {final['test_mse']:.5f}, "
            f"Nyquist energy share {final['nyquist_share']:.5f}"
        )
    reference = nyquist_energy_share(classifiers.images_tensor(data.test_images))
    plots.digit_grid(
        torch.cat(panels), len(shown), folder / "reconstructions.png", overwrite=True, record=made_by, scale=3
    )
    table = autoencoder_table(rows, reference)
    write_text(folder / "results.md", table, overwrite=True)
    write_json(
        folder / "results.json",
        {
            "dataset": data.name,
            "originals_nyquist_share": reference,
            "settings": settings.to_dict(),
            "models": rows,
            "history": histories,
        },
    )
    plots.curves_plot(
        merge_metric(histories, "test_mse"),
        list(models),
        "autoencoders: test reconstruction error",
        folder / "test_mse.png",
        overwrite=True,
        record=made_by,
        ylabel="test MSE",
    )
    return AutoencoderReport(rows, reference, table)
