"""Pieces every subcommand shares: argument types, the progress bar, saving."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Callable

import torch
from tqdm import tqdm

from ..errors import BrushworkError
from ..image.io import save_image
from ..optim import Interrupted

EXIT_INTERRUPTED = 130


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
    """A tqdm bar per level of a run (scale, octave, layer), showing the current loss terms."""

    def __init__(self, enabled: bool = True, kind: str = "level"):
        self.enabled = enabled
        self.kind = kind
        self.bar: tqdm | None = None
        self.level = None

    def __call__(self, progress) -> None:
        """Use the bar itself as a technique's callback (it takes a ``LevelProgress``)."""
        self.update(progress.level, progress.levels, progress.size, progress.iteration, progress.iterations,
                    progress.losses, progress.total)

    def update(self, level: int, levels: int, size, iteration: int, iterations: int, losses: dict, total: float):
        if not self.enabled:
            return
        if self.level != level:
            self.close()
            self.level = level
            self.bar = tqdm(
                total=iterations, desc=f"{self.kind} {level + 1}/{levels} {size[1]}x{size[0]}", unit="it", leave=True
            )
        postfix = {"total": format_loss(total)}
        if len(losses) > 1:
            postfix.update({k: format_loss(v) for k, v in losses.items()})
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options every image-making subcommand has."""
    parser.add_argument("-o", "--output", required=True, type=Path, help="output file (.png, .jpg, .webp, .tif)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    parser.add_argument("--threads", type=positive_int, help="CPU threads for torch (default: all cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def default_help(settings, name: str, text: str = "") -> str:
    """Help text ending in the engine's default for ``name``, so defaults live only in the engine."""
    value = getattr(settings, name)
    if isinstance(value, tuple):
        value = " ".join(map(str, value))
    return f"{text} (default: {value})".strip()


def settings_changes(args, fields=(), tuple_fields=()) -> dict:
    """The engine settings a user gave on the command line (options left out stay at the engine's defaults)."""
    changes = {name: getattr(args, name) for name in fields if getattr(args, name, None) is not None}
    changes.update({name: tuple(getattr(args, name)) for name in tuple_fields if getattr(args, name, None) is not None})
    return changes


def run_and_save(
    work: Callable[[Callable], object],
    args,
    picture: Callable[[object], object] = lambda result: result,
    kind: str = "level",
    on_iteration: Callable | None = None,
) -> int:
    """Run ``work(callback)`` with a progress bar, then save ``picture(result)`` to ``args.output``.

    On Ctrl-C the technique raises ``Interrupted`` with its best result so far; that is saved
    instead and the exit code is 130, so nothing computed is lost.
    """
    if args.threads:
        torch.set_num_threads(args.threads)
    bar = ProgressBar(enabled=not args.quiet, kind=kind)

    def callback(progress):
        bar(progress)
        if on_iteration is not None:
            on_iteration(progress)

    try:
        result = work(callback)
    except Interrupted as stop:
        bar.close()
        save_image(picture(stop.best), args.output, overwrite=args.overwrite)
        print(f"brushwork: interrupted; saved the best image so far to {args.output}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    save_image(picture(result), args.output, overwrite=args.overwrite)
    if not args.quiet:
        print(f"wrote {args.output}")
    return 0


def channel_list(text: str) -> list[int]:
    """``0-15,20`` -> [0, 1, ..., 15, 20]."""
    channels: list[int] = []
    for part in text.split(","):
        first, sep, last = part.strip().partition("-")
        try:
            if sep:
                lo, hi = int(first), int(last)
                if hi < lo:
                    raise ValueError
                channels.extend(range(lo, hi + 1))
            else:
                channels.append(int(first))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected channels like 0-15,20, not {text!r}") from None
    if any(c < 0 for c in channels):
        raise argparse.ArgumentTypeError(f"channels must be >= 0: {text!r}")
    return channels


def image_size(text: str) -> tuple[int, int]:
    """``512x384`` (width x height) or ``512`` (square) -> (height, width)."""
    width, sep, height = text.lower().partition("x")
    try:
        w, h = int(width), int(height) if sep else int(width)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT or SIZE, e.g. 512x512, not {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"sizes must be >= 1: {text!r}")
    return h, w


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

    def on_iteration(self, progress) -> None:
        self.maybe_save(progress.level, progress.iteration, lambda: progress.image)


def add_intermediate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--save-every", type=nonnegative_int, default=0, metavar="N",
                        help="save every N-th iteration's image (--overwrite also replaces these)")
    parser.add_argument("--intermediates", type=Path, help="folder for --save-every images (default: OUTPUT_steps/)")


def intermediate_saver(args) -> IntermediateSaver:
    folder = args.intermediates or args.output.with_name(args.output.stem + "_steps")
    return IntermediateSaver(args.save_every, folder, args.overwrite)
