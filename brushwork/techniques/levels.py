"""The coarse-to-fine driver: one loop over levels (scales, octaves) for every technique that has them.

A technique says how to start the first level, how to carry the result of a level up to the next,
what to minimise at each level (loss terms on the network's view of the parameter) and how a parameter
becomes an image. The driver owns the rest: the level loop, each level whole or in tiles as the memory
plan says (with L-BFGS's history from that plan), the optimiser call with its progress reports, and
Ctrl-C, which it turns into an ``Interrupted`` carrying the best image so far already enlarged to the
output size. Given a ``LevelStore``, it keeps each finished level's parameter there and starts after the
last one kept, so a run cut off by a crash or a restart loses at most the level it was in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from ..encoders.base import Encoder
from ..image.pyramid import resize
from ..losses import LossTerms
from ..losses.modules import LossTerm
from ..losses.tiled import TiledLossTerms
from ..memory import LBFGS_HISTORY
from ..optim import Interrupted, optimize
from ..render.param import PixelImage
from .planning import LevelPlan
from .progress import ProgressCallback, TileProgress, level_reporter, tile_events

Size = tuple[int, int]
LossFunction = Callable[[torch.Tensor], Mapping[str, torch.Tensor]]


@dataclass(frozen=True)
class Level:
    """One level of a coarse-to-fine run."""

    index: int  # 0-based, coarsest first
    count: int
    size: Size  # (height, width)
    iterations: int


class LevelStore(Protocol):
    """Where a run keeps its last finished level (``brushwork.jobs.resume.LevelFile`` keeps it in a file)."""

    def load(self) -> tuple[int, torch.Tensor] | None:
        """The index of the last finished level and the parameter it ended with, or None."""

    def save(self, level: int, parameter: torch.Tensor) -> None: ...


@dataclass(frozen=True)
class LevelLoss:
    """What a technique minimises at a level: loss terms on the network's view of the parameter."""

    terms: Mapping[str, LossTerm]
    network_input: Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class CoarseToFine:
    """What a technique tells the driver; see ``run``."""

    # The first level's starting parameter.
    start: Callable[[Level], torch.Tensor]
    # The parameter for ``level`` from the one ``previous`` ended with.
    carry: Callable[[torch.Tensor, Level, Level], torch.Tensor]
    # What to minimise at a level (built once per level: targets are computed there).
    objective: Callable[[Level], LevelLoss]
    # A parameter of a level as an RGB image in [0, 1] at that level's size.
    to_rgb: Callable[[torch.Tensor, Level], torch.Tensor]
    # The network the terms read, and the precision its passes run in.
    network: Encoder
    autocast: torch.dtype | None
    # Resamples an RGB image to another size (``resize_periodic`` for a tileable texture).
    resample: Callable[[torch.Tensor, Size], torch.Tensor] = resize
    optimizer: str = "lbfgs"
    lr: float | None = None
    project: Callable[[torch.Tensor], None] | None = PixelImage.clamp
    # Carry the latest parameter rather than the best evaluated one (DeepDream: its loss has no minimum).
    keep_latest: bool = False
    # Each level's memory plan (``planning.plan_levels``): whole or in tiles, and L-BFGS's history there.
    # None: every level whole, with the full history.
    plans: Sequence[LevelPlan] | None = None

    def _loss(self, level: Level, on_tile: Callable[[TileProgress], None] | None) -> LossFunction:
        """The level's objective, whole or, where the plan says, in tiles: the same loss and gradient, one
        tile's activations at a time."""
        objective = self.objective(level)
        tile = None if self.plans is None else self.plans[level.index].tile
        terms: LossTerms | TiledLossTerms = (
            LossTerms(self.network, objective.terms, autocast_dtype=self.autocast)
            if tile is None
            else TiledLossTerms(
                self.network, objective.terms, tile, self.autocast, on_tile=tile_reporter(on_tile, level)
            )
        )
        return lambda parameter: terms(objective.network_input(parameter))

    def _rgb_at(self, level: Level, parameter: torch.Tensor) -> torch.Tensor:
        return self.to_rgb(parameter, level)

    def run(
        self,
        sizes: Sequence[Size],
        iterations: Sequence[int],
        callback: ProgressCallback | None = None,
        store: LevelStore | None = None,
    ) -> tuple[torch.Tensor, Level]:
        """Optimise level by level, reporting to ``callback`` (a ``Reporter`` hears of tiles too); returns the
        last level's parameter and that level."""
        levels = [
            Level(i, len(sizes), (size[0], size[1]), n)
            for i, (size, n) in enumerate(zip(sizes, iterations, strict=True))
        ]
        parameter: torch.Tensor | None = None
        previous: Level | None = None
        saved = store.load() if store is not None else None
        if saved is not None and _resumable(saved, levels):
            previous = levels[saved[0]]
            parameter = saved[1]
        for level in levels[previous.index + 1 if previous else 0 :]:
            if parameter is None or previous is None:
                parameter = self.start(level)
            else:
                parameter = self.carry(parameter, previous, level)
            parameter = parameter.detach().contiguous()
            loss_terms = self._loss(level, tile_events(callback))
            try:
                result = optimize(
                    parameter,
                    loss_terms,
                    level.iterations,
                    optimizer=self.optimizer,
                    lr=self.lr,
                    callback=level_reporter(
                        callback, level.index, level.count, level.size, functools.partial(self._rgb_at, level)
                    ),
                    project=self.project,
                    history=LBFGS_HISTORY if self.plans is None else self.plans[level.index].history,
                )
            except Interrupted as stop:
                assert stop.best is not None
                best = self.resample(self.to_rgb(stop.best, level), levels[-1].size)
                raise stop.with_best(best.clamp(0, 1)) from None
            if not self.keep_latest:
                parameter = result.parameter
            previous = level
            if store is not None and level.index < level.count - 1:
                store.save(level.index, parameter.detach())
        assert parameter is not None and previous is not None
        return parameter, previous


def tile_reporter(on_tile: Callable[[TileProgress], None] | None, level: Level) -> Callable[[int, int], None] | None:
    """``TiledLossTerms``'s (done, total) as a ``TileProgress`` of ``level``."""
    if on_tile is None:
        return None
    report = on_tile
    return lambda done, total: report(TileProgress(level.index, level.count, level.size, level.iterations, done, total))


def _resumable(saved: tuple[int, torch.Tensor], levels: Sequence[Level]) -> bool:
    """A kept level is used only if it is one of this run's and not its last (the job would be done)."""
    index, parameter = saved
    return 0 <= index < len(levels) - 1 and tuple(parameter.shape[-2:]) == levels[index].size
