"""DeepDream settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import MIN_LEVEL_SIZE, MIN_SIZE, Pooling, Precision
from ..geometry import at_least, fit_long_edge
from ..layers import Network, check_channels, min_side, validate_network_layers
from .common import (
    MAX_ITERATIONS,
    MAX_SIZE_LIMIT,
    check_photo_fits,
    max_memory_field,
    pooling_field,
    precision_field,
    seed_field,
    tile_field,
)
from .schema import Settings, setting
from .words import channel_list, show_channel_list

DEFAULT_LAYERS = {"vgg19": "relu4_2", "efficientnet-lite0": "block9"}


@dataclass(frozen=True)
class DreamSettings(Settings):
    technique: ClassVar[str] = "dream"

    network: Network = setting("vgg19", "the network that dreams")
    layer: str | None = setting(
        None,
        "layer to amplify",
        metavar="LAYER",
        none_word="default",
        none_means=", ".join(f"{v} on {k}" for k, v in DEFAULT_LAYERS.items()),
    )
    channels: tuple[int, ...] | None = setting(
        None,
        "only these channels, e.g. 0-15,20",
        parse=channel_list,
        show=show_channel_list,
        metavar="LIST",
        minimum=0,
        none_word="all",
        none_means="all channels of the layer",
    )
    size: int | None = setting(
        None,
        "long edge of the output",
        minimum=MIN_SIZE,
        maximum="max_size",
        unit="pixels",
        none_word="photo",
        none_means="the photo's size",
    )
    max_size: int = setting(4096, "refuse sizes above this", minimum=MIN_SIZE, cap=MAX_SIZE_LIMIT, unit="pixels")
    octaves: int = setting(4, "number of octaves (scales)", minimum=1, cap=16)
    octave_scale: float = setting(1.4, "size ratio between octaves", minimum=1, exclusive_minimum=True, maximum=4)
    iterations: int = setting(10, "iterations per octave", minimum=0, cap=MAX_ITERATIONS)
    step: float = setting(
        1.5,
        "step size in 0-255 pixel units, after normalising the gradient",
        minimum=0,
        exclusive_minimum=True,
        cap=255,
    )
    jitter: int = setting(32, "random shift in pixels", minimum=0, cap=1024)
    # Max pooling gives the crisper, classic dream structures.
    pooling: Pooling = pooling_field("max", "VGG19's pooling (VGG19 only)")
    max_memory: float | None = max_memory_field()
    tile: int | None = tile_field()
    precision: Precision = precision_field()
    seed: int = seed_field()

    @property
    def dream_layer(self) -> str:
        return self.layer or DEFAULT_LAYERS.get(self.network, "")

    def check(self) -> None:
        self.about("layer", validate_network_layers, self.network, [self.dream_layer])
        if self.channels is not None:
            self.about("channels", check_channels, self.network, self.dream_layer, self.channels)
        if self.tile is not None and self.network != "vgg19":
            raise self.error(
                "tile", f"{{name}} works with vgg19 only, whose receptive fields are known, not {self.network}"
            )

    def check_photo(self, image_size: tuple[int, int]) -> None:
        """That the settings fit a photo of ``image_size`` (height, width)."""
        if self.size is None and max(image_size) > self.max_size:
            raise self.error("size", f"the photo is {max(image_size)} pixels long; give {{name}} up to {self.max_size}")
        check_photo_fits(self, image_size, self.octave_sizes(*image_size)[-1], [self.dream_layer], self.network)

    def min_side(self) -> int:
        return min_side(self.network, [self.dream_layer])

    def octave_sizes(self, height: int, width: int) -> list[tuple[int, int]]:
        """From the smallest octave to the output size."""
        final = fit_long_edge(height, width, self.size) if self.size else (height, width)
        sizes = []
        for k in reversed(range(self.octaves)):
            factor = self.octave_scale**-k
            octave = (max(MIN_LEVEL_SIZE, round(final[0] * factor)), max(MIN_LEVEL_SIZE, round(final[1] * factor)))
            # An octave too small for the layer is enlarged (it stays no larger than the output).
            enlarged = at_least(*octave, self.min_side())
            sizes.append((min(enlarged[0], final[0]), min(enlarged[1], final[1])))
        return sizes
