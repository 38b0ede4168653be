"""Pretrained networks that turn images into named feature maps: ``encoder(rgb, layers) -> {layer: tensor}``."""

from __future__ import annotations

from ..errors import BrushworkError
from .vgg import VGG19_LAYERS, VGG19Encoder, deepest_layer, load_vgg19, validate_layers

NETWORKS = ("vgg19", "efficientnet-lite0")


def network_layers(network: str) -> tuple[str, ...]:
    if network == "vgg19":
        return VGG19_LAYERS
    if network == "efficientnet-lite0":
        from .efficientnet import EFFICIENTNET_LAYERS

        return EFFICIENTNET_LAYERS
    raise BrushworkError(f"unknown network {network!r}; choose one of: {', '.join(NETWORKS)}")


def validate_network_layers(network: str, layers) -> None:
    if network == "vgg19":
        validate_layers(layers)
    else:
        from .efficientnet import validate_efficientnet_layers

        network_layers(network)
        validate_efficientnet_layers(layers)


def load_encoder(network: str, layers, pooling: str = "max"):
    """A frozen encoder for ``network`` holding what ``layers`` need (``pooling`` applies to VGG19 only)."""
    validate_network_layers(network, layers)
    if network == "vgg19":
        return load_vgg19(layers, pooling=pooling)
    from .efficientnet import load_efficientnet_lite0

    return load_efficientnet_lite0()


__all__ = [
    "NETWORKS", "VGG19_LAYERS", "VGG19Encoder", "deepest_layer", "load_encoder", "load_vgg19",
    "network_layers", "validate_layers", "validate_network_layers",
]
