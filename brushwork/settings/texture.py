"""Texture-synthesis settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import GATYS_STYLE_LAYERS, IMAGE_OPTIMIZERS, MIN_LEVEL_SIZE, MIN_SIZE, POOLINGS, PRECISIONS
from ..layers import validate_layers
from .schema import Settings, setting
from .transfer import MAX_SEED, check_layer_weights, check_schedule, style_layer_weights
from .words import image_size, show_image_size

# Four poolings sit between the input and relu5_1: a tile must halve evenly four times to wrap.
TILE_MULTIPLE = 16


@dataclass(frozen=True)
class TextureSettings(Settings):
    technique: ClassVar[str] = "texture"
    resets: ClassVar[dict[str, str]] = {"style_layers": "style_layer_weights"}

    size: tuple[int, int] = setting(
        (512, 512),
        "output size, e.g. 512x512 or 512",
        parse=image_size,
        show=show_image_size,
        metavar="WxH",
        minimum=MIN_SIZE,
        maximum="max_size",
        unit="pixels per side",
    )
    max_size: int = setting(4096, "refuse sides above this", minimum=MIN_SIZE, unit="pixels")
    # This sets the scale of the texture's elements in the output.
    style_size: int | None = setting(
        512,
        "long edge the source is resized to before its statistics are taken; sets the scale of the texture's elements",
        minimum=MIN_SIZE,
        unit="pixels",
        none_word="none",
        none_means="the source's own size",
    )
    style_layers: tuple[str, ...] = setting(
        GATYS_STYLE_LAYERS,
        "VGG19 layers whose Gram matrices are matched",
        check=lambda layer: validate_layers([layer]),
        metavar="LAYER",
    )
    style_layer_weights: tuple[float, ...] | None = setting(
        None,
        "one weight per style layer",
        minimum=0,
        metavar="W",
        none_word="none",
        none_means="1e3/N² for a layer of N channels",
    )
    tv_weight: float = setting(0.0, "weight of the total-variation smoothness loss", minimum=0)
    pooling: str = setting("avg", "VGG19's pooling", choices=POOLINGS)
    tileable: bool = setting(False, "make a texture that repeats seamlessly")
    optimizer: str = setting("lbfgs", "optimiser", choices=IMAGE_OPTIMIZERS)
    lr: float | None = setting(
        None, "learning rate", minimum=0, exclusive_minimum=True, none_word="none", none_means="the optimiser's own"
    )
    scales: tuple[float, ...] = setting(
        (0.25, 0.5, 1.0),
        "coarse-to-fine sizes as fractions of --size",
        minimum=0,
        exclusive_minimum=True,
        maximum=1,
        metavar="S",
    )
    # Coarse levels are cheap and settle the layout; the full size only refines (46 s vs 65 s at
    # 512 px for (150, 80, 40), with no visible loss).
    iterations: tuple[int, ...] = setting((200, 60, 25), "iterations at each scale", minimum=0, metavar="N")
    precision: str = setting("auto", "network precision", choices=PRECISIONS)
    seed: int = setting(0, "random seed", minimum=0, maximum=MAX_SEED)

    def layer_weights(self) -> dict[str, float]:
        return style_layer_weights(self.style_layers, self.style_layer_weights)

    def check(self) -> None:
        height, width = self.size
        if self.tileable and (height % TILE_MULTIPLE or width % TILE_MULTIPLE):
            raise self.error(
                "size", f"a tileable texture needs sides divisible by {TILE_MULTIPLE} in {{name}}, not {width}x{height}"
            )
        check_layer_weights(self, self.style_layers, self.style_layer_weights)
        check_schedule(self, self.scales, self.iterations)

    def level_sizes(self) -> list[tuple[int, int]]:
        multiple = TILE_MULTIPLE if self.tileable else 1
        sizes = []
        for scale in self.scales:
            h, w = (max(multiple, round(side * scale / multiple) * multiple) for side in self.size)
            sizes.append((max(h, MIN_LEVEL_SIZE), max(w, MIN_LEVEL_SIZE)))
        return sizes
