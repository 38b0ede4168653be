"""Texture-synthesis settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..constants import MIN_LEVEL_SIZE, MIN_SIZE, ImageOptimizer, Pooling, Precision
from ..layers import deepest_layer, vgg19_min_side
from .common import (
    MAX_SIZE_LIMIT,
    iterations_field,
    lr_field,
    max_memory_field,
    optimizer_field,
    pooling_field,
    precision_field,
    scales_field,
    seed_field,
    style_layer_weights_field,
    style_layers_field,
    tile_field,
    tv_weight_field,
)
from .schema import Settings, setting
from .transfer import check_layer_weights, check_schedule, style_layer_weights
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
    max_size: int = setting(4096, "refuse sides above this", minimum=MIN_SIZE, cap=MAX_SIZE_LIMIT, unit="pixels")
    # This sets the scale of the texture's elements in the output.
    style_size: int | None = setting(
        512,
        "long edge the source is resized to before its statistics are taken; sets the scale of the texture's elements",
        minimum=MIN_SIZE,
        cap=MAX_SIZE_LIMIT,
        unit="pixels",
        none_word="none",
        none_means="the source's own size",
    )
    style_layers: tuple[str, ...] = style_layers_field("VGG19 layers whose Gram matrices are matched")
    style_layer_weights: tuple[float, ...] | None = style_layer_weights_field()
    tv_weight: float = tv_weight_field()
    pooling: Pooling = pooling_field()
    tileable: bool = setting(False, "make a texture that repeats seamlessly")
    optimizer: ImageOptimizer = optimizer_field()
    lr: float | None = lr_field()
    scales: tuple[float, ...] = scales_field()
    # Coarse levels are cheap and settle the layout; the full size only refines (docs/decisions.md).
    iterations: tuple[int, ...] = iterations_field((200, 60, 25))
    max_memory: float | None = max_memory_field()
    tile: int | None = tile_field()
    precision: Precision = precision_field()
    seed: int = seed_field()

    def layer_weights(self) -> dict[str, float]:
        return style_layer_weights(self.style_layers, self.style_layer_weights)

    def check(self) -> None:
        height, width = self.size
        if self.tileable and (height % TILE_MULTIPLE or width % TILE_MULTIPLE):
            raise self.error(
                "size", f"a tileable texture needs sides divisible by {TILE_MULTIPLE} in {{name}}, not {width}x{height}"
            )
        if self.tileable and self.tile is not None:
            raise self.error("tile", "a tileable texture wraps around its edges, which tiles do not: leave out {name}")
        check_layer_weights(self, self.style_layers, self.style_layer_weights)
        check_schedule(self, self.scales, self.iterations)
        need = self.min_side()
        if min(self.size) < need:
            raise self.error(
                "size",
                f"a {width}x{height} texture is too small for {deepest_layer(self.style_layers)}, which needs "
                f"{need} px per side here: give {{name}} {need}x{need} or more",
            )

    @property
    def padding_mode(self) -> str:
        """How the network pads the texture: circular for a tile, reflect otherwise (no invented border)."""
        return "circular" if self.tileable else "reflect"

    def min_side(self) -> int:
        return vgg19_min_side(self.style_layers, self.padding_mode)

    def source_min_side(self) -> int:
        """The source is always read with reflect padding (wrapping a photo would invent edges)."""
        return vgg19_min_side(self.style_layers, "reflect")

    def level_sizes(self) -> list[tuple[int, int]]:
        """Each level's (height, width); a coarse level too small for the style layers is enlarged."""
        multiple = TILE_MULTIPLE if self.tileable else 1
        floor = max(MIN_LEVEL_SIZE, self.min_side())
        sizes = []
        for scale in self.scales:
            h, w = (max(multiple, round(side * scale / multiple) * multiple) for side in self.size)
            sizes.append((max(h, floor), max(w, floor)))
        return sizes
