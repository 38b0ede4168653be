"""How long a multi-level run has left, from its plan and the time its iterations have taken so far."""

from __future__ import annotations

import time
from collections.abc import Sequence


class Eta:
    """An iteration costs in proportion to its level's pixels; the rate is measured on this run alone.

    A resumed run starts partway: only what it has done since it started counts toward the rate.
    """

    def __init__(self, plan: Sequence[tuple[tuple[int, int], int]]):
        self.costs = [h * w for (h, w), _ in plan]
        self.iterations = [n for _, n in plan]
        self.total = sum(c * n for c, n in zip(self.costs, self.iterations))
        self.clock = time.perf_counter
        self.started: float | None = None
        self.done_at_start = 0.0

    def done(self, level: int, iteration: float) -> float:
        """Work done by the end of ``iteration`` (1-based; a fraction partway through a tiled one) of ``level``."""
        finished = sum(c * n for c, n in zip(self.costs[:level], self.iterations[:level]))
        return finished + self.costs[level] * iteration

    def seconds_left(self, level: int, iteration: float) -> float | None:
        if not 0 <= level < len(self.costs):
            return None
        now, done = self.clock(), self.done(level, iteration)
        if self.started is None:
            self.started, self.done_at_start = now, done
            return None
        if done <= self.done_at_start or now <= self.started:
            return None
        rate = (done - self.done_at_start) / (now - self.started)
        return max(0.0, (self.total - done) / rate)
