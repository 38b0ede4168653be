"""Reading and writing images safely.

Images inside brushwork are float32 tensors of shape (1, 3, H, W), RGB, in [0, 1].
Every failure a user can cause raises BrushworkError with a one-line message.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ..constants import OUTPUT_FORMATS
from ..errors import BrushworkError
from ..files import check_writable, write_atomically, write_text
from ..provenance import needs_sidecar, sidecar_path
from .encoding import png_record
from .reading import INPUT_FORMATS, MAX_INPUT_PIXELS, as_shown, srgb_profile_bytes


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """Any Pillow mode to an (H, W, 3) float32 array in [0, 1].

    Transparent pixels are composited onto white: alpha is a cut-out, and white is what a
    viewer shows behind it on a page. 16-bit and 32-bit images keep their full range.
    """
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3:4]
        return rgba[..., :3] * alpha + (1.0 - alpha)
    if img.mode.startswith("I;16") or img.mode in ("I", "F"):
        values = np.asarray(img, dtype=np.float32)
        if not np.isfinite(values).all():
            bad = int((~np.isfinite(values)).sum())
            raise BrushworkError(
                f"{bad} pixel values are not numbers (NaN or infinite); brushwork cannot tell their colour"
            )
        if img.mode == "F":
            scale = 1.0 if values.max(initial=0.0) <= 1.0 else 255.0
        elif img.mode.startswith("I;16") or values.max(initial=0) > 255:
            scale = 65535.0
        else:
            scale = 255.0
        grey = np.clip(values / scale, 0.0, 1.0)
        return np.repeat(grey[..., None], 3, axis=2)
    # L, 1, CMYK, YCbCr, LAB, HSV, RGB: Pillow's own conversions.
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def load_image(path: str | os.PathLike[str], max_pixels: int = MAX_INPUT_PIXELS) -> torch.Tensor:
    """Decode an image file to a (1, 3, H, W) RGB tensor in [0, 1], honouring EXIF orientation."""
    path = Path(path)
    if not path.exists():
        raise BrushworkError(f"{path}: no such file")
    if path.is_dir():
        raise BrushworkError(f"{path}: is a directory, not an image")
    try:
        size = path.stat().st_size
        if size == 0:
            raise BrushworkError(f"{path}: file is empty")
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; our own check below refuses those. Its
            # other warnings (a damaged TIFF tag, corrupt EXIF) would be lines of noise on the terminal:
            # the file either decodes or is refused in one line.
            warnings.simplefilter("ignore")
            with Image.open(path, formats=INPUT_FORMATS) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise BrushworkError(
                        f"{path}: {width}x{height} image has more than {max_pixels} pixels; "
                        "refusing to decode it (possible decompression bomb)"
                    )
                opened.load()
                img = as_shown(opened)
                try:
                    array = to_rgb_array(img)
                except BrushworkError as exc:
                    raise BrushworkError(f"{path}: {exc}") from None
    except BrushworkError:
        raise
    except Image.DecompressionBombError:
        raise BrushworkError(f"{path}: image is too large to decode safely (possible decompression bomb)") from None
    except UnidentifiedImageError:
        raise BrushworkError(f"{path}: not an image file brushwork can read") from None
    except PermissionError:
        raise BrushworkError(f"{path}: permission denied") from None
    except MemoryError:
        raise BrushworkError(f"{path}: not enough memory to decode this image") from None
    except Exception:  # the decoding boundary: whatever a damaged file makes Pillow raise means it cannot be read
        raise BrushworkError(f"{path}: image file is truncated or corrupt") from None
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1))).unsqueeze(0)


def to_pil(image: torch.Tensor) -> Image.Image:
    array = image.detach().float().clamp(0, 1).squeeze(0).permute(1, 2, 0).mul(255).round().byte().cpu().numpy()
    return Image.fromarray(array, "RGB")


def check_output_path(
    path: str | os.PathLike, overwrite: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Validate an output path before any work is done, so a long run cannot fail at the end; it must not
    be one of the run's ``inputs``."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise BrushworkError(
            f"{path}: unsupported output format {path.suffix or '(none)'!r}; use one of {', '.join(OUTPUT_FORMATS)}"
        )
    return check_writable(path, overwrite, inputs=inputs)


def check_output_paths(
    path: str | os.PathLike[str], overwrite: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """``check_output_path`` for an output and, for formats without text chunks, its JSON sidecar."""
    inputs = list(inputs)
    path = check_output_path(path, overwrite, inputs)
    if needs_sidecar(path):
        check_writable(sidecar_path(path), overwrite, inputs=inputs)
    return path


def save_image(
    image: torch.Tensor | Image.Image,
    path: str | os.PathLike[str],
    overwrite: bool = False,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write atomically (temp file in the same directory, then rename); never clobber unless asked.

    ``image`` is a (1, 3, H, W) tensor in [0, 1] or a PIL image. The file says it is sRGB (an
    embedded profile). ``metadata`` (what made the image, see ``brushwork.provenance``) goes into a
    PNG text chunk, or for other formats into a JSON file beside the image, written first.
    """
    path = check_output_paths(path, overwrite) if metadata is not None else check_output_path(path, overwrite)
    fmt = OUTPUT_FORMATS[path.suffix.lower()]
    options: dict[str, Any] = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    options["icc_profile"] = srgb_profile_bytes()
    if metadata is not None:
        if fmt == "PNG":
            options["pnginfo"] = png_record(metadata)
        else:
            write_text(sidecar_path(path), json.dumps(metadata, sort_keys=False) + "\n", overwrite=overwrite)
    picture = image if isinstance(image, Image.Image) else to_pil(image)
    write_atomically(path, lambda f: picture.save(f, format=fmt, **options), overwrite)
    return path
