"""Settings of the fast tier: one pass through VGG19 to relu4_1, a feature transform and the shipped
decoder (``techniques/fast.py``); no optimisation, so no iterations, weights or losses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

from ..constants import MIN_SIZE, Precision
from ..geometry import fit_area, fit_long_edge
from ..layers import vgg19_min_side
from .common import MAX_SIZE_LIMIT, check_photo_fits, precision_field, style_blend_field, style_scale_field
from .schema import Settings, setting
from .transfer import PreserveColors, TransferSettings

FAST_LAYER = "relu4_1"  # the layer the shipped decoder inverts
FeatureTransform = Literal["ot", "wct", "adain", "histogram"]
FEATURE_TRANSFORMS: tuple[FeatureTransform, ...] = get_args(FeatureTransform)


@dataclass(frozen=True)
class FastSettings(Settings):
    """A painting in one pass: the photo's features at relu4_1 take the style's distribution, and the decoder
    paints them back."""

    technique: ClassVar[str] = "fast"

    size: int = setting(512, "long edge of the output in pixels", minimum=MIN_SIZE, maximum="max_size", unit="pixels")
    max_size: int = setting(8192, "refuse sizes above this", minimum=MIN_SIZE, cap=MAX_SIZE_LIMIT, unit="pixels")
    transform: FeatureTransform = setting(
        "ot",
        "how the photo's features take the style's: ot (the optimal-transport map between their Gaussians, what "
        "the default's W2 loss measures), wct (whitening and colouring), adain (each channel's mean and spread), "
        "histogram (each channel's sorted values)",
    )
    strength: float = setting(
        1.0, "how far the features move towards the style's (0: the photo through the decoder)", minimum=0, maximum=1
    )
    style_scale: float = style_scale_field(
        "style image size relative to the output (1: the same number of pixels); larger makes its strokes smaller"
    )
    style_blend: tuple[float, ...] | None = style_blend_field()
    preserve_colors: PreserveColors = setting("none", "keep the photo's colours")
    detail: float = setting(
        0.0,
        "how much of the photo's fine detail (what it loses at a quarter of its size, finer than the decoder "
        "paints) to lay over the painting",
        minimum=0,
        maximum=1,
    )
    tile: int | None = setting(
        2048,
        "encode and decode pictures larger than this in overlapping tiles of this many pixels a side",
        minimum=256,
        cap=MAX_SIZE_LIMIT,
        unit="pixels",
        none_word="none",
        none_means="always whole",
    )
    precision: Precision = precision_field()

    @classmethod
    def for_painting(
        cls, painting: TransferSettings, long_edge: int, preserve_colors: PreserveColors = "none"
    ) -> FastSettings:
        """The one-pass version of ``painting`` (a transfer's or a video's settings) at ``long_edge`` px, at least
        the smallest size the tier paints: its style scale, blend and precision, and the OT transform, the
        minimiser of the W2 distance that the default's style loss measures."""
        long_edge = max(long_edge, MIN_SIZE)
        return cls(
            size=long_edge,
            max_size=long_edge,
            transform="ot",
            style_scale=painting.style_scale,
            style_blend=painting.style_blend,
            preserve_colors=preserve_colors,
            precision=painting.precision,
        )

    def check_styles(self, count: int) -> None:
        if self.style_blend is not None and len(self.style_blend) != count:
            raise self.error(
                "style_blend",
                f"{{name}} needs one weight per style image ({count} styles, {len(self.style_blend)} weights)",
            )
        if self.style_blend is not None and sum(self.style_blend) <= 0:
            raise self.error("style_blend", "{name} needs at least one weight above 0")

    def output_size(self, photo: tuple[int, int]) -> tuple[int, int]:
        return fit_long_edge(*photo, self.size)

    def style_size(self, output: tuple[int, int], style: tuple[int, int]) -> tuple[int, int]:
        """As many pixels as the output times ``style_scale``², at least what relu4_1 needs."""
        planned = fit_area(*style, output[0] * output[1] * self.style_scale**2)
        need = vgg19_min_side([FAST_LAYER])
        scale = max(1.0, need / max(1, min(planned)))
        return round(planned[0] * scale), round(planned[1] * scale)

    def check_geometry(self, photo: tuple[int, int], styles: Sequence[tuple[int, int]]) -> None:
        check_photo_fits(self, photo, self.output_size(photo), [FAST_LAYER])


PRESETS = {"default": FastSettings()}
