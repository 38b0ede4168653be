"""Activation-maximisation settings (a channel or an ImageNet class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import MIN_SIZE
from ..layers import NETWORKS
from .common import (
    MAX_ITERATIONS,
    pooling_field,
    seed_field,
)
from .schema import Settings, setting


@dataclass(frozen=True)
class FeatureVisualizationSettings(Settings):
    technique: ClassVar[str] = "visualize"

    network: str = setting("vgg19", "the network to look into", choices=NETWORKS)
    size: int = setting(224, "side of each image in pixels", minimum=MIN_SIZE, maximum=1024, unit="pixels")
    batch: int = setting(1, "images from different starting points, shown side by side", minimum=1, cap=64)
    iterations: int = setting(256, "Adam steps", minimum=0, cap=MAX_ITERATIONS)
    lr: float = setting(
        0.05, "Adam's learning rate on the Fourier parameterisation", minimum=0, exclusive_minimum=True, cap=10
    )
    decay: float = setting(1.0, "the spectrum falls off as 1/f^decay", minimum=0, cap=4)
    jitter: int = setting(8, "random shift in pixels", minimum=0, cap=256)
    pooling: str = pooling_field("avg", "VGG19's pooling (VGG19 only)")
    seed: int = seed_field()


CLASS_DEFAULTS = FeatureVisualizationSettings(network="efficientnet-lite0", batch=4, iterations=384)
