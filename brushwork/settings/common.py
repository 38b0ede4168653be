"""Settings several techniques have, declared once here; each technique's dataclass takes them from these.

Each function returns a fresh field (a dataclass field cannot be shared), with the same type, help
and bounds wherever it appears; a technique only chooses its default.
"""

from __future__ import annotations

from typing import Any

from ..constants import GATYS_STYLE_LAYERS, IMAGE_OPTIMIZERS, POOLINGS, PRECISIONS
from ..layers import validate_layers
from .schema import setting

MAX_SEED = 2**63 - 1


def _vgg19_layer(layer: str) -> None:
    validate_layers([layer])


def seed_field() -> Any:
    return setting(0, "random seed", minimum=0, maximum=MAX_SEED)


def precision_field(help: str = "network precision (auto: bfloat16 where the CPU computes it natively)") -> Any:
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
        metavar="W",
        none_word="none",
        none_means="1e3/N² for a layer of N channels (Gatys et al.)",
    )


def tv_weight_field(default: float = 0.0, help: str = "weight of the total-variation smoothness loss") -> Any:
    return setting(default, help, minimum=0)


def scales_field() -> Any:
    return setting(
        (0.25, 0.5, 1.0),
        "coarse-to-fine sizes as fractions of --size",
        minimum=0,
        exclusive_minimum=True,
        maximum=1,
        metavar="S",
    )


def iterations_field(default: tuple[int, ...]) -> Any:
    return setting(default, "iterations at each scale", minimum=0, metavar="N")


def vgg19_layer_check() -> Any:
    return _vgg19_layer
