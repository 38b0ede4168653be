"""Parameter-free style transforms of feature vectors: the fast tier's stylisation (no optimisation).

Each maps the content's (N, C) feature vectors so that their distribution takes the style's:

- ``adain``: each channel's mean and spread (Huang and Belongie 2017);
- ``wct``: the whole covariance, whitening then colouring (Li et al. 2017);
- ``optimal_transport``: the Gaussian optimal-transport map, the W2 minimiser between the two Gaussians
  (the very objective brushwork's default style loss measures): the linear map closest to the identity
  that carries one Gaussian onto the other;
- ``histogram``: each channel's sorted values (exact histogram matching, as EFDM).

Several styles blend as the default's W2 loss blends them: their mixture's mean and covariance (for the
first three), or the mean of their quantile functions (for ``histogram``). All the arithmetic is float64
(``brushwork.float64``) and the result comes back in the content's dtype and device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .float64 import narrow, wide, wide_zero
from .losses.distributions import resample_sorted
from .settings.fast import FEATURE_TRANSFORMS, FeatureTransform

__all__ = ["FEATURE_TRANSFORMS", "FeatureTransform", "Statistics", "blend", "transform"]
EIGENVALUE_FLOOR = 1e-5  # of the largest: below, a direction holds float rounding, not signal


@dataclass(frozen=True)
class Statistics:
    """The mean (C,) and covariance (C, C) of a set of feature vectors, float64, and, for histogram
    matching, their sorted values per channel (K, C)."""

    mean: torch.Tensor
    cov: torch.Tensor
    sorted_values: torch.Tensor | None = None

    @staticmethod
    def of(vectors: torch.Tensor, sorted_values: bool = True) -> Statistics:
        """The statistics of (N, C) vectors; ``sorted_values=False`` leaves out the sort (only
        ``histogram`` reads it)."""
        values = wide(vectors)
        mean = values.mean(dim=0)
        centred = values - mean
        cov = centred.t() @ centred / max(1, values.shape[0] - 1)
        return Statistics(mean, cov, torch.sort(values, dim=0).values if sorted_values else None)


def blend(parts: Sequence[Statistics], weights: Sequence[float]) -> Statistics:
    """The mixture of several styles' features, weighted: mean and covariance of the mixture, and the
    mean of their quantile functions."""
    total = float(sum(weights))
    home = parts[0].mean.device
    mean = sum((w / total * p.mean for w, p in zip(weights, parts, strict=True)), wide_zero(home))
    second = sum(
        (w / total * (p.cov + torch.outer(p.mean, p.mean)) for w, p in zip(weights, parts, strict=True)),
        wide_zero(home),
    )
    quantiles = None
    if all(p.sorted_values is not None for p in parts):
        count = max(p.sorted_values.shape[0] for p in parts if p.sorted_values is not None)
        quantiles = sum(
            (
                w / total * resample_sorted(p.sorted_values, count)
                for w, p in zip(weights, parts, strict=True)
                if p.sorted_values is not None
            ),
            wide_zero(home),
        )
    return Statistics(mean, second - torch.outer(mean, mean), quantiles)


def symmetric_powers(cov: torch.Tensor, *powers: float) -> list[torch.Tensor]:
    """cov^power for each power, of a symmetric PSD matrix, from one decomposition; its directions below
    ``EIGENVALUE_FLOOR`` of the largest eigenvalue left out (0 there: a null direction is neither
    whitened nor coloured)."""
    values, vectors = torch.linalg.eigh((cov + cov.t()) / 2)
    kept = values > EIGENVALUE_FLOOR * values.max().clamp(min=1e-30)
    results = []
    for power in powers:
        scaled = torch.where(kept, values.clamp(min=1e-30) ** power, torch.zeros_like(values))
        results.append((vectors * scaled) @ vectors.t())
    return results


def symmetric_power(cov: torch.Tensor, power: float) -> torch.Tensor:
    """``symmetric_powers`` for one power."""
    return symmetric_powers(cov, power)[0]


def transform(vectors: torch.Tensor, style: Statistics, kind: FeatureTransform) -> torch.Tensor:
    """The content's (N, C) vectors mapped by ``kind`` onto ``style``'s statistics."""
    values = wide(vectors)
    if values.shape[0] == 0:
        return vectors
    content = Statistics.of(vectors, sorted_values=False)
    centred = values - content.mean
    if kind == "adain":
        content_std = content.cov.diagonal().clamp(min=0).sqrt()
        style_std = style.cov.diagonal().clamp(min=0).sqrt()
        mapped = centred * (style_std / content_std.clamp(min=1e-12)) + style.mean
    elif kind == "wct":
        # Rows map by A = Σc^-½ Σs^½: the covariance becomes Aᵀ Σc A = Σs.
        mapped = centred @ (symmetric_power(content.cov, -0.5) @ symmetric_power(style.cov, 0.5)) + style.mean
    elif kind == "ot":
        root, inverse_root = symmetric_powers(content.cov, 0.5, -0.5)
        middle = symmetric_power(root @ style.cov @ root, 0.5)
        mapped = centred @ (inverse_root @ middle @ inverse_root).t() + style.mean
    elif kind == "histogram":
        if style.sorted_values is None:
            raise ValueError("histogram matching needs the style's sorted values (Statistics.of(..., True))")
        order = torch.argsort(values, dim=0)
        targets = resample_sorted(style.sorted_values, values.shape[0])
        mapped = torch.empty_like(values).scatter_(0, order, targets)
    else:
        raise ValueError(f"unknown feature transform {kind!r}")
    return narrow(mapped, vectors, vectors.dtype)
