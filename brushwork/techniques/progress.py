"""What every technique reports to its callback: one iteration of one level (scale, octave, layer); and,
where a level runs in tiles, each tile of an iteration."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import torch

from ..optim import Progress


@dataclass
class LevelProgress:
    """One iteration of one level of a multi-level run, as reported to the callback."""

    level: int  # 0-based index of the level (scale, octave, layer, ...)
    levels: int
    size: tuple[int, int]  # (height, width) of the image at this level
    iteration: int
    iterations: int
    losses: dict[str, float]
    total: float
    _render: Callable[[], torch.Tensor] = field(repr=False)
    seconds: float = math.nan  # the iteration's wall time, where the loop measured it (for an ETA)

    @property
    def image(self) -> torch.Tensor:
        """The current image as RGB in [0, 1] at this level's size (computed on demand)."""
        return self._render()


@dataclass(frozen=True)
class TileProgress:
    """A tile done within an iteration of a tiled level: an iteration runs every tile twice (the sums, then
    the gradient), so ``tile`` counts to ``tiles``, twice the number of tiles."""

    level: int
    levels: int
    size: tuple[int, int]
    iterations: int
    tile: int  # 1-based
    tiles: int


class Reporter(Protocol):
    """What a run reports to: each iteration (called with a ``LevelProgress``) and, where a level runs in
    tiles, each tile of an iteration (``tile``). A plain function of a ``LevelProgress`` is a reporter that
    hears of iterations only (``tile_events``). A reporter with a ``draft`` method hears of the fast tier's
    picture that an optimisation starts from (``draft_events``), before its first iteration."""

    def __call__(self, progress: LevelProgress) -> None: ...

    def tile(self, progress: TileProgress) -> None: ...


ProgressCallback = Callable[[LevelProgress], None]  # a Reporter, or a plain function


@dataclass(frozen=True)
class Reporting:
    """A ``Reporter`` made of functions: one for iterations, one for tiles, and one for a draft where given."""

    on_iteration: Callable[[LevelProgress], None]
    on_tile: Callable[[TileProgress], None]
    on_draft: Callable[[torch.Tensor], None] | None = None

    def __call__(self, progress: LevelProgress) -> None:
        self.on_iteration(progress)

    def tile(self, progress: TileProgress) -> None:
        self.on_tile(progress)

    def draft(self, image: torch.Tensor) -> None:
        if self.on_draft is not None:
            self.on_draft(image)


def tile_events(callback: ProgressCallback | None) -> Callable[[TileProgress], None] | None:
    """Where a reporter's tile events go: its ``tile``, if it has one."""
    tile = getattr(callback, "tile", None)
    return tile if callable(tile) else None


def draft_events(callback: ProgressCallback | None) -> Callable[[torch.Tensor], None] | None:
    """Where a reporter's draft goes (a (1, 3, H, W) RGB picture in [0, 1]): its ``draft``, if it has one."""
    draft = getattr(callback, "draft", None)
    return draft if callable(draft) else None


def level_reporter(
    callback: Callable[[LevelProgress], None] | None,
    level: int,
    levels: int,
    size: tuple[int, int],
    to_rgb: Callable[[torch.Tensor], torch.Tensor],
) -> Callable[[Progress], None]:
    """A loop callback that forwards each ``Progress`` to ``callback`` as a ``LevelProgress``."""

    def report(progress: Progress) -> None:
        if callback is not None:
            callback(
                LevelProgress(
                    level,
                    levels,
                    (size[0], size[1]),
                    progress.iteration,
                    progress.iterations,
                    progress.losses,
                    progress.total,
                    functools.partial(to_rgb, progress.parameter),
                    progress.seconds,
                )
            )

    return report
