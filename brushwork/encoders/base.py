"""What every encoder is, for type checking: an image and the layers wanted in, their feature maps out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

Encoder = Callable[[torch.Tensor, Sequence[str]], Mapping[str, torch.Tensor]]


def encoder_device(encoder: Encoder) -> torch.device:
    """The device an encoder's weights are on, where work with no input image (visualisation) is made."""
    if isinstance(encoder, torch.nn.Module):
        for tensor in (*encoder.parameters(), *encoder.buffers()):
            return tensor.device
    raise TypeError(f"cannot tell the device of {type(encoder).__name__}: not a module with weights")
