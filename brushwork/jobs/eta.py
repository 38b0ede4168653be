"""How long a multi-level run has left: the current level at the pace its own iterations have shown, each
later level at that pace scaled by what one of its iterations costs relative to the current level's.

An iteration costs ``work × (pixels + fixed)``: ``work`` per pixel from the network depth the level runs
to, and a fixed part (the losses' own work) that is measured on the run once two levels of the same work
have been timed at different sizes (``FIXED_PIXELS`` until then)."""

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


# The fixed part measured on a run is held within these bounds (0 to 100x the default): two levels'
# paces are noisy, and a fit from nearly equal paces must not run off to infinity.
FIXED_PIXELS_RANGE = (0.0, 100 * FIXED_PIXELS)


def vgg19_work(layers: Sequence[str]) -> float:
    """Relative work per pixel of an iteration that runs VGG19 (forward and backward) to the deepest of ``layers``."""
    multiply_adds, activations = vgg19_work_per_pixel(deepest_layer(layers))
    return multiply_adds + MEMORY_WEIGHT * activations


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

    ``works``: each level's relative work per pixel (the same at every level where not given). Each
    iteration is reported to ``observe`` with the seconds it took where the loop measured it; a resumed
    run starts partway, and only what it did itself counts.
    """

    def __init__(self, plan: Sequence[tuple[tuple[int, int], int]], works: Sequence[float] | None = None):
        self.iterations = [n for _, n in plan]
        self.pixels = [h * w for (h, w), _ in plan]
        self.works = list(works) if works is not None else [1.0] * len(plan)
        if len(self.works) != len(self.iterations):
            raise ValueError(f"{len(self.works)} works for {len(self.iterations)} levels")
        self.fixed_pixels = float(FIXED_PIXELS)
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
        if math.isfinite(seconds) and seconds >= 0 and 0 <= level < len(self.works):
            self.paces.setdefault(level, []).append(seconds)
            self.measure_fixed_part()

    def cost(self, level: int) -> float:
        """One iteration's relative cost at ``level``."""
        return self.works[level] * (self.pixels[level] + self.fixed_pixels)

    def measure_fixed_part(self) -> None:
        """The fixed part from the two latest levels timed that have the same work per pixel and sizes
        at least 1.5x apart: pace_a / pace_b = (pixels_a + fixed) / (pixels_b + fixed)."""
        timed = sorted(self.paces)
        for later in reversed(timed):
            for earlier in reversed([level for level in timed if level < later]):
                same_work = math.isclose(self.works[later], self.works[earlier], rel_tol=0.01)
                big, small = self.pixels[later], self.pixels[earlier]
                if not same_work or max(big, small) < 1.5 * min(big, small):
                    continue
                pace_big, pace_small = recent_mean(self.paces[later]), recent_mean(self.paces[earlier])
                if pace_big == pace_small:
                    self.fixed_pixels = FIXED_PIXELS_RANGE[1]
                else:
                    fixed = (pace_small * big - pace_big * small) / (pace_big - pace_small)
                    self.fixed_pixels = min(max(fixed, FIXED_PIXELS_RANGE[0]), FIXED_PIXELS_RANGE[1])
                return

    def pace(self, level: int) -> float | None:
        """Seconds per iteration at ``level``: measured there, or scaled from the latest level measured."""
        measured = self.paces.get(level)
        if measured:
            return recent_mean(measured)
        if not self.paces:
            return None
        latest = max(self.paces)
        return recent_mean(self.paces[latest]) * self.cost(level) / self.cost(latest)

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
