"""CNN visualisation: first-layer filters, top-activating patches through a deconvnet (Zeiler &
Fergus 2014), and activation maximisation of a channel or an ImageNet class (Olah et al. 2017).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..encoders import check_channels, load_encoder, validate_network_layers
from ..encoders.base import Encoder, encoder_device
from ..encoders.deconvnet import Deconvnet, receptive_field
from ..encoders.vgg import VGG19Encoder
from ..errors import BrushworkError
from ..image.sheet import fit_into, grid, upscale
from ..losses import ActivationObjective, ClassObjective, LossTerms
from ..losses.modules import LossTerm
from ..optim import Interrupted, optimize
from ..render.param import FourierImage
from ..render.transforms import standard_transforms
from ..settings.visualize import CLASS_DEFAULTS, ChannelSettings, ClassSettings, FeatureVisualizationSettings
from .context import RunContext
from .progress import LevelProgress, level_reporter

# ---------------------------------------------------------------- first-layer filters


def check_filter_layer(layer: str) -> None:
    """Only the first convolution's filters can be drawn as pictures."""
    if layer != "conv1_1":
        raise BrushworkError(
            f"only conv1_1 sees pixels, so only its filters are pictures; {layer!r} filters act on feature maps"
        )


def filter_grid(encoder: VGG19Encoder, layer: str = "conv1_1", zoom: int = 8, columns: int = 8) -> torch.Tensor:
    """The first convolution's filters as RGB tiles: zero weight is mid-grey, one scale for all filters."""
    check_filter_layer(layer)
    conv = encoder.layers[layer]
    assert isinstance(conv, torch.nn.Conv2d)
    weight = conv.weight.detach().flip(1)  # BGR filters -> RGB
    scaled = 0.5 + 0.5 * weight / weight.abs().max()
    return grid([upscale(w, zoom) for w in scaled], columns, gap=2)


# ---------------------------------------------------------------- top-9 patches through the deconvnet


@dataclass
class TopActivation:
    channel: int
    value: float
    image_index: int
    row: int
    col: int


