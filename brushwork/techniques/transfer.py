"""Gatys neural style transfer, coarse to fine.

The engine works on tensors and does no I/O. ``TransferSettings`` and ``PRESETS`` (declared in
``brushwork.settings.transfer``) hold every default; the CLI, the studio and jobs read them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..constants import GATYS_STYLE_LAYERS, MIN_SIZE
from ..encoders.devices import free_bytes
from ..encoders.precision import autocast_dtype
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..errors import BrushworkError
from ..image import color
from ..image.pyramid import high_frequencies, resize
from ..losses import ContentLoss, LossTerms, RegionalStyleLoss, StyleLoss, TotalVariationLoss
from ..losses.distributions import GaussianW2Loss, SlicedWassersteinLoss, random_directions
from ..losses.modules import LossTerm
from ..losses.moments import LayerMoments
from ..losses.tiled import feature_maps, feature_moments
from ..render.param import PIXEL_SCALE
from ..settings.fast import FAST_LAYER, FastSettings
from ..settings.transfer import INITS, PRESERVE_COLORS, PRESETS, TILEABLE_STYLE_LOSSES, TransferSettings
from .context import RunContext
from .fast import FAST_POOLING
from .fast import paint as fast_paint
from .levels import CoarseToFine, Level, LevelLoss, LevelStore
from .planning import plan_levels
from .progress import LevelProgress, draft_events
from .regions import StyleRegion, style_regions

__all__ = [
    "GATYS_STYLE_LAYERS",
    "INITS",
    "MIN_SIZE",
    "PRESERVE_COLORS",
    "PRESETS",
    "StyleRegion",
    "TransferLevel",
    "TransferProgress",
    "TransferSettings",
    "level_loss_terms",
    "style_regions",
    "stylize",
]

# Kept under its first name for the public API.
TransferProgress = LevelProgress


class TransferLevel:
    """One level of a transfer: the content at its size, and how the optimised parameter becomes RGB.

    The parameter is in 0-255 pixel units; with luminance-only transfer it is the grey image Y,
    fed to the network as R = G = B = Y and recombined with the photo's colours on output.
    """

    def __init__(self, content: torch.Tensor, luminance_only: bool):
        self.content = content
        self.size: tuple[int, int] = (content.shape[-2], content.shape[-1])
        self.luminance_only = luminance_only
        self.content_input = self.from_rgb(content)

    def network_input(self, parameter: torch.Tensor) -> torch.Tensor:
        image = parameter / PIXEL_SCALE
        return image.expand(-1, 3, -1, -1) if self.luminance_only else image

    def to_rgb(self, parameter: torch.Tensor) -> torch.Tensor:
        parameter = parameter.detach() / PIXEL_SCALE
        if self.luminance_only:
            return color.combine_luminance(parameter, self.content).clamp(0, 1)
        return parameter.clamp(0, 1)

    def from_rgb(self, image: torch.Tensor) -> torch.Tensor:
        return (color.luminance(image) if self.luminance_only else image) * PIXEL_SCALE


def style_term(
    settings: TransferSettings,
    styles: Sequence[torch.Tensor],
    blend: Sequence[float],
    mask: torch.Tensor | None,
    read: StyleReader,
) -> LossTerm:
    """The style loss ``settings.style_loss`` names, for one region of the output, against ``styles``
    (network inputs), which ``read`` turns into features or moments.

    The sliced loss's directions are drawn once per level from the seed: L-BFGS keeps a curvature
    history that assumes one fixed objective, which redrawing them at every evaluation would break.
    """
    layer_weights = settings.layer_weights()
    if settings.style_loss == "gram":
        grams = StyleLoss.targets_from_moments([read.moments(style) for style in styles], blend)
        return StyleLoss(grams, layer_weights, settings.style_weight, mask)
    if settings.style_loss == "w2":
        moments = GaussianW2Loss.targets_from_moments([read.moments(style) for style in styles], blend)
        return GaussianW2Loss(moments, layer_weights, settings.style_weight, mask)
    features_per_style = [read.features(style) for style in styles]
    generator = torch.Generator().manual_seed(settings.seed)
    directions = {}
    for layer in settings.style_layers:
        channels = features_per_style[0][layer].shape[1]
        directions[layer] = (
            torch.eye(channels, device=features_per_style[0][layer].device)
            if settings.style_loss == "histogram"
            else random_directions(channels, channels, generator, features_per_style[0][layer].device)
        )
    targets = SlicedWassersteinLoss.targets_from(features_per_style, blend, directions)
    return SlicedWassersteinLoss(directions, targets, layer_weights, settings.style_weight, mask)


@dataclass(frozen=True)
class StyleReader:
    """How a level reads its style images' targets: whole, or (at a print size) one tile at a time."""

    encoder: VGG19Encoder
    layers: Sequence[str]
    tile: int | None
    autocast: torch.dtype | None

    def moments(self, style: torch.Tensor) -> LayerMoments:
        return feature_moments(self.encoder, style, self.layers, self.tile, self.autocast)

    def features(self, style: torch.Tensor) -> dict[str, torch.Tensor]:
        # Only sums over positions can be gathered over tiles: sorted projections need every position.
        assert self.tile is None, "a level in tiles has only tileable style losses"
        return feature_maps(self.encoder, style, self.layers, None, self.autocast)


