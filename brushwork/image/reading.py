"""Reading pictures as they are meant to be seen, without torch (the studio's server uses it): EXIF
orientation, ICC profiles converted to sRGB, sizes from a file's header."""

from __future__ import annotations

import io
import os
import warnings
from functools import cache

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# The formats brushwork decodes, whatever a file's name says; Pillow's other decoders (DDS, PSD, ICNS,
# ...) are not offered to untrusted files.
INPUT_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF", "PPM")
# Inputs above this many pixels are refused before decoding (a decompression bomb defence).
MAX_INPUT_PIXELS: int = Image.MAX_IMAGE_PIXELS or 89_478_485


# Modes LittleCMS converts; an image of another mode (16-bit grey, float) with a profile is read as is.
_COLOR_MANAGED_MODES = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB", "LA": "RGBA"}


@cache
def srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def srgb_profile_bytes() -> bytes:
    return srgb_profile().tobytes()


def to_srgb(img: Image.Image) -> Image.Image:
    """Convert an image with an embedded ICC profile (Adobe RGB, Display P3, a CMYK press profile) to sRGB.

    Without this, a wide-gamut photo's numbers are read as sRGB and its colours come out dull or
    shifted. An image without a profile is taken to be sRGB already, as browsers do.
    """
    icc = img.info.get("icc_profile")
    if not icc:
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode == "LA":
        grey, alpha = img.split()
        grey.info["icc_profile"] = icc
        rgb = to_srgb(grey)
        rgb.putalpha(alpha)
        return rgb
    output_mode = _COLOR_MANAGED_MODES.get(img.mode)
    if output_mode is None:
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(img, source, srgb_profile(), outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A damaged profile, or one for another colour space than the pixels': browsers then show
        # the numbers as sRGB, and so do we.
        return img
    return converted if converted is not None else img


# EXIF orientations that turn the picture a quarter turn: its shown width is its stored height.
QUARTER_TURNS = (5, 6, 7, 8)


def shown_size(opened: Image.Image) -> tuple[int, int]:
    """(height, width) of an open image as it is shown: after its EXIF orientation, before decoding."""
    width, height = opened.size
    return (width, height) if opened.getexif().get(0x0112, 1) in QUARTER_TURNS else (height, width)


def image_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(height, width) of an image file as shown, from its header; None if it is not one brushwork reads
    (``load_image`` then says why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path, formats=INPUT_FORMATS) as opened:
                return shown_size(opened)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def as_shown(opened: Image.Image) -> Image.Image:
    """An open image turned by its EXIF orientation and converted to sRGB by its ICC profile."""
    return to_srgb(ImageOps.exif_transpose(opened))
