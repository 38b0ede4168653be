"""Shared fixtures. Unit tests use random-weight networks; `integration` tests use the real weights."""

from __future__ import annotations

import pytest
import torch

from brushwork.encoders.vgg import CONV_LAYERS, VGG19Encoder, find_weights_file
from brushwork.errors import BrushworkError


def random_vgg_weights(seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """He-initialised VGG19 conv weights: a real network shape without the real weights."""
    generator = torch.Generator().manual_seed(seed)
    weights, in_channels = {}, 3
    for name in CONV_LAYERS:
        out_channels = {"1": 64, "2": 128, "3": 256, "4": 512, "5": 512}[name[4]]
        std = (2.0 / (in_channels * 9)) ** 0.5
        weights[name] = (
            torch.randn(out_channels, in_channels, 3, 3, generator=generator) * std,
            torch.zeros(out_channels),
        )
        in_channels = out_channels
    return weights


@pytest.fixture(scope="session")
def random_encoder() -> VGG19Encoder:
    return VGG19Encoder(random_vgg_weights(), pooling="avg", last_layer="relu4_2")


def _real_weights_available() -> bool:
    try:
        find_weights_file()
        return True
    except BrushworkError:
        return False


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    """The VGG19 weights point nowhere: a test with this fixture proves it needs no weights."""
    monkeypatch.setenv("BRUSHWORK_VGG19_WEIGHTS", str(tmp_path / "no-weights.bin"))


@pytest.fixture(scope="session")
def real_weights():
    if not _real_weights_available():
        pytest.fail("integration test needs the VGG19 weights: run bash scripts/install --test")


def smooth_image(height: int, width: int, seed: int = 0) -> torch.Tensor:
    """A smooth random colour image (1, 3, H, W) in [0, 1]."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, 4, 4, generator=generator)
    return torch.nn.functional.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
