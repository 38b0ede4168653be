"""How optimised images are parameterised and randomly transformed before the network sees them."""

from .param import PIXEL_SCALE, FourierImage, PixelImage
from .transforms import Compose, Jitter, RandomRotate, RandomScale, standard_transforms

__all__ = [
    "PIXEL_SCALE",
    "Compose",
    "FourierImage",
    "Jitter",
    "PixelImage",
    "RandomRotate",
    "RandomScale",
    "standard_transforms",
]
