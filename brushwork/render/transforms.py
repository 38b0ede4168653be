"""Random transformations applied to an image before each network evaluation.

Optimising an image through random jitter, scaling and rotation (Mordvintsev et al.; Olah et al.
2017) makes the result robust to them, which suppresses the high-frequency patterns a network
responds to but a person does not see. Each transform draws from a seeded generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F


class Jitter:
    """Circular shift by up to ``pixels`` in each direction (differentiable, keeps the size)."""

    def __init__(self, pixels: int, generator: torch.Generator):
        self.pixels = pixels
        self.generator = generator

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        if self.pixels <= 0:
            return image
        dy, dx = torch.randint(
            -self.pixels, self.pixels + 1, (2,), generator=self.generator, device=self.generator.device
        ).tolist()
        return torch.roll(image, shifts=(dy, dx), dims=(-2, -1))


def _affine(image: torch.Tensor, scale: float, angle_degrees: float) -> torch.Tensor:
    theta = math.radians(angle_degrees)
    cos, sin = math.cos(theta) / scale, math.sin(theta) / scale
    matrix = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]], dtype=image.dtype, device=image.device)
    matrix = matrix.expand(image.shape[0], 2, 3)
    grid = F.affine_grid(matrix, list(image.shape), align_corners=False)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class RandomScale:
    """Zoom by a factor drawn from ``scales`` (about the centre, same output size)."""

    def __init__(self, scales: Iterable[float], generator: torch.Generator):
        self.scales = list(scales)
        self.generator = generator

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        scale = self.scales[
            int(torch.randint(len(self.scales), (1,), generator=self.generator, device=self.generator.device))
        ]
        return image if scale == 1 else _affine(image, scale, 0.0)


class RandomRotate:
    """Rotate by an angle (degrees) drawn from ``angles``."""

    def __init__(self, angles: Iterable[float], generator: torch.Generator):
        self.angles = list(angles)
        self.generator = generator

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        angle = self.angles[
            int(torch.randint(len(self.angles), (1,), generator=self.generator, device=self.generator.device))
        ]
        return image if angle == 0 else _affine(image, 1.0, angle)


class Compose:
    def __init__(self, transforms: Iterable[Callable[[torch.Tensor], torch.Tensor]]):
        self.transforms = list(transforms)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        for transform in self.transforms:
            image = transform(image)
        return image


def standard_transforms(generator: torch.Generator, jitter: int = 8) -> Compose:
    """Lucid's recipe: jitter, a mild random zoom and rotation, then a little more jitter."""
    return Compose(
        [
            Jitter(jitter, generator),
            RandomScale([1 + (i - 5) / 50 for i in range(11)], generator),
            RandomRotate(range(-10, 11), generator),
            Jitter(max(1, jitter // 2), generator),
        ]
    )
