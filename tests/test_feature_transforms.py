"""Each feature transform against its closed form, in float64 on correlated Gaussian samples."""

import pytest
import torch

from brushwork.feature_transforms import FEATURE_TRANSFORMS, Statistics, blend, symmetric_power, transform


def gaussian(count: int, channels: int, seed: int, shift: float) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    mixing = torch.randn(channels, channels, generator=generator, dtype=torch.float64)
    noise = torch.randn(count, channels, generator=generator, dtype=torch.float64)
    return noise @ mixing + shift


CONTENT, STYLE = gaussian(4000, 6, 0, 1.0), gaussian(3000, 6, 1, -2.0)


def covariance(vectors: torch.Tensor) -> torch.Tensor:
    centred = vectors - vectors.mean(0)
    return centred.t() @ centred / (vectors.shape[0] - 1)


@pytest.mark.parametrize("kind", ["wct", "ot"])
def test_wct_and_ot_carry_the_styles_mean_and_covariance(kind):
    mapped = transform(CONTENT, Statistics.of(STYLE), kind)
    assert torch.allclose(mapped.mean(0), STYLE.mean(0), atol=1e-9)
    assert torch.allclose(covariance(mapped), covariance(STYLE), atol=1e-8, rtol=1e-8)


def test_adain_carries_each_channels_mean_and_spread_only():
    mapped = transform(CONTENT, Statistics.of(STYLE), "adain")
    assert torch.allclose(mapped.mean(0), STYLE.mean(0), atol=1e-9)
    assert torch.allclose(mapped.std(0), STYLE.std(0), atol=1e-9)
    # The content's correlations stay: AdaIN scales channels, it does not rotate them.
    content_corr, mapped_corr = torch.corrcoef(CONTENT.t()), torch.corrcoef(mapped.t())
    assert torch.allclose(content_corr, mapped_corr, atol=1e-9)


def test_the_ot_map_is_the_symmetric_positive_one_of_the_closed_form():
    """T = Σc^-½ (Σc^½ Σs Σc^½)^½ Σc^-½: symmetric positive definite (so the map is a gradient of a convex
    function, the optimal one), unlike WCT's Σc^-½ Σs^½, and it moves the content less than WCT does."""
    content_cov, style_cov = covariance(CONTENT), covariance(STYLE)
    root = symmetric_power(content_cov, 0.5)
    inverse = symmetric_power(content_cov, -0.5)
    expected = inverse @ symmetric_power(root @ style_cov @ root, 0.5) @ inverse
    assert torch.allclose(expected, expected.t(), atol=1e-10)
    assert torch.linalg.eigvalsh(expected).min() > 0
    centred = CONTENT - CONTENT.mean(0)
    ot = transform(CONTENT, Statistics.of(STYLE), "ot")
    assert torch.allclose(ot, centred @ expected + STYLE.mean(0), atol=1e-8)
    wct = transform(CONTENT, Statistics.of(STYLE), "wct")
    moved = lambda mapped: (mapped - STYLE.mean(0) - centred).pow(2).sum(1).mean()
    assert moved(ot) < moved(wct)


def test_histogram_matching_reproduces_the_sorted_values_in_the_contents_order():
    style = gaussian(4000, 6, 1, -2.0)  # as many values as the content: an exact match
    mapped = transform(CONTENT, Statistics.of(style), "histogram")
    assert torch.equal(torch.sort(mapped, dim=0).values, torch.sort(style, dim=0).values)
    assert torch.equal(torch.argsort(mapped, dim=0), torch.argsort(CONTENT, dim=0))


def test_several_styles_blend_as_their_mixture():
    first, second = gaussian(2000, 4, 2, 3.0), gaussian(2000, 4, 3, -1.0)
    mixed = blend([Statistics.of(first), Statistics.of(second)], [1.0, 1.0])
    both = torch.cat([first, second])
    assert torch.allclose(mixed.mean, both.mean(0), atol=1e-9)
    # The mixture's covariance (its members' counts differ from N-1 normalisation by a hair).
    assert torch.allclose(mixed.cov, covariance(both), rtol=1e-3, atol=1e-3)
    alone = blend([Statistics.of(first), Statistics.of(second)], [1.0, 0.0])
    assert torch.allclose(alone.mean, first.mean(0)) and torch.allclose(
        alone.sorted_values, Statistics.of(first).sorted_values
    )


@pytest.mark.parametrize("kind", FEATURE_TRANSFORMS)
def test_a_transform_keeps_the_contents_dtype_and_device(kind):
    content = CONTENT[:500].float()
    mapped = transform(content, Statistics.of(STYLE.float()), kind)
    assert mapped.dtype == torch.float32 and mapped.device == content.device and mapped.shape == content.shape
    assert transform(content[:0], Statistics.of(STYLE), kind).shape == (0, 6)
