"""Loss terms for seeing inside a network: activation maximisation, guided dreaming, class scores,
feature reconstruction, and the natural-image priors of Mahendran & Vedaldi (2015).

Every term is minimised by the shared loop, so terms that *maximise* something return its negative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

import torch

from .functional import alpha_norm, feature_reconstruction_loss
from .modules import SingleLayerTerm

if TYPE_CHECKING:
    from .tiled import Window


def _select(features: torch.Tensor, channels: Sequence[int] | None) -> torch.Tensor:
    return features if channels is None else features[:, list(channels)]


class ActivationObjective:
    """``-weight · mean(a^power)`` of a layer's activations, optionally of some channels only.

    ``power=1`` on a rectified layer maximises a channel's mean response (activation maximisation);
    ``power=2`` is DeepDream's L2 objective: amplify whatever the layer already responds to.
    """

    def __init__(self, layer: str, channels: Sequence[int] | None = None, power: int = 1, weight: float = 1.0):
        self.layer = layer
        self.channels = None if channels is None else list(channels)
        self.power = power
        self.weight = weight

    @property
    def layers(self) -> list[str]:
        return [self.layer]

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        selected = _select(features[self.layer], self.channels).float()
        return -self.weight * selected.pow(self.power).mean()

    # Tiled (``losses.tiled``): a mean is a sum over positions over their count.
    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        selected = _select(features[self.layer], self.channels).float()
        return {
            "sum": selected.pow(self.power).sum(),
            "count": torch.tensor(float(selected.numel()), device=selected.device),
        }

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return -self.weight * statistics["sum"] / statistics["count"]


class GuidedObjective:
    """DeepDream with a guide image: each position is pulled towards the guide's best-matching feature.

    ``-weight · mean_p max_q <x_p, g_q>``: its gradient at position p is the guide feature vector
    most similar to x_p, which is Mordvintsev's "guided" objective.
    """

    def __init__(
        self, layer: str, guide_features: torch.Tensor, channels: Sequence[int] | None = None, weight: float = 1.0
    ):
        self.layer = layer
        self.channels = None if channels is None else list(channels)
        guide = _select(guide_features.detach(), self.channels).float()
        self.guide = guide.flatten(2)[0]  # (C, positions)
        self.weight = weight

    @property
    def layers(self) -> list[str]:
        return [self.layer]

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        x = _select(features[self.layer], self.channels).float().flatten(2)  # (B, C, P)
        return -self.weight * self._best_matches(x).mean() / x.shape[1]

    def _best_matches(self, x: torch.Tensor) -> torch.Tensor:
        """Each position's similarity to the guide feature it matches best, (B, P)."""
        return torch.einsum("bcp,cq->bpq", x, self.guide).max(dim=2).values

    # Tiled: the mean over positions is a sum over positions over their count.
    def statistics(self, features: Mapping[str, torch.Tensor], window: Window) -> dict[str, torch.Tensor]:
        x = _select(features[self.layer], self.channels).float().flatten(2)
        best = self._best_matches(x)
        return {"sum": best.sum(), "count": torch.tensor(float(best.numel()), device=best.device)}

    def from_statistics(self, statistics: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return -self.weight * statistics["sum"] / statistics["count"] / float(self.guide.shape[0])


class ClassObjective:
    """``-weight · logit[class]`` (mean over the batch): make the network see a class."""

    layers: ClassVar[list[str]] = ["logits"]

    def __init__(self, class_index: int, weight: float = 1.0):
        self.class_index = class_index
        self.weight = weight

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return -self.weight * features["logits"][:, self.class_index].float().mean()


class FeatureReconstructionLoss(SingleLayerTerm):
    """``weight · ‖Φ(x) − Φ₀‖² / ‖Φ₀‖²``: Mahendran & Vedaldi's normalised reconstruction error."""

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return self.weight * feature_reconstruction_loss(features[self.layer], self.target)


class AlphaNormLoss:
    """``weight · alpha_norm(image − mean, α) / B^α``: keeps pixels within the natural range.

    ``bound`` B is the typical magnitude of a mean-subtracted pixel in the image's units, so the
    term is about 1 for a natural image whatever the units.
    """

    layers: ClassVar[list[str]] = []

    def __init__(self, alpha: float, bound: float, weight: float = 1.0):
        self.alpha = alpha
        self.bound = bound
        self.weight = weight

    def __call__(self, features: Mapping[str, torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        return self.weight * alpha_norm(image, self.alpha) / self.bound**self.alpha
