"""Gatys neural style transfer, coarse to fine.

The engine works on tensors and does no I/O. ``TransferSettings`` holds every default; the CLI
reads its defaults from ``PRESETS`` so they live only here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import torch

from ..encoders.precision import autocast_dtype, network_autocast, validate_precision
from ..encoders.vgg import VGG19_LAYERS, VGG19Encoder, load_vgg19, validate_layers
from ..errors import BrushworkError
from ..image import color
from ..image.pyramid import fit_area, fit_long_edge, high_frequencies, resize
from ..losses import ContentLoss, LossTerms, StyleLoss, TotalVariationLoss
from ..optim import Interrupted, optimize
from ..render.param import PIXEL_SCALE, PixelImage
from .checks import nonnegative, style_layer_weights, validate_schedule, validate_style_layers
from .progress import LevelProgress, level_reporter

PRESERVE_COLORS = ("none", "luminance", "histogram")
INITS = ("content", "noise")
MIN_SIZE = 32
GATYS_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@dataclass(frozen=True)
class TransferSettings:
    """Everything that shapes a style transfer, with the engine's defaults."""

    size: int = 512  # long edge of the output, in pixels
    max_size: int = 4096  # larger sizes are refused
    content_layer: str = "relu4_2"
    # Against 1e3/N² style weights on this (unnormalised) VGG, 5 keeps the photo recognisable.
    content_weight: float = 5.0
    style_layers: tuple[str, ...] = GATYS_STYLE_LAYERS
    # Per-layer style weights; None means 1e3 / N² for a layer of N channels (Gatys et al.).
    style_layer_weights: tuple[float, ...] | None = None
    style_weight: float = 1.0
    tv_weight: float = 0.0
    pooling: str = "avg"
    init: str = "content"  # "content", "noise", or a path resolved by the caller
    optimizer: str = "lbfgs"
    lr: float | None = None  # None: the optimizer's own default
    # Coarse-to-fine schedule: fractions of ``size`` and the iterations run at each.
    scales: tuple[float, ...] = (0.25, 0.5, 1.0)
    # Iterations at the smallest size are 6x cheaper than at full size and set the deep statistics
    # the detail level (below) no longer optimises, so they get the most.
    iterations: tuple[int, ...] = (150, 30, 30)
    # Add the content's detail lost by upsampling back to each level's starting image.
    content_detail: bool = True
    # The last level of a multi-level schedule runs the network only this deep: it matches the
    # style layers at or above this layer and moves a deeper content layer here (same weight).
    # The coarse levels have already set the deep, large-scale statistics; at full size the layers
    # past relu3_1 are 69 % of VGG19's work. On bench/transfer.py the result's neutral (all-layer)
    # losses stay below pastiche's 500 steps in 0.63x the time of the all-layer "quality" preset.
    # None: every level uses every layer, the paper's objective.
    detail_depth: str | None = "relu3_1"
    style_scale: float = 1.0  # style image side relative to the output's (at equal pixel count)
    style_blend: tuple[float, ...] | None = None  # None: equal blend of all styles
    preserve_colors: str = "none"
    precision: str = "auto"  # network precision (auto: bfloat16 where the CPU has it); Grams and losses are float32
    seed: int = 0

    def replace(self, **changes) -> "TransferSettings":
        return dataclasses.replace(self, **changes)

    def layer_weights(self) -> dict[str, float]:
        return style_layer_weights(self.style_layers, self.style_layer_weights)

    def detail_level(self) -> "TransferSettings":
        """The settings of the last level of a multi-level schedule (see ``detail_depth``)."""
        if self.detail_depth is None:
            return self
        depth = VGG19_LAYERS.index(self.detail_depth)
        weights = self.layer_weights()
        kept = [layer for layer in self.style_layers if VGG19_LAYERS.index(layer) <= depth]
        if not kept:
            raise BrushworkError(
                f"no style layer is at or above the detail depth {self.detail_depth}; "
                "choose a deeper --detail-depth or --detail-depth none"
            )
        content_layer = self.content_layer
        if VGG19_LAYERS.index(content_layer) > depth:
            content_layer = self.detail_depth
        return self.replace(
            style_layers=tuple(kept),
            style_layer_weights=tuple(weights[layer] for layer in kept),
            content_layer=content_layer,
            detail_depth=None,
        )

    def level_sizes(self, height: int, width: int) -> list[tuple[int, int]]:
        return [fit_long_edge(height, width, max(MIN_SIZE // 2, round(self.size * s))) for s in self.scales]

    def validate(self, n_styles: int) -> None:
        if not MIN_SIZE <= self.size <= self.max_size:
            raise BrushworkError(f"size must be between {MIN_SIZE} and {self.max_size} pixels, not {self.size}")
        validate_layers([self.content_layer])
        validate_style_layers(self.style_layers, self.style_layer_weights)
        for name in ("content_weight", "style_weight", "tv_weight"):
            nonnegative(name.replace("_", "-"), getattr(self, name))
        if self.pooling not in ("max", "avg"):
            raise BrushworkError(f"pooling must be 'max' or 'avg', not {self.pooling!r}")
        if self.preserve_colors not in PRESERVE_COLORS:
            raise BrushworkError(f"preserve-colors must be one of {', '.join(PRESERVE_COLORS)}")
        validate_precision(self.precision)
        validate_schedule(self.scales, self.iterations)
        if self.detail_depth is not None:
            validate_layers([self.detail_depth])
            if len(self.scales) > 1:
                self.detail_level()
        if not (math.isfinite(self.style_scale) and 0.1 <= self.style_scale <= 4):
            raise BrushworkError(f"style scale must be between 0.1 and 4, not {self.style_scale}")
        if n_styles < 1:
            raise BrushworkError("at least one style image is needed")
        if self.style_blend is not None:
            if len(self.style_blend) != n_styles:
                raise BrushworkError(f"{len(self.style_blend)} blend weights given for {n_styles} style images")
            for w in self.style_blend:
                nonnegative("style blend weight", w)
            if sum(self.style_blend) <= 0:
                raise BrushworkError("style blend weights must not all be zero")


PRESETS: dict[str, TransferSettings] = {
    # Best result per second on a laptop CPU (see bench/transfer.py).
    "default": TransferSettings(),
    # Lower losses for 1.4-1.6x the time: every layer but relu5_1 at full size (relu5_1's loss
    # there was already 0.1 % of the total, so dropping it changed no loss by 0.5 % and saved 23 %).
    "quality": TransferSettings(iterations=(100, 60, 30), detail_depth="relu4_2"),
    # Gatys, Ecker & Bethge 2016 as in the seeds: conv4_2 content, conv1_1..conv5_1 style with
    # weights 1e3/N², L-BFGS from noise, average pooling, one scale, float32. Caffe's ReLUs are
    # in place, so the paper's "conv4_2" features are the rectified ones: relu4_2 here.
    "gatys2016": TransferSettings(
        content_layer="relu4_2",
        style_layers=GATYS_STYLE_LAYERS,
        style_layer_weights=None,
        content_weight=1.0,
        style_weight=1.0,
        tv_weight=0.0,
        pooling="avg",
        init="noise",
        optimizer="lbfgs",
        scales=(1.0,),
        iterations=(500,),
        content_detail=False,
        detail_depth=None,
        precision="float32",
    ),
}


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
                raise BrushworkError(f"init must be one of {', '.join(INITS)} or an image")
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
