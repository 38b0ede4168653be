"""Settings several techniques have, declared once here; each technique's dataclass takes them from these.

Each function returns a fresh field (a dataclass field cannot be shared), with the same type, help
and bounds wherever it appears; a technique only chooses its default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..constants import GATYS_STYLE_LAYERS
from ..geometry import long_edge_for
from ..layers import deepest_layer, min_side, validate_layers
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
    return setting("auto", help)


def pooling_field(default: str = "avg", help: str = "VGG19's pooling") -> Any:
    return setting(default, help)


def optimizer_field() -> Any:
    return setting("lbfgs", "optimiser")


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


def scales_field(default: tuple[float, ...] | None = (0.25, 0.5, 1.0), **spec: Any) -> Any:
    return setting(
        default,
        "coarse-to-fine sizes as fractions of --size",
        minimum=0,
        exclusive_minimum=True,
        maximum=1,
        metavar="S",
        **spec,
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


MAX_STYLE_SCALE = 4.0


def style_scale_field(help: str = "style image size relative to the output (1: the same number of pixels)") -> Any:
    return setting(1.0, help, minimum=0.1, maximum=MAX_STYLE_SCALE)


def style_blend_field() -> Any:
    return setting(
        None,
        "one blend weight per style image",
        minimum=0,
        cap=MAX_WEIGHT,
        metavar="W",
        none_word="none",
        none_means="an equal blend",
    )
