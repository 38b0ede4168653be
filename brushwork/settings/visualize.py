"""Activation-maximisation settings (a channel or an ImageNet class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import MIN_SIZE, Pooling
from ..imagenet import find_imagenet_class
from ..layers import Network, check_channels, validate_network_layers
from .common import (
    MAX_ITERATIONS,
    pooling_field,
    seed_field,
)
from .schema import Settings, setting

MAX_CHANNEL = 100_000  # past the widest layer of either network


@dataclass(frozen=True)
class FeatureVisualizationSettings(Settings):
    technique: ClassVar[str] = "visualize"

    network: Network = setting("vgg19", "the network to look into")
    size: int = setting(224, "side of each image in pixels", minimum=MIN_SIZE, maximum=1024, unit="pixels")
    batch: int = setting(1, "images from different starting points, shown side by side", minimum=1, cap=64)
    iterations: int = setting(256, "Adam steps", minimum=0, cap=MAX_ITERATIONS)
    lr: float = setting(
        0.05, "Adam's learning rate on the Fourier parameterisation", minimum=0, exclusive_minimum=True, cap=10
    )
    decay: float = setting(1.0, "the spectrum falls off as 1/f^decay", minimum=0, cap=4)
    jitter: int = setting(8, "random shift in pixels", minimum=0, cap=256)
    pooling: Pooling = pooling_field("avg", "VGG19's pooling (VGG19 only)")
    seed: int = seed_field()


@dataclass(frozen=True)
class ChannelSettings(FeatureVisualizationSettings):
    """A channel to make fire (``brushwork visualize channel`` takes the two as its own options)."""

    technique: ClassVar[str] = "visualize-channel"

    layer: str = setting("relu4_1", "the layer whose channel is made to fire", cli=False)
    channel: int = setting(0, "the channel of that layer", minimum=0, cap=MAX_CHANNEL, cli=False)

    def check(self) -> None:
        super().check()
        self.about("layer", validate_network_layers, self.network, [self.layer])
        self.about("channel", check_channels, self.network, self.layer, [self.channel])


@dataclass(frozen=True)
class ClassSettings(FeatureVisualizationSettings):
    """An ImageNet class to picture (``brushwork visualize class`` takes it as its own argument)."""

    technique: ClassVar[str] = "visualize-class"

    class_name: str = setting("tabby cat", "the ImageNet class: a name, a WordNet id or an index", cli=False)

    def check(self) -> None:
        super().check()
        if self.network != "efficientnet-lite0":
            raise self.error("network", "class visualisation needs a classifier: give {name} efficientnet-lite0")
        self.about("class_name", find_imagenet_class, self.class_name)


CLASS_DEFAULTS = ClassSettings(network="efficientnet-lite0", batch=4, iterations=384)
