"""The memory plan of a run: for each level, whole or in tiles, and how much L-BFGS history fits the budget
(``--max-memory``, or 80 % of what the run's device has free). The coarse-to-fine driver runs what it
plans. No torch: the numbers come from ``brushwork.memory``'s model of VGG19's activations, and what the
device has free is handed in (``encoders.devices.free_bytes``; the host's where it is not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import memory
from ..memory import (
    BASELINE_BYTES,
    LBFGS_HISTORY,
    MIN_LBFGS_HISTORY,
    PREFERRED_TILE,
    feature_map_bytes,
    history_that_fits,
    image_bytes,
    largest_tile,
    shortfall,
    tiled_bytes,
    vgg19_bytes,
)
from ..settings.schema import Settings


def memory_budget(settings: Settings, available: int | None = None) -> int | None:
    """Bytes a run may use beyond the baseline: --max-memory, or 80 % of ``available`` (the run's device's
    free memory; None: the host's MemAvailable); None if unknown."""
    given = getattr(settings, "max_memory", None)
    if given is not None:
        return int(given * 1e9) - BASELINE_BYTES
    if available is None:
        available = memory.available_bytes()
    return None if available is None else int(0.8 * available) - BASELINE_BYTES


@dataclass(frozen=True)
class LevelPlan:
    """How a level runs within the memory budget."""

    tile: int | None  # tiles of this many pixels a side; None: the whole image at once
    history: int  # L-BFGS's (step, gradient-change) pairs


def plan_levels(
    settings: Settings,
    sizes: Sequence[tuple[int, int]],
    layers: Sequence[Sequence[str]],
    iterations: Sequence[int],
    held_maps: Sequence[Sequence[str]] | None = None,
    available: int | None = None,
) -> list[LevelPlan]:
    """Each level's tiles and L-BFGS history within the budget, or a one-line refusal of what cannot fit.

    ``held_maps``: per level, the layers whose whole feature maps it holds throughout (a content target).
    ``available``: the free bytes of the device the run is on (None: the host's).

    A level is tiled when ``tile`` says so and it is larger, or when its whole pass would not fit the
    budget; its tile is then the largest that fits. Where that tile would be smaller than
    ``PREFERRED_TILE`` beside L-BFGS's full history, the history is shortened (to ``MIN_LBFGS_HISTORY``
    at the least) to make room for tiles that large.
    """
    given = getattr(settings, "max_memory", None)
    if given is not None and given * 1e9 <= BASELINE_BYTES:
        raise settings.error(
            "max_memory",
            f"{{name}} {given:g} GB is less than the {BASELINE_BYTES / 1e9:.1f} GB that torch and the network's "
            "weights take before any image: give more",
        )
    budget = memory_budget(settings, available)
    forced = getattr(settings, "tile", None)
    maps = held_maps if held_maps is not None else [[] for _ in sizes]
    return [
        _plan_level(settings, budget, forced, height, width, level_layers, level_iterations, level_maps)
        for (height, width), level_layers, level_iterations, level_maps in zip(
            sizes, layers, iterations, maps, strict=True
        )
    ]


def _size_words(settings: Settings) -> str:
    """``size`` as a message writes it: 2048, or 4096x4096 for a texture's (height, width)."""
    size = getattr(settings, "size", "?")
    return f"{size[1]}x{size[0]}" if isinstance(size, tuple) else str(size)


def _plan_level(
    settings: Settings,
    budget: int | None,
    forced: int | None,
    height: int,
    width: int,
    layers: Sequence[str],
    iterations: int,
    maps: Sequence[str],
) -> LevelPlan:
    full = max(1, min(LBFGS_HISTORY, iterations))
    least = min(full, MIN_LBFGS_HISTORY)
    tile = forced if forced is not None and max(height, width) > forced else None
    if budget is None:
        return LevelPlan(tile, full)
    held_maps = feature_map_bytes(height, width, maps)
    budget -= held_maps  # what is left beside the maps, for the image's buffers and the network

    def held(history: int) -> int:
        return image_bytes(height, width, iterations, history=history)

    def whole_fits(history: int) -> bool:
        return vgg19_bytes(height, width, layers) <= budget - held(history)

    if budget - held(least) <= 0:
        what = "the image and its content target need" if held_maps else "the image alone needs"
        raise settings.error(
            "size",
            f"at {{name}} {_size_words(settings)} {what} about {(held(least) + held_maps) / 1e9:.1f} GB "
            f"and the budget is {(budget + held_maps) / 1e9:.1f} GB: give a smaller {{name}} or more memory",
        )
    if tile is not None:
        history = min(full, history_that_fits(height, width, budget - tiled_bytes(height, width, layers, tile)))
        if history < least:
            need = held(least) + held_maps + tiled_bytes(height, width, layers, tile)
            raise settings.error(
                "tile",
                f"{{name}} {tile} needs {need / 1e9:.1f} GB at {width}x{height}, over the budget of "
                f"{(budget + held_maps) / 1e9:.1f} GB: give a smaller {{name}}",
            )
        return LevelPlan(tile, history)
    if whole_fits(full):
        return LevelPlan(None, full)
    tile = largest_tile(height, width, layers, budget - held(full))
    if tile is not None and tile >= PREFERRED_TILE:
        return LevelPlan(tile, full)
    history = min(full, history_that_fits(height, width, budget - tiled_bytes(height, width, layers, PREFERRED_TILE)))
    if history >= least:
        return LevelPlan(
            None if whole_fits(history) else largest_tile(height, width, layers, budget - held(history)), history
        )
    tile = largest_tile(height, width, layers, budget - held(least))
    if tile is None:
        raise settings.error(
            "size",
            f"at {{name}} {_size_words(settings)} even the smallest tiles need "
            f"{(held(least) + held_maps + tiled_bytes(height, width, layers, 16)) / 1e9:.1f} GB and the budget is "
            f"{(budget + held_maps) / 1e9:.1f} GB: give a smaller {{name}} or more memory",
        )
    return LevelPlan(tile, least)


def check_memory(
    settings: Settings,
    sizes: Sequence[tuple[int, int]],
    layers: Sequence[Sequence[str]],
    available: int | None = None,
) -> None:
    """Refuse sizes whose network pass (at the largest of ``sizes``, each with its ``layers``) cannot fit in
    memory (``available``: the device's free bytes; None: the host's)."""
    need = max(vgg19_bytes(h, w, level_layers) for (h, w), level_layers in zip(sizes, layers, strict=True))
    short = shortfall(need, available)
    if short is not None:
        raise settings.error(
            "size",
            f"at {{name}} {getattr(settings, 'size', '?')} the network needs about {short[0]:.1f} GB of memory and "
            f"{short[1]:.1f} GB is available: give a smaller {{name}}",
        )
