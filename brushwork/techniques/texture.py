"""Texture synthesis (Gatys, Ecker & Bethge 2015): match a painting's Gram matrices from noise.

There is no content image, so the output's size is free. ``tileable`` gives the network circular
padding and the optimiser a circular image, so the texture repeats without seams.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ..constants import MIN_SIZE
from ..encoders.devices import free_bytes
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..geometry import at_least
from ..image.pyramid import fit_long_edge, resize, resize_periodic
from ..losses import StyleLoss, TotalVariationLoss
from ..losses.modules import LossTerm
from ..render.param import PIXEL_SCALE, PixelImage
from ..settings.texture import TILE_MULTIPLE, TextureSettings
from .context import RunContext
from .levels import CoarseToFine, Level, LevelLoss, LevelStore
from .planning import plan_levels
from .progress import LevelProgress

__all__ = ["TILE_MULTIPLE", "TextureSettings", "synthesize"]


def synthesize(
    style: torch.Tensor,
    settings: TextureSettings = TextureSettings(),
    *,
    encoder: VGG19Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    level_store: LevelStore | None = None,
) -> torch.Tensor:
    """A texture with the statistics of ``style`` ((1, 3, H, W) in [0, 1]), at ``settings.size``.

    A level too large for the memory budget runs in tiles (``TiledLossTerms``: the same loss and
    gradient), whose tiles a ``Reporter`` callback hears of; a tileable texture cannot, as tiles do not wrap.
    """
    settings.validate()
    sizes = settings.level_sizes()
    plans = plan_levels(
        settings, sizes, [settings.style_layers] * len(sizes), settings.iterations, available=free_bytes(style.device)
    )
    if settings.tileable and any(plan.tile is not None for plan in plans):
        raise settings.error(
            "size",
            f"at {{name}} {settings.size[1]}x{settings.size[0]} the network needs more than the memory budget, and "
            "a tileable texture cannot run in tiles (they do not wrap around): give a smaller {name} or more memory",
        )
    if encoder is None:
        encoder = load_vgg19(
            settings.style_layers, pooling=settings.pooling, padding_mode=settings.padding_mode, device=style.device
        )
    vgg = encoder
    autocast = autocast_dtype(settings.precision, style.device)
    resample = resize_periodic if settings.tileable else resize
    generator = torch.Generator().manual_seed(settings.seed)
    style_long_edge = settings.style_size or max(style.shape[-2:])
    final_side = max(settings.size)

    def objective(level: Level) -> LevelLoss:
        # The source shrinks with the output so that its elements keep their size relative to it.
        long_edge = max(MIN_SIZE, round(style_long_edge * max(level.size) / final_side))
        read_at = at_least(*fit_long_edge(style.shape[-2], style.shape[-1], long_edge), settings.source_min_side())
        source = resize(style, read_at)
        with torch.no_grad(), network_autocast(autocast, source.device.type), vgg.padding("reflect"):
            targets = StyleLoss.targets_from([vgg(source, settings.style_layers)], [1.0])
        terms: dict[str, LossTerm] = {"style": StyleLoss(targets, settings.layer_weights())}
        if settings.tv_weight > 0:
            terms["tv"] = TotalVariationLoss(settings.tv_weight, circular=settings.tileable)
        return LevelLoss(terms, PixelImage.image)

    schedule = CoarseToFine(
        # Drawn where the generator is (the same noise on every device), then moved to the source's.
        start=lambda level: (
            torch.rand((1, 3, *level.size), generator=generator, device=generator.device).to(style.device) * PIXEL_SCALE
        ),
        carry=lambda parameter, previous, level: resample(parameter, level.size),
        objective=objective,
        to_rgb=lambda parameter, level: PixelImage.to_rgb(parameter),
        network=vgg,
        autocast=autocast,
        resample=resample,
        optimizer=settings.optimizer,
        lr=settings.lr,
        plans=plans,
    )
    parameter, _ = schedule.run(sizes, settings.iterations, callback, level_store)
    return PixelImage.to_rgb(parameter)


def run(images: Mapping[str, Any], settings: TextureSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): ``images`` by role, loaded."""
    return synthesize(
        images["style"],
        settings,
        encoder=context.encoder(settings.pooling, settings.padding_mode),
        callback=context.callback,
        level_store=context.level_store,
    )
