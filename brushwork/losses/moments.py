"""The first two moments of a feature map's positions, as sums that can be gathered a tile at a time.

The Gram and the Gaussian W2 style losses read a style image only through these: the count n, the
mean μ and the centred scatter S = Σ (f − μ)(f − μ)ᵀ. A style image at a print size is too large for
one network pass, so its moments are gathered over tiles and merged (Chan, Golub and LeVeque's
pairwise update, which stays exact where Σ f fᵀ − n μμᵀ would cancel):

    n = n_a + n_b,  μ = μ_a + δ n_b / n,  S = S_a + S_b + δδᵀ n_a n_b / n,  δ = μ_b − μ_a.

Each part's scatter is formed centred, in float32, and the parts are merged in float64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from ..encoders.precision import full_precision
from ..float64 import narrow, wide


@dataclass(frozen=True)
class Moments:
    """Count, mean (C,) and centred scatter (C, C) of a set of C-channel feature vectors."""

    count: int
    mean: torch.Tensor  # float64, on ``float64_device(device)``
    scatter: torch.Tensor  # float64, on ``float64_device(device)``
    device: torch.device  # the features': where the float32 views (covariance, gram) go

    @staticmethod
    def of(features: torch.Tensor) -> Moments:
        """The moments of a (1, C, H, W) feature map's H·W positions."""
        with full_precision(features.device.type):
            flat = features.float().reshape(features.shape[1], -1)
            mean = flat.mean(dim=1)
            centred = flat - mean[:, None]
            scatter = centred @ centred.t()
        return Moments(flat.shape[1], wide(mean), wide(scatter), features.device)

    def __add__(self, other: Moments) -> Moments:
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        scatter = self.scatter + other.scatter + torch.outer(delta, delta) * (self.count * other.count / count)
        return Moments(count, mean, scatter, self.device)

    @property
    def covariance(self) -> torch.Tensor:
        """Σ = S / n, float32 (C, C)."""
        return narrow(self.scatter / max(1, self.count), self.device)

    @property
    def second_moment(self) -> torch.Tensor:
        """E[f fᵀ] = Σ + μμᵀ, float64 (C, C) where float64 runs: what a blend of styles mixes."""
        return self.scatter / max(1, self.count) + torch.outer(self.mean, self.mean)

    @property
    def gram(self) -> torch.Tensor:
        """The Gram matrix F Fᵀ / n (the second moment), float32 (1, C, C) as ``functional.gram_matrix`` gives it."""
        return narrow(self.second_moment, self.device)[None]


LayerMoments = dict[str, Moments]


def layer_moments(features: Mapping[str, torch.Tensor]) -> LayerMoments:
    """Each layer's moments of a whole image's feature maps."""
    return {layer: Moments.of(feature) for layer, feature in features.items()}


def merge(parts: Mapping[str, Moments] | None, more: Mapping[str, Moments]) -> LayerMoments:
    """Two sets of per-layer moments (of disjoint positions) as one."""
    if parts is None:
        return dict(more)
    return {layer: parts[layer] + more[layer] for layer in parts}
