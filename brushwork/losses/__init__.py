"""Loss terms as small composable pieces: functional forms and the modules built on them."""

from .functional import content_loss, gram_loss, gram_matrix, total_variation
from .modules import ContentLoss, LossTerms, StyleLoss, TotalVariationLoss

__all__ = [
    "ContentLoss",
    "LossTerms",
    "StyleLoss",
    "TotalVariationLoss",
    "content_loss",
    "gram_loss",
    "gram_matrix",
    "total_variation",
]
