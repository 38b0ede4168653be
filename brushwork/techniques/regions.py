"""Which part of a painting takes which style: a region per masked style, one for the rest (the transfer's
losses and the fast tier's transforms both work per region)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from ..errors import BrushworkError
from ..image.pyramid import resize


@dataclass(frozen=True)
class StyleRegion:
    """A part of the output and the styles it takes: indices into the style images, their blend, its mask."""

    styles: tuple[int, ...]
    blend: tuple[float, ...]
    mask: torch.Tensor | None  # (1, 1, H, W) weights in [0, 1]; None: the whole image


def style_regions(
    n_styles: int, masks: Mapping[int, torch.Tensor] | None, blend: Sequence[float], size: tuple[int, int]
) -> list[StyleRegion]:
    """One region per masked style (that style alone), and one for the rest with the other styles blended.

    Masks of any sizes are first brought to the output's ``size``, so that they can be summed.
    """
    for index in masks or {}:
        if not 0 <= index < n_styles:
            raise BrushworkError(f"mask refers to style {index}, but there are {n_styles} style images (0-based)")
    masks = {index: resize(mask, size).clamp(0, 1) for index, mask in (masks or {}).items()}
    regions = [StyleRegion((i,), (1.0,), masks[i]) for i in sorted(masks)]
    rest = tuple(i for i in range(n_styles) if i not in masks)
    if rest:
        remainder = None
        if masks:
            zero = torch.zeros((), device=next(iter(masks.values())).device)
            remainder = (1.0 - sum(masks.values(), zero)).clamp(0.0, 1.0)
        regions.append(StyleRegion(rest, tuple(blend[i] for i in rest), remainder))
    return regions
