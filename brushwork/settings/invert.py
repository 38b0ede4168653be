"""Feature-inversion settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import MIN_SIZE, ImageOptimizer, Pooling, Precision
from ..layers import validate_layers
from .common import (
    MAX_ITERATIONS,
    MAX_SIZE_LIMIT,
    MAX_WEIGHT,
    lr_field,
    optimizer_field,
    pooling_field,
    precision_field,
    seed_field,
    tv_weight_field,
)
from .schema import Settings, setting

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
    max_size: int = setting(2048, "refuse sizes above this", minimum=MIN_SIZE, cap=MAX_SIZE_LIMIT, unit="pixels")
    iterations: int = setting(150, "iterations per layer", minimum=0, cap=MAX_ITERATIONS)
    optimizer: ImageOptimizer = optimizer_field()
    lr: float | None = lr_field()
    alpha: float = setting(6.0, "α of the α-norm prior", minimum=1, cap=100)
    alpha_weight: float = setting(1e-3, "weight of the α-norm prior", minimum=0, cap=MAX_WEIGHT)
    tv_exponent: float = setting(2.0, "β of the total-variation prior", minimum=1, cap=10)
    tv_weight: float = tv_weight_field(1e-2, "weight of the total-variation prior")
    pooling: Pooling = pooling_field()
    precision: Precision = precision_field()
    seed: int = seed_field()
