"""What a run gives a technique's entry point besides its images and settings: where to report, a level
store to resume from, encoders loaded once by a long-lived runner, and the device it runs on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from PIL import Image

from ..encoders.vgg import VGG19Encoder
from .levels import LevelStore
from .progress import ProgressCallback

# A (1, 3, H, W) RGB tensor in [0, 1], or a PIL image where the picture has captions (invert's sheet).
Picture = torch.Tensor | Image.Image


@dataclass
class RunContext:
    """``vgg19(pooling, padding_mode)`` returns a whole VGG19 on ``device`` (it runs only as deep as a job
    asks), so the studio's worker reads the weights once rather than per job. The images a technique is
    handed are on ``device`` already; ``device`` is for what it makes from none (visualisation)."""

    callback: ProgressCallback | None = None  # a ``Reporter`` hears of each tile of a tiled level too
    level_store: LevelStore | None = None
    vgg19: Callable[[str, str], VGG19Encoder] | None = None
    device: torch.device | None = None  # None: the host

    def encoder(self, pooling: str, padding_mode: str = "zeros") -> VGG19Encoder | None:
        return None if self.vgg19 is None else self.vgg19(pooling, padding_mode)
