"""Gatys neural style transfer, coarse to fine.

The engine works on tensors and does no I/O. ``TransferSettings`` and ``PRESETS`` (declared in
``brushwork.settings.transfer``) hold every default; the CLI, the studio and jobs read them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

from ..constants import GATYS_STYLE_LAYERS, MIN_SIZE
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..errors import BrushworkError
from ..image import color
from ..image.pyramid import fit_area, high_frequencies, resize
from ..losses import ContentLoss, LossTerms, StyleLoss, TotalVariationLoss
from ..optim import Interrupted, optimize
from ..render.param import PIXEL_SCALE, PixelImage
from ..settings.transfer import INITS, PRESERVE_COLORS, PRESETS, TransferSettings
from .progress import LevelProgress, level_reporter

__all__ = [
    "GATYS_STYLE_LAYERS", "INITS", "MIN_SIZE", "PRESERVE_COLORS", "PRESETS", "TransferProgress", "TransferSettings",
    "stylize",
]

# Kept under its first name for the public API.
TransferProgress = LevelProgress


class _Sum:
    """Several loss terms reported as one (the style term when masks split it by region)."""

    def __init__(self, terms):
        self.terms = list(terms)
        self.layers = sorted({layer for t in self.terms for layer in t.layers})

    def __call__(self, features, image):
        return sum(t(features, image) for t in self.terms)


def _style_regions(n_styles: int, masks: Mapping[int, torch.Tensor] | None, blend: Sequence[float]):
    """(style indices, blend weights, mask or None) for each region of the output."""
    masks = dict(masks or {})
    for index in masks:
        if not 0 <= index < n_styles:
            raise BrushworkError(f"mask refers to style {index}, but there are {n_styles} style images (0-based)")
    regions = [([i], [1.0], masks[i]) for i in sorted(masks)]
    rest = [i for i in range(n_styles) if i not in masks]
    if rest:
        remainder = None
        if masks:
            remainder = (1.0 - sum(masks.values())).clamp(0.0, 1.0)
        regions.append((rest, [blend[i] for i in rest], remainder))
    return regions




class _Level:
    """Parameterisation for one level: what is optimised and how it becomes an RGB image."""

    def __init__(self, luminance_only: bool, content: torch.Tensor):
        self.luminance_only = luminance_only
        self.content = content

    def network_input(self, parameter: torch.Tensor) -> torch.Tensor:
        # Luminance-only transfer feeds the grey image Y to the network (R = G = B = Y).
        image = parameter / PIXEL_SCALE
        return image.expand(-1, 3, -1, -1) if self.luminance_only else image

    def to_rgb(self, parameter: torch.Tensor) -> torch.Tensor:
        parameter = parameter.detach() / PIXEL_SCALE
        if self.luminance_only:
            return color.combine_luminance(parameter, self.content).clamp(0, 1)
        return parameter.clamp(0, 1)

    def from_rgb(self, image: torch.Tensor) -> torch.Tensor:
        return (color.luminance(image) if self.luminance_only else image) * PIXEL_SCALE


def stylize(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    settings: TransferSettings = PRESETS["default"],
    *,
    masks: Mapping[int, torch.Tensor] | None = None,
    init_image: torch.Tensor | None = None,
    encoder: VGG19Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
) -> torch.Tensor:
    """Paint ``content`` in the style of ``styles``; all images are (1, 3, H, W) RGB in [0, 1].

    ``masks`` maps a style index to a (1, 1, H, W) weight map in [0, 1] (any size; it is resized
    to the content): that region takes that style alone, the rest takes the other styles.
    Returns the output at ``settings.size`` (long edge). On Ctrl-C raises ``Interrupted`` whose
    ``best`` is the best image so far, already resized to the output size and colour-corrected.
    """
    settings.validate(len(styles))
    blend = settings.style_blend or (1.0,) * len(styles)
    regions = _style_regions(len(styles), masks, blend)
    if encoder is None:
        encoder = load_vgg19([settings.content_layer, *settings.style_layers], pooling=settings.pooling)
    autocast = autocast_dtype(settings.precision)
    luminance_only = settings.preserve_colors == "luminance"
    if settings.preserve_colors == "histogram":
        styles = [color.match_color_histogram(style, content) for style in styles]
    generator = torch.Generator().manual_seed(settings.seed)

    sizes = settings.level_sizes(*content.shape[-2:])
    final_level = _Level(luminance_only, resize(content, sizes[-1]))
    parameter = None
    previous_size = None
    for level_index, (size, iterations) in enumerate(zip(sizes, settings.iterations)):
        level_content = resize(content, size)
        level = _Level(luminance_only, level_content)
        content_input = level.from_rgb(level_content)

        if parameter is None:
            if init_image is not None:
                parameter = level.from_rgb(resize(init_image, size))
            elif settings.init == "noise":
                parameter = torch.rand(content_input.shape, generator=generator) * PIXEL_SCALE
            elif settings.init == "content":
                parameter = content_input.clone()
            else:
                raise BrushworkError("init = image needs an init image")
        else:
            parameter = resize(parameter, size)
            if settings.content_detail:
                parameter = parameter + high_frequencies(content_input, previous_size)
        parameter = parameter.detach().contiguous()

        is_detail_level = len(sizes) > 1 and level_index == len(sizes) - 1
        level_settings = settings.detail_level() if is_detail_level else settings
        terms = _level_terms(encoder, level, content_input, styles, regions, masks, size, level_settings, autocast)

        try:
            result = optimize(
                parameter,
                lambda p: terms(level.network_input(p)),
                iterations,
                optimizer=settings.optimizer,
                lr=settings.lr,
                callback=level_reporter(callback, level_index, len(sizes), size, level.to_rgb),
                project=PixelImage.clamp,
            )
        except Interrupted as stop:
            best = resize(level.to_rgb(stop.best), sizes[-1])
            raise Interrupted(best) from None
        parameter = result.parameter
        previous_size = size

    return final_level.to_rgb(parameter)


def _level_terms(encoder, level, content_input, styles, regions, masks, size, settings, autocast):
    """Loss terms for one level; targets are computed once here, without gradients."""
    with torch.no_grad(), network_autocast(autocast):
        content_target = encoder(level.network_input(content_input), [settings.content_layer])[
            settings.content_layer
        ]
        style_features = []
        area = size[0] * size[1] * settings.style_scale**2
        for style in styles:
            style_input = level.from_rgb(resize(style, fit_area(*style.shape[-2:], area)))
            if level.luminance_only:
                style_input = color.match_luminance(style_input, content_input)
            style_features.append(encoder(level.network_input(style_input), settings.style_layers))

    layer_weights = settings.layer_weights()
    style_terms = []
    for indices, weights, mask in regions:
        targets = StyleLoss.targets_from([style_features[i] for i in indices], weights)
        region_mask = None if mask is None else resize(mask, size).clamp(0, 1)
        style_terms.append(StyleLoss(targets, layer_weights, settings.style_weight, region_mask))
    terms = {
        "content": ContentLoss(settings.content_layer, content_target, settings.content_weight),
        "style": style_terms[0] if len(style_terms) == 1 else _Sum(style_terms),
    }
    if settings.tv_weight > 0:
        terms["tv"] = TotalVariationLoss(settings.tv_weight)
    return LossTerms(encoder, terms, autocast_dtype=autocast)
