"""Values several techniques and front ends share, declared once (and importable without torch)."""

from __future__ import annotations

from typing import Literal, get_args

# The smallest output side we accept. VGG19 has four poolings before relu5_1, so 32 px leaves 2 px there.
MIN_SIZE = 32
# Coarse levels may go below MIN_SIZE, but not below this.
MIN_LEVEL_SIZE = MIN_SIZE // 2
GATYS_STYLE_LAYERS: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
Pooling = Literal["max", "avg"]
POOLINGS: tuple[Pooling, ...] = get_args(Pooling)
# Optimisers a user can choose for image optimisation (the loop also has DeepDream's "normalized").
ImageOptimizer = Literal["lbfgs", "adam"]
IMAGE_OPTIMIZERS: tuple[ImageOptimizer, ...] = get_args(ImageOptimizer)
Precision = Literal["auto", "float32", "bfloat16"]
PRECISIONS: tuple[Precision, ...] = get_args(Precision)
# Files a folder scan picks up as images.
IMAGE_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")
# What an output file name ends in -> the Pillow format that writes it.
OUTPUT_FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
