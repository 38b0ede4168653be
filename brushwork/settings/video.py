"""Video settings: every style-transfer setting (for the first frame, and the style of every frame), and
what keeps the frames after it consistent. Declared once here, importable without torch."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from ..layers import validate_layers
from .schema import redeclared, setting
from .transfer import PRESETS as TRANSFER_PRESETS
from .transfer import Init, StyleLoss, TransferSettings

FlowPreset = Literal["ultrafast", "fast", "medium"]  # OpenCV's DIS presets
FLOW_PRESETS: tuple[FlowPreset, ...] = get_args(FlowPreset)
VideoMethod = Literal["optimise", "fast"]
MAX_TEMPORAL_OFFSET = 64


@dataclass(frozen=True)
class VideoSettings(TransferSettings):
    """A clip painted frame by frame (Ruder et al. 2016): the first frame as a still image, each later one
    from the previous painted frame warped by the optical flow, held there by a temporal loss."""

    technique: ClassVar[str] = "video"
    # Version 3 changed the still image's iterations, not video's (its own default, below).
    earlier_defaults: ClassVar[Mapping[int, Mapping[str, Any]]] = {
        version: defaults for version, defaults in TransferSettings.earlier_defaults.items() if version <= 2
    }

    # Video keeps the Gram loss and the first frame's schedule: the temporal weight, the frame depth
    # and the frame steps below were chosen with them (docs/decisions.md, "Video").
    style_loss: StyleLoss = redeclared(TransferSettings, "style_loss", "gram")
    iterations: tuple[int, ...] | None = redeclared(TransferSettings, "iterations", (150, 30, 30))
    init: Init = redeclared(TransferSettings, "init", "content")
    scales: tuple[float, ...] = redeclared(TransferSettings, "scales", (0.25, 0.5, 1.0))

    method: VideoMethod = setting(
        "optimise",
        "optimise: every frame painted by optimisation, held to the warped painting before it by the temporal "
        "loss (Ruder et al.); fast: every frame the fast tier's one pass (brushwork fast), blended towards the "
        "warped painting before it where the flow is trusted (many times faster)",
    )
    # The measurements: docs/decisions.md, "Video".
    fast_hold: float = setting(
        0.8,
        "with --method fast: how much of the warped painting before it a frame keeps where the flow is trusted "
        "(0: each frame alone; nearer 1: steadier, but slower to follow what changes)",
        minimum=0,
        maximum=0.99,
    )

    # Strong enough that the flicker falls below the input's own, with no trails (docs/decisions.md).
    temporal_weight: float = setting(
        1e7,
        "weight of the temporal loss that keeps each frame where the warped previous painted frame put it",
        minimum=0,
        cap=1e12,
    )
    # A later frame starts from the warped painting of the one before: it needs only one level at full
    # size, deep enough to hold the statistics the coarse levels set, or they drift away over the frames
    # (docs/decisions.md, "Video").
    frame_depth: str = setting(
        "relu4_1",
        "each frame after the first runs the network to this layer, matching the style layers at or above it",
        check=lambda layer: validate_layers([layer]),
        metavar="LAYER",
    )
    frame_iterations: int = setting(
        15, "iterations for each frame after the first (one level, at full size)", minimum=1, maximum=10_000
    )
    temporal_offsets: tuple[int, ...] = setting(
        (1,),
        "the earlier painted frames the temporal loss holds to: 1 the one before (short-term); 1 2 4 "
        "also two and four back (long-term, where a pixel was hidden in the nearer ones)",
        minimum=1,
        maximum=MAX_TEMPORAL_OFFSET,
        metavar="N",
    )
    flow: FlowPreset = setting("medium", "DIS optical-flow preset (slower presets follow motion better)")

    def check(self) -> None:
        super().check()
        self.frame_settings()  # refused if no style layer is at or above the frame depth
        offsets = self.temporal_offsets
        if not offsets or list(offsets) != sorted(set(offsets)) or offsets[0] != 1:
            raise self.error(
                "temporal_offsets", f"{{name}} must start at 1 and increase, not {' '.join(map(str, offsets))}"
            )

    def frame_settings(self) -> TransferSettings:
        """What each frame after the first runs with: the detail level's layers, one level at full size,
        started from an init image (the warped previous painting)."""
        frame = self.replace(detail_depth=self.frame_depth).detail_level()
        return frame.replace(scales=(1.0,), iterations=(self.frame_iterations,), init="image")


def _video(transfer: TransferSettings) -> VideoSettings:
    """A transfer preset as a video preset: what the preset changes from the transfer defaults, on top of
    the video defaults."""
    defaults = TransferSettings()
    changed = {
        f.name: getattr(transfer, f.name)
        for f in dataclasses.fields(TransferSettings)
        if getattr(transfer, f.name) != getattr(defaults, f.name)
    }
    return VideoSettings().replace(**changed)


PRESETS: dict[str, VideoSettings] = {name: _video(preset) for name, preset in TRANSFER_PRESETS.items()}
