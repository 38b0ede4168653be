"""What every encoder is, for type checking: an image and the layers wanted in, their feature maps out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

Encoder = Callable[[torch.Tensor, Sequence[str]], Mapping[str, torch.Tensor]]
