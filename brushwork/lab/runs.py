"""The lab's runs as a Python API: train, evaluate, and write the reports and pictures into a folder.

Each run takes its settings, an output folder and a ``Reporter`` (the CLI's draws progress bars;
the default says nothing) and returns what it found. Every file goes through ``brushwork.files``
(atomic, never over an existing file unless asked); a folder's outputs are checked before any work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..errors import BrushworkError
from ..files import already_exists, check_writable, write_text
from ..image.io import load_image
from ..image.pyramid import resize
from ..image.sheet import grid, upscale
from ..provenance import record
from . import adversarial, autoencoding, classifiers, gan, plots
from .checkpoint import load_checkpoint, read_record
from .data import Dataset, load_fashion_mnist, load_mnist
from .metrics import nyquist_energy_share
from .report import autoencoder_table, classifier_table
from .settings import (
    AUTOENCODERS,
    CLASSIFIER_DEFAULTS,
    CLASSIFIERS,
    AAESettings,
    AutoencoderSettings,
    ClassifierSettings,
    GANSettings,
    JudgeSettings,
    TrainingSettings,
)
from .training import StepProgress


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


def _limited(dataset: Dataset, settings: TrainingSettings) -> Dataset:
    """The examples the settings ask for, refused before any work if they cannot be trained on."""
    data = dataset.subset(settings.train_limit, settings.test_limit)
    data.check()
    return data


def _merge_metric(histories: Mapping[str, list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    longest = max((len(h) for h in histories.values()), default=0)
    return [{"epoch": i + 1, **{n: h[i][key] for n, h in histories.items() if i < len(h)}} for i in range(longest)]


# ---------------------------------------------------------------- classifiers


def classifier_outputs(name: str) -> list[str]:
    files = [f"{name}_confusion.png", f"{name}.json"]
    return files if name == "svm" else [*files, f"{name}.safetensors"]


@dataclass
class ClassifyReport:
    results: list[classifiers.ClassifierResult]
    summaries: list[dict[str, Any]]
    table: str | None  # the Markdown table, when several were compared


def classify(
    names: Sequence[str],
    folder: Path,
    changes: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
    resume: bool = False,
    compare: bool = False,
    dataset: Dataset | None = None,
    reporter: Reporter = QUIET,
) -> ClassifyReport:
    """Train each named classifier (defaults ``CLASSIFIER_DEFAULTS``, with ``changes``) on Fashion-MNIST.

    Writes ``<name>_confusion.png``, ``<name>.json`` (summary, settings, history) and the network's
    checkpoint; with ``compare``, also ``results.md``, ``results.json`` and ``accuracy.png``.
    """
    for name in names:
        if name not in CLASSIFIERS:
            raise BrushworkError(f"unknown classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")
    all_settings = {name: CLASSIFIER_DEFAULTS[name].updated(changes or {}) for name in names}
    for settings in all_settings.values():
        settings.validate()
    outputs = [f for name in names for f in classifier_outputs(name)]
    if compare:
        outputs += ["results.md", "results.json", "accuracy.png"]
    first = next(iter(all_settings.values()))
    data = _limited(dataset if dataset is not None else load_fashion_mnist(), first)  # before any folder is made
    folder = prepare_folder(folder, outputs, overwrite, resume)
    results, summaries, histories = [], [], {}
    for name, settings in all_settings.items():
        reporter.say(f"{classifiers.TITLES[name]}: training on {len(data.train_images)} images")
        reporter.start(name)
        try:
            if name == "svm":
                result = classifiers.train_classifier(name, data, settings)
            else:
                result = classifiers.train_classifier(
                    name,
                    data,
                    settings,
                    on_step=reporter.step,
                    on_features=reporter.features,
                    checkpoint=folder / f"{name}.safetensors",
                    resume=resume,
                )
        finally:
            reporter.finish()
        summary = result.summary()
        summaries.append(summary)
        results.append(result)
        histories[name] = result.history
        made_by = record("lab-classify", settings, {"classifier": name})
        plots.confusion_matrix_plot(
            data.test_labels,
            result.predictions,
            data.classes,
            result.title,
            folder / f"{name}_confusion.png",
            overwrite=True,
            record=made_by,
        )
        write_json(folder / f"{name}.json", {**summary, "settings": settings.to_dict(), "history": result.history})
    table = None
    if compare:
        made_by = record("lab-classify", first, {"classifiers": list(names)})
        table = classifier_table(summaries, data.name, len(data.test_images))
        write_text(folder / "results.md", table, overwrite=True)
        write_json(folder / "results.json", summaries)
        trained = [n for n in histories if histories[n]]
        plots.curves_plot(
            _merge_metric({n: histories[n] for n in trained}, "test_accuracy"),
            trained,
            "Fashion-MNIST test accuracy",
            folder / "accuracy.png",
            overwrite=True,
            record=made_by,
            ylabel="test accuracy",
            reference={f"seed {n} {classifiers.SEED_ACCURACY[n]}": classifiers.SEED_ACCURACY[n] for n in trained},
        )
    return ClassifyReport(results, summaries, table)


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
    data = _limited(dataset if dataset is not None else _named_dataset(settings.dataset), settings)
    folder = prepare_folder(folder, outputs, overwrite, resume)
    made_by = record("lab-autoencoder", settings, {"models": list(models)})
    shown = classifiers.images_tensor(data.test_images[:12])
    rows, panels, histories = [], [shown], {}
    for name in models:
        reporter.start(name)
        try:
            result = autoencoding.train_autoencoder(
                name, data, settings, on_step=reporter.step, checkpoint=folder / f"{name}.safetensors", resume=resume
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
        _merge_metric(histories, "test_mse"),
        list(models),
        "autoencoders: test reconstruction error",
        folder / "test_mse.png",
        overwrite=True,
        record=made_by,
        ylabel="test MSE",
    )
    return AutoencoderReport(rows, reference, table)


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
) -> DCGANReport:
    """Train the DCGAN with a LeNet-5 judge of its samples; per-epoch sample grids, loss and quality plots."""
    settings.validate()
    outputs = ["dcgan.safetensors", "losses.png", "quality.png", "samples.png", "results.json", "samples"]
    data = _limited(dataset if dataset is not None else load_mnist(), settings)
    folder = prepare_folder(folder, outputs, overwrite, resume)
    made_by = record("lab-dcgan", settings)
    (folder / "samples").mkdir(exist_ok=True)
    reporter.say("training the LeNet-5 judge on the MNIST training split")
    reporter.start("judge")
    try:
        judge, judge_accuracy = gan.train_judge(data, JudgeSettings(seed=settings.seed), on_step=reporter.step)
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
) -> AAEReport:
    """Train an adversarial autoencoder; t-SNE of its codes, and the style grid (supervised) or prior samples."""
    settings.validate()
    supervised = settings.supervised
    picture_name = "style_grid.png" if supervised else "prior_samples.png"
    data = _limited(dataset if dataset is not None else load_mnist(), settings)
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


__all__ = [
    "AAEReport",
    "AutoencoderReport",
    "ClassifierSettings",
    "ClassifyReport",
    "DCGANReport",
    "Reporter",
    "aae",
    "aae_transfer_style",
    "autoencoders",
    "classify",
    "dcgan",
    "digit_from_file",
    "prepare_folder",
]
