"""The clip painter: later frames start from the warped painting, and a cut starts a new shot."""

import numpy as np
import pytest

pytest.importorskip("cv2", reason="the video extra is part of the test install")

from brushwork.settings.video import PRESETS
from brushwork.video.painter import ClipPainter

from ..conftest import smooth_image
from .clips import panning_frames

pytestmark = pytest.mark.integration

SETTINGS = PRESETS["default"].replace(size=64, scales=(0.5, 1.0), iterations=(6, 4), frame_iterations=4)


def as_float(frames):
    return [f.astype(np.float32) / 255 for f in frames]


def test_a_cut_is_painted_as_the_first_frame_of_a_new_shot(real_weights):
    first, second = panning_frames(3, 48, 64, seed=1), panning_frames(3, 48, 64, seed=9)
    painter = ClipPainter([smooth_image(48, 48, seed=3)], SETTINGS)
    painted = [painter.paint(i, frame) for i, frame in enumerate(as_float(first + second))]
    assert [p.new_shot for p in painted] == [True, False, False, True, False, False]
    assert "temporal" in painted[1].losses and "temporal" not in painted[3].losses


def test_a_later_frame_starts_where_the_warped_painting_left_off(real_weights):
    frames = as_float(panning_frames(2, 48, 64, step=2, seed=2))
    painter = ClipPainter([smooth_image(48, 48, seed=3)], SETTINGS.replace(frame_iterations=1, temporal_weight=1e9))
    first, second = (painter.paint(i, frame) for i, frame in enumerate(frames))
    # With one step and a heavy temporal loss, the second painting is the first moved 2 px to the left.
    assert np.abs(second.image[8:-8, 8:-10] - first.image[8:-8, 10:-8]).mean() < 0.03
    assert (
        np.abs(second.image - first.image).mean() > np.abs(second.image[8:-8, 8:-10] - first.image[8:-8, 10:-8]).mean()
    )
