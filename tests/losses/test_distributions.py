"""The distribution-matching style losses against their closed forms."""

import numpy as np
import pytest
import scipy.linalg
import torch

from brushwork.losses.distributions import (
    GaussianW2Loss,
    SlicedWassersteinLoss,
    gaussian_w2,
    positions,
    random_directions,
    resample_sorted,
    root_factor,
    sliced_wasserstein,
)
from brushwork.settings import PRESETS
from brushwork.techniques.transfer import stylize

from ..conftest import smooth_image

generator = torch.Generator().manual_seed(0)
SET = torch.randn(200, 6, generator=generator) * torch.tensor([1.0, 2.0, 0.5, 3.0, 1.0, 0.2])
DIRECTIONS = random_directions(6, 6, torch.Generator().manual_seed(1))


def sorted_projections(vectors, directions=DIRECTIONS):
    return torch.sort(vectors @ directions, dim=0)[0]


def w2_against(vectors, target):
    mean, centred = target.mean(0), target - target.mean(0)
    cov = centred.t() @ centred / len(target)
    return gaussian_w2(vectors, mean, cov.trace(), root_factor(cov))


def test_identical_sets_are_at_distance_zero():
    assert float(sliced_wasserstein(SET, DIRECTIONS, sorted_projections(SET))) == 0.0
    assert abs(float(w2_against(SET, SET))) < 1e-4


def test_blind_to_where_features_are():
    shuffled = SET[torch.randperm(len(SET), generator=torch.Generator().manual_seed(2))]
    other = torch.randn(150, 6, generator=torch.Generator().manual_seed(3))
    assert float(sliced_wasserstein(shuffled, DIRECTIONS, sorted_projections(other))) == pytest.approx(
        float(sliced_wasserstein(SET, DIRECTIONS, sorted_projections(other))), rel=1e-6
    )
    assert float(w2_against(shuffled, other)) == pytest.approx(float(w2_against(SET, other)), rel=1e-4)


def test_a_shifted_one_dimensional_set_is_at_the_square_of_the_shift():
    values = torch.randn(100, 1, generator=torch.Generator().manual_seed(4))
    target = torch.sort(values + 0.7, dim=0)[0]
    assert float(sliced_wasserstein(values, torch.ones(1, 1), target)) == pytest.approx(0.49, rel=1e-5)


def test_output_and_style_may_differ_in_size():
    doubled = sorted_projections(SET.repeat_interleave(2, dim=0))
    assert float(sliced_wasserstein(SET, DIRECTIONS, doubled)) < 1e-2 * float(
        sliced_wasserstein(SET, DIRECTIONS, sorted_projections(SET * 1.5))
    )
    assert torch.equal(resample_sorted(doubled, len(doubled)), doubled)


def test_w2_follows_the_gaussian_formula():
    other = torch.randn(300, 6, generator=torch.Generator().manual_seed(5)) @ torch.randn(6, 6, generator=generator)
    x, y = SET.double().numpy(), other.double().numpy()
    m1, m2 = x.mean(0), y.mean(0)
    c1, c2 = np.cov(x.T, bias=True), np.cov(y.T, bias=True)
    root = scipy.linalg.sqrtm(c2)
    expected = ((m1 - m2) ** 2).sum() + np.trace(c1 + c2 - 2 * np.real(scipy.linalg.sqrtm(root @ c1 @ root)))
    assert float(w2_against(SET, other)) == pytest.approx(expected / 6, rel=1e-3)


def direct_w2_and_gradient(vectors, target):
    """W2² / C from its C x C form in float64 (Σₛ^½ by scipy), and its gradient by autograd."""
    mean, centred = target.mean(0), target - target.mean(0)
    cov = centred.t() @ centred / len(target)
    cov_sqrt = torch.from_numpy(np.real(scipy.linalg.sqrtm(cov.double().numpy())))
    wide = vectors.detach().double().requires_grad_(True)
    count, channels = wide.shape
    whitened = (wide - wide.mean(0)) @ cov_sqrt
    middle = whitened.t() @ whitened / count
    root_trace = torch.linalg.eigvalsh(middle).clamp(min=1e-12).sqrt().sum()
    centred_wide = wide - wide.mean(0)
    direct = (
        (wide.mean(0) - mean.double()).pow(2).sum() + centred_wide.pow(2).sum() / count + cov.trace() - 2 * root_trace
    ) / channels
    (gradient,) = torch.autograd.grad(direct, wide)
    return float(direct.detach()), gradient


