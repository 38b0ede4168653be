"""The Python API: images in as paths, PIL images or tensors; a PIL image out."""

from __future__ import annotations

import os
from typing import Callable, Mapping, Sequence, Union

import torch
from PIL import Image

from .image.io import _to_rgb_array, load_image, to_pil
from .techniques.transfer import PRESETS, TransferProgress, TransferSettings, stylize

ImageLike = Union[str, os.PathLike, Image.Image, torch.Tensor]


def as_tensor(image: ImageLike) -> torch.Tensor:
    """A path, PIL image, or (3, H, W)/(1, 3, H, W) tensor in [0, 1] as a (1, 3, H, W) tensor."""
    if isinstance(image, torch.Tensor):
        return (image if image.dim() == 4 else image.unsqueeze(0)).float()
    if isinstance(image, Image.Image):
        return torch.from_numpy(_to_rgb_array(image).transpose(2, 0, 1).copy()).unsqueeze(0)
    return load_image(image)


def transfer(
    content: ImageLike,
    styles: ImageLike | Sequence[ImageLike],
    *,
    preset: str = "default",
    masks: Mapping[int, ImageLike] | None = None,
    init: ImageLike | None = None,
    callback: Callable[[TransferProgress], None] | None = None,
    **settings,
) -> Image.Image:
    """Paint ``content`` in the style(s) of ``styles``.

    Keyword ``settings`` override fields of the preset (see ``TransferSettings``), e.g.
    ``transfer("photo.jpg", ["a.jpg", "b.jpg"], style_blend=(0.7, 0.3), size=768)``.
    ``callback`` receives a ``TransferProgress`` after every iteration.
    """
    if isinstance(styles, (str, os.PathLike, Image.Image, torch.Tensor)):
        styles = [styles]
    config: TransferSettings = PRESETS[preset].replace(**settings)
    mask_tensors = {i: as_tensor(m).mean(dim=1, keepdim=True) for i, m in (masks or {}).items()}
    result = stylize(
        as_tensor(content),
        [as_tensor(s) for s in styles],
        config,
        masks=mask_tensors,
        init_image=None if init is None else as_tensor(init),
        callback=callback,
    )
    return to_pil(result)


__all__ = ["transfer", "as_tensor"]
