"""Loss terms that read named feature maps. Each term owns its targets and its weight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

import torch
import torch.nn.functional as F

from ..encoders.base import Encoder
from ..encoders.precision import full_precision, network_autocast
from ..layers import vgg19_stride
from .functional import content_loss, gram_loss, outer_product_sum, total_variation, zero_on
from .moments import Moments, layer_moments

if TYPE_CHECKING:
    from .tiled import Window


class SingleLayerTerm:
    """A term that compares one layer's features with a fixed target."""

    def __init__(self, layer: str, target: torch.Tensor, weight: float = 1.0):
        self.layer = layer
        self.target = target.detach().float()
        self.weight = weight

    @property
    def layers(self) -> list[str]:
        return [self.layer]


class ContentLoss(SingleLayerTerm):
    """``weight · mse(features[layer], target)``: keeps the layer's response to the content image."""

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return self.weight * content_loss(features[self.layer], self.target)

    # Tiled (``losses.tiled``): the mean squared difference is a sum over positions, over a known count.
    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        rows, cols = window.on(self.layer)
        with full_precision(self.target.device.type):
            difference = features[self.layer].float() - self.target[..., rows, cols]
            return {"squared": difference.pow(2).sum()}

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.weight * statistics["squared"] / self.target.numel()


class StyleLoss:
    """``weight · Σ_l w_l · mse(Gram_l(x), A_l)`` over several layers.

    Several styles are blended by blending their target Grams: for blend weights summing to 1,
    Σ_i b_i‖G − A_i‖² = ‖G − Σ_i b_i A_i‖² + const, so one comparison per layer suffices.
    A ``mask`` (B, 1, H, W at image resolution) restricts the term to a region with guided Grams.
    """

    def __init__(
        self,
        target_grams: Mapping[str, torch.Tensor],
        layer_weights: Mapping[str, float],
        weight: float = 1.0,
        mask: torch.Tensor | None = None,
    ):
        self.target_grams = {k: v.detach().float() for k, v in target_grams.items()}
        self.layer_weights = dict(layer_weights)
        self.weight = weight
        self.mask = mask
        self._masks: dict[tuple[int, int], torch.Tensor] = {}  # the mask at each feature map's size

    @property
    def layers(self) -> list[str]:
        return list(self.target_grams)

    @staticmethod
    def targets_from(
        features_per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float]
    ) -> dict[str, torch.Tensor]:
        """Blended target Grams from the features of one or more style images."""
        return StyleLoss.targets_from_moments([layer_moments(f) for f in features_per_style], blend)

    @staticmethod
    def targets_from_moments(
        moments_per_style: Sequence[Mapping[str, Moments]], blend: Sequence[float]
    ) -> dict[str, torch.Tensor]:
        """Blended target Grams from the moments of one or more style images (gathered whole or in tiles)."""
        total = float(sum(blend))
        return {
            layer: sum(
                (b / total * m[layer].gram for b, m in zip(blend, moments_per_style)),
                torch.zeros((), device=moments_per_style[0][layer].gram.device),
            )
            for layer in moments_per_style[0]
        }

    def _mask_at(self, features: torch.Tensor) -> torch.Tensor | None:
        return None if self.mask is None else self._mask_of_size((features.shape[-2], features.shape[-1]))

    def _mask_of_size(self, size: tuple[int, int]) -> torch.Tensor:
        """The mask at a feature map's size, computed once per size (it is the same at every evaluation)."""
        assert self.mask is not None
        if size not in self._masks:
            # Area interpolation keeps the mask's mean, i.e. the region's share of each feature map.
            self._masks[size] = F.interpolate(self.mask, size=size, mode="area")
        return self._masks[size]

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        total = zero_on(features)
        for layer, target in self.target_grams.items():
            feats = features[layer]
            total = total + self.layer_weights[layer] * gram_loss(feats, target, self._mask_at(feats))
        return self.weight * total

    # Tiled (``losses.tiled``): a Gram matrix is Σ f fᵀ over positions, over Σ 1 (or Σ m² with a mask).
    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        sums = {}
        for layer in self.target_grams:
            feats = features[layer].float()
            if self.mask is None:
                norm = torch.tensor(float(feats.shape[-2] * feats.shape[-1]), device=feats.device)
            else:
                # The whole image's feature map, of which this tile's centre is a part.
                stride = vgg19_stride(layer)
                whole = (self.mask.shape[-2] // stride, self.mask.shape[-1] // stride)
                rows, cols = window.on(layer)
                mask = self._mask_of_size(whole)[..., rows, cols]
                feats = feats * mask
                norm = mask.pow(2).sum()
            sums[layer] = outer_product_sum(feats)
            sums[f"{layer}/norm"] = norm
        return sums

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        total = torch.zeros((), device=next(iter(statistics.values())).device)
        for layer, target in self.target_grams.items():
            gram = statistics[layer] / statistics[f"{layer}/norm"].clamp_min(1e-8)
            total = total + self.layer_weights[layer] * F.mse_loss(gram, target)
        return self.weight * total


class RegionalStyleLoss:
    """Style terms for the regions of an output (one per mask, and one for the rest), reported as one term.

    Each region's ``StyleLoss`` carries its mask, so the total is the sum of guided Gram losses.
    """

    def __init__(self, regions: Sequence[LossTerm]):
        self.regions = list(regions)

    @property
    def layers(self) -> list[str]:
        return sorted({layer for region in self.regions for layer in region.layers})

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return sum((region(features, image) for region in self.regions), zero_on(features))

    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        sums = {}
        for index, region in enumerate(self.regions):
            for key, value in region.statistics(features, window).items():  # type: ignore[attr-defined]
                sums[f"{index}:{key}"] = value
        return sums

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        total = torch.zeros((), device=next(iter(statistics.values())).device)
        for index, region in enumerate(self.regions):
            prefix = f"{index}:"
            own = {k[len(prefix) :]: v for k, v in statistics.items() if k.startswith(prefix)}
            total = total + region.from_statistics(own)  # type: ignore[attr-defined]
        return total


class TotalVariationLoss:
    """``weight · TV_β(image)``: a smoothness prior on the pixels themselves."""

    layers: ClassVar[list[str]] = []  # it reads the image, not features

    def __init__(self, weight: float, exponent: float = 2.0, circular: bool = False):
        self.weight = weight
        self.exponent = exponent
        self.circular = circular

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return self.weight * total_variation(image, self.exponent, self.circular)


class LossTerm(Protocol):
    """A weighted loss on the features of some layers (and the image itself)."""

    @property
    def layers(self) -> list[str]: ...

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor: ...


class LossTerms:
    """Named loss terms evaluated on one encoder pass: ``terms(image) -> {name: weighted loss}``.

    The encoder runs once per call, only as deep as the deepest layer any term reads.
    """

    def __init__(self, encoder: Encoder, terms: Mapping[str, LossTerm], autocast_dtype: torch.dtype | None = None):
        self.encoder = encoder
        self.terms = dict(terms)
        self.autocast_dtype = autocast_dtype
        self.layers = sorted({layer for term in self.terms.values() for layer in term.layers})

    def __call__(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        features: Mapping[str, torch.Tensor] = {}
        if self.layers:
            with network_autocast(self.autocast_dtype, image.device.type):
                features = self.encoder(image, self.layers)
        return {name: term(features, image) for name, term in self.terms.items()}
