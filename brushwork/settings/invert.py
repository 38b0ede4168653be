"""Feature-inversion settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import IMAGE_OPTIMIZERS, MIN_SIZE, POOLINGS, PRECISIONS
from ..layers import validate_layers
from .schema import Settings, setting
from .transfer import MAX_SEED

INVERSION_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@dataclass(frozen=True)
class InversionSettings(Settings):
    technique: ClassVar[str] = "invert"

    layers: tuple[str, ...] = setting(
        INVERSION_LAYERS,
        "VGG19 layers to reconstruct from, one image each",
        check=lambda layer: validate_layers([layer]),
        metavar="LAYER",
    )
    size: int = setting(256, "long edge in pixels", minimum=MIN_SIZE, maximum="max_size", unit="pixels")
    max_size: int = setting(2048, "refuse sizes above this", minimum=MIN_SIZE, unit="pixels")
    iterations: int = setting(150, "iterations per layer", minimum=0)
    optimizer: str = setting("lbfgs", "optimiser", choices=IMAGE_OPTIMIZERS)
    lr: float | None = setting(
        None, "learning rate", minimum=0, exclusive_minimum=True, none_word="none", none_means="the optimiser's own"
    )
    alpha: float = setting(6.0, "α of the α-norm prior", minimum=1)
    alpha_weight: float = setting(1e-3, "weight of the α-norm prior", minimum=0)
    tv_exponent: float = setting(2.0, "β of the total-variation prior", minimum=1)
    tv_weight: float = setting(1e-2, "weight of the total-variation prior", minimum=0)
    pooling: str = setting("avg", "VGG19's pooling", choices=POOLINGS)
    precision: str = setting("auto", "network precision", choices=PRECISIONS)
    seed: int = setting(0, "random seed", minimum=0, maximum=MAX_SEED)
