"""The adversarial autoencoder (seed 004): train it, and render a digit's style as other digits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ...errors import BrushworkError
from ...image.io import load_image
from ...image.pyramid import resize
from ...image.sheet import grid, upscale
from ...provenance import record
from .. import adversarial, plots
from ..checkpoint import load_checkpoint, read_record
from ..data import Dataset, load_mnist
from ..settings import (
    AAESettings,
)
from .common import QUIET, Reporter, prepare_folder, usable_subset, write_json

# ---------------------------------------------------------------- adversarial autoencoder


@dataclass
class AAEReport:
    summary: dict[str, Any]
    pictures: list[Path] = field(default_factory=list)


def aae(
    folder: Path,
    settings: AAESettings = AAESettings(),
    *,
    overwrite: bool = False,
    resume: bool = False,
    dataset: Dataset | None = None,
    reporter: Reporter = QUIET,
    device: torch.device | None = None,
) -> AAEReport:
    """Train an adversarial autoencoder; t-SNE of its codes, and the style grid (supervised) or prior samples."""
    settings.validate()
    supervised = settings.supervised
    picture_name = "style_grid.png" if supervised else "prior_samples.png"
    data = usable_subset(dataset if dataset is not None else load_mnist(), settings)
    folder = prepare_folder(
        folder, ["aae.safetensors", "tsne.png", "losses.png", "results.json", picture_name], overwrite, resume
    )
    made_by = record("lab-aae", settings)
    kind = "supervised" if supervised else "unsupervised"
    reporter.start(f"aae ({kind})")
    try:
        result = adversarial.train_aae(
            data,
            settings,
            on_step=reporter.step,
            on_epoch=lambda entry, _: reporter.epoch("aae", entry),
            checkpoint=folder / "aae.safetensors",
            resume=resume,
            device=device,
        )
    finally:
        reporter.finish()
    experiment, history = result.experiment, result.record.history
    plots.curves_plot(
        history,
        ["reconstruction", "test_reconstruction", "d_loss", "g_loss"],
        f"AAE ({kind}) losses",
        folder / "losses.png",
        overwrite=True,
        record=made_by,
    )
    reporter.say("t-SNE of the test digits' codes ...")
    points = adversarial.tsne_embedding(experiment.encode(experiment.test_images), settings.seed)
    caption = "supervised: the code holds style, not class" if supervised else "unsupervised"
    plots.scatter_plot(
        points,
        data.test_labels,
        data.classes,
        f"AAE codes of test digits, t-SNE ({caption})",
        folder / "tsne.png",
        overwrite=True,
        record=made_by,
    )
    if supervised:
        # Rows: style codes of real test digits (the digit itself first); columns: classes 0-9.
        sources = experiment.test_images[:10]
        rendered = adversarial.style_grid_codes(experiment, sources).reshape(len(sources), 10, 1, 28, 28)
        rows = torch.cat([sources.unsqueeze(1), rendered], dim=1).reshape(-1, 1, 28, 28)
        plots.digit_grid(rows, 11, folder / picture_name, overwrite=True, record=made_by, scale=3)
    else:
        generator = torch.Generator().manual_seed(settings.seed)
        prior = torch.randn(100, adversarial.CODE_SIZE, generator=generator) * adversarial.PRIOR_STD
        plots.digit_grid(
            experiment.render(prior, None), 10, folder / picture_name, overwrite=True, record=made_by, scale=3
        )
    summary = {
        "supervised": supervised,
        "epochs": result.record.epochs_done,
        "seconds": result.record.seconds,
        "final": history[-1],
        "settings": settings.to_dict(),
        "history": history,
    }
    write_json(folder / "results.json", summary)
    return AAEReport(summary, [folder / "tsne.png", folder / picture_name])


def digit_from_file(path: Path) -> torch.Tensor:
    """Any image as an MNIST-style digit: grey, 28x28, light strokes on black.

    MNIST digits are white on black; a picture that is mostly light (ink on paper) is inverted.
    The digit is fitted into the middle 20x20 px with its aspect kept, as MNIST's digits are.
    """
    rgb = load_image(path)
    grey = rgb.mean(dim=1, keepdim=True)
    if grey.mean() > 0.5:
        grey = 1 - grey
    h, w = grey.shape[-2:]
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    small = resize(grey.expand(-1, 3, -1, -1), size)[:, :1].clamp(0, 1)
    digit = torch.zeros(1, 1, 28, 28)
    top, left = (28 - size[0]) // 2, (28 - size[1]) // 2
    digit[:, :, top : top + size[0], left : left + size[1]] = small
    return digit


def aae_transfer_style(digit_file: Path, model: Path, classes: Sequence[int]) -> torch.Tensor:
    """A sheet: the digit as read, then its handwriting rendered as each of ``classes`` (x4, RGB)."""
    if any(not 0 <= c <= 9 for c in classes):
        raise BrushworkError(f"classes are digits 0-9, not {max(classes)}")
    if read_record(model).get("experiment") != "aae-supervised":
        raise BrushworkError(
            f"{model}: is not a supervised AAE checkpoint (train one with: brushwork lab aae train --supervised)"
        )
    digit = digit_from_file(digit_file)
    experiment = adversarial.AAEExperiment.for_inference(supervised=True)
    load_checkpoint(model, experiment.modules, restore_rng=False)
    rendered = adversarial.transfer_style(experiment, digit, list(classes))
    tiles = torch.cat([digit, rendered])
    sheet = grid(list(tiles.expand(-1, 3, -1, -1)), len(tiles), gap=2, background=0.35)
    return upscale(sheet, 4)
