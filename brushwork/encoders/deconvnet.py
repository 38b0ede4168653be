"""Zeiler & Fergus's deconvnet on VGG19: project one unit's activation back to pixel space.

The forward pass records each max-pooling's switches (where each maximum came from). The
projection runs the network backwards: at a pooling layer it unpools through the switches, at a
ReLU it rectifies the signal, and at a convolution it applies the transposed convolution with the
same filters. All other units of the chosen layer are set to zero first.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import BrushworkError
from .vgg import VGG19_LAYERS, VGG19Encoder, validate_layers


def receptive_field(layer: str, row: int, col: int, image_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Pixel box (top, left, bottom, right; bottom/right exclusive) that unit (row, col) of ``layer`` sees.

    Walks from the layer back to the input: a 3×3 convolution (padding 1) widens the interval by
    one unit on each side; a 2×2 pooling with stride 2 maps unit i to units 2i and 2i+1.
    """
    validate_layers([layer])
    top, bottom, left, right = row, row, col, col
    for name in reversed(VGG19_LAYERS[: VGG19_LAYERS.index(layer) + 1]):
        if name.startswith("conv"):
            top, bottom, left, right = top - 1, bottom + 1, left - 1, right + 1
        elif name.startswith("pool"):
            top, bottom, left, right = 2 * top, 2 * bottom + 1, 2 * left, 2 * right + 1
    height, width = image_size
    return max(0, top), max(0, left), min(height, bottom + 1), min(width, right + 1)


class Deconvnet:
    """Forward passes that keep pooling switches, and projections of single units back to pixels."""

    def __init__(self, encoder: VGG19Encoder):
        if encoder.pooling != "max":
            raise BrushworkError("the deconvnet needs a max-pooling network (its switches say where each maximum was)")
        self.encoder = encoder

    def forward(self, rgb: torch.Tensor, layer: str) -> tuple[torch.Tensor, dict]:
        """The layer's activations and the switches (pooling indices and input sizes) on the way."""
        validate_layers([layer])
        switches = {}
        x = self.encoder.preprocess(rgb)
        for name in VGG19_LAYERS[: VGG19_LAYERS.index(layer) + 1]:
            module = self.encoder.layers[name]
            if name.startswith("pool"):
                size = x.shape[-2:]
                x, indices = F.max_pool2d(x, 2, 2, return_indices=True)
                switches[name] = (size, indices)
            else:
                x = module(x)
        return x, switches

    def project(self, layer: str, signal: torch.Tensor, switches: dict) -> torch.Tensor:
        """Run ``signal`` (shaped like the layer's output) back to the input; returns (B, 3, H, W) in RGB order."""
        x = signal
        for name in reversed(VGG19_LAYERS[: VGG19_LAYERS.index(layer) + 1]):
            module = self.encoder.layers[name]
            if name.startswith("relu"):
                x = F.relu(x)
            elif name.startswith("pool"):
                size, indices = switches[name]
                x = F.max_unpool2d(x, indices, (2, 2), (2, 2), output_size=size)
            else:
                assert isinstance(module, nn.Conv2d)
                # Transposed convolution with the same filters; the bias belongs to the forward pass only.
                x = F.conv_transpose2d(x, module.weight, padding=1)
        return x.flip(1)  # the network's BGR back to RGB

    @torch.no_grad()
    def project_unit(self, rgb: torch.Tensor, layer: str, channel: int, row: int, col: int) -> torch.Tensor:
        """The projection of the single unit (channel, row, col): everything else in the layer set to zero."""
        activations, switches = self.forward(rgb, layer)
        signal = torch.zeros_like(activations)
        signal[:, channel, row, col] = activations[:, channel, row, col]
        return self.project(layer, signal, switches)
