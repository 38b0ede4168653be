"""Texture synthesis (Gatys, Ecker & Bethge 2015): match a painting's Gram matrices from noise.

There is no content image, so the output's size is free. ``tileable`` gives the network circular
padding and the optimiser a circular image, so the texture repeats without seams.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch

from ..encoders.precision import autocast_dtype, network_autocast, validate_precision
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..errors import BrushworkError
from ..image.pyramid import fit_long_edge, resize, resize_periodic
from ..losses import LossTerms, StyleLoss, TotalVariationLoss
from ..optim import Interrupted, optimize
from ..render.param import PIXEL_SCALE, PixelImage
from .checks import nonnegative, style_layer_weights, validate_schedule, validate_style_layers
from .progress import LevelProgress, level_reporter
from .transfer import GATYS_STYLE_LAYERS, MIN_SIZE

# Four poolings sit between the input and relu5_1: a tile must halve evenly four times to wrap.
TILE_MULTIPLE = 16


@dataclass(frozen=True)
class TextureSettings:
    size: tuple[int, int] = (512, 512)  # (height, width) of the texture
    max_size: int = 4096
    # Long edge the source is resized to before its statistics are taken; this sets the scale of
    # the texture's elements in the output. None keeps the source's own size.
    style_size: int | None = 512
    style_layers: tuple[str, ...] = GATYS_STYLE_LAYERS
    style_layer_weights: tuple[float, ...] | None = None  # None: 1e3 / N²
    tv_weight: float = 0.0
    pooling: str = "avg"
    tileable: bool = False
    optimizer: str = "lbfgs"
    lr: float | None = None
    scales: tuple[float, ...] = (0.25, 0.5, 1.0)
    # Coarse levels are cheap and settle the layout; the full size only refines (46 s vs 65 s at
    # 512 px for (150, 80, 40), with no visible loss).
    iterations: tuple[int, ...] = (200, 60, 25)
    precision: str = "auto"
    seed: int = 0

    def replace(self, **changes) -> "TextureSettings":
        return dataclasses.replace(self, **changes)

    def layer_weights(self) -> dict[str, float]:
        return style_layer_weights(self.style_layers, self.style_layer_weights)

    def validate(self) -> None:
        height, width = self.size
        if not (MIN_SIZE <= height <= self.max_size and MIN_SIZE <= width <= self.max_size):
            raise BrushworkError(
                f"texture size must be between {MIN_SIZE} and {self.max_size} pixels per side, not {width}x{height}"
            )
        if self.tileable and (height % TILE_MULTIPLE or width % TILE_MULTIPLE):
            raise BrushworkError(
                f"a tileable texture needs sides divisible by {TILE_MULTIPLE}, not {width}x{height}"
            )
        if self.style_size is not None and self.style_size < MIN_SIZE:
            raise BrushworkError(f"style size must be at least {MIN_SIZE} pixels, not {self.style_size}")
        validate_style_layers(self.style_layers, self.style_layer_weights)
        nonnegative("tv-weight", self.tv_weight)
        validate_schedule(self.scales, self.iterations)
        validate_precision(self.precision)

    def level_sizes(self) -> list[tuple[int, int]]:
        multiple = TILE_MULTIPLE if self.tileable else 1
        sizes = []
        for scale in self.scales:
            h, w = (max(multiple, round(side * scale / multiple) * multiple) for side in self.size)
            sizes.append((max(h, MIN_SIZE // 2), max(w, MIN_SIZE // 2)))
        return sizes


def synthesize(
    style: torch.Tensor,
    settings: TextureSettings = TextureSettings(),
    *,
    encoder: VGG19Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
) -> torch.Tensor:
    """A texture with the statistics of ``style`` ((1, 3, H, W) in [0, 1]), at ``settings.size``."""
    settings.validate()
    if encoder is None:
        encoder = load_vgg19(
            settings.style_layers, pooling=settings.pooling, padding_mode="circular" if settings.tileable else "reflect"
        )
    autocast = autocast_dtype(settings.precision)
    resample = resize_periodic if settings.tileable else resize
    generator = torch.Generator().manual_seed(settings.seed)
    style_long_edge = settings.style_size or max(style.shape[-2:])
    sizes = settings.level_sizes()
    final_side = max(settings.size)

    parameter = None
    for level_index, (size, iterations) in enumerate(zip(sizes, settings.iterations)):
        # The source shrinks with the output so that its elements keep their size relative to it.
        level_factor = max(size) / final_side
        source = resize(style, fit_long_edge(*style.shape[-2:], max(MIN_SIZE, round(style_long_edge * level_factor))))
        with torch.no_grad(), network_autocast(autocast), \
                encoder.padding("reflect"):
            targets = StyleLoss.targets_from([encoder(source, settings.style_layers)], [1.0])
        terms = {"style": StyleLoss(targets, settings.layer_weights())}
        if settings.tv_weight > 0:
            terms["tv"] = TotalVariationLoss(settings.tv_weight, circular=settings.tileable)
        loss_terms = LossTerms(encoder, terms, autocast_dtype=autocast)

        if parameter is None:
            parameter = torch.rand((1, 3, *size), generator=generator) * PIXEL_SCALE
        else:
            parameter = resample(parameter, size).contiguous()
        try:
            result = optimize(
                parameter,
                lambda p: loss_terms(PixelImage.image(p)),
                iterations,
                optimizer=settings.optimizer,
                lr=settings.lr,
                callback=level_reporter(callback, level_index, len(sizes), size, PixelImage.to_rgb),
                project=PixelImage.clamp,
            )
        except Interrupted as stop:
            raise Interrupted(resample(PixelImage.to_rgb(stop.best), sizes[-1]).clamp(0, 1)) from None
        parameter = result.parameter
    return PixelImage.to_rgb(parameter)
