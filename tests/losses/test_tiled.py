"""Tiled evaluation gives the whole image's loss and gradient, for every term and several tile sizes."""

import pytest
import torch

from brushwork.layers import vgg19_reach
from brushwork.losses.distributions import GaussianW2Loss
from brushwork.losses.modules import ContentLoss, LossTerms, RegionalStyleLoss, StyleLoss, TotalVariationLoss
from brushwork.losses.moments import layer_moments
from brushwork.losses.tiled import TiledLossTerms, feature_maps, feature_moments, tile_windows
from tests.conftest import smooth_image

LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def style_loss_for(kind, style_features, weights, weight, mask, scale=1.0):
    """The Gram loss, or the Gaussian W2 loss (both sums over positions), against scaled targets."""
    if kind == "gram":
        grams = StyleLoss.targets_from([style_features], [1.0])
        return StyleLoss({k: v * scale for k, v in grams.items()}, weights, weight, mask)
    moments = GaussianW2Loss.targets_from([style_features], [1.0])
    return GaussianW2Loss({k: (m * scale, c * scale) for k, (m, c) in moments.items()}, weights, weight, mask)


def terms_for(encoder, height, width, masked, kind="gram"):
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        content = encoder(smooth_image(height, width, seed=5), ["relu3_1"])["relu3_1"]
        style = encoder(torch.rand(1, 3, 60, 60, generator=generator), list(LAYERS))
    weights = {layer: 1.0 + i for i, layer in enumerate(LAYERS)}
    if masked:
        mask = torch.zeros(1, 1, height, width)
        mask[..., : height // 2 + 3, :] = 1.0
        mask[..., height // 2 + 3 :, : width // 3] = 0.4
        style_term = RegionalStyleLoss(
            [
                style_loss_for(kind, style, weights, 2.0, mask),
                style_loss_for(kind, style, weights, 1.0, 1 - mask, scale=0.5),
            ]
        )
    else:
        style_term = style_loss_for(kind, style, weights, 3.0, None)
    return {"content": ContentLoss("relu3_1", content, 5.0), "style": style_term, "tv": TotalVariationLoss(0.7)}


def value_and_gradient(loss_terms, image):
    image = image.clone().requires_grad_()
    values = loss_terms(image)
    sum(values.values()).backward()
    return {k: v.item() for k, v in values.items()}, image.grad


@pytest.mark.parametrize("kind", ["gram", "w2"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("tile", [16, 40, 1000])
def test_tiled_loss_and_gradient_equal_the_whole_images(random_encoder, tile, masked, kind):
    height, width = 75, 101  # not multiples of any stride: the last tiles are ragged
    terms = terms_for(random_encoder, height, width, masked, kind)
    image = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(7))
    whole_values, whole_gradient = value_and_gradient(LossTerms(random_encoder, terms), image)
    tiled = TiledLossTerms(random_encoder, terms, tile=tile)
    tiled_values, tiled_gradient = value_and_gradient(tiled, image)
    assert len(tiled.windows(image)) == (1 if tile == 1000 else len(tiled.windows(image)))
    for name, value in whole_values.items():
        assert tiled_values[name] == pytest.approx(value, rel=1e-4), name
    scale = whole_gradient.abs().max()
    assert (tiled_gradient - whole_gradient).abs().max() <= 1e-4 * scale


def test_tiles_partition_the_image_on_the_pooling_grid_with_a_sufficient_halo():
    windows = tile_windows(75, 101, 20, ["relu1_1", "relu4_1"])
    covered = torch.zeros(75, 101, dtype=torch.int32)
    for w in windows:
        covered[w.top : w.bottom, w.left : w.right] += 1
        assert w.top % 8 == 0 and w.left % 8 == 0 and w.outer_top % 8 == 0 and w.outer_left % 8 == 0
        assert w.top - w.outer_top >= min(w.top, vgg19_reach("relu4_1"))
        assert w.outer_bottom - w.bottom >= min(75 - w.bottom, vgg19_reach("relu4_1"))
    assert bool((covered == 1).all())
    assert len(windows) > 4


def test_each_tile_of_both_passes_is_reported(random_encoder):
    terms = terms_for(random_encoder, 75, 101, masked=False)
    reports = []
    tiled = TiledLossTerms(random_encoder, terms, tile=40, on_tile=lambda done, total: reports.append((done, total)))
    value_and_gradient(tiled, torch.rand(1, 3, 75, 101, generator=torch.Generator().manual_seed(7)))
    count = len(tiled.windows(torch.zeros(1, 3, 75, 101)))
    assert count > 1
    assert reports == [(done, 2 * count) for done in range(1, 2 * count + 1)]


@pytest.mark.parametrize("tile", [16, 40])
def test_targets_read_in_tiles_are_the_whole_images(random_encoder, tile):
    """A print size's content map and style moments, gathered one tile at a time, are the whole image's."""
    image = smooth_image(75, 101, seed=2)
    with torch.no_grad():
        whole = random_encoder(image, list(LAYERS))
    maps = feature_maps(random_encoder, image, list(LAYERS), tile, None)
    moments = feature_moments(random_encoder, image, list(LAYERS), tile, None)
    assert len(tile_windows(75, 101, tile, list(LAYERS))) > 1
    for layer, feature in whole.items():
        assert maps[layer].shape == feature.shape
        torch.testing.assert_close(maps[layer], feature, rtol=1e-4, atol=1e-4 * float(feature.abs().max()))
        expected = layer_moments(whole)[layer]
        assert moments[layer].count == expected.count
        for tiled, direct in [(moments[layer].gram, expected.gram), (moments[layer].covariance, expected.covariance)]:
            torch.testing.assert_close(tiled, direct, rtol=0, atol=1e-5 * float(direct.abs().max()))
    assert feature_maps(random_encoder, image, ["relu2_1"], None, None)["relu2_1"].equal(whole["relu2_1"])
