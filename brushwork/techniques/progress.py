"""What every technique reports to its callback: one iteration of one level (scale, octave, layer); and,
where a level runs in tiles, each tile of an iteration."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

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
                )
            )

    return report
