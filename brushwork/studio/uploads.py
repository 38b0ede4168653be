"""Uploaded images, trusted for nothing: size capped, pixels counted before decoding, four decoders only.

What is stored is the file as sent (once it decoded whole), under a name the server chooses, with a
JPEG thumbnail beside it; sizes and thumbnail are read as the engine reads the file (``image.reading``).
The user's file name is kept only as text to show.
"""

from __future__ import annotations

import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..files import WriteRefused, write_atomically
from ..image.reading import as_shown, shown_size
from .folders import EXTENSIONS, Folders
from .store import ImageRow, storage_refusal

ALLOWED_FORMATS = tuple(EXTENSIONS)  # PNG, JPEG, WEBP, TIFF: no other Pillow decoder is ever run
THUMBNAIL_EDGE = 320  # px, the long edge of the gallery's and the form's thumbnails


def write_jpeg(picture: Image.Image, path: Path, long_edge: int, overwrite: bool = False, rescue: bool = True) -> None:
    """Every JPEG the studio serves (thumbnails, preview frames): RGB, at most ``long_edge``, written atomically."""
    picture = picture.convert("RGB")  # a copy: the caller's picture keeps its size
    picture.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    write_atomically(path, lambda f: f.write(buffer.getvalue()), overwrite=overwrite, rescue=rescue)


MAX_UPLOAD_BYTES = 50 * 2**20
MAX_UPLOAD_PIXELS = 40_000_000  # 40 MP: a phone photo is 12-50 MP, a decompression bomb far more


@dataclass
class UploadError(Exception):
    message: str
    status: int = 400

    def __str__(self) -> str:
        return self.message


def display_name(name: str | None) -> str:
    """A file name fit to show: no control characters, no folders, at most 100 characters."""
    text = "".join(c for c in (name or "") if unicodedata.category(c)[0] != "C")
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return text[:100] or "image"


DAMAGED = "the image file is damaged or cut short; it could not be read to the end"
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def looks_like_allowed(data: bytes) -> bool:
    """Starts as a PNG, JPEG, WebP or TIFF does: a file that then fails to open is damaged, not foreign."""
    return data.startswith(SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def check_image(data: bytes, max_pixels: int = MAX_UPLOAD_PIXELS) -> Image.Image:
    """Decode ``data`` as one of the allowed formats, refusing a bomb before it is decoded."""
    if not data:
        raise UploadError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        # Pillow refuses it first (over twice its own limit), before telling its size.
        pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000
        limit = max_pixels // 1_000_000
        raise UploadError(
            f"the image has over {pillow_limit} megapixels; the limit is {limit} megapixels", 413
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        if looks_like_allowed(data):
            raise UploadError(DAMAGED) from None
        raise UploadError("not an image brushwork reads: upload a PNG, JPEG, WebP or TIFF file") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise UploadError(
            f"the image is {width}x{height} pixels; the limit is {max_pixels // 1_000_000} megapixels", 413
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise UploadError(DAMAGED) from None
    return image


def store_upload(folders: Folders, data: bytes, name: str | None) -> ImageRow:
    """Check ``data`` and write it and its thumbnail; returns the row for the database."""
    image = check_image(data)
    assert image.format in EXTENSIONS
    # Sizes and thumbnail as the picture is shown (and as the engine reads it): turned by its EXIF
    # orientation, in sRGB. The file is kept as sent.
    height, width = shown_size(image)
    row = ImageRow(uuid.uuid4().hex, display_name(name), image.format, width, height, len(data))
    written = [folders.image(row.id, row.format), folders.thumbnail(row.id)]
    try:
        write_atomically(written[0], lambda f: f.write(data), rescue=False)
        write_jpeg(as_shown(image), written[1], THUMBNAIL_EDGE, rescue=False)
    except WriteRefused as exc:
        for path in written:  # no half of an upload stays behind
            path.unlink(missing_ok=True)
        status, message = storage_refusal(exc.cause)
        raise UploadError(message, status) from None
    return row
