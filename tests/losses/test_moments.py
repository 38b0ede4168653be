"""Feature moments against their closed forms, and merged parts against the whole."""

import torch

from brushwork.losses.functional import gram_matrix
from brushwork.losses.moments import Moments, layer_moments, merge


def features(seed: int, height: int = 9, width: int = 11, channels: int = 5) -> torch.Tensor:
    # An offset mean much larger than the spread: where Σ f fᵀ − n μμᵀ would lose digits.
    generator = torch.Generator().manual_seed(seed)
    return 40.0 + torch.rand(1, channels, height, width, generator=generator)


def test_moments_are_the_count_mean_and_centred_scatter_of_the_positions():
    f = features(0)
    columns = f[0].reshape(5, -1).double()
    moments = Moments.of(f)
    assert moments.count == 99
    torch.testing.assert_close(moments.mean, columns.mean(dim=1), rtol=1e-6, atol=0)
    torch.testing.assert_close(moments.covariance.double(), torch.cov(columns, correction=0), rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(moments.gram, gram_matrix(f), rtol=1e-6, atol=0)


def test_merged_parts_are_the_moments_of_the_whole():
    f = features(1)
    top, bottom = f[..., :4, :], f[..., 4:, :]
    merged = Moments.of(top) + Moments.of(bottom)
    whole = torch.cat([top, bottom], dim=-2)[0].reshape(5, -1).double()
    assert merged.count == 99
    torch.testing.assert_close(merged.mean, whole.mean(dim=1), rtol=1e-6, atol=0)
    # The scatter of the whole, not the sum of the parts' scatters (that misses the means' spread).
    torch.testing.assert_close(merged.covariance.double(), torch.cov(whole, correction=0), rtol=1e-4, atol=1e-7)
    parts_only = (Moments.of(top).scatter + Moments.of(bottom).scatter) / 99
    assert not torch.allclose(parts_only, torch.cov(whole, correction=0), rtol=1e-3)


def test_layer_moments_merge_layer_by_layer():
    first = {"a": features(2), "b": features(3, channels=3)}
    second = {"a": features(4), "b": features(5, channels=3)}
    merged = merge(merge(None, layer_moments(first)), layer_moments(second))
    for layer in ("a", "b"):
        whole = Moments.of(torch.cat([first[layer], second[layer]], dim=-1))
        torch.testing.assert_close(merged[layer].gram, whole.gram)