def find_top_activations(
    images: Iterable[torch.Tensor],
    encoder: VGG19Encoder,
    layer: str,
    channels: Sequence[int],
    k: int = 9,
    progress: Callable[[int], None] | None = None,
) -> dict[int, list[TopActivation]]:
    """For each channel, the ``k`` images that activate it most (one unit each: that image's maximum)."""
    best: dict[int, list[tuple[float, int, int, int]]] = {c: [] for c in channels}
    for image_index, image in enumerate(images):
        with torch.no_grad():
            index = torch.tensor(list(channels), device=image.device)
            activations = encoder(image, [layer])[layer][0, index]  # (C, h, w)
        values, flat = activations.flatten(1).max(dim=1)
        width = activations.shape[-1]
        for channel, value, position in zip(channels, values.tolist(), flat.tolist()):
            entry = (value, image_index, position // width, position % width)
            # A min-heap of size k keeps the k largest seen so far.
            if len(best[channel]) < k:
                heapq.heappush(best[channel], entry)
            elif entry > best[channel][0]:
                heapq.heapreplace(best[channel], entry)
        if progress is not None:
            progress(image_index + 1)
    return {c: [TopActivation(c, *e) for e in sorted(entries, reverse=True)] for c, entries in best.items()}


def _normalise_projection(projection: torch.Tensor) -> torch.Tensor:
    """Signed projection to a viewable image: zero at mid-grey, ±(99.5th percentile magnitude) at 0 or 1.

    A few pixels carry most of the peak; scaling by the maximum would leave the pattern invisible.
    """
    peak = torch.quantile(projection.abs().flatten().float(), 0.995).clamp(min=1e-12)
    return (0.5 + 0.5 * projection / peak).clamp(0, 1)


def top_patches(
    images: Sequence[torch.Tensor], deconvnet: Deconvnet, layer: str, tops: Sequence[TopActivation]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(projection, raw patch) pairs cut to each unit's receptive field, both (1, 3, h, w)."""
    pairs = []
    for top in tops:
        image = images[top.image_index]
        projection = deconvnet.project_unit(image, layer, top.channel, top.row, top.col)
        top_row, left, bottom, right = receptive_field(layer, top.row, top.col, (image.shape[-2], image.shape[-1]))
        patch = (..., slice(top_row, bottom), slice(left, right))
        pairs.append((_normalise_projection(projection[patch]), image[patch]))
    return pairs


def top9_sheet(
    images: Sequence[torch.Tensor],
    encoder: VGG19Encoder,
    layer: str,
    channels: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> list[tuple[str, torch.Tensor]]:
    """Captioned panels, one per channel: 3×3 deconvnet projections beside the 3×3 raw patches."""
    deconvnet = Deconvnet(encoder)
    tops = find_top_activations(images, encoder, layer, channels, progress=progress)
    field = _field_size(layer)
    panels = []
    for channel in channels:
        pairs = top_patches(images, deconvnet, layer, tops[channel])
        projections = grid([fit_into(p, field, 0.5) for p, _ in pairs], 3, gap=1)
        patches = grid([fit_into(q, field) for _, q in pairs], 3, gap=1)
        gap = torch.ones(1, 3, projections.shape[-2], 4, device=projections.device)
        panels.append((f"{layer} channel {channel}", torch.cat([projections, gap, patches], dim=3)))
    return panels


def _field_size(layer: str) -> tuple[int, int]:
    top, left, bottom, right = receptive_field(layer, 1000, 1000, (10**6, 10**6))
    return bottom - top, right - left


# ---------------------------------------------------------------- activation maximisation


def render(
    objective: LossTerm,
    settings: FeatureVisualizationSettings,
    encoder: Encoder,
    callback: Callable[[LevelProgress], None] | None = None,
) -> torch.Tensor:
    """Optimise a Fourier-parameterised batch of images, seen through random transforms, for ``objective``,
    on the encoder's device."""
    generator = torch.Generator().manual_seed(settings.seed)
    image = FourierImage(
        settings.batch,
        settings.size,
        settings.size,
        decay=settings.decay,
        generator=generator,
        device=encoder_device(encoder),
    )
    transforms = standard_transforms(generator, settings.jitter)
    loss_terms = LossTerms(encoder, {"objective": objective})
    size = (settings.size, settings.size)
    try:
        result = optimize(
            image.parameter,
            lambda p: loss_terms(transforms(image.image(p))),
            settings.iterations,
            optimizer="adam",
            lr=settings.lr,
            # One picture per report, the batch side by side, as the result is shown.
            callback=level_reporter(callback, 0, 1, size, lambda p: side_by_side(image.to_rgb(p))),
        )
    except Interrupted as stop:
        raise stop.with_best(image.to_rgb(stop.best)) from None
    # Adam's latest image, not the "best" evaluated one: the loss is measured on random transforms.
    return image.to_rgb(image.parameter if settings.iterations else result.parameter)


def visualize_channel(
    layer: str,
    channel: int,
    settings: FeatureVisualizationSettings = FeatureVisualizationSettings(),
    *,
    encoder: Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    device: torch.device | None = None,
) -> torch.Tensor:
    """Images (batch, 3, size, size) that excite one channel of ``layer``, made on ``encoder``'s device
    (or, loading one, on ``device``; None: the host)."""
    settings.validate()
    validate_network_layers(settings.network, [layer])
    check_channels(settings.network, layer, [channel])
    if encoder is None:
        encoder = load_encoder(settings.network, [layer], pooling=settings.pooling, device=device)
    return render(ActivationObjective(layer, [channel]), settings, encoder, callback)


def visualize_class(
    class_index: int,
    settings: FeatureVisualizationSettings = CLASS_DEFAULTS,
    *,
    encoder: Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    device: torch.device | None = None,
) -> torch.Tensor:
    """Images (batch, 3, size, size) that the ImageNet classifier scores highly as ``class_index``, made on
    ``encoder``'s device (or, loading one, on ``device``; None: the host)."""
    settings.validate()
    if settings.network != "efficientnet-lite0":
        raise BrushworkError("class visualisation needs a classifier: use network efficientnet-lite0")
    if not 0 <= class_index < 1000:
        raise BrushworkError(f"ImageNet class index must be 0..999, not {class_index}")
    if encoder is None:
        encoder = load_encoder(settings.network, ["logits"], device=device)
    return render(ClassObjective(class_index), settings, encoder, callback)


def side_by_side(batch: torch.Tensor) -> torch.Tensor:
    """A batch of pictures as one, left to right."""
    return grid(list(batch.split(1)), columns=batch.shape[0], gap=4)


def run_channel(images: Mapping[str, Any], settings: ChannelSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): the batch side by side (on Ctrl-C, what it has so far)."""
    try:
        return side_by_side(
            visualize_channel(
                settings.layer, settings.channel, settings, callback=context.callback, device=context.device
            )
        )
    except Interrupted as stop:
        raise stop.with_best(side_by_side(stop.best)) from None


def run_class(images: Mapping[str, Any], settings: ClassSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): the batch side by side (on Ctrl-C, what it has so far)."""
    from ..imagenet import find_imagenet_class

    try:
        return side_by_side(
            visualize_class(
                find_imagenet_class(settings.class_name), settings, callback=context.callback, device=context.device
            )
        )
    except Interrupted as stop:
        raise stop.with_best(side_by_side(stop.best)) from None
