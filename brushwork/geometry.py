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
