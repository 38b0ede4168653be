"""What every technique reports to its callback: one iteration of one level (scale, octave, layer)."""

from __future__ import annotations

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


def level_reporter(callback, level: int, levels: int, size, to_rgb: Callable[[torch.Tensor], torch.Tensor]):
    """A loop callback that forwards each ``Progress`` to ``callback`` as a ``LevelProgress``."""

    def report(progress: Progress) -> None:
        if callback is not None:
            callback(
                LevelProgress(
                    level,
                    levels,
                    tuple(size),
                    progress.iteration,
                    progress.iterations,
                    progress.losses,
                    progress.total,
                    lambda p=progress.parameter: to_rgb(p),
                )
            )

    return report
