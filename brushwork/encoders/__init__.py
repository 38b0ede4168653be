"""Pretrained networks that turn images into named feature maps: ``encoder(rgb, layers) -> {layer: tensor}``."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..layers import (
    NETWORKS,
    VGG19_LAYERS,
    check_channels,
    deepest_layer,
    layer_channels,
    validate_layers,
    validate_network,
    validate_network_layers,
)
from .base import Encoder
from .vgg import VGG19Encoder, load_vgg19


def load_encoder(
    network: str, layers: Sequence[str], pooling: str = "max", device: torch.device | None = None
) -> Encoder:
    """A frozen encoder for ``network`` holding what ``layers`` need (``pooling`` applies to VGG19 only),
    on ``device`` (None: the host)."""
    validate_network_layers(network, layers)
    if network == "vgg19":
        return load_vgg19(layers, pooling=pooling, device=device)
    from .efficientnet import load_efficientnet_lite0

    return load_efficientnet_lite0(device=device)


__all__ = [
    "NETWORKS",
    "VGG19_LAYERS",
    "VGG19Encoder",
    "check_channels",
    "deepest_layer",
    "layer_channels",
    "load_encoder",
    "load_vgg19",
    "validate_layers",
    "validate_network",
    "validate_network_layers",
]
