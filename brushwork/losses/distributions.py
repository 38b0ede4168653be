"""Style losses that match the distribution of features, not only their second moments (the Gram matrix).

Written from the formulas (Heitz et al. 2021, sliced Wasserstein; Risser et al. 2017, histograms;
the Wasserstein-2 distance between Gaussians), not from any implementation:

- sliced Wasserstein: project each position's feature vector on K unit directions, sort the
  projections, and compare them with the style's sorted projections. Sorting makes it blind to
  where a feature is; the style's sorted values are resampled (as quantiles) to the output's count,
  so output and style may differ in size. Its square is exactly W2² along each direction;
- histogram: the same along the C channel axes;
- Gaussian W2: ‖μ − μₛ‖² + tr(Σ + Σₛ − 2 (Σₛ^½ Σ Σₛ^½)^½), from each feature set's mean and
  covariance; Σₛ^½ is computed once, from the style (as a factor of its numerical rank).

Every loss is per dimension (W2 divided by the number of channels; the sliced loss averaged over
its directions) so that layers of different widths weigh alike before their layer weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from ..float64 import narrow, wide, wide_zero
from ..layers import vgg19_stride
from .functional import mean_and_covariance, zero_on
from .moments import Moments, layer_moments

if TYPE_CHECKING:
    from .tiled import Window


def positions(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(1, C, H, W) features as (N, C) vectors, float32; with a mask, only the positions where it is >= 0.5."""
    # A reshape, not ``[0]``: a select's backward fills a zero tensor of the features' size and copies.
    flat = features.float().reshape(features.shape[1], -1).t()
    if mask is None:
        return flat
    weights = F.interpolate(mask.float(), size=features.shape[-2:], mode="area").reshape(-1)
    return flat[weights >= 0.5]


def resample_sorted(values: torch.Tensor, count: int) -> torch.Tensor:
    """Sorted (M, K) columns resampled to ``count`` quantiles (linear between neighbours)."""
    m = values.shape[0]
    if m == count:
        return values
    if m == 1:
        return values.expand(count, -1)
    where = torch.linspace(0, m - 1, count, device=values.device)
    low = where.floor().long().clamp(max=m - 2)
    frac = (where - low).unsqueeze(1)
    return values[low] * (1 - frac) + values[low + 1] * frac


