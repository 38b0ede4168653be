"""Settings checks and derived values that several techniques share."""

from __future__ import annotations

import math
from typing import Sequence

from ..encoders.vgg import layer_channels, validate_layers
from ..errors import BrushworkError


def nonnegative(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise BrushworkError(f"{name} must be a finite number >= 0, not {value}")


def style_layer_weights(layers: Sequence[str], weights: Sequence[float] | None) -> dict[str, float]:
    """Per-layer style weights; ``None`` means Gatys's 1e3 / N² for a layer of N channels."""
    if weights is None:
        return {layer: 1e3 / layer_channels(layer) ** 2 for layer in layers}
    return dict(zip(layers, weights))


def validate_style_layers(layers: Sequence[str], weights: Sequence[float] | None) -> None:
    validate_layers(layers)
    if not layers:
        raise BrushworkError("at least one style layer is needed")
    if weights is not None:
        if len(weights) != len(layers):
            raise BrushworkError(f"{len(weights)} style layer weights given for {len(layers)} style layers")
        for w in weights:
            nonnegative("style layer weight", w)


def validate_schedule(scales: Sequence[float], iterations: Sequence[int]) -> None:
    """A coarse-to-fine schedule: increasing fractions of the output size ending at 1, one count each."""
    if not scales or len(scales) != len(iterations):
        raise BrushworkError(
            f"the schedule needs one iteration count per scale ({len(scales)} scales, {len(iterations)} counts)"
        )
    if any(not (0 < s <= 1) for s in scales) or list(scales) != sorted(scales) or scales[-1] != 1:
        raise BrushworkError(f"scales must increase, lie in (0, 1] and end at 1, not {list(scales)}")
    if any(n < 0 for n in iterations):
        raise BrushworkError("iteration counts must be >= 0")