def level_loss_terms(
    encoder: VGG19Encoder,
    level: TransferLevel,
    styles: Sequence[torch.Tensor],
    regions: Sequence[StyleRegion],
    settings: TransferSettings,
    autocast: torch.dtype | None,
    tile: int | None = None,
) -> LossTerms:
    """Content, style (per region) and TV terms for one level; targets are computed once here, without
    gradients, and with ``tile`` one tile's network pass at a time (the same targets)."""
    content_target = feature_maps(
        encoder, level.network_input(level.content_input), [settings.content_layer], tile, autocast
    )[settings.content_layer]
    style_inputs = []
    for style in styles:
        style_input = level.from_rgb(resize(style, settings.style_size(level.size, (style.shape[-2], style.shape[-1]))))
        if level.luminance_only:
            style_input = color.match_luminance(style_input, level.content_input)
        style_inputs.append(level.network_input(style_input))
    read = StyleReader(encoder, settings.style_layers, tile, autocast)
    style_terms = [
        style_term(
            settings,
            [style_inputs[i] for i in region.styles],
            region.blend,
            None if region.mask is None else resize(region.mask, level.size).clamp(0, 1),
            read,
        )
        for region in regions
    ]
    terms: dict[str, LossTerm] = {
        "content": ContentLoss(settings.content_layer, content_target, settings.content_weight),
        "style": style_terms[0] if len(style_terms) == 1 else RegionalStyleLoss(style_terms),
    }
    if settings.tv_weight > 0:
        terms["tv"] = TotalVariationLoss(settings.tv_weight)
    return LossTerms(encoder, terms, autocast_dtype=autocast)


