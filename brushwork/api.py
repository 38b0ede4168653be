"""The Python API: images in as paths, PIL images or tensors; a PIL image out.

Every function takes ``device``: a ``torch.device`` or a name (auto, cpu, cuda, cuda:N, mps); left out,
``$BRUSHWORK_DEVICE``, else auto (CUDA, then MPS, then the CPU)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from PIL import Image

from .encoders.devices import chosen_device
from .image.io import load_image, to_pil, to_rgb_array
from .image.reading import as_shown
from .jobs.technique import technique
from .settings import DreamSettings, InversionSettings, Settings, TextureSettings
from .settings.transfer import PRESETS
from .settings.visualize import CLASS_DEFAULTS, FeatureVisualizationSettings
from .techniques import visualize as _visualize
from .techniques.invert import invert as _invert
from .techniques.progress import LevelProgress

ImageLike = str | os.PathLike[str] | Image.Image | torch.Tensor
DeviceLike = str | torch.device | None


def as_tensor(image: ImageLike) -> torch.Tensor:
    """A path, PIL image, or (3, H, W)/(1, 3, H, W) tensor in [0, 1] as a (1, 3, H, W) tensor."""
    if isinstance(image, torch.Tensor):
        return (image if image.dim() == 4 else image.unsqueeze(0)).float()
    if isinstance(image, Image.Image):
        return torch.from_numpy(to_rgb_array(as_shown(image)).transpose(2, 0, 1).copy()).unsqueeze(0)
    return load_image(image)


def transfer(
    content: ImageLike,
    styles: ImageLike | Sequence[ImageLike],
    *,
    preset: str = "default",
    masks: Mapping[int, ImageLike] | None = None,
    init: ImageLike | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> Image.Image:
    """Paint ``content`` in the style(s) of ``styles``.

    Keyword ``settings`` override fields of the preset (see ``TransferSettings``), e.g.
    ``transfer("photo.jpg", ["a.jpg", "b.jpg"], style_blend=(0.7, 0.3), size=768)``.
    ``callback`` receives a ``LevelProgress`` after every iteration.
    """
    if isinstance(styles, (str, os.PathLike, Image.Image, torch.Tensor)):
        styles = [styles]
    images: dict[str, Any] = {"content": as_tensor(content), "styles": [as_tensor(s) for s in styles]}
    if masks:
        images["masks"] = {i: as_tensor(m) for i, m in masks.items()}
    if init is not None:
        images["init"] = as_tensor(init)
    return _run("transfer", PRESETS[preset].replace(**settings), images, callback, device)


def texture(
    style: ImageLike,
    *,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> Image.Image:
    """A texture with the statistics of ``style``; ``settings`` override ``TextureSettings``,
    e.g. ``texture("painting.jpg", size=(512, 512), tileable=True)``."""
    return _run("texture", TextureSettings().replace(**settings), {"style": as_tensor(style)}, callback, device)


def _run(
    name: str,
    settings: Settings,
    images: Mapping[str, Any],
    callback: Callable[[LevelProgress], None] | None,
    device: DeviceLike,
) -> Image.Image:
    """The path every job takes (``jobs.runner.run_images``), with images already in hand: the same
    checks of inputs against settings, the same engine entry, the same one-line memory errors."""
    from .jobs.runner import run_images

    kind = technique(name)
    kind.validate(settings, images)
    picture = run_images(kind, settings, lambda: images, callback, device=chosen_device(device)).image
    return picture if isinstance(picture, Image.Image) else to_pil(picture)


def invert(
    image: ImageLike,
    *,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> dict[str, Image.Image]:
    """Reconstructions of ``image`` from each layer's features, by layer name
    (``settings`` override ``InversionSettings``, e.g. ``layers=("relu3_1",)``). Each layer's picture on its
    own, where the invert job makes one captioned sheet of them."""
    config = InversionSettings().replace(**settings)
    pictures = _invert(as_tensor(image).to(chosen_device(device)), config, callback=callback)
    return {layer: to_pil(picture) for layer, picture in zip(config.layers, pictures)}


def dream(
    image: ImageLike,
    *,
    guide: ImageLike | None = None,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> Image.Image:
    """DeepDream on ``image``; ``settings`` override ``DreamSettings`` (network, layer, channels, octaves, ...)."""
    images = {"image": as_tensor(image)} | ({} if guide is None else {"guide": as_tensor(guide)})
    return _run("dream", DreamSettings().replace(**settings), images, callback, device)


def visualize_channel(
    layer: str,
    channel: int,
    *,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> list[Image.Image]:
    """Images that excite ``channel`` of ``layer`` (``settings`` override ``FeatureVisualizationSettings``)."""
    config = FeatureVisualizationSettings().replace(**settings)
    batch = _visualize.visualize_channel(layer, channel, config, callback=callback, device=chosen_device(device))
    return [to_pil(im) for im in batch.split(1)]


def visualize_class(
    name: str,
    *,
    callback: Callable[[LevelProgress], None] | None = None,
    device: DeviceLike = None,
    **settings: Any,
) -> list[Image.Image]:
    """Images EfficientNet-Lite0 scores as the ImageNet class ``name`` (e.g. "tabby cat")."""
    from .imagenet import find_imagenet_class

    config = CLASS_DEFAULTS.replace(**settings)
    batch = _visualize.visualize_class(
        find_imagenet_class(name), config, callback=callback, device=chosen_device(device)
    )
    return [to_pil(im) for im in batch.split(1)]


__all__ = ["as_tensor", "dream", "invert", "texture", "transfer", "visualize_channel", "visualize_class"]
