"""Pretrained networks that turn images into named feature maps: ``encoder(rgb, layers) -> {layer: tensor}``."""

from __future__ import annotations

from ..errors import BrushworkError
from .vgg import VGG19_LAYERS, VGG19Encoder, deepest_layer, layer_channels, load_vgg19, validate_layers

NETWORKS = ("vgg19", "efficientnet-lite0")


def validate_network(network: str) -> None:
    if network not in NETWORKS:
        raise BrushworkError(f"unknown network {network!r}; choose one of: {', '.join(NETWORKS)}")


def validate_network_layers(network: str, layers) -> None:
    validate_network(network)
    if network == "vgg19":
        validate_layers(layers)
    else:
        from .efficientnet import validate_efficientnet_layers

        validate_efficientnet_layers(layers)


def check_channels(network: str, layer: str, channels) -> None:
    """Refuse channel numbers the layer does not have (read from the architecture, no forward pass)."""
    if network == "vgg19":
        count = layer_channels(layer)
    else:
        from .efficientnet import efficientnet_layer_channels

        validate_network(network)
        count = efficientnet_layer_channels(layer)
    for outside in (max(channels), min(channels)):
        if not 0 <= outside < count:
            raise BrushworkError(f"layer {layer} has {count} channels (0..{count - 1}); got {outside}")


def load_encoder(network: str, layers, pooling: str = "max"):
    """A frozen encoder for ``network`` holding what ``layers`` need (``pooling`` applies to VGG19 only)."""
    validate_network_layers(network, layers)
    if network == "vgg19":
        return load_vgg19(layers, pooling=pooling)
    from .efficientnet import load_efficientnet_lite0

    return load_efficientnet_lite0()


__all__ = [
    "NETWORKS", "VGG19_LAYERS", "VGG19Encoder", "check_channels", "deepest_layer", "load_encoder", "load_vgg19",
    "validate_layers", "validate_network", "validate_network_layers",
]
