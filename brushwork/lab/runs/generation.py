"""Seed 004's DCGAN on MNIST, with per-epoch samples and a quality figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...provenance import record
from .. import classifiers, gan, plots
from ..data import Dataset, load_mnist
from ..settings import (
    GANSettings,
    JudgeSettings,
)
from ..training import StepProgress
from .common import QUIET, Reporter, prepare_folder, usable_subset, write_json

# ---------------------------------------------------------------- DCGAN


@dataclass
class DCGANReport:
    summary: dict[str, Any]
    samples: Path


def dcgan(
    folder: Path,
    settings: GANSettings = GANSettings(),
    *,
    overwrite: bool = False,
    resume: bool = False,
    dataset: Dataset | None = None,
    reporter: Reporter = QUIET,
    device: torch.device | None = None,
) -> DCGANReport:
    """Train the DCGAN with a LeNet-5 judge of its samples; per-epoch sample grids, loss and quality plots."""
    settings.validate()
    outputs = ["dcgan.safetensors", "losses.png", "quality.png", "samples.png", "results.json", "samples"]
    data = usable_subset(dataset if dataset is not None else load_mnist(), settings)
    folder = prepare_folder(folder, outputs, overwrite, resume)
    made_by = record("lab-dcgan", settings)
    (folder / "samples").mkdir(exist_ok=True)
    reporter.say("training the LeNet-5 judge on the MNIST training split")
    reporter.start("judge")
    try:
        judge, judge_accuracy = gan.train_judge(
            data, JudgeSettings(seed=settings.seed), on_step=reporter.step, device=device
        )
    finally:
        reporter.finish()
    n_real = min(settings.quality_samples, len(data.train_images))
    real = judge.measure(classifiers.images_tensor(data.train_images[:n_real]))
    reporter.say(
        f"judge accuracy {judge_accuracy:.4f}; real training digits: Fréchet distance "
        f"{real['frechet_distance']:.3f}, confident share {real['confident_share']:.3f}"
    )
    step_losses: dict[str, list[float]] = {"d_loss": [], "g_loss": []}

    def on_step(progress: StepProgress) -> None:
        reporter.step(progress)
        for key in step_losses:
            step_losses[key].append(progress.losses[key])

    def on_epoch(entry: dict[str, Any], experiment: gan.DCGANExperiment) -> None:
        reporter.epoch("dcgan", entry)
        plots.digit_grid(
            experiment.sample(experiment.grid_noise),
            10,
            folder / "samples" / f"epoch_{entry['epoch']:03d}.png",
            overwrite=True,
            record=made_by,
        )

    reporter.start("dcgan")
    try:
        result = gan.train_dcgan(
            data,
            settings,
            judge,
            on_step=on_step,
            on_epoch=on_epoch,
            checkpoint=folder / "dcgan.safetensors",
            resume=resume,
            device=device,
        )
    finally:
        reporter.finish()
    history = result.record.history
    final = history[-1]
    plots.digit_grid(
        result.experiment.sample(result.experiment.grid_noise),
        10,
        folder / "samples.png",
        overwrite=True,
        record=made_by,
        scale=3,
    )
    if step_losses["d_loss"]:
        plots.step_losses_plot(step_losses, "DCGAN losses", folder / "losses.png", overwrite=True, record=made_by)
    else:
        plots.curves_plot(
            history, ["d_loss", "g_loss"], "DCGAN losses", folder / "losses.png", overwrite=True, record=made_by
        )
    plots.curves_plot(
        history,
        ["frechet_distance"],
        "Fréchet distance to held-out digits (LeNet-5 features)",
        folder / "quality.png",
        overwrite=True,
        record=made_by,
        ylabel="Fréchet distance",
        reference={"real training digits": real["frechet_distance"]},
    )
    summary = {
        "epochs": result.record.epochs_done,
        "seconds": result.record.seconds,
        "generated": {"frechet_distance": final["frechet_distance"], "confident_share": final["confident_share"]},
        "real": real,
        "judge_accuracy": judge_accuracy,
        "settings": settings.to_dict(),
        "history": history,
    }
    write_json(folder / "results.json", summary)
    return DCGANReport(summary, folder / "samples.png")
