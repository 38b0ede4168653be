"""Contact sheets: several images (and captions) in one picture."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from .io import to_pil

BACKGROUND = (255, 255, 255)
CAPTION_HEIGHT = 14


def grid(images: Sequence[torch.Tensor], columns: int, gap: int = 2, background: float = 1.0) -> torch.Tensor:
    """Images of one size ((1, 3, h, w) or (3, h, w)) in rows of ``columns``, as one (1, 3, H, W) tensor."""
    tiles = [im if im.dim() == 3 else im[0] for im in images]
    h, w = tiles[0].shape[-2:]
    rows = -(-len(tiles) // columns)
    shape = (3, rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap)
    sheet = torch.full(shape, background, device=tiles[0].device)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, columns)
        sheet[:, r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = tile
    return sheet.unsqueeze(0)


def upscale(image: torch.Tensor, factor: int) -> torch.Tensor:
    """Nearest-neighbour enlargement, so that small images (filters, patches) stay crisp."""
    return F.interpolate(image if image.dim() == 4 else image[None], scale_factor=factor, mode="nearest")


def fit_into(image: torch.Tensor, size: tuple[int, int], background: float = 1.0) -> torch.Tensor:
    """Place a (1, 3, h, w) image in the middle of a ``size`` canvas (for patches cut off at borders)."""
    canvas = torch.full((1, 3, *size), background, device=image.device)
    h, w = image.shape[-2:]
    top, left = (size[0] - h) // 2, (size[1] - w) // 2
    canvas[..., top : top + h, left : left + w] = image
    return canvas


def captioned_sheet(panels: Sequence[tuple[str, torch.Tensor]], columns: int, gap: int = 6) -> Image.Image:
    """Panels of any sizes, each with a caption above, laid out in rows of ``columns``; a PIL image."""
    font = ImageFont.load_default()
    pictures = [(caption, to_pil(image)) for caption, image in panels]
    cell_w = max(p.width for _, p in pictures)
    cell_h = max(p.height for _, p in pictures) + CAPTION_HEIGHT
    rows = -(-len(pictures) // columns)
    sheet = Image.new("RGB", (columns * cell_w + (columns + 1) * gap, rows * cell_h + (rows + 1) * gap), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for index, (caption, picture) in enumerate(pictures):
        r, c = divmod(index, columns)
        x, y = gap + c * (cell_w + gap), gap + r * (cell_h + gap)
        draw.text((x, y), caption, fill=(0, 0, 0), font=font)
        sheet.paste(picture, (x, y + CAPTION_HEIGHT))
    return sheet
