"""How much memory a run's network needs, and how much the machine has: a size that cannot be
allocated is refused before any work, not found out by torch halfway through."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .layers import VGG19_LAYERS, deepest_layer, layer_channels, vgg19_reach, vgg19_stride

# Bytes per float32 value the network keeps per layer output for the backward pass, counting its
# gradient too (checked against a measured peak: docs/decisions.md, "The memory model").
_BYTES_PER_VALUE = 8
# What torch, the weights and the images take besides the activations (docs/decisions.md).
BASELINE_BYTES = 600_000_000


def vgg19_bytes(height: int, width: int, layers: Sequence[str]) -> int:
    """Activations and their gradients for one forward+backward pass up to the deepest of ``layers``."""
    values = 0
    for name in VGG19_LAYERS[: VGG19_LAYERS.index(deepest_layer(layers)) + 1]:
        block = int(name[4])
        shrink = 2 ** (block if name.startswith("pool") else block - 1)
        values += layer_channels(name) * (height // shrink) * (width // shrink)
    return values * _BYTES_PER_VALUE


# The share of the machine's available memory this process may plan with: the batch pool's workers
# run side by side and each takes 1/workers of it (a Dask worker may be given a share the same way).
MEMORY_SHARE_ENV_VAR = "BRUSHWORK_MEMORY_SHARE"


def memory_share() -> float:
    try:
        share = float(os.environ.get(MEMORY_SHARE_ENV_VAR, "1"))
    except ValueError:
        return 1.0
    return share if 0.0 < share <= 1.0 else 1.0


def available_bytes() -> int | None:
    """Memory the kernel says new work can have (MemAvailable, times this process's ``memory_share``);
    None where that is not known."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(int(line.split()[1]) * 1024 * memory_share())
    except (OSError, ValueError, IndexError):
        return None
    return None


def shortfall(need: int, available: int | None = None) -> tuple[float, float] | None:
    """(needed GB, available GB) when ``need`` bytes (plus the baseline) will not fit in ``available``
    (None: the host's); None when they will."""
    if available is None:
        available = available_bytes()
    total = need + BASELINE_BYTES
    if available is None or total <= available:
        return None
    return total / 1e9, available / 1e9


# L-BFGS keeps up to this many (step, gradient-change) pairs of the image's size (optim/loop.py).
LBFGS_HISTORY = 50
# At large sizes that history is most of the memory (2 x 35 image-sized vectors at 2048 px: 2.3 GB), so
# a tight budget shortens it rather than cut the network into small tiles, down to this many pairs.
MIN_LBFGS_HISTORY = 5
# Tiles smaller than this cost much more per pixel (their halo is read again each time): a budget gives
# up L-BFGS history to keep tiles at least this large.
PREFERRED_TILE = 256
# Besides L-BFGS's history: the parameter, its gradient, the best so far, the content image and its
# network input, L-BFGS's direction and gradient copies, a tiled pass's gradient: image-sized float32
# buffers at a level; 16 are counted, a margin over a measured peak (docs/decisions.md, "The memory model").
_IMAGE_BUFFERS = 16


def image_bytes(height: int, width: int, iterations: int, channels: int = 3, history: int = LBFGS_HISTORY) -> int:
    """What a level holds at the image's size, whatever the network does: L-BFGS's history of at most
    ``history`` pairs (one a step, so at most ``iterations``) and the buffers."""
    vectors = 2 * min(history, iterations) + _IMAGE_BUFFERS
    return vectors * channels * height * width * 4


def feature_map_bytes(height: int, width: int, layers: Sequence[str]) -> int:
    """The whole image's float32 feature maps at ``layers`` (a content target a level holds)."""
    total = 0
    for layer in layers:
        stride = vgg19_stride(layer)
        total += layer_channels(layer) * (height // stride) * (width // stride) * 4
    return total


def history_that_fits(height: int, width: int, room: int, channels: int = 3) -> int:
    """How many L-BFGS pairs of an image this size fit in ``room`` bytes beside the level's buffers."""
    return max(0, room - image_bytes(height, width, 0, channels)) // (2 * channels * height * width * 4)


def tile_halo(layers: Sequence[str]) -> int:
    """The halo a tile is read with for ``layers``: the deepest layer's reach, rounded up to its stride."""
    deepest = deepest_layer(layers)
    align = vgg19_stride(deepest)
    return -(-vgg19_reach(deepest) // align) * align


def tiled_bytes(height: int, width: int, layers: Sequence[str], tile: int) -> int:
    """The network's memory for one tile of ``tile`` px and its halo (at most the whole image)."""
    box = tile + 2 * tile_halo(layers)
    return vgg19_bytes(min(height, box), min(width, box), layers)


def largest_tile(height: int, width: int, layers: Sequence[str], budget: int) -> int | None:
    """The largest tile (a multiple of the deepest layer's stride) whose pass fits in ``budget`` bytes."""
    align = vgg19_stride(deepest_layer(layers))
    best = None
    tile = align
    while tile < max(height, width) and tiled_bytes(height, width, layers, tile) <= budget:
        best = tile
        tile += align
    return best


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc: nothing to trim with
        return None


def release_freed_memory() -> None:
    """Hand the pages of freed heap memory back to the kernel (glibc's ``malloc_trim``; elsewhere nothing).

    A tiled pass frees and allocates a tile's activations again and again; glibc keeps the freed pages
    resident in its heap. Measured at 2048 px, --max-memory 3, twenty iterations of the tiled level:
    the peak RSS was 3.04 GB as is and 2.29 GB trimmed after each evaluation (the live memory, with
    every large block given straight back, peaked at 2.06 GB); the trim costs re-faulting those pages,
    about 1 s an iteration there.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
