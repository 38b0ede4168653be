"""Image I/O, colour transforms and resizing. ``reading`` needs no torch; the rest is imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .io import OUTPUT_FORMATS, check_output_path, load_image, save_image
    from .pyramid import fit_long_edge, resize

__all__ = ["OUTPUT_FORMATS", "check_output_path", "fit_long_edge", "load_image", "resize", "save_image"]


def __getattr__(name: str) -> Any:
    if name in ("OUTPUT_FORMATS", "check_output_path", "load_image", "save_image"):
        from . import io

        return getattr(io, name)
    if name in ("fit_long_edge", "resize"):
        from . import pyramid

        return getattr(pyramid, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
