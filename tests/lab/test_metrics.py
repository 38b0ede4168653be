import math

import numpy as np
import pytest
import torch

from brushwork.lab.metrics import (
    class_balance,
    code_class_accuracy,
    confident_share,
    frechet_distance,
    nyquist_energy_share,
)


def test_nyquist_share_of_a_checkerboard_and_of_a_smooth_image():
    y, x = torch.meshgrid(torch.arange(28), torch.arange(28), indexing="ij")
    checkerboard = ((x + y) % 2).float()
    assert nyquist_energy_share(checkerboard[None, None]) == pytest.approx(1.0)  # all non-DC energy at (14, 14)
    smooth = torch.sin(x.float() * 2 * math.pi / 28)  # one period across: no energy at Nyquist
    assert nyquist_energy_share(smooth[None, None]) < 1e-10
    mixed = smooth + 0.1 * checkerboard
    assert 0 < nyquist_energy_share(mixed[None, None]) < 0.1


def test_frechet_distance_closed_form_for_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # Shifting by m adds |m|^2; scaling one set by s gives trace(I + s^2 I - 2 s I) = d (1 - s)^2.
    assert frechet_distance(a, a + np.array([1.0, 2.0, 0.0])) == pytest.approx(5.0, rel=1e-6)
    assert frechet_distance(a, 3 * a) == pytest.approx(3 * (1 - 3) ** 2, rel=1e-3)


def test_confident_share_and_class_balance():
    logits = torch.tensor([[10.0, 0.0], [0.0, 10.0], [0.1, 0.0], [0.0, 0.2]])
    assert confident_share(logits) == 0.5
    assert class_balance(logits) == pytest.approx(1.0)  # two of each class
    assert class_balance(torch.tensor([[1.0, 0.0, 0.0]] * 5)) == 0.0


def test_code_class_accuracy_tells_class_codes_from_style_codes():
    rng = np.random.default_rng(0)
    labels = np.arange(400) % 10
    holds_class = np.eye(10)[labels] * 3 + rng.normal(size=(400, 10)) * 0.5
    no_class = rng.normal(size=(400, 10))
    assert code_class_accuracy(torch.as_tensor(holds_class), labels) > 0.95
    assert code_class_accuracy(torch.as_tensor(no_class), labels) < 0.25
