"""Sizes and resampling for coarse-to-fine optimisation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..geometry import fit_area, fit_long_edge

__all__ = ["fit_area", "fit_long_edge", "high_frequencies", "resize", "resize_periodic"]


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bicubic resize, antialiased when shrinking so that no aliasing leaks into coarse levels."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    shrinking = size[0] < image.shape[-2] or size[1] < image.shape[-1]
    return F.interpolate(image, size=size, mode="bicubic", align_corners=False, antialias=shrinking)


def high_frequencies(image: torch.Tensor, coarse_size: tuple[int, int]) -> torch.Tensor:
    """What an image loses when it is taken down to ``coarse_size`` and back up."""
    return image - resize(resize(image, coarse_size), (image.shape[-2], image.shape[-1]))


def resize_periodic(image: torch.Tensor, size: tuple[int, int], margin: int = 4) -> torch.Tensor:
    """Resize an image that tiles, so that the result still tiles: wrap a margin around it first."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    height, width = image.shape[-2:]
    padded = F.pad(image, (margin, margin, margin, margin), mode="circular")
    sy, sx = size[0] / height, size[1] / width
    big = resize(padded, (round((height + 2 * margin) * sy), round((width + 2 * margin) * sx)))
    top, left = round(margin * sy), round(margin * sx)
    return big[..., top : top + size[0], left : left + size[1]]
