"""The temporal loss of Ruder, Dosovitskiy and Brox (2016): keep the pixels where the previous painted
frame, warped by the optical flow, put them — wherever the flow can be trusted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import torch


def temporal_loss(image: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(1/D) Σ c ⊙ (x − ω)²: ``image`` x and the warped previous frame ω are (1, C, H, W), the weights c
    (1, 1, H, W) in [0, 1]; D = C·H·W, the number of values (as in the paper)."""
    return (weights * (image - target) ** 2).sum() / image.numel()


class TemporalLoss:
    """``weight · temporal_loss`` against one warped previous frame; several (long-term) are summed."""

    layers: ClassVar[list[str]] = []  # it reads the image, not features

    def __init__(self, targets: list[tuple[torch.Tensor, torch.Tensor]], weight: float):
        self.targets = targets  # (warped previous frame, its weights)
        self.weight = weight

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        total = image.new_zeros(())
        for target, weights in self.targets:
            total = total + temporal_loss(image, target, weights)
        return self.weight * total
