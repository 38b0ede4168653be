"""Temporally consistent style transfer for a clip (Ruder, Dosovitskiy & Brox, 2016), on the shared loop.

The first frame is a still-image transfer. Each later frame starts from the previous painted frame
warped onto it by the optical flow (where the flow cannot be trusted — a pixel that was hidden, or came
from beyond the edge — from the photo itself), and ``stylize`` adds one loss term, the temporal loss,
that holds the trusted pixels where the warp put them. A later frame needs only one level at full size:
``frame_iterations`` steps with the network to ``frame_depth`` (``VideoSettings.frame_settings``).

With ``method`` fast, every frame is the fast tier's one pass (``techniques/fast.py``), and a later frame
keeps ``fast_hold`` of the warped painting before it where the flow is trusted: along the motion, a moving
average of the fast paintings, which holds the picture still where the clip is still and follows it where it
moves.

The engine does no I/O: frames go in as arrays and painted frames come out, one at a time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..encoders.decoder import Decoder, load_fast_decoder
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..image.pyramid import resize
from ..losses.modules import LossTerm
from ..losses.temporal import TemporalLoss
from ..settings.fast import FAST_LAYER, FastSettings
from ..settings.video import VideoSettings
from ..techniques.fast import FAST_POOLING
from ..techniques.fast import paint as fast_paint
from ..techniques.progress import LevelProgress
from ..techniques.transfer import TransferLevel, stylize
from .flow import FlowEstimator, FramePair, frame_pair, warp


@dataclass
class PaintedFrame:
    index: int  # counted from the first frame of the run (resumed runs go on counting)
    image: np.ndarray  # (H, W, 3) float32 RGB in [0, 1]
    losses: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    new_shot: bool = False  # painted as a still: the first frame, or the first after a cut


# Below this share of trusted pixels the frame is taken for the first of a new shot (a cut: the flow
# from the frame before means nothing) and painted as a still image.
CUT_TRUSTED_SHARE = 0.4


def to_tensor(frame: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 or float -> (1, 3, H, W) float32 in [0, 1]."""
    array = frame.astype(np.float32) / 255.0 if frame.dtype == np.uint8 else frame.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).unsqueeze(0)


def to_array(image: torch.Tensor) -> np.ndarray:
    return image.detach()[0].permute(1, 2, 0).clamp(0, 1).cpu().numpy().astype(np.float32)


