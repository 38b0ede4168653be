import pytest
import torch

from brushwork.encoders.vgg import VGG19Encoder
from brushwork.errors import BrushworkError
from brushwork.techniques import visualize as vis
from tests.conftest import random_vgg_weights, smooth_image


@pytest.fixture(scope="module")
def max_encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu3_1")


def test_filter_grid_has_one_tile_per_filter(max_encoder):
    sheet = vis.filter_grid(max_encoder, zoom=4, columns=8)
    assert sheet.shape == (1, 3, 8 * 12 + 7 * 2, 8 * 12 + 7 * 2)
    assert 0 <= float(sheet.min()) and float(sheet.max()) <= 1
    with pytest.raises(BrushworkError, match=r"^only conv1_1 sees pixels"):
        vis.filter_grid(max_encoder, "conv2_1")


def test_top_activations_match_a_brute_force_search(max_encoder):
    images = [
        smooth_image(40, 40, seed=s) + 0.2 * torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(s))
        for s in range(12)
    ]
    tops = vis.find_top_activations(images, max_encoder, "relu2_1", [3, 7], k=9)
    for channel in (3, 7):
        maxima = [float(max_encoder(im, ["relu2_1"])["relu2_1"][0, channel].max()) for im in images]
        expected = sorted(range(12), key=lambda i: -maxima[i])[:9]
        assert [t.image_index for t in tops[channel]] == expected
        for top in tops[channel]:
            feats = max_encoder(images[top.image_index], ["relu2_1"])["relu2_1"][0, channel]
            assert float(feats[top.row, top.col]) == pytest.approx(top.value)


def test_top9_sheet_has_projections_beside_patches(max_encoder):
    images = [smooth_image(40, 40, seed=s) for s in range(10)]
    panels = vis.top9_sheet(images, max_encoder, "relu2_1", [0, 1])
    assert [caption for caption, _ in panels] == ["relu2_1 channel 0", "relu2_1 channel 1"]
    field = 10  # relu2_1 sees 10×10 pixels: conv, conv, 2×2 pool, conv
    assert panels[0][1].shape == (1, 3, 3 * field + 2, 2 * (3 * field + 2) + 4)


def test_channel_visualisation_raises_the_activation(max_encoder):
    settings = vis.FeatureVisualizationSettings(size=48, iterations=8, lr=0.1)
    seen = []
    out = vis.visualize_channel("relu2_1", 5, settings, encoder=max_encoder, callback=seen.append)
    assert out.shape == (1, 3, 48, 48)
    assert seen[-1].total < seen[0].total


def test_channel_out_of_range(max_encoder):
    with pytest.raises(BrushworkError) as error:
        vis.visualize_channel("relu2_1", 128, vis.FeatureVisualizationSettings(size=48), encoder=max_encoder)
    assert str(error.value) == "layer relu2_1 has 128 channels (0..127); got 128"


def test_class_visualisation_needs_the_classifier():
    with pytest.raises(BrushworkError) as error:
        vis.visualize_class(3, vis.FeatureVisualizationSettings(network="vgg19"))
    assert str(error.value) == "class visualisation needs a classifier: use network efficientnet-lite0"


def test_a_batch_reports_one_picture_the_batch_side_by_side(max_encoder):
    seen = []
    settings = vis.FeatureVisualizationSettings(size=40, iterations=2, batch=3)
    out = vis.visualize_channel("relu2_1", 5, settings, encoder=max_encoder, callback=seen.append)
    assert out.shape == (3, 3, 40, 40)
    assert seen[-1].image.shape == (1, 3, 40, 3 * 40 + 2 * 4)  # what a preview shows: one picture