def sliced_wasserstein(vectors: torch.Tensor, directions: torch.Tensor, target_sorted: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of sorted projections: (N, C) vectors, (C, K) unit directions, (M, K) sorted target."""
    if vectors.shape[0] == 0:
        return vectors.sum() * 0.0
    projected, _ = torch.sort(vectors @ directions, dim=0)
    # The mean over directions is already per dimension, as W2 divided by C is.
    return F.mse_loss(projected, resample_sorted(target_sorted, vectors.shape[0]))


def random_directions(
    channels: int, count: int, generator: torch.Generator, device: torch.device | None = None
) -> torch.Tensor:
    """(C, K) directions drawn uniformly on the unit sphere, on ``device`` (default: the generator's). They
    are drawn where the generator is, so a seed gives the same directions on every device."""
    directions = torch.randn(channels, count, generator=generator, device=generator.device).to(
        device or generator.device
    )
    return directions / directions.norm(dim=0, keepdim=True)


def root_factor(matrix: torch.Tensor, relative_floor: float = 1e-6) -> torch.Tensor:
    """F (C, r) with F Fᵀ = M and FᵀF = Λ, for a PSD matrix M = V Λ Vᵀ of numerical rank r.

    Of Σₛ^½ = V Λ^½ Vᵀ, the W2 loss needs only V_r Λ_r^½: Σₛ^½ Σ Σₛ^½ has the nonzero eigenvalues
    of Λ^½ V_rᵀ Σ V_r Λ^½ (r x r). Eigenvalues below ``relative_floor`` of the largest are dropped:
    a style read at a coarse level's size has fewer positions than its deep layers have channels,
    and those null directions' float32 noise, under a square root, is not small.
    """
    values, vectors = torch.linalg.eigh(wide(matrix))
    kept = values > relative_floor * values.max().clamp(min=1e-30)
    return narrow(vectors[:, kept] * values[kept].sqrt(), matrix, matrix.dtype)


# Eigenvalues of the W2 middle matrix below this fraction of its largest count as zero. float32
# forms it with rounding of ~1e-7 of its scale, which shows as eigenvalues of that size in every
# null direction (a dead channel, or fewer positions than channels); under the square root they
# added 0.2 % to a layer's loss and gradients of ~1/(2√ε) in random directions.
ROOT_EIGENVALUE_FLOOR = 1e-6


def _root_trace(middle: torch.Tensor) -> torch.Tensor:
    """tr(M^½) of a symmetric PSD matrix: the sum of the roots of its eigenvalues (those above the
    float32 noise floor), whose gradient is well defined even where eigenvalues repeat."""
    # The decomposition in float64: float32's eigh (which the gradient needs, unlike eigvalsh) puts
    # the small eigenvalues 100x further off than the matrix's own rounding, and cost only 1.15x
    # float32's for a 512x512 matrix on a CPU, forward and backward.
    if middle.numel() == 0:  # a style whose layer is all zeros: Σₛ has rank 0
        return middle.sum()
    values = torch.linalg.eigvalsh(wide((middle + middle.t()) / 2))
    floor = ROOT_EIGENVALUE_FLOOR * values.detach().max().clamp(min=1e-30)
    return narrow(torch.where(values > floor, values.clamp(min=floor).sqrt(), 0.0).sum(), middle, middle.dtype)


def gaussian_w2(
    vectors: torch.Tensor, target_mean: torch.Tensor, target_cov_trace: torch.Tensor, target_factor: torch.Tensor
) -> torch.Tensor:
    """W2² between the Gaussian of (N, C) ``vectors`` and the target's, divided by C:
    ‖μ − μₛ‖² + tr Σ + tr Σₛ − 2 tr((Σₛ^½ Σ Σₛ^½)^½), with ``target_factor`` the style's ``root_factor``.

    With X the centred vectors and F the factor (C x r), Σₛ^½ Σ Σₛ^½ has the nonzero eigenvalues of
    Fᵀ (XᵀX / N) F (r x r) and of X F Fᵀ Xᵀ / N (N x N): the smaller is decomposed. A coarse level's
    deep layers have fewer positions than channels (40 at relu5_1 for a 128 px level, against 512
    channels). With more positions, Σ is formed first (``mean_and_covariance``, one matmul each way,
    as the Gram loss costs), where X F and its r x r product cost twice that.
    """
    count, channels = vectors.shape
    if count == 0:
        return vectors.sum() * 0.0
    if count < target_factor.shape[1]:
        mean = vectors.mean(dim=0)
        centred = vectors - mean
        whitened = centred @ target_factor
        middle = whitened @ whitened.t() / count
        cov_trace = centred.pow(2).sum() / count
    else:
        mean, cov = mean_and_covariance(vectors.t())
        middle = target_factor.t() @ cov @ target_factor
        cov_trace = cov.trace()
    distance = (mean - target_mean).pow(2).sum() + cov_trace + target_cov_trace - 2 * _root_trace(middle)
    return distance / channels


def gaussian_w2_of_moments(
    mean: torch.Tensor,
    cov: torch.Tensor,
    target_mean: torch.Tensor,
    target_cov_trace: torch.Tensor,
    target_factor: torch.Tensor,
) -> torch.Tensor:
    """``gaussian_w2`` from the vectors' mean and covariance (what a tiled evaluation adds up).

    In float64, as Σ = E[f fᵀ] − μμᵀ cancels in float32.
    """
    home = target_factor.device
    mean, cov, factor = wide(mean), wide(cov), wide(target_factor)
    middle = factor.t() @ cov @ factor
    trace = wide(target_cov_trace)
    distance = (mean - wide(target_mean)).pow(2).sum() + cov.trace() + trace - 2 * _root_trace(middle)
    return narrow(distance / mean.shape[0], home)


class SlicedWassersteinLoss:
    """``weight · Σ_l w_l · SW²(features_l, style_l)`` over several layers, with fixed directions per layer.

    Several styles blend as the Wasserstein barycentre along each direction: the blend-weighted mean
    of their quantile functions. A ``mask`` restricts the term to the region where it is >= 0.5.
    ``directions=None`` per layer means the channel axes (histogram matching).
    """

    def __init__(
        self,
        directions: Mapping[str, torch.Tensor],
        target_sorted: Mapping[str, torch.Tensor],
        layer_weights: Mapping[str, float],
        weight: float = 1.0,
        mask: torch.Tensor | None = None,
    ):
        self.directions = dict(directions)
        self.target_sorted = {k: v.detach() for k, v in target_sorted.items()}
        self.layer_weights = dict(layer_weights)
        self.weight = weight
        self.mask = mask

    @property
    def layers(self) -> list[str]:
        return list(self.target_sorted)

    @staticmethod
    def targets_from(
        features_per_style: Sequence[Mapping[str, torch.Tensor]],
        blend: Sequence[float],
        directions: Mapping[str, torch.Tensor],
    ) -> dict[str, torch.Tensor]:
        total = float(sum(blend))
        targets = {}
        for layer, dirs in directions.items():
            sorted_sets = [torch.sort(positions(f[layer]) @ dirs, dim=0)[0] for f in features_per_style]
            count = max(s.shape[0] for s in sorted_sets)
            targets[layer] = sum(
                (b / total * resample_sorted(s, count) for b, s in zip(blend, sorted_sets)),
                torch.zeros((), device=dirs.device),
            )
        return targets

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        total = zero_on(features)
        for layer, target in self.target_sorted.items():
            vectors = positions(features[layer], self.mask)
            total = total + self.layer_weights[layer] * sliced_wasserstein(vectors, self.directions[layer], target)
        return self.weight * total


class GaussianW2Loss:
    """``weight · Σ_l w_l · W2²(N(μ_l, Σ_l), N(μₛ, Σₛ))`` over several layers.

    Several styles blend as their mixture's mean and covariance (the moments of the blended feature
    distribution). A ``mask`` restricts the term to the region where it is >= 0.5.
    """

    def __init__(
        self,
        targets: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
        layer_weights: Mapping[str, float],
        weight: float = 1.0,
        mask: torch.Tensor | None = None,
    ):
        self.targets = {k: (m.detach(), c.detach().trace(), root_factor(c.detach())) for k, (m, c) in targets.items()}
        self.layer_weights = dict(layer_weights)
        self.weight = weight
        self.mask = mask

    @property
    def layers(self) -> list[str]:
        return list(self.targets)

    @staticmethod
    def targets_from(
        features_per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float]
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        return GaussianW2Loss.targets_from_moments([layer_moments(f) for f in features_per_style], blend)

    @staticmethod
    def targets_from_moments(
        moments_per_style: Sequence[Mapping[str, Moments]], blend: Sequence[float]
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """Per layer the mean and covariance of the styles' blended feature distribution (a mixture)."""
        total = float(sum(blend))
        targets = {}
        for layer in moments_per_style[0]:
            parts = [(b / total, m[layer]) for b, m in zip(blend, moments_per_style)]
            home = parts[0][1].device
            mean = sum((w * m.mean for w, m in parts), wide_zero(home))
            second = sum((w * m.second_moment for w, m in parts), wide_zero(home))
            targets[layer] = (narrow(mean, home), narrow(second - torch.outer(mean, mean), home))
        return targets

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        total = zero_on(features)
        for layer, (mean, cov_trace, factor) in self.targets.items():
            vectors = positions(features[layer], self.mask)
            total = total + self.layer_weights[layer] * gaussian_w2(vectors, mean, cov_trace, factor)
        return self.weight * total

    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        """Per layer Σ f, Σ f fᵀ and the count over the window's centre: the moments' sufficient statistics."""
        sums = {}
        for layer in self.targets:
            feats = features[layer].float()[0]
            vectors = feats.reshape(feats.shape[0], -1).t()
            if self.mask is not None:
                # The same positions as the whole image's ``positions`` keeps.
                stride = vgg19_stride(layer)
                whole = (self.mask.shape[-2] // stride, self.mask.shape[-1] // stride)
                rows, cols = window.on(layer)
                weights = F.interpolate(self.mask.float(), size=whole, mode="area")[..., rows, cols]
                vectors = vectors[weights.reshape(-1) >= 0.5]
            sums[f"{layer}/sum"] = vectors.sum(dim=0)
            sums[f"{layer}/outer"] = vectors.t() @ vectors
            sums[f"{layer}/count"] = torch.tensor(float(vectors.shape[0]), device=vectors.device)
        return sums

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        total = torch.zeros((), device=next(iter(statistics.values())).device)
        for layer, (target_mean, target_cov_trace, target_factor) in self.targets.items():
            count = statistics[f"{layer}/count"]
            if float(count.detach()) == 0:
                continue
            mean = wide(statistics[f"{layer}/sum"]) / wide(count)
            cov = wide(statistics[f"{layer}/outer"]) / wide(count) - torch.outer(mean, mean)
            distance = gaussian_w2_of_moments(mean, cov, target_mean, target_cov_trace, target_factor)
            total = total + self.layer_weights[layer] * distance
        return self.weight * total
