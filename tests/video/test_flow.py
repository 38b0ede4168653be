"""Warping and the trust masks against motion we know exactly, and DIS against a shift it must find."""

import numpy as np
import pytest

pytest.importorskip("cv2", reason="the video extra is part of the test install")

from brushwork.video.flow import (
    FlowEstimator,
    FramePair,
    consistency,
    disoccluded,
    motion_boundaries,
    outside,
    to_grey,
    warp,
    warping_error,
)
from brushwork.video.painter import long_term_weights

H, W, SHIFT = 48, 64, 5


def texture(height=H, width=W + SHIFT, seed=0) -> np.ndarray:
    """A smooth random colour texture (float32, in [0, 1]) that optical flow can lock on to."""
    import cv2

    rng = np.random.default_rng(seed)
    coarse = rng.random((height // 4 + 2, width // 4 + 2, 3)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)[:height, :width].clip(0, 1)


def uniform_flow(dx: float, dy: float = 0.0) -> np.ndarray:
    flow = np.zeros((H, W, 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


def panned() -> tuple[np.ndarray, np.ndarray]:
    """Frame t-1 and frame t of a scene that moves SHIFT px to the right: I_t(x) = I_{t-1}(x - SHIFT)."""
    scene = texture()
    return scene[:, SHIFT:].copy(), scene[:, :W].copy()


def test_warping_the_previous_frame_by_the_exact_backward_flow_reproduces_the_next():
    previous, current = panned()
    warped = warp(previous, uniform_flow(-SHIFT))
    np.testing.assert_allclose(warped[:, SHIFT:], current[:, SHIFT:], atol=1e-6)


def test_the_disocclusion_mask_marks_exactly_the_strip_that_came_into_view():
    hidden = disoccluded(uniform_flow(SHIFT), uniform_flow(-SHIFT))
    assert hidden[:, :SHIFT].all()
    assert not hidden[:, SHIFT:].any()
    np.testing.assert_array_equal(outside(uniform_flow(-SHIFT)), hidden)


def test_a_moving_object_uncovers_the_background_behind_it_and_only_that():
    # An object at columns 20..35 in frame t-1 moves 6 px right; the background stands still.
    left, width, step = 20, 16, 6
    forward = np.zeros((H, W, 2), np.float32)
    forward[10:30, left : left + width, 0] = step
    backward = np.zeros((H, W, 2), np.float32)
    backward[10:30, left + step : left + width + step, 0] = -step
    hidden = disoccluded(forward, backward)
    expected = np.zeros((H, W), bool)
    expected[10:30, left : left + step] = True
    np.testing.assert_array_equal(hidden, expected)
    edges = motion_boundaries(backward)
    assert edges[10:30, left + step - 1 : left + step + 1].all()  # the object's edge
    assert not edges[:, :10].any() and not edges[15:25, left + step + 3 : left + width + step - 3].any()
    weights = consistency(forward, backward)
    assert weights.dtype == np.float32 and set(np.unique(weights)) == {0.0, 1.0}
    assert (weights[expected] == 0).all() and weights[40:, :].min() == 1


def test_dis_finds_a_shift_and_its_warp_reproduces_the_frame():
    previous, current = panned()
    estimator = FlowEstimator("medium")
    backward = estimator(to_grey(current), to_grey(previous))
    forward = estimator(to_grey(previous), to_grey(current))
    interior = (slice(8, H - 8), slice(SHIFT + 8, W - 8))
    assert np.abs(backward[interior][..., 0] + SHIFT).mean() < 0.25
    assert np.abs(backward[interior][..., 1]).mean() < 0.25
    assert np.abs(warp(previous, backward)[interior] - current[interior]).mean() < 0.02
    weights = consistency(forward, backward)
    assert weights[:, : SHIFT - 1].max() == 0  # what came into view is never trusted
    assert weights[interior].mean() > 0.95


def test_warping_error_is_zero_for_a_perfectly_warped_frame_and_grows_with_flicker():
    previous, current = panned()
    pair = FramePair(uniform_flow(SHIFT), uniform_flow(-SHIFT), consistency(uniform_flow(SHIFT), uniform_flow(-SHIFT)))
    assert warping_error(previous, current, pair) < 1e-10
    flicker = np.random.default_rng(1).normal(0, 0.1, current.shape).astype(np.float32)
    noisy = warping_error(previous, current + flicker, pair)
    assert noisy == pytest.approx(3 * 0.01, rel=0.1)  # three channels of variance 0.01


def test_long_term_weights_count_an_earlier_frame_only_where_no_nearer_one_is_trusted():
    near = np.array([[1.0, 0.0, 0.0, 1.0]], np.float32)
    middle = np.array([[1.0, 1.0, 0.0, 0.0]], np.float32)
    far = np.array([[1.0, 1.0, 1.0, 0.0]], np.float32)
    weights = long_term_weights([near, middle, far])
    np.testing.assert_array_equal(weights[0], near)
    np.testing.assert_array_equal(weights[1], [[0.0, 1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(weights[2], [[0.0, 0.0, 1.0, 0.0]])


def test_a_later_frame_starts_from_the_warp_and_where_it_is_not_trusted_from_the_photo_in_its_colours():
    from brushwork.video.painter import start_image

    rng = np.random.default_rng(3)
    frame = rng.random((H, W, 3)).astype(np.float32)
    warped = (0.2 + 0.1 * rng.random((H, W, 3))).astype(np.float32)
    trusted = np.ones((H, W), np.float32)
    np.testing.assert_array_equal(start_image(frame, warped, trusted), warped)
    trusted[10:20, 10:30] = 0
    start = start_image(frame, warped, trusted)
    np.testing.assert_array_equal(start[trusted == 1], warped[trusted == 1])
    region, photo, painting = start[10:20, 10:30], frame[10:20, 10:30], warped[10:20, 10:30]
    np.testing.assert_allclose(region.reshape(-1, 3).mean(0), painting.reshape(-1, 3).mean(0), atol=1e-3)
    np.testing.assert_allclose(region.reshape(-1, 3).std(0), painting.reshape(-1, 3).std(0), rtol=0.02)
    # The photo's pattern, not the warp's: it correlates with the photo there.
    assert np.corrcoef(region[..., 0].ravel(), photo[..., 0].ravel())[0, 1] > 0.99
