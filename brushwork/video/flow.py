"""Optical flow between consecutive frames, warping by it, and where it can be trusted (Ruder et al. 2016).

Conventions: a flow ``f`` from frame A to frame B lives on A's pixel grid, and A(x) ≈ B(x + f(x)). So to
bring frame t-1 (or its painting) onto frame t's grid, sample it at x + b(x) with the backward flow ``b``
from t to t-1: ``warp(previous, b)``. Images are float32 (H, W, C) arrays; flows are (H, W, 2), (dx, dy).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FLOW_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def to_grey(frame: np.ndarray) -> np.ndarray:
    """An RGB frame (uint8, or float in [0, 1]) as the 8-bit grey image DIS takes."""
    if frame.dtype != np.uint8:
        frame = np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


class FlowEstimator:
    """OpenCV's DIS optical flow (Kroeger et al. 2016) at one preset; one instance reuses its buffers."""

    def __init__(self, preset: str = "medium"):
        self.dis = cv2.DISOpticalFlow.create(FLOW_PRESETS[preset])

    def __call__(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The flow from ``source`` to ``target`` (grey uint8 images of one size), on ``source``'s grid."""
        flow: np.ndarray = self.dis.calc(source, target, None)  # type: ignore[call-overload]
        return flow


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at x + flow(x), bilinearly (edges repeated): (H, W, C) -> (H, W, C)."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    warped = cv2.remap(
        np.ascontiguousarray(image, dtype=np.float32),
        grid_x + flow[..., 0],
        grid_y + flow[..., 1],
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return warped.reshape(image.shape)


def outside(flow: np.ndarray) -> np.ndarray:
    """Where x + flow(x) falls outside the image: pixels that came from beyond the other frame's edge."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    x, y = grid_x + flow[..., 0], grid_y + flow[..., 1]
    return (x < 0) | (x > width - 1) | (y < 0) | (y > height - 1)


def disoccluded(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """Ruder et al.'s forward–backward check on frame t's grid: with ``backward`` (t -> t-1) ŵ and the
    ``forward`` flow (t-1 -> t) carried to it, w̃(x) = w(x + ŵ(x)), a pixel was hidden in frame t-1 where
    |w̃ + ŵ|² > 0.01 (|w̃|² + |ŵ|²) + 0.5 — or where it came from beyond the frame's edge."""
    carried = warp(forward, backward)
    mismatch = np.sum((carried + backward) ** 2, axis=-1)
    allowed = 0.01 * (np.sum(carried**2, axis=-1) + np.sum(backward**2, axis=-1)) + 0.5
    return (mismatch > allowed) | outside(backward)


def motion_boundaries(backward: np.ndarray) -> np.ndarray:
    """Where the flow changes fast: |∇u|² + |∇v|² > 0.01 |ŵ|² + 0.002 (Ruder et al.)."""
    gradient = np.zeros(backward.shape[:2], dtype=np.float32)
    for channel in range(2):
        dy, dx = np.gradient(backward[..., channel])
        gradient += dx**2 + dy**2
    return gradient > 0.01 * np.sum(backward**2, axis=-1) + 0.002


def consistency(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """1 where frame t's pixel is where the flow says it was in frame t-1, 0 where it was hidden, came
    from outside, or sits on a motion boundary: (H, W) float32, the weights of the temporal loss."""
    return (~(disoccluded(forward, backward) | motion_boundaries(backward))).astype(np.float32)


@dataclass(frozen=True)
class FramePair:
    """The flows between frame t-1 and frame t, and where they can be trusted (on frame t's grid)."""

    forward: np.ndarray  # t-1 -> t, on t-1's grid
    backward: np.ndarray  # t -> t-1, on t's grid
    weights: np.ndarray  # (H, W) in {0, 1}: where the flows agree (Ruder et al.'s check)


def frame_pair(estimator: FlowEstimator, previous: np.ndarray, current: np.ndarray) -> FramePair:
    """Both flows between two RGB frames and their consistency weights."""
    a, b = to_grey(previous), to_grey(current)
    forward, backward = estimator(a, b), estimator(b, a)
    return FramePair(forward, backward, consistency(forward, backward))


def warping_error(previous: np.ndarray, current: np.ndarray, pair: FramePair) -> float:
    """Lai et al. 2018's warping error of one frame: the mean, over the pixels the flow can be trusted
    on, of the squared RGB distance between ``current`` and ``previous`` warped onto it (images in [0, 1])."""
    weights = pair.weights
    if weights.sum() == 0:
        return 0.0
    difference = np.sum((current - warp(previous, pair.backward)) ** 2, axis=-1)
    return float(np.sum(weights * difference) / np.sum(weights))
