"""Feature inversion (Mahendran & Vedaldi 2015): the image whose features at one layer match a photo's.

    min_x ‖Φ(x) − Φ₀‖² / ‖Φ₀‖²  +  λ_α · ‖x − x̄‖_α^α / B^α  +  λ_V · TV_β(x) / B_V^β

Reconstructions from deeper layers keep the layout and lose the exact colours and detail: a
contact sheet over several layers shows what each stage of the network discards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import torch
from PIL import Image

from ..encoders.devices import free_bytes
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..image.pyramid import fit_long_edge, resize
from ..layers import deepest_layer
from ..losses import AlphaNormLoss, FeatureReconstructionLoss, LossTerms, TotalVariationLoss
from ..losses.modules import LossTerm
from ..optim import Interrupted, optimize
from ..render.param import PixelImage
from ..settings.common import check_photo_fits
from ..settings.invert import INVERSION_LAYERS, InversionSettings
from .context import RunContext
from .planning import check_memory
from .progress import LevelProgress, level_reporter

__all__ = ["INVERSION_LAYERS", "NEIGHBOUR_BOUND", "PIXEL_BOUND", "InversionSettings", "invert"]

# Mahendran & Vedaldi's normalisers (80 and 80/6.5 on 0-255 pixels), here on [0, 1] images:
# B is the typical magnitude of a mean-subtracted pixel, B_V of a natural image's neighbour difference.
PIXEL_BOUND = 80.0 / 255.0
NEIGHBOUR_BOUND = PIXEL_BOUND / 6.5


def _on_pixels(loss_terms: LossTerms, parameter: torch.Tensor) -> dict[str, torch.Tensor]:
    return loss_terms(PixelImage.image(parameter))


def invert(
    image: torch.Tensor,
    settings: InversionSettings = InversionSettings(),
    *,
    encoder: VGG19Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
) -> list[torch.Tensor]:
    """One reconstruction of ``image`` ((1, 3, H, W) in [0, 1]) per layer in ``settings.layers``, in order.

    Each starts from the same seeded noise. On Ctrl-C, ``Interrupted.best`` holds the
    reconstructions finished so far plus the best of the current one (a list).
    """
    settings.validate()
    if encoder is None:
        encoder = load_vgg19([deepest_layer(settings.layers)], pooling=settings.pooling, device=image.device)
    autocast = autocast_dtype(settings.precision, image.device)
    photo = (image.shape[-2], image.shape[-1])
    size = fit_long_edge(*photo, settings.size)
    check_photo_fits(settings, photo, size, settings.layers)
    check_memory(settings, [size], [settings.layers], free_bytes(image.device))
    target_image = resize(image, size)
    with torch.no_grad(), network_autocast(autocast, target_image.device.type):
        targets = encoder(target_image, settings.layers)
    generator = torch.Generator().manual_seed(settings.seed)
    noise = torch.rand((1, 3, *size), generator=generator, device=generator.device).to(image.device)

    results: list[torch.Tensor] = []
    for index, layer in enumerate(settings.layers):
        terms: dict[str, LossTerm] = {"features": FeatureReconstructionLoss(layer, targets[layer])}
        if settings.alpha_weight > 0:
            terms["alpha"] = AlphaNormLoss(settings.alpha, PIXEL_BOUND, settings.alpha_weight)
        if settings.tv_weight > 0:
            terms["tv"] = TotalVariationLoss(
                settings.tv_weight / NEIGHBOUR_BOUND**settings.tv_exponent, settings.tv_exponent
            )
        loss_terms = LossTerms(encoder, terms, autocast_dtype=autocast)
        pixels = PixelImage(noise)

        try:
            result = optimize(
                pixels.parameter,
                functools.partial(_on_pixels, loss_terms),
                settings.iterations,
                optimizer=settings.optimizer,
                lr=settings.lr,
                callback=level_reporter(callback, index, len(settings.layers), size, PixelImage.to_rgb),
                project=PixelImage.clamp,
            )
        except Interrupted as stop:
            raise stop.with_best([*results, PixelImage.to_rgb(stop.best)]) from None
        results.append(PixelImage.to_rgb(result.parameter))
    return results


def run(images: Mapping[str, Any], settings: InversionSettings, context: RunContext) -> Image.Image:
    """The job entry point (``jobs.technique``): one captioned sheet, the photo then each layer's
    reconstruction (on Ctrl-C, the sheet of what is done)."""
    from ..image.sheet import captioned_sheet

    photo = images["image"]
    original = resize(photo, fit_long_edge(photo.shape[-2], photo.shape[-1], settings.size))

    def sheet(reconstructions: list[torch.Tensor]) -> Image.Image:
        panels = [("original", original)]
        panels += [(f"from {layer}", image) for layer, image in zip(settings.layers, reconstructions, strict=False)]
        return captioned_sheet(panels, columns=min(len(panels), 3))

    try:
        return sheet(invert(photo, settings, encoder=context.encoder(settings.pooling), callback=context.callback))
    except Interrupted as stop:
        raise stop.with_best(sheet(stop.best)) from None
