"""Image sizes with a kept aspect ratio (plain arithmetic, so settings can use it without torch)."""

from __future__ import annotations

import math


def fit_long_edge(height: int, width: int, long_edge: int) -> tuple[int, int]:
    """(h, w) with the same aspect ratio whose longer side is ``long_edge``."""
    scale = long_edge / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def fit_area(height: int, width: int, area: float) -> tuple[int, int]:
    """(h, w) with the same aspect ratio and about ``area`` pixels."""
    scale = math.sqrt(area / (height * width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def at_least(height: int, width: int, min_side: int) -> tuple[int, int]:
    """(h, w), enlarged with its aspect ratio kept until the shorter side is at least ``min_side``."""
    short = min(height, width)
    if short >= min_side:
        return height, width
    scale = min_side / short
    return max(min_side, math.ceil(height * scale - 1e-9)), max(min_side, math.ceil(width * scale - 1e-9))


def long_edge_for(height: int, width: int, min_side: int) -> int:
    """The smallest long edge at which an image of this aspect ratio has a short side of ``min_side``."""
    return math.ceil(min_side * max(height, width) / min(height, width) - 1e-9)
