"""DeepDream (Mordvintsev, Olah & Tyka 2015): amplify what a layer sees in a photo, octave by octave.

Each octave is a smaller copy of the photo; the dream runs on the smallest first and the detail
it adds is carried up to the next, so structures grow at every scale. Steps follow the gradient
normalised by its mean magnitude, and the image is randomly shifted (jittered) before each step so
that no pixel grid pattern builds up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ..encoders import load_encoder
from ..encoders.base import Encoder
from ..encoders.devices import free_bytes
from ..encoders.precision import autocast_dtype, network_autocast
from ..geometry import at_least
from ..image.pyramid import fit_long_edge, resize
from ..losses import ActivationObjective, GuidedObjective
from ..render.param import PixelImage
from ..render.transforms import Jitter
from ..settings.dream import DEFAULT_LAYERS, DreamSettings
from .context import RunContext
from .levels import CoarseToFine, Level, LevelLoss, LevelStore
from .planning import plan_levels
from .progress import LevelProgress

__all__ = ["DEFAULT_LAYERS", "DreamSettings", "dream"]

GUIDE_SIZE = 256  # long edge at which the guide's features are taken


def _objective(
    settings: DreamSettings, encoder: Encoder, guide: torch.Tensor | None, autocast: torch.dtype | None
) -> ActivationObjective | GuidedObjective:
    layer = settings.dream_layer
    channels = settings.channels
    if guide is None:
        return ActivationObjective(layer, channels, power=2)
    with torch.no_grad(), network_autocast(autocast, guide.device.type):
        read_at = at_least(*fit_long_edge(guide.shape[-2], guide.shape[-1], GUIDE_SIZE), settings.min_side())
        guide_features = encoder(resize(guide, read_at), [layer])[layer]
    return GuidedObjective(layer, guide_features, channels)


def dream(
    image: torch.Tensor,
    settings: DreamSettings = DreamSettings(),
    *,
    guide: torch.Tensor | None = None,
    encoder: Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    level_store: LevelStore | None = None,
) -> torch.Tensor:
    """Dream on ``image`` ((1, 3, H, W) in [0, 1]); with ``guide``, amplify what matches the guide's features.

    An octave too large for the memory budget runs in tiles (VGG19 only), whose tiles a ``Reporter`` callback
    hears of.
    """
    settings.validate()
    settings.check_photo((image.shape[-2], image.shape[-1]))
    sizes = settings.octave_sizes(image.shape[-2], image.shape[-1])
    # VGG19's octaves too large for the memory budget run in tiles (the same objective and gradient).
    # The normalised-gradient steps keep no history: one pair is counted.
    plans = (
        plan_levels(
            settings,
            sizes,
            [[settings.dream_layer]] * len(sizes),
            [1] * len(sizes),
            available=free_bytes(image.device),
        )
        if settings.network == "vgg19"
        else None
    )
    if encoder is None:
        encoder = load_encoder(settings.network, [settings.dream_layer], pooling=settings.pooling, device=image.device)
    autocast = autocast_dtype(settings.precision, image.device)
    terms = {"dream": _objective(settings, encoder, guide, autocast)}
    jitter = Jitter(settings.jitter, torch.Generator().manual_seed(settings.seed))

    def objective(octave: Level) -> LevelLoss:
        return LevelLoss(terms, lambda p: jitter(PixelImage.image(p)))

    def detail_of(parameter: torch.Tensor, octave: Level) -> torch.Tensor:
        """What the dream added to the photo at an octave: carried up to the next one."""
        return PixelImage.to_rgb(parameter) - resize(image, octave.size)

    def carry(parameter: torch.Tensor, previous: Level, octave: Level) -> torch.Tensor:
        detail = resize(detail_of(parameter, previous), octave.size)
        return PixelImage((resize(image, octave.size) + detail).clamp(0, 1)).parameter

    octaves = CoarseToFine(
        start=lambda octave: PixelImage(resize(image, octave.size).clamp(0, 1)).parameter,
        carry=carry,
        objective=objective,
        to_rgb=lambda parameter, octave: PixelImage.to_rgb(parameter),
        network=encoder,
        autocast=autocast,
        optimizer="normalized",
        lr=settings.step,
        plans=plans,
        # The optimiser's last step is not evaluated (so not "best"); a dream wants the latest image.
        keep_latest=True,
    )
    parameter, last = octaves.run(sizes, [settings.iterations] * len(sizes), callback, level_store)
    return (resize(image, last.size) + detail_of(parameter, last)).clamp(0, 1)


def run(images: Mapping[str, Any], settings: DreamSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): ``images`` by role, loaded."""
    return dream(
        images["image"],
        settings,
        guide=images.get("guide"),
        encoder=context.encoder(settings.pooling) if settings.network == "vgg19" else None,
        callback=context.callback,
        level_store=context.level_store,
    )
