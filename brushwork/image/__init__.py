"""Image I/O, colour transforms and resizing."""

from .io import OUTPUT_FORMATS, check_output_path, load_image, save_image
from .pyramid import fit_long_edge, resize

__all__ = ["OUTPUT_FORMATS", "check_output_path", "fit_long_edge", "load_image", "resize", "save_image"]
