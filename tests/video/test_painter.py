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


def test_the_fast_method_paints_each_frame_in_one_pass_held_to_the_warp_where_trusted(real_weights, monkeypatch):
    from brushwork.video import painter as painter_module

    frames = as_float(panning_frames(3, 48, 64, step=2, seed=2))
    passes = []
    real_paint = painter_module.fast_paint

    def counted(*args, **kwargs):
        passes.append(args[2])
        return real_paint(*args, **kwargs)

    monkeypatch.setattr(painter_module, "fast_paint", counted)
    painter = ClipPainter([smooth_image(48, 48, seed=3)], SETTINGS.replace(method="fast", fast_hold=0.8))
    painted = [painter.paint(i, frame) for i, frame in enumerate(frames)]
    assert len(passes) == 3 and all(s.transform == "ot" and s.size == 64 for s in passes)
    assert [p.new_shot for p in painted] == [True, False, False] and painted[1].losses == {}
    # Where the flow is trusted, a frame is 0.8 of the warped painting before it and 0.2 of its own pass.
    from brushwork.video.flow import frame_pair, warp

    pair = frame_pair(painter.flow, frames[1], frames[2])
    own = painter_module.to_array(
        real_paint(painter_module.to_tensor(frames[2]), painter.styles, passes[2], encoder=painter.encoder)
    )
    expected = own + 0.8 * pair.weights[..., None] * (warp(painted[1].image, pair.backward) - own)
    assert np.abs(painted[2].image - expected.clip(0, 1)).max() < 1e-4
    assert float(pair.weights.mean()) > 0.5 and np.abs(painted[2].image - own).mean() > 1e-3
