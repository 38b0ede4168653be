"""Pieces every subcommand shares: argument types, the progress bar, saving."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from tqdm import tqdm

from ..errors import BrushworkError
from ..image.io import save_image


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite: {text!r}")
    return value


def nonnegative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}: {text!r}")
        return value

    return parse


positive_int = _int_at_least(1)
nonnegative_int = _int_at_least(0)


def format_loss(value: float) -> str:
    return f"{value:.4g}"


class ProgressBar:
    """A tqdm bar per level of a schedule, showing the current loss terms."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bar: tqdm | None = None
        self.level = None

    def update(self, level: int, levels: int, size, iteration: int, iterations: int, losses: dict, total: float):
        if not self.enabled:
            return
        if self.level != level:
            self.close()
            self.level = level
            self.bar = tqdm(
                total=iterations, desc=f"level {level + 1}/{levels} {size[1]}x{size[0]}", unit="it", leave=True
            )
        self.bar.set_postfix({"total": format_loss(total), **{k: format_loss(v) for k, v in losses.items()}}, refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class IntermediateSaver:
    """Saves every N-th image of a run as ``<dir>/level<L>_<iteration>.png``."""

    def __init__(self, every: int, directory: Path, overwrite: bool):
        self.every = every
        self.directory = directory
        self.overwrite = overwrite
        if every:
            if directory.exists() and not directory.is_dir():
                raise BrushworkError(f"{directory}: exists and is not a directory")
            directory.mkdir(parents=True, exist_ok=True)

    def maybe_save(self, level: int, iteration: int, image_fn) -> None:
        if self.every and iteration % self.every == 0:
            save_image(image_fn(), self.directory / f"level{level + 1}_{iteration:04d}.png", overwrite=self.overwrite)
