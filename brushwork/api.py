"""The Python API: images in as paths, PIL images or tensors; a PIL image out."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from PIL import Image

from .image.io import load_image, to_pil, to_rgb_array, to_srgb
from .settings import DreamSettings, InversionSettings, TextureSettings
from .settings.transfer import PRESETS, TransferSettings
from .settings.visualize import CLASS_DEFAULTS, FeatureVisualizationSettings
from .techniques import visualize as _visualize
from .techniques.dream import dream as _dream
from .techniques.invert import invert as _invert
from .techniques.progress import LevelProgress
from .techniques.texture import synthesize
from .techniques.transfer import stylize

ImageLike = str | os.PathLike[str] | Image.Image | torch.Tensor


def as_tensor(image: ImageLike) -> torch.Tensor:
    """A path, PIL image, or (3, H, W)/(1, 3, H, W) tensor in [0, 1] as a (1, 3, H, W) tensor."""
    if isinstance(image, torch.Tensor):
        return (image if image.dim() == 4 else image.unsqueeze(0)).float()
    if isinstance(image, Image.Image):
        return torch.from_numpy(to_rgb_array(to_srgb(image)).transpose(2, 0, 1).copy()).unsqueeze(0)
    return load_image(image)


def transfer(
    content: ImageLike,
    styles: ImageLike | Sequence[ImageLike],
    *,
    preset: str = "default",
    masks: Mapping[int, ImageLike] | None = None,
    init: ImageLike | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    **settings: Any,
) -> Image.Image:
    """Paint ``content`` in the style(s) of ``styles``.

    Keyword ``settings`` override fields of the preset (see ``TransferSettings``), e.g.
    ``transfer("photo.jpg", ["a.jpg", "b.jpg"], style_blend=(0.7, 0.3), size=768)``.
    ``callback`` receives a ``LevelProgress`` after every iteration.
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


def texture(
    style: ImageLike, *, callback: Callable[[LevelProgress], None] | None = None, **settings: Any
) -> Image.Image:
    """A texture with the statistics of ``style``; ``settings`` override ``TextureSettings``,
    e.g. ``texture("painting.jpg", size=(512, 512), tileable=True)``."""
    return to_pil(synthesize(as_tensor(style), TextureSettings().replace(**settings), callback=callback))


def invert(
    image: ImageLike, *, callback: Callable[[LevelProgress], None] | None = None, **settings: Any
) -> dict[str, Image.Image]:
    """Reconstructions of ``image`` from each layer's features, by layer name
    (``settings`` override ``InversionSettings``, e.g. ``layers=("relu3_1",)``)."""
    config = InversionSettings().replace(**settings)
    return {layer: to_pil(r) for layer, r in zip(config.layers, _invert(as_tensor(image), config, callback=callback))}


def dream(
    image: ImageLike,
    *,
    guide: ImageLike | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    **settings: Any,
) -> Image.Image:
    """DeepDream on ``image``; ``settings`` override ``DreamSettings`` (network, layer, channels, octaves, ...)."""
    result = _dream(
        as_tensor(image),
        DreamSettings().replace(**settings),
        guide=None if guide is None else as_tensor(guide),
        callback=callback,
    )
    return to_pil(result)


def visualize_channel(
    layer: str, channel: int, *, callback: Callable[[LevelProgress], None] | None = None, **settings: Any
) -> list[Image.Image]:
    """Images that excite ``channel`` of ``layer`` (``settings`` override ``FeatureVisualizationSettings``)."""
    config = FeatureVisualizationSettings().replace(**settings)
    return [to_pil(im) for im in _visualize.visualize_channel(layer, channel, config, callback=callback).split(1)]


def visualize_class(
    name: str, *, callback: Callable[[LevelProgress], None] | None = None, **settings: Any
) -> list[Image.Image]:
    """Images EfficientNet-Lite0 scores as the ImageNet class ``name`` (e.g. "tabby cat")."""
    from .encoders.efficientnet import find_imagenet_class

    config = CLASS_DEFAULTS.replace(**settings)
    batch = _visualize.visualize_class(find_imagenet_class(name), config, callback=callback)
    return [to_pil(im) for im in batch.split(1)]


__all__ = ["as_tensor", "dream", "invert", "texture", "transfer", "visualize_channel", "visualize_class"]
