"""Fashion-MNIST classifiers (seed 004): train, evaluate, confusion matrices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ...errors import BrushworkError
from ...files import write_text
from ...provenance import record
from .. import classifiers, plots
from ..data import Dataset, load_fashion_mnist
from ..report import classifier_table
from ..settings import (
    CLASSIFIER_DEFAULTS,
    CLASSIFIERS,
)
from .common import QUIET, Reporter, merge_metric, prepare_folder, usable_subset, write_json

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
    device: torch.device | None = None,
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
    data = usable_subset(dataset if dataset is not None else load_fashion_mnist(), first)  # before any folder is made
    folder = prepare_folder(folder, outputs, overwrite, resume)
    results, summaries, histories = [], [], {}
    for name, settings in all_settings.items():
        reporter.say(f"{classifiers.TITLES[name]}: training on {len(data.train_images)} images")
        reporter.start(name)
        try:
            if name == "svm":
                result = classifiers.train_classifier(name, data, settings)  # scikit-learn, on the host
            else:
                result = classifiers.train_classifier(
                    name,
                    data,
                    settings,
                    on_step=reporter.step,
                    on_features=reporter.features,
                    checkpoint=folder / f"{name}.safetensors",
                    resume=resume,
                    device=device,
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
            merge_metric({n: histories[n] for n in trained}, "test_accuracy"),
            trained,
            "Fashion-MNIST test accuracy",
            folder / "accuracy.png",
            overwrite=True,
            record=made_by,
            ylabel="test accuracy",
            reference={f"seed {n} {classifiers.SEED_ACCURACY[n]}": classifiers.SEED_ACCURACY[n] for n in trained},
        )
    return ClassifyReport(results, summaries, table)