@pytest.mark.parametrize("count", [4, 200], ids=["fewer positions than channels", "more positions"])
def test_w2_value_and_gradient_equal_the_direct_form(count):
    # 4 positions of 6 channels: the N x N form is taken; 200: Σ first (mean_and_covariance's backward).
    vectors = SET[:count].clone().requires_grad_(True)
    other = torch.randn(300, 6, generator=torch.Generator().manual_seed(5)) @ torch.randn(6, 6, generator=generator)
    loss = w2_against(vectors, other)
    (grad,) = torch.autograd.grad(loss, vectors)
    value, direct_grad = direct_w2_and_gradient(vectors, other)
    assert float(loss.detach()) == pytest.approx(value, rel=1e-3)
    assert torch.allclose(grad.double(), direct_grad, atol=1e-3 * float(direct_grad.abs().max()))


def test_the_root_factor_keeps_the_numerical_rank():
    basis = torch.randn(6, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    rank_three = basis @ basis.t()
    factor = root_factor(rank_three)
    assert factor.shape == (6, 3)
    assert torch.allclose(factor @ factor.t(), rank_three, atol=1e-10)
    # Fᵀ Σ F has the nonzero eigenvalues of Σ^½ Σ Σ^½ = Σ²: those of Σ, squared.
    expected = torch.linalg.eigvalsh(rank_three)[-3:] ** 2
    assert torch.allclose(torch.linalg.eigvalsh(factor.t() @ rank_three @ factor), expected, rtol=1e-8)


def test_w2_against_a_style_layer_of_zeros_is_the_output_moments():
    # Σₛ = 0 has rank 0: W2² is then ‖μ‖² + tr Σ.
    zeros = torch.zeros(50, 6)
    mean, centred = SET.mean(0), SET - SET.mean(0)
    expected = (mean.pow(2).sum() + centred.pow(2).sum() / len(SET)) / 6
    assert float(w2_against(SET, zeros)) == pytest.approx(float(expected), rel=1e-5)


def test_blends_are_barycentres_and_mixtures():
    a = {"l": torch.zeros(1, 1, 4, 4)}
    b = {"l": torch.full((1, 1, 4, 4), 2.0)}
    target = SlicedWassersteinLoss.targets_from([a, b], [0.5, 0.5], {"l": torch.ones(1, 1)})["l"]
    assert torch.allclose(target, torch.ones(16, 1))  # the barycentre of the points 0 and 2 is 1
    mean, cov = GaussianW2Loss.targets_from([a, b], [0.5, 0.5])["l"]
    assert float(mean) == pytest.approx(1.0) and float(cov) == pytest.approx(1.0)  # the mixture of 0s and 2s


def test_a_mask_restricts_the_loss_to_its_region():
    features = torch.randn(1, 6, 8, 8, generator=torch.Generator().manual_seed(6))
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., :4] = 1
    target = sorted_projections(SET)
    loss = SlicedWassersteinLoss({"l": DIRECTIONS}, {"l": target}, {"l": 1.0}, mask=mask)({"l": features}, None)
    left = features[..., :4].reshape(6, -1).t()
    assert float(loss) == pytest.approx(float(sliced_wasserstein(left, DIRECTIONS, target)), rel=1e-6)
    assert positions(features, mask).shape == (32, 6)


@pytest.mark.parametrize("style_loss", ["sliced", "histogram", "w2"])
def test_a_transfer_with_each_loss_lowers_it_and_changes_the_image(random_encoder, style_loss):
    settings = PRESETS["default"].replace(
        size=48,
        scales=(0.5, 1.0),
        iterations=(4, 4),
        style_loss=style_loss,
        content_layer="relu3_1",
        style_layers=("relu1_1", "relu2_1", "relu3_1"),
        precision="float32",  # what the expectation was written for, on every CPU (bfloat16: tests/encoders)
    )
    content, style = smooth_image(32, 48), smooth_image(40, 40, seed=3)
    seen = []
    out = stylize(content, [style], settings, encoder=random_encoder, callback=seen.append)
    first_level = [p.losses["style"] for p in seen if p.level == 0]
    assert first_level[-1] < first_level[0]
    assert not torch.allclose(out, torch.nn.functional.interpolate(content, size=out.shape[-2:]), atol=1e-3)


def test_directions_are_drawn_where_the_generator_is_and_put_where_they_are_used():
    drawn = random_directions(6, 4, torch.Generator().manual_seed(1))
    assert torch.equal(drawn, random_directions(6, 4, torch.Generator().manual_seed(1), torch.device("cpu")))
    elsewhere = random_directions(6, 4, torch.Generator().manual_seed(1), torch.device("meta"))
    assert elsewhere.device.type == "meta" and elsewhere.shape == (6, 4)
