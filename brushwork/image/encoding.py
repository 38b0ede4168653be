"""A picture as a file's bytes with its record inside, for a file that travels alone (the studio's downloads).

Needs no torch: the studio's server converts its stored results with it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from PIL import Image, PngImagePlugin

from ..provenance import PNG_KEY, xmp_packet
from .reading import srgb_profile_bytes

DOWNLOAD_QUALITY = 92  # JPEG and WebP: high enough that the brush texture survives the compression


def png_record(metadata: Mapping[str, Any]) -> PngImagePlugin.PngInfo:
    """The PNG text chunk that carries a record (what ``provenance.read_record`` reads back)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(PNG_KEY, json.dumps(metadata, sort_keys=False))
    return info


def encoded_image(image: Image.Image, fmt: str, metadata: Mapping[str, Any]) -> bytes:
    """``image`` as a PNG, JPEG or WebP file's bytes, sRGB, carrying ``metadata`` (a record) inside: a PNG
    text chunk, or an XMP packet (there is no sidecar beside a download)."""
    options: dict[str, Any] = {"icc_profile": srgb_profile_bytes()}
    if fmt == "PNG":
        options["pnginfo"] = png_record(metadata)
    else:
        options.update(quality=DOWNLOAD_QUALITY, xmp=xmp_packet(metadata))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return buffer.getvalue()
