"""Loss terms as small composable pieces: functional forms and the modules built on them."""

from .functional import alpha_norm, content_loss, feature_reconstruction_loss, gram_loss, gram_matrix, total_variation
from .modules import ContentLoss, LossTerms, RegionalStyleLoss, StyleLoss, TotalVariationLoss
from .objectives import (
    ActivationObjective,
    AlphaNormLoss,
    ClassObjective,
    FeatureReconstructionLoss,
    GuidedObjective,
)

__all__ = [
    "ActivationObjective",
    "AlphaNormLoss",
    "ClassObjective",
    "ContentLoss",
    "FeatureReconstructionLoss",
    "GuidedObjective",
    "LossTerms",
    "RegionalStyleLoss",
    "StyleLoss",
    "TotalVariationLoss",
    "alpha_norm",
    "content_loss",
    "feature_reconstruction_loss",
    "gram_loss",
    "gram_matrix",
    "total_variation",
]
