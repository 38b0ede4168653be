"""The temporal loss against its closed form, and a few steps of the loop lower it."""

import torch

from brushwork.losses.temporal import TemporalLoss, temporal_loss

from ..helpers import assert_loss_falls


def test_the_temporal_loss_is_the_weighted_squared_difference_over_the_number_of_values():
    generator = torch.Generator().manual_seed(0)
    image, target = torch.rand(1, 3, 5, 7, generator=generator), torch.rand(1, 3, 5, 7, generator=generator)
    weights = (torch.rand(1, 1, 5, 7, generator=generator) > 0.3).float()
    expected = sum(
        float(weights[0, 0, y, x]) * float((image[0, c, y, x] - target[0, c, y, x]) ** 2)
        for c in range(3)
        for y in range(5)
        for x in range(7)
    ) / (3 * 5 * 7)
    assert abs(float(temporal_loss(image, target, weights)) - expected) < 1e-6
    assert float(temporal_loss(target, target, weights)) == 0.0
    assert float(temporal_loss(image, target, torch.zeros_like(weights))) == 0.0


def test_the_term_sums_its_targets_and_scales_by_its_weight():
    image = torch.full((1, 3, 4, 4), 0.5)
    ones = torch.ones(1, 1, 4, 4)
    term = TemporalLoss([(torch.zeros(1, 3, 4, 4), ones), (torch.ones(1, 3, 4, 4), 0.5 * ones)], weight=10.0)
    assert float(term({}, image)) == 10.0 * (0.25 + 0.5 * 0.25)
    assert term.layers == []


def test_a_few_steps_pull_the_image_to_the_warped_frame_where_it_is_trusted():
    target = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    weights = torch.ones(1, 1, 8, 8)
    weights[..., :4] = 0
    term = TemporalLoss([(target, weights)], weight=1.0)
    result = assert_loss_falls(lambda p: {"temporal": term({}, p)}, torch.zeros(1, 3, 8, 8), iterations=5)
    assert torch.allclose(result.parameter[..., 4:], target[..., 4:], atol=1e-3)
    assert torch.equal(result.parameter[..., :4], torch.zeros(1, 3, 8, 4))  # untrusted pixels are not pulled
