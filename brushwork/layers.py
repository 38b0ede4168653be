"""The named layers of the networks brushwork ships, as plain tables: validating a setting needs no torch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from .errors import BrushworkError

Network = Literal["vgg19", "efficientnet-lite0"]
NETWORKS: tuple[Network, ...] = get_args(Network)

_VGG19_BLOCK_SIZES = (2, 2, 4, 4, 4)
_VGG19_BLOCK_CHANNELS = (64, 128, 256, 512, 512)


def _vgg19_layer_names() -> tuple[str, ...]:
    names = []
    for block, n_convs in enumerate(_VGG19_BLOCK_SIZES, start=1):
        for conv in range(1, n_convs + 1):
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
        names.append(f"pool{block}")
    return tuple(names)


VGG19_LAYERS: tuple[str, ...] = _vgg19_layer_names()
CONV_LAYERS: tuple[str, ...] = tuple(n for n in VGG19_LAYERS if n.startswith("conv"))

EFFICIENTNET_BLOCKS = 16
EFFICIENTNET_LAYERS: tuple[str, ...] = ("stem", *(f"block{i}" for i in range(EFFICIENTNET_BLOCKS)), "head", "logits")
_EFFICIENTNET_CHANNELS = (32, 16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320, 1280, 1000)
# The smallest square side each layer can be computed from (measured: its stride-2 stages need >= 2 px each).
_EFFICIENTNET_MIN_SIDE = (2, 2, 4, 4, 8, 8, 16, 16, 16, 16, 16, 16, 32, 32, 32, 32, 32, 32, 32)


def validate_layers(layers: Iterable[str]) -> None:
    """Refuse names that are not VGG19 layers."""
    unknown = [name for name in layers if name not in VGG19_LAYERS]
    if unknown:
        raise BrushworkError(f"unknown VGG19 layer {unknown[0]!r}; valid layers are: {', '.join(VGG19_LAYERS)}")


def layer_channels(layer: str) -> int:
    """Number of feature channels a VGG19 layer outputs (``relu3_1`` -> 256)."""
    validate_layers([layer])
    return _VGG19_BLOCK_CHANNELS[int(layer[4]) - 1]  # every name is conv/relu/pool + block digit


def deepest_layer(layers: Sequence[str]) -> str:
    """The VGG19 layer of ``layers`` that lies deepest in the network."""
    validate_layers(layers)
    return max(layers, key=VGG19_LAYERS.index)


def vgg19_work_per_pixel(layer: str) -> tuple[float, float]:
    """VGG19's forward pass up to ``layer``, per image pixel: (multiply-adds, activations written).

    The second counts memory traffic, which costs more than its share of multiply-adds in the wide,
    full-resolution first blocks (a relative-cost model for the ETA; ``jobs.eta``)."""
    validate_layers([layer])
    multiply_adds = activations = 0.0
    channels_in, area = 3, 1.0
    for name in VGG19_LAYERS[: VGG19_LAYERS.index(layer) + 1]:
        if name.startswith("conv"):
            channels_out = layer_channels(name)
            multiply_adds += 9 * channels_in * channels_out * area
            activations += channels_out * area
            channels_in = channels_out
        elif name.startswith("pool"):
            area /= 4
    return multiply_adds, activations


def validate_efficientnet_layers(layers: Iterable[str]) -> None:
    unknown = [name for name in layers if name not in EFFICIENTNET_LAYERS]
    if unknown:
        raise BrushworkError(
            f"unknown EfficientNet-Lite0 layer {unknown[0]!r}; valid layers are: {', '.join(EFFICIENTNET_LAYERS)}"
        )


def efficientnet_layer_channels(layer: str) -> int:
    validate_efficientnet_layers([layer])
    return _EFFICIENTNET_CHANNELS[EFFICIENTNET_LAYERS.index(layer)]


def validate_network(network: str) -> None:
    if network not in NETWORKS:
        raise BrushworkError(f"unknown network {network!r}; choose one of: {', '.join(NETWORKS)}")


def validate_network_layers(network: str, layers: Iterable[str]) -> None:
    validate_network(network)
    if network == "vgg19":
        validate_layers(layers)
    else:
        validate_efficientnet_layers(layers)


def network_layer_channels(network: str, layer: str) -> int:
    validate_network(network)
    return layer_channels(layer) if network == "vgg19" else efficientnet_layer_channels(layer)


def check_channels(network: str, layer: str, channels: Sequence[int]) -> None:
    """Refuse channel numbers the layer does not have (read from the architecture, no forward pass)."""
    count = network_layer_channels(network, layer)
    for outside in (max(channels), min(channels)):
        if not 0 <= outside < count:
            raise BrushworkError(f"layer {layer} has {count} channels (0..{count - 1}); got {outside}")


def vgg19_min_side(layers: Sequence[str], padding_mode: str = "zeros") -> int:
    """The smallest image side from which VGG19 can compute every layer of ``layers``.

    Each pooling halves the side (rounding down) and needs at least 2 px; so a layer in block b
    needs 2^(b-1) px, and pool_b itself 2^b. Reflect padding needs 2 px at every convolution, so
    with it a convolution of block b needs 2^b px.
    """
    need = 1
    for layer in layers:
        validate_layers([layer])
        block = int(layer[4])
        pooled = layer.startswith("pool") or padding_mode == "reflect"
        need = max(need, 2 ** (block if pooled else block - 1))
    return need


def min_side(network: str, layers: Sequence[str], padding_mode: str = "zeros") -> int:
    """The smallest image side ``network`` can compute ``layers`` from (see ``vgg19_min_side``)."""
    validate_network_layers(network, layers)
    if network == "vgg19":
        return vgg19_min_side(layers, padding_mode)
    return max(_EFFICIENTNET_MIN_SIDE[EFFICIENTNET_LAYERS.index(layer)] for layer in layers)


def vgg19_stride(layer: str) -> int:
    """How many image pixels one position of ``layer``'s feature map steps over (2 per pooling before it)."""
    validate_layers([layer])
    block = int(layer[4])
    return 2 ** (block if layer.startswith("pool") else block - 1)


def vgg19_reach(layer: str) -> int:
    """How far, in image pixels, what a position of ``layer`` sees reaches beyond its own pixels.

    Each 3x3 convolution reaches one position further at its stride, each 2x2 pooling one more. It is
    also how far an image edge's zero padding changes the features inward: a tile whose halo is at
    least this wide has centre features equal to the whole image's.
    """
    validate_layers([layer])
    reach, stride = 0, 1
    for name in VGG19_LAYERS[: VGG19_LAYERS.index(layer) + 1]:
        if name.startswith("conv"):
            reach += stride
        elif name.startswith("pool"):
            reach += stride
            stride *= 2
    return reach
