"""DeepDream (Mordvintsev, Olah & Tyka 2015): amplify what a layer sees in a photo, octave by octave.

Each octave is a smaller copy of the photo; the dream runs on the smallest first and the detail
it adds is carried up to the next, so structures grow at every scale. Steps follow the gradient
normalised by its mean magnitude, and the image is randomly shifted (jittered) before each step so
that no pixel grid pattern builds up.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import torch

from ..encoders import check_channels, load_encoder, validate_network_layers
from ..encoders.precision import autocast_dtype, network_autocast, validate_precision
from ..errors import BrushworkError
from ..image.pyramid import fit_long_edge, resize
from ..losses import ActivationObjective, GuidedObjective, LossTerms
from ..optim import Interrupted, optimize
from ..render.param import PixelImage
from ..render.transforms import Jitter
from .progress import LevelProgress, level_reporter
from .transfer import MIN_SIZE

DEFAULT_LAYERS = {"vgg19": "relu4_2", "efficientnet-lite0": "block9"}
GUIDE_SIZE = 256  # long edge at which the guide's features are taken


@dataclass(frozen=True)
class DreamSettings:
    network: str = "vgg19"
    layer: str | None = None  # None: the network's default (DEFAULT_LAYERS)
    channels: tuple[int, ...] | None = None  # None: all channels of the layer
    size: int | None = None  # long edge of the output; None keeps the photo's size
    max_size: int = 4096
    octaves: int = 4
    octave_scale: float = 1.4
    iterations: int = 10  # per octave
    step: float = 1.5  # pixels (0-255) per step, after normalising the gradient
    jitter: int = 32  # pixels
    pooling: str = "max"  # VGG19 only; max gives the crisper, classic dream structures
    precision: str = "auto"
    seed: int = 0

    def replace(self, **changes) -> "DreamSettings":
        return dataclasses.replace(self, **changes)

    @property
    def dream_layer(self) -> str:
        return self.layer or DEFAULT_LAYERS.get(self.network, "")

    def validate(self, image_size: tuple[int, int]) -> None:
        validate_network_layers(self.network, [self.dream_layer])
        if self.size is not None and not MIN_SIZE <= self.size <= self.max_size:
            raise BrushworkError(f"size must be between {MIN_SIZE} and {self.max_size} pixels, not {self.size}")
        if self.size is None and max(image_size) > self.max_size:
            raise BrushworkError(f"the photo is {max(image_size)} pixels long; give --size up to {self.max_size}")
        if self.octaves < 1:
            raise BrushworkError(f"octaves must be >= 1, not {self.octaves}")
        if not (math.isfinite(self.octave_scale) and 1 < self.octave_scale <= 4):
            raise BrushworkError(f"octave scale must be in (1, 4], not {self.octave_scale}")
        if not (math.isfinite(self.step) and self.step > 0):
            raise BrushworkError(f"step must be > 0, not {self.step}")
        if self.jitter < 0 or self.iterations < 0:
            raise BrushworkError("jitter and iterations must be >= 0")
        if self.channels is not None and any(c < 0 for c in self.channels):
            raise BrushworkError("channel numbers must be >= 0")
        validate_precision(self.precision)

    def octave_sizes(self, height: int, width: int) -> list[tuple[int, int]]:
        """From the smallest octave to the output size."""
        final = fit_long_edge(height, width, self.size) if self.size else (height, width)
        sizes = []
        for k in reversed(range(self.octaves)):
            factor = self.octave_scale**-k
            sizes.append((max(MIN_SIZE // 2, round(final[0] * factor)), max(MIN_SIZE // 2, round(final[1] * factor))))
        return sizes


def _objective(settings: DreamSettings, encoder, guide: torch.Tensor | None, autocast):
    layer = settings.dream_layer
    channels = settings.channels
    if channels is not None:
        check_channels(settings.network, layer, channels)
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
