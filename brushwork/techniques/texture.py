"""Texture synthesis (Gatys, Ecker & Bethge 2015): match a painting's Gram matrices from noise.

There is no content image, so the output's size is free. ``tileable`` gives the network circular
padding and the optimiser a circular image, so the texture repeats without seams.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..constants import MIN_SIZE
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..image.pyramid import fit_long_edge, resize, resize_periodic
from ..losses import LossTerms, StyleLoss, TotalVariationLoss
from ..optim import Interrupted, optimize
from ..render.param import PIXEL_SCALE, PixelImage
from ..settings.texture import TILE_MULTIPLE, TextureSettings
from .progress import LevelProgress, level_reporter

__all__ = ["TILE_MULTIPLE", "TextureSettings", "synthesize"]

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
