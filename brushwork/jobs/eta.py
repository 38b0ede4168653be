"""How long a multi-level run has left: the current level at the pace its own iterations have shown, each
later level at that pace scaled by what one of its iterations costs relative to the current level's."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ..layers import deepest_layer, vgg19_work_per_pixel

# What an iteration costs beyond its pixels (the losses' fixed work, the loop's own), in pixels: small
# levels cost more than their pixels say. Measured with the memory weight below (docs/eta.md).
FIXED_PIXELS = 4000
# One activation written costs about as much as this many multiply-adds (fitted to the measured cost of a
# detail level to relu3_1 against a full level to relu5_1, 0.39-0.52 of it; docs/eta.md).
MEMORY_WEIGHT = 700.0
# A later level first computes its targets (its photo's and paintings' features): about one iteration.
SETUP_ITERATIONS = 1
# A level's pace is the mean of its latest iterations over at least this many seconds (or all of them):
# a long enough window to take in the previews written every half second, a short one to follow a change.
RECENT_SECONDS = 3.0


def pixel_cost(size: tuple[int, int]) -> float:
    """One iteration's relative cost at ``size`` (height, width) where nothing more is known."""
    return size[0] * size[1] + FIXED_PIXELS


def vgg19_iteration_cost(size: tuple[int, int], layers: Sequence[str]) -> float:
    """One iteration's relative cost at ``size`` with VGG19 run (forward and backward) to the deepest of ``layers``."""
    multiply_adds, activations = vgg19_work_per_pixel(deepest_layer(layers))
    return pixel_cost(size) * (multiply_adds + MEMORY_WEIGHT * activations)


def recent_mean(seconds: Sequence[float]) -> float:
    """The mean of the latest of ``seconds`` that add up to ``RECENT_SECONDS`` (all of them where fewer)."""
    total, count = 0.0, 0
    for value in reversed(seconds):
        total, count = total + value, count + 1
        if total >= RECENT_SECONDS:
            break
    return total / count


class Eta:
    """Seconds left in a run of levels (``plan``: each level's (height, width) and iteration count).

    ``costs``: one iteration's relative cost at each level (``pixel_cost`` of its size where not given).
    Each iteration is reported to ``observe`` with the seconds it took where the loop measured it; a
    resumed run starts partway, and only what it did itself counts.
    """

    def __init__(self, plan: Sequence[tuple[tuple[int, int], int]], costs: Sequence[float] | None = None):
        self.iterations = [n for _, n in plan]
        self.costs = list(costs) if costs is not None else [pixel_cost(size) for size, _ in plan]
        if len(self.costs) != len(self.iterations):
            raise ValueError(f"{len(self.costs)} costs for {len(self.iterations)} levels")
        self.paces: dict[int, list[float]] = {}
        self.clock = time.perf_counter
        self.last_seen: tuple[int, float] | None = None  # (level, time) of the latest iteration observed

    def observe(self, level: int, seconds: float = math.nan) -> None:
        """An iteration of ``level`` ended; it took ``seconds`` (or, where NaN, the time since the previous
        iteration of the same level)."""
        now = self.clock()
        if math.isnan(seconds) and self.last_seen is not None and self.last_seen[0] == level:
            seconds = now - self.last_seen[1]
        self.last_seen = (level, now)
        if math.isfinite(seconds) and seconds >= 0 and 0 <= level < len(self.costs):
            self.paces.setdefault(level, []).append(seconds)

    def pace(self, level: int) -> float | None:
        """Seconds per iteration at ``level``: measured there, or scaled from the latest level measured."""
        measured = self.paces.get(level)
        if measured:
            return recent_mean(measured)
        if not self.paces:
            return None
        latest = max(self.paces)
        return recent_mean(self.paces[latest]) * self.costs[level] / self.costs[latest]

    def seconds_left(self, level: int, iteration: float) -> float | None:
        """After ``iteration`` (1-based; a fraction partway through a tiled one) of ``level``: None before
        any iteration was timed."""
        if not 0 <= level < len(self.iterations):
            return None
        pace = self.pace(level)
        if pace is None:
            return None
        left = max(0.0, self.iterations[level] - iteration) * pace
        for later in range(level + 1, len(self.iterations)):
            later_pace = self.pace(later)
            assert later_pace is not None  # a level is measured, so every level can be priced
            left += (self.iterations[later] + SETUP_ITERATIONS) * later_pace
        return left