def stylize(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    settings: TransferSettings = PRESETS["default"],
    *,
    masks: Mapping[int, torch.Tensor] | None = None,
    init_image: torch.Tensor | None = None,
    encoder: VGG19Encoder | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    level_store: LevelStore | None = None,
    extra_terms: Callable[[TransferLevel], Mapping[str, LossTerm]] | None = None,
    draft_encoder: VGG19Encoder | None = None,
) -> torch.Tensor:
    """Paint ``content`` in the style of ``styles``; all images are (1, 3, H, W) RGB in [0, 1].

    ``masks`` maps a style index to a (1, 1, H, W) weight map in [0, 1] (any size; it is resized
    to the content): that region takes that style alone, the rest takes the other styles.
    Returns the output at ``settings.size`` (long edge). On Ctrl-C raises ``Interrupted`` whose
    ``best`` is the best image so far, already resized to the output size and colour-corrected.
    With ``level_store``, each finished level is kept there and a run starts after the last one kept.
    ``extra_terms(level)`` adds loss terms of a technique built on this one (video's temporal loss) to
    each level's; they see the network's input image. A ``Reporter`` as ``callback`` hears of each tile of
    a tiled level too, and of the draft where ``init`` is draft. ``draft_encoder``: a VGG19 with max pooling
    to relu4_1 or deeper for the draft (None: ``encoder`` where it is one, else it is loaded).
    """
    settings.validate()
    settings.check_styles(len(styles))
    photo = (content.shape[-2], content.shape[-1])
    settings.check_geometry(photo, [(s.shape[-2], s.shape[-1]) for s in styles])
    sizes = settings.level_sizes(*photo)
    level_settings = settings.level_settings()
    plans = plan_levels(
        settings,
        sizes,
        [[level.content_layer, *level.style_layers] for level in level_settings],
        settings.level_iterations(),
        held_maps=[[level.content_layer] for level in level_settings],
        available=free_bytes(content.device),
    )
    if settings.style_loss not in TILEABLE_STYLE_LOSSES and any(plan.tile is not None for plan in plans):
        raise settings.error(
            "style_loss",
            f"at {settings.size} px the network needs more than the memory budget, and {{name}} "
            f"{settings.style_loss} cannot run in tiles (it sorts positions): give {{name}} gram or w2, a smaller "
            "size or more memory",
        )
    if settings.start() == "image" and init_image is None:
        raise BrushworkError("init = image needs an init image")
    regions = style_regions(len(styles), masks, settings.style_blend or (1.0,) * len(styles), photo)
    if encoder is None:
        encoder = load_vgg19(
            [settings.content_layer, *settings.style_layers], pooling=settings.pooling, device=content.device
        )
    vgg = encoder
    autocast = autocast_dtype(settings.precision, content.device)
    luminance_only = settings.preserve_colors == "luminance"
    if settings.preserve_colors == "histogram":
        styles = [color.match_color_histogram(style, content) for style in styles]
    generator = torch.Generator().manual_seed(settings.seed)
    levels: dict[int, TransferLevel] = {}

    def at(level: Level) -> TransferLevel:
        if level.index not in levels:
            levels[level.index] = TransferLevel(resize(content, level.size), luminance_only)
        return levels[level.index]

    def start(level: Level) -> torch.Tensor:
        content_input = at(level).content_input
        if init_image is not None:
            return at(level).from_rgb(resize(init_image, level.size))
        if settings.start() == "draft":
            painted = draft(content, styles, masks, settings, level.size, draft_encoder or vgg)
            started = at(level).from_rgb(resize(painted, level.size))
            report = draft_events(callback)
            if report is not None:
                report(at(level).to_rgb(started))  # as the level sees it (grey over the photo's colours, say)
            return started
        if settings.start() == "noise":
            # Drawn where the generator is (the same noise on every device), then moved to the photo's.
            noise = torch.rand(content_input.shape, generator=generator, device=generator.device)
            return noise.to(content_input.device) * PIXEL_SCALE
        return content_input.clone()

    def carry(parameter: torch.Tensor, previous: Level, level: Level) -> torch.Tensor:
        parameter = resize(parameter, level.size)
        if settings.content_detail:
            # Put back the photo's detail that the coarser level could not hold.
            parameter = parameter + high_frequencies(at(level).content_input, previous.size)
        return parameter

    def objective(level: Level) -> LevelLoss:
        # ``plans``' tile only sets how the targets are read here; the driver runs the level whole or tiled.
        terms = level_loss_terms(
            vgg, at(level), styles, regions, level_settings[level.index], autocast, plans[level.index].tile
        ).terms
        if extra_terms is not None:
            terms = {**terms, **extra_terms(at(level))}
        return LevelLoss(terms, at(level).network_input)

    schedule = CoarseToFine(
        start,
        carry,
        objective,
        lambda p, level: at(level).to_rgb(p),
        network=vgg,
        autocast=autocast,
        optimizer=settings.optimizer,
        lr=settings.lr,
        plans=plans,
    )
    parameter, last = schedule.run(sizes, settings.level_iterations(), callback, level_store)
    return at(last).to_rgb(parameter)


def draft(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    masks: Mapping[int, torch.Tensor] | None,
    settings: TransferSettings,
    size: tuple[int, int],
    encoder: VGG19Encoder,
) -> torch.Tensor:
    """The fast tier's painting of ``content`` at ``size`` (a level's; a coarse level smaller than the tier paints
    gets a draft at the tier's least size): where ``init`` is draft, the optimisation starts from it. ``styles``
    are already colour-matched where the settings preserve colours by histogram, and a luminance-only level
    takes the draft's grey, so the draft keeps its own colours."""
    if encoder.pooling != FAST_POOLING or FAST_LAYER not in encoder.layer_names:
        encoder = load_vgg19([FAST_LAYER], FAST_POOLING, device=content.device)
    draft_settings = FastSettings.for_painting(settings, max(size))
    return fast_paint(content, styles, draft_settings, masks=masks, encoder=encoder)


def run(images: Mapping[str, Any], settings: TransferSettings, context: RunContext) -> torch.Tensor:
    """The job entry point (``jobs.technique``): ``images`` by role, loaded."""
    # A mask's grey level is the weight of its style there.
    masks = {int(k): mask.mean(dim=1, keepdim=True) for k, mask in (images.get("masks") or {}).items()}
    return stylize(
        images["content"],
        list(images["styles"]),
        settings,
        masks=masks,
        init_image=images.get("init"),
        encoder=context.encoder(settings.pooling),
        callback=context.callback,
        level_store=context.level_store,
        draft_encoder=context.encoder(FAST_POOLING) if settings.start() == "draft" else None,
    )
