import pytest
import torch

from brushwork.encoders.deconvnet import Deconvnet, receptive_field
from brushwork.encoders.vgg import VGG19Encoder
from brushwork.errors import BrushworkError

from ..conftest import random_vgg_weights, smooth_image


@pytest.fixture(scope="module")
def max_encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu3_1")


def test_receptive_field_sizes():
    assert receptive_field("conv1_1", 5, 5, (100, 100)) == (4, 4, 7, 7)
    assert receptive_field("pool1", 3, 3, (100, 100)) == (4, 4, 10, 10)  # two convs, then 2×2
    top, left, bottom, right = receptive_field("relu4_1", 20, 20, (1000, 1000))
    assert (bottom - top, right - left) == (68, 68)
    assert receptive_field("relu4_1", 0, 0, (200, 200))[:2] == (0, 0)  # clipped at the border


def test_deconvnet_needs_max_pooling(random_encoder):
    with pytest.raises(BrushworkError, match=r"^the deconvnet needs a max-pooling network"):
        Deconvnet(random_encoder)


@pytest.mark.parametrize("layer, row, col", [("relu2_1", 5, 7), ("relu3_1", 4, 3), ("conv1_2", 10, 2)])
def test_projection_is_zero_outside_the_receptive_field(max_encoder, layer, row, col):
    image = smooth_image(48, 48) + 0.1 * torch.rand(1, 3, 48, 48, generator=torch.Generator().manual_seed(0))
    deconvnet = Deconvnet(max_encoder)
    activations, _ = deconvnet.forward(image, layer)
    channel = int(activations[0, :, row, col].argmax())
    projection = deconvnet.project_unit(image, layer, channel, row, col)
    assert projection.shape == image.shape
    top, left, bottom, right = receptive_field(layer, row, col, (48, 48))
    inside = projection[..., top:bottom, left:right]
    assert inside.shape[-2:] == image[..., top:bottom, left:right].shape[-2:]  # the patch's size
    assert inside.abs().sum() > 0
    outside = projection.clone()
    outside[..., top:bottom, left:right] = 0
    assert outside.abs().max() == 0


def test_deconvnet_forward_matches_the_encoder(max_encoder):
    image = smooth_image(32, 32)
    activations, switches = Deconvnet(max_encoder).forward(image, "relu3_1")
    assert torch.allclose(activations, max_encoder(image, ["relu3_1"])["relu3_1"])
    assert set(switches) == {"pool1", "pool2"}
