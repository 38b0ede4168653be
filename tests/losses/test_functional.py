import numpy as np
import pytest
import torch

from brushwork.losses import content_loss, gram_loss, gram_matrix, total_variation
from brushwork.losses.functional import mean_and_covariance


def test_gram_matrix_matches_its_definition():
    feats = torch.randn(1, 4, 3, 5)
    flat = feats[0].reshape(4, 15).numpy().astype(np.float64)
    expected = np.array([[np.dot(flat[i], flat[j]) for j in range(4)] for i in range(4)]) / 15
    np.testing.assert_allclose(gram_matrix(feats)[0].numpy(), expected, rtol=1e-5)


def test_gram_matrix_is_invariant_to_spatial_permutation():
    feats = torch.randn(1, 8, 6, 7)
    perm = torch.randperm(42)
    shuffled = feats.reshape(1, 8, 42)[:, :, perm].reshape(1, 8, 6, 7)
    torch.testing.assert_close(gram_matrix(shuffled), gram_matrix(feats))
    transposed = feats.transpose(2, 3)
    torch.testing.assert_close(gram_matrix(transposed), gram_matrix(feats))


def test_gram_matrix_of_a_tiled_image_equals_the_gram_of_one_tile():
    # Normalising by H·W is what makes Grams at different sizes comparable.
    feats = torch.randn(1, 3, 4, 4)
    torch.testing.assert_close(gram_matrix(feats.repeat(1, 1, 2, 3)), gram_matrix(feats))


def test_guided_gram_with_binary_mask_is_the_gram_of_the_region():
    feats = torch.randn(1, 5, 4, 6)
    mask = torch.zeros(1, 1, 4, 6)
    mask[..., :, :2] = 1
    torch.testing.assert_close(gram_matrix(feats, mask), gram_matrix(feats[..., :, :2]))


def test_gram_computes_in_float32_for_bfloat16_features():
    feats = torch.randn(1, 4, 5, 5).bfloat16()
    assert gram_matrix(feats).dtype == torch.float32


def test_content_loss_is_mean_squared_error():
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    assert content_loss(a, b).item() == pytest.approx(((a - b) ** 2).mean().item(), rel=1e-6)


def test_gram_loss_is_mse_between_grams():
    feats, target = torch.randn(1, 3, 4, 4), torch.randn(1, 3, 3)
    expected = ((gram_matrix(feats) - target) ** 2).mean()
    assert gram_loss(feats, target).item() == pytest.approx(expected.item(), rel=1e-6)


def test_total_variation_of_a_ramp_and_a_constant():
    ramp = torch.arange(6.0).view(1, 1, 1, 6).expand(1, 1, 4, 6)
    # Δx = 1 and Δy = 0 everywhere: (1 + 0)^(β/2) = 1 for every β.
    assert total_variation(ramp, 2.0).item() == pytest.approx(1.0)
    assert total_variation(ramp * 3, 2.0).item() == pytest.approx(9.0)
    assert total_variation(ramp * 3, 1.0).item() == pytest.approx(3.0, rel=1e-4)
    assert total_variation(torch.full((1, 3, 5, 5), 0.7)).item() == 0.0


def test_circular_total_variation_sees_the_wrap_around_seam():
    ramp = torch.arange(4.0).view(1, 1, 1, 4).expand(1, 1, 4, 4)
    # Three steps of 1 and one wrap-around step of -3 per row: mean of (1, 1, 1, 9) = 3.
    assert total_variation(ramp, 2.0, circular=True).item() == pytest.approx(3.0)


def test_gram_gradient_matches_autograd_of_the_definition():
    feats = torch.randn(2, 4, 3, 5, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(2, 4, 4, dtype=torch.float64)
    (gram_matrix(feats) * weights).sum().backward()
    ours = feats.grad.clone()
    feats.grad = None
    flat = feats.reshape(2, 4, 15)
    (torch.bmm(flat, flat.transpose(1, 2)) / 15 * weights).sum().backward()
    torch.testing.assert_close(ours, feats.grad)


def test_mean_and_covariance_match_numpy_and_their_gradient_autograd_of_the_definition():
    columns = (torch.randn(5, 40, dtype=torch.float64) * 3 + 2).float()
    mean, cov = mean_and_covariance(columns)
    np.testing.assert_allclose(mean.numpy(), columns.double().mean(1).numpy(), rtol=1e-5)
    np.testing.assert_allclose(cov.numpy(), np.cov(columns.double().numpy(), bias=True), rtol=1e-4, atol=1e-5)

    weights = torch.randn(5, 5)  # not symmetric: the backward must symmetrise
    shift = torch.randn(5)

    def objective(mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
        return (weights * cov).sum() + (shift * mean).sum() + mean.pow(2).sum()

    x = columns.clone().requires_grad_(True)
    (fast,) = torch.autograd.grad(objective(*mean_and_covariance(x)), x)
    y = columns.clone().requires_grad_(True)
    centred = y - y.mean(1, keepdim=True)
    (direct,) = torch.autograd.grad(objective(y.mean(1), centred @ centred.t() / 40), y)
    torch.testing.assert_close(fast, direct, rtol=1e-4, atol=1e-5)
    # Only the covariance used: the mean's gradient is absent, not zero-filled by the caller.
    (cov_only,) = torch.autograd.grad((weights * mean_and_covariance(x)[1]).sum(), x)
    (cov_direct,) = torch.autograd.grad((weights * (centred @ centred.t() / 40)).sum(), y)
    torch.testing.assert_close(cov_only, cov_direct, rtol=1e-4, atol=1e-5)
