"""DeepDream (Mordvintsev, Olah & Tyka 2015): amplify what a layer sees in a photo, octave by octave.

Each octave is a smaller copy of the photo; the dream runs on the smallest first and the detail
it adds is carried up to the next, so structures grow at every scale. Steps follow the gradient
normalised by its mean magnitude, and the image is randomly shifted (jittered) before each step so
that no pixel grid pattern builds up.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..encoders import load_encoder
from ..encoders.precision import autocast_dtype, network_autocast
from ..image.pyramid import fit_long_edge, resize
from ..losses import ActivationObjective, GuidedObjective, LossTerms
from ..optim import Interrupted, optimize
from ..render.param import PixelImage
from ..render.transforms import Jitter
from ..settings.dream import DEFAULT_LAYERS, DreamSettings
from .progress import LevelProgress, level_reporter

__all__ = ["DEFAULT_LAYERS", "DreamSettings", "dream"]

GUIDE_SIZE = 256  # long edge at which the guide's features are taken


def _objective(settings: DreamSettings, encoder, guide: torch.Tensor | None, autocast):
    layer = settings.dream_layer
    channels = settings.channels
    if guide is None:
        return ActivationObjective(layer, channels, power=2)
    with torch.no_grad(), network_autocast(autocast):
        guide_features = encoder(resize(guide, fit_long_edge(*guide.shape[-2:], GUIDE_SIZE)), [layer])[layer]
    return GuidedObjective(layer, guide_features, channels)


def dream(
    image: torch.Tensor,
    settings: DreamSettings = DreamSettings(),
    *,
    guide: torch.Tensor | None = None,
    encoder=None,
    callback: Callable[[LevelProgress], None] | None = None,
) -> torch.Tensor:
    """Dream on ``image`` ((1, 3, H, W) in [0, 1]); with ``guide``, amplify what matches the guide's features."""
    settings.validate(tuple(image.shape[-2:]))
    if encoder is None:
        encoder = load_encoder(settings.network, [settings.dream_layer], pooling=settings.pooling)
    autocast = autocast_dtype(settings.precision)
    loss_terms = LossTerms(encoder, {"dream": _objective(settings, encoder, guide, autocast)}, autocast_dtype=autocast)
    jitter = Jitter(settings.jitter, torch.Generator().manual_seed(settings.seed))
    sizes = settings.octave_sizes(*image.shape[-2:])

    detail = None
    for index, size in enumerate(sizes):
        octave_base = resize(image, size)
        detail = torch.zeros_like(octave_base) if detail is None else resize(detail, size)
        parameter = PixelImage((octave_base + detail).clamp(0, 1)).parameter
        try:
            optimize(
                parameter,
                lambda p: loss_terms(jitter(PixelImage.image(p))),
                settings.iterations,
                optimizer="normalized",
                lr=settings.step,
                callback=level_reporter(callback, index, len(sizes), size, PixelImage.to_rgb),
                project=PixelImage.clamp,
            )
        except Interrupted as stop:
            raise Interrupted(resize(PixelImage.to_rgb(stop.best), sizes[-1]).clamp(0, 1)) from None
        # The optimiser's last step is not evaluated (so not "best"); a dream wants the latest image.
        detail = PixelImage.to_rgb(parameter) - octave_base
    return (resize(image, sizes[-1]) + detail).clamp(0, 1)
