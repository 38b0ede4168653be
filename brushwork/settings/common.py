"""Settings several techniques have, declared once here; each technique's dataclass takes them from these.

Each function returns a fresh field (a dataclass field cannot be shared), with the same type, help
and bounds wherever it appears; a technique only chooses its default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import memory
from ..constants import GATYS_STYLE_LAYERS, IMAGE_OPTIMIZERS, POOLINGS, PRECISIONS
from ..geometry import long_edge_for
from ..layers import deepest_layer, min_side, validate_layers
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
from .schema import Settings, setting

MAX_SEED = 2**63 - 1
# Bounds past any sensible use, so that a typo cannot overflow float32 or ask for terabytes.
MAX_WEIGHT = 1e12
MAX_ITERATIONS = 1_000_000
MAX_LEARNING_RATE = 1e4
MAX_SIZE_LIMIT = 32768


def _vgg19_layer(layer: str) -> None:
    validate_layers([layer])


def seed_field() -> Any:
    return setting(0, "random seed", minimum=0, maximum=MAX_SEED)


def precision_field(
    help: str = "network precision (auto: bfloat16 on CPUs with AVX512-BF16 and no AMX, where it was measured "
    "to pay; float32 elsewhere)",
) -> Any:
    return setting("auto", help, choices=PRECISIONS)


def pooling_field(default: str = "avg", help: str = "VGG19's pooling") -> Any:
    return setting(default, help, choices=POOLINGS)


def optimizer_field() -> Any:
    return setting("lbfgs", "optimiser", choices=IMAGE_OPTIMIZERS)


def lr_field() -> Any:
    return setting(
        None,
        "learning rate",
        minimum=0,
        exclusive_minimum=True,
        cap=MAX_LEARNING_RATE,
        none_word="none",
        none_means="the optimiser's own: 1 for L-BFGS, 0.02 for Adam",
    )


def style_layers_field(help: str) -> Any:
    return setting(GATYS_STYLE_LAYERS, help, check=_vgg19_layer, metavar="LAYER")


def style_layer_weights_field() -> Any:
    return setting(
        None,
        "one weight per style layer",
        minimum=0,
        cap=MAX_WEIGHT,
        metavar="W",
        none_word="none",
        none_means="1e3/N² for a layer of N channels (Gatys et al.)",
    )


def tv_weight_field(default: float = 0.0, help: str = "weight of the total-variation smoothness loss") -> Any:
    return setting(default, help, minimum=0, cap=MAX_WEIGHT)


def scales_field() -> Any:
    return setting(
        (0.25, 0.5, 1.0),
        "coarse-to-fine sizes as fractions of --size",
        minimum=0,
        exclusive_minimum=True,
        maximum=1,
        metavar="S",
    )


def iterations_field(default: tuple[int, ...] | None, **spec: Any) -> Any:
    return setting(default, "iterations at each scale", minimum=0, cap=MAX_ITERATIONS, metavar="N", **spec)


def vgg19_layer_check() -> Any:
    return _vgg19_layer


def max_memory_field() -> Any:
    return setting(
        None,
        "memory a run may use, in GB; a level whose network pass would need more is computed in tiles, with "
        "the same result",
        minimum=0,
        exclusive_minimum=True,
        cap=1e6,
        unit="GB",
        none_word="none",
        none_means="80 % of the memory the machine has free",
    )


def tile_field() -> Any:
    return setting(
        None,
        "compute every level larger than this in tiles of this many pixels a side (exact, slower)",
        minimum=16,
        cap=MAX_SIZE_LIMIT,
        unit="pixels",
        none_word="none",
        none_means="tiles only where --max-memory needs them",
    )


def memory_budget(settings: Settings) -> int | None:
    """Bytes a run may use beyond the baseline: --max-memory, or 80 % of MemAvailable; None if unknown."""
    given = getattr(settings, "max_memory", None)
    if given is not None:
        return int(given * 1e9) - BASELINE_BYTES
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
) -> list[LevelPlan]:
    """Each level's tiles and L-BFGS history within the budget, or a one-line refusal of what cannot fit.

    ``held_maps``: per level, the layers whose whole feature maps it holds throughout (a content target).

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
    budget = memory_budget(settings)
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


def check_memory(settings: Settings, sizes: Sequence[tuple[int, int]], layers: Sequence[Sequence[str]]) -> None:
    """Refuse sizes whose network pass (at the largest of ``sizes``, each with its ``layers``) cannot fit in memory."""
    need = max(vgg19_bytes(h, w, level_layers) for (h, w), level_layers in zip(sizes, layers, strict=True))
    short = shortfall(need)
    if short is not None:
        raise settings.error(
            "size",
            f"at {{name}} {getattr(settings, 'size', '?')} the network needs about {short[0]:.1f} GB of memory and "
            f"{short[1]:.1f} GB is available: give a smaller {{name}}",
        )


def check_photo_fits(
    settings: Settings, photo: tuple[int, int], output: tuple[int, int], layers: Sequence[str], network: str = "vgg19"
) -> None:
    """Refuse a photo whose output size (``settings.size``) is too small for ``layers`` on a side.

    The message gives the smallest ``size`` that works for this photo's shape, or says to crop it
    where even ``max_size`` is not enough.
    """
    need = min_side(network, layers)
    if min(output) >= need:
        return
    deepest = deepest_layer(layers) if network == "vgg19" else layers[-1]
    smallest = long_edge_for(*photo, need)
    max_size = getattr(settings, "max_size", None)
    fix = (
        f"give {{name}} {smallest} or more, or shallower layers"
        if max_size is None or smallest <= max_size
        else "crop it to a less extreme shape, or use shallower layers"
    )
    size = getattr(settings, "size", None)
    at = f"at {{name}} {size} " if size is not None else ""
    raise settings.error(
        "size",
        f"{at}the {photo[1]}x{photo[0]} photo becomes {output[1]}x{output[0]} px, but {deepest} needs at least "
        f"{need} px on each side: {fix}",
    )