def long_term_weights(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Ruder et al.'s long-term weights: each earlier frame counts only where no nearer one is trusted,
    c_j = max(c_j − Σ_{k<j} c_k, 0), nearest first."""
    result: list[np.ndarray] = []
    nearer = np.zeros_like(weights[0])
    for weight in weights:
        result.append(np.maximum(weight - nearer, 0.0))
        nearer = nearer + weight
    return result


def start_image(frame: np.ndarray, warped: np.ndarray, trusted: np.ndarray) -> np.ndarray:
    """Where a later frame's optimisation starts: the warped painting where the flow is trusted; elsewhere
    (what came into view, motion edges) the photo, its colours matched to the painting's there.

    From the bare photo those pixels came out as pale halos round the walkers of vtest.avi (the photo's
    colours, and 15 steps to paint them); from the warped painting the walkers came out faint (the
    painted background, and 15 steps to draw them in). Matching the photo's mean and spread per channel
    to the warped painting's over those pixels keeps the walker's shape in the painting's palette.
    """
    hidden = trusted < 0.5
    if not hidden.any():
        return warped
    photo, painting = frame[hidden], warped[hidden]
    matched = (photo - photo.mean(0)) / (photo.std(0) + 1e-3) * painting.std(0) + painting.mean(0)
    start = warped.copy()
    start[hidden] = np.clip(matched, 0.0, 1.0)
    return start


class ClipPainter:
    """Paints frames one after another; keeps the few earlier frames the temporal loss looks back to."""

    def __init__(
        self,
        styles: Sequence[torch.Tensor],
        settings: VideoSettings,
        encoder: VGG19Encoder | None = None,
        history: Iterable[tuple[np.ndarray, np.ndarray]] = (),
        device: torch.device | None = None,
    ):
        """``history``: (input frame, painted frame) of the frames just before the first one to paint, oldest
        first, float32 in [0, 1] at the output size (a resumed run's last finished frames). Frames are
        painted on ``device`` (None: the styles' device)."""
        settings.validate()
        settings.check_styles(len(styles))
        self.device = device if device is not None else styles[0].device
        self.styles = [style.to(self.device) for style in styles]
        self.settings = settings
        self.decoder: Decoder | None = None
        if settings.method == "fast":
            self.encoder = encoder or load_vgg19([FAST_LAYER], FAST_POOLING, device=self.device)
            self.decoder = load_fast_decoder(self.device)
        else:
            self.encoder = encoder or load_vgg19(
                [settings.content_layer, *settings.style_layers], settings.pooling, device=self.device
            )
        self.flow = FlowEstimator(settings.flow)
        depth = max(settings.temporal_offsets)
        self.inputs: deque[np.ndarray] = deque(maxlen=depth)
        self.painted: deque[np.ndarray] = deque(maxlen=depth)
        for frame, painting in history:
            self.inputs.append(frame)
            self.painted.append(painting)

    def paint(
        self, index: int, frame: np.ndarray, callback: Callable[[LevelProgress], None] | None = None
    ) -> PaintedFrame:
        """Paint one input frame (float32 (H, W, 3) in [0, 1], at the output size)."""
        started = time.perf_counter()
        losses: dict[str, float] = {}

        def report(progress: LevelProgress) -> None:
            losses.clear()
            losses.update(progress.losses)
            if callback is not None:
                callback(progress)

        content = to_tensor(frame).to(self.device)
        pair = frame_pair(self.flow, self.inputs[-1], frame) if self.painted else None
        new_shot = pair is None or float(pair.weights.mean()) < CUT_TRUSTED_SHARE
        if self.settings.method == "fast":
            image = self.fast_frame(content, None if new_shot else pair, report)
        elif new_shot:
            image = stylize(content, self.styles, self.settings, encoder=self.encoder, callback=report)
        else:
            assert pair is not None
            pairs = [pair] + [
                frame_pair(self.flow, self.inputs[-offset], frame)
                for offset in self.settings.temporal_offsets[1:]
                if offset <= len(self.painted)
            ]
            warped = [
                warp(self.painted[-offset], p.backward)
                for offset, p in zip(self.settings.temporal_offsets, pairs, strict=False)
            ]
            weights = long_term_weights([p.weights for p in pairs])
            start = to_tensor(start_image(frame, warped[0], pair.weights)).to(self.device)
            targets = [
                (to_tensor(w).to(self.device), torch.from_numpy(c)[None, None].to(self.device))
                for w, c in zip(warped, weights, strict=True)
            ]

            def temporal(level: TransferLevel) -> dict[str, LossTerm]:
                held = [
                    (level.network_input(level.from_rgb(resize(target, level.size))), resize(weight, level.size))
                    for target, weight in targets
                ]
                return {"temporal": TemporalLoss(held, self.settings.temporal_weight)}

            image = stylize(
                content,
                self.styles,
                self.settings.frame_settings(),
                init_image=start,
                encoder=self.encoder,
                callback=report,
                extra_terms=temporal,
            )
        if new_shot:
            # Nothing before a cut belongs to this shot.
            self.inputs.clear()
            self.painted.clear()
        painted = to_array(image)
        if painted.shape != frame.shape:  # the transfer's size rounding: keep the frame's grid
            painted = to_array(resize(image, frame.shape[:2]))
        self.inputs.append(frame)
        self.painted.append(painted)
        return PaintedFrame(index, painted, dict(losses), time.perf_counter() - started, new_shot)

    def fast_frame(
        self, content: torch.Tensor, pair: FramePair | None, report: Callable[[LevelProgress], None]
    ) -> torch.Tensor:
        """The fast tier's painting of a frame; after the first of a shot, ``fast_hold`` of the warped painting
        before it where the flow from it is trusted (``pair``)."""
        fast_settings = FastSettings.for_painting(
            self.settings, max(content.shape[-2:]), preserve_colors=self.settings.preserve_colors
        )
        image = fast_paint(content, self.styles, fast_settings, encoder=self.encoder, decoder=self.decoder)
        if pair is not None:
            warped = to_tensor(warp(self.painted[-1], pair.backward)).to(self.device)
            hold = torch.from_numpy(pair.weights)[None, None].to(self.device) * self.settings.fast_hold
            image = image + hold * (warped - image)
        report(LevelProgress(0, 1, (image.shape[-2], image.shape[-1]), 1, 1, {}, 0.0, lambda: image))
        return image
