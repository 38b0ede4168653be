"""The lab's pictures: confusion matrices, curves, t-SNE scatter plots (matplotlib, Agg) and
image grids (Pillow), every one written atomically as PNG."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen: draw to files only
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..files import write_atomically
from ..image.io import save_image
from ..image.sheet import grid, upscale
from ..provenance import PNG_KEY


def save_figure(figure: Figure, path: Path, overwrite: bool, record: Mapping[str, Any] | None = None) -> Path:
    """Write a figure as PNG, with ``record`` (what made it, see ``brushwork.provenance``) in a text chunk."""
    buffer = io.BytesIO()
    metadata = {PNG_KEY: json.dumps(record)} if record is not None else None
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata=metadata)
    plt.close(figure)
    return write_atomically(path, lambda f: f.write(buffer.getvalue()), overwrite)


def confusion_matrix_plot(
    labels: np.ndarray,
    predictions: np.ndarray,
    classes: Sequence[str],
    title: str,
    path: Path,
    overwrite: bool,
    *,
    record: Mapping[str, Any] | None = None,
) -> Path:
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, axes = plt.subplots(figsize=(7.5, 6.5))
    ConfusionMatrixDisplay.from_predictions(
        labels,
        predictions,
        labels=list(range(len(classes))),
        display_labels=list(classes),
        ax=axes,
        colorbar=False,
        cmap="Blues",
        xticks_rotation=45,
    )
    accuracy = float((labels == predictions).mean())
    axes.set_title(f"{title}: accuracy {accuracy:.3f}")
    return save_figure(figure, path, overwrite, record)


def curves_plot(
    history: list[dict],
    keys: Sequence[str],
    title: str,
    path: Path,
    overwrite: bool,
    ylabel: str = "loss",
    reference: dict[str, float] | None = None,
    *,
    record: Mapping[str, Any] | None = None,
) -> Path:
    """One line per key over the epochs; ``reference`` draws dashed horizontal lines (e.g. real digits' figure).

    A reference whose label names a key (``"seed lenet 0.891"``) takes that key's colour; the
    references are in the legend, since labels written beside lines collide when the values are close.
    """
    figure, axes = plt.subplots(figsize=(7, 4))
    epochs = [entry["epoch"] for entry in history]
    colours = {}
    for key in keys:
        (line,) = axes.plot(epochs, [entry.get(key, np.nan) for entry in history], marker="o", markersize=3, label=key)
        colours[key] = line.get_color()
    for label, value in (reference or {}).items():
        colour = next((colours[k] for k in keys if k in label.split()), "grey")
        axes.axhline(value, linestyle="--", color=colour, linewidth=1, alpha=0.8, label=label)
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path, overwrite, record)


def step_losses_plot(
    steps: dict[str, list[float]], title: str, path: Path, overwrite: bool, *, record: Mapping[str, Any] | None = None
) -> Path:
    """Per-step losses (smoothed over 50 steps, raw values faint behind)."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for key, raw in steps.items():
        values = np.asarray(raw, dtype=np.float64)
        (line,) = axes.plot(values, alpha=0.25, linewidth=0.8)
        window = min(50, max(1, len(values) // 10))
        smooth = np.convolve(values, np.ones(window) / window, mode="valid")
        axes.plot(np.arange(window - 1, len(values)), smooth, color=line.get_color(), label=key)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path, overwrite, record)


def scatter_plot(
    points: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    title: str,
    path: Path,
    overwrite: bool,
    *,
    record: Mapping[str, Any] | None = None,
) -> Path:
    figure, axes = plt.subplots(figsize=(7, 7))
    colours = plt.get_cmap("tab10")
    for index, name in enumerate(classes):
        chosen = labels == index
        axes.scatter(points[chosen, 0], points[chosen, 1], s=4, color=colours(index), label=name)
        if chosen.any():
            centre = np.median(points[chosen], axis=0)
            axes.annotate(
                name,
                centre,
                fontsize=14,
                weight="bold",
                ha="center",
                va="center",
                color="black",
                bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8, "ec": colours(index), "lw": 2},
            )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title)
    axes.legend(markerscale=4, fontsize=8, loc="upper right")
    return save_figure(figure, path, overwrite, record)


def digit_grid(
    images: torch.Tensor,
    columns: int,
    path: Path,
    overwrite: bool,
    scale: int = 2,
    background: float = 0.35,
    *,
    record: Mapping[str, Any] | None = None,
) -> Path:
    """(N, 1, 28, 28) images in [0, 1] in rows of ``columns``, enlarged ``scale`` times, grey gaps."""
    tiles = list(images.detach().float().clamp(0, 1).expand(-1, 3, -1, -1))
    sheet = grid(tiles, columns, gap=2, background=background)
    return save_image(upscale(sheet, scale) if scale > 1 else sheet, path, overwrite=overwrite, metadata=record)
