"""Training a decoder that inverts brushwork's VGG19 at one layer, from photos alone (Li et al. 2017:
"no style images are used for training"): a pixel loss and a feature loss on random crops.

The crops of a step are drawn from the seed and the step's number alone (Adam's own count, which a
checkpoint keeps), so a resumed run trains on exactly the crops an unbroken one would have.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..encoders.decoder import Decoder
from ..encoders.precision import autocast_dtype, network_autocast
from ..encoders.vgg import VGG19Encoder, load_vgg19
from ..errors import BrushworkError
from .photos import MANIFEST_NAME, PhotoEntry, read_manifest
from .settings import DecoderSettings

# Pooling of the VGG19 the decoders invert: max, as Li et al.'s and Huang and Belongie's encoders.
DECODER_POOLING = "max"


def load_photos(
    folder: Path, split: str, long_side: int, entries: Sequence[PhotoEntry] | None = None
) -> list[torch.Tensor]:
    """The photo set's ``split`` ("train" or "held-out") as uint8 (3, H, W) tensors, each scaled so that its
    long side is ``long_side``; scaled copies are kept in ``folder/cache`` (a 5120 px PNG takes a second)."""
    entries = list(entries) if entries is not None else read_manifest(folder / MANIFEST_NAME)
    chosen = [entry for entry in entries if entry.split == split]
    if not chosen:
        raise BrushworkError(f"{folder}: the photo set has no {split} photos (run: brushwork lab photos)")
    cache = folder / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    photos = []
    for entry in chosen:
        cached = cache / f"{entry.sha256[:16]}-{long_side}.png"
        if not cached.is_file():
            source = entry.file_in(folder)
            if not source.is_file():
                raise BrushworkError(f"{source}: missing from the photo set (run: brushwork lab photos)")
            with Image.open(source) as image:
                rgb = image.convert("RGB")
                scale = long_side / max(rgb.size)
                rgb = rgb.resize(
                    (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.Resampling.LANCZOS
                )
                rgb.save(cached)
        with Image.open(cached) as image:
            photos.append(torch.from_numpy(np.asarray(image.convert("RGB")).copy()).permute(2, 0, 1))
    return photos


def draw_crops(photos: Sequence[torch.Tensor], settings: DecoderSettings, step: int) -> torch.Tensor:
    """The step's ``batch_size`` crops (B, 3, crop, crop) in [0, 1], from the seed and ``step`` alone."""
    generator = torch.Generator().manual_seed(settings.seed * 1_000_003 + step)
    crops = []
    for _ in range(settings.batch_size):
        photo = photos[int(torch.randint(len(photos), (1,), generator=generator))]
        height, width = photo.shape[-2:]
        low, high = math.log(settings.min_long_side), math.log(settings.max_long_side)
        long_side = math.exp(low + (high - low) * float(torch.rand((), generator=generator)))
        # The window in the stored photo that becomes a crop at that scale (the whole short side at most).
        window = min(round(settings.crop * max(height, width) / long_side), height, width)
        top = int(torch.randint(height - window + 1, (1,), generator=generator))
        left = int(torch.randint(width - window + 1, (1,), generator=generator))
        crop = photo[:, top : top + window, left : left + window][None].float() / 255
        crop = F.interpolate(
            crop, size=(settings.crop, settings.crop), mode="bilinear", antialias=True, align_corners=False
        )
        if float(torch.rand((), generator=generator)) < 0.5:
            crop = crop.flip(-1)
        crops.append(crop)
    return torch.cat(crops).clamp(0, 1)


def psnr(image: torch.Tensor, reference: torch.Tensor) -> float:
    mse = float((image.clamp(0, 1) - reference).pow(2).mean())
    return 10 * math.log10(1 / max(mse, 1e-12))


class DecoderExperiment:
    """The decoder and its Adam; ``train_step`` takes a batch of indices only for their count."""

    def __init__(
        self,
        settings: DecoderSettings,
        train_photos: Sequence[torch.Tensor],
        held_out: Sequence[torch.Tensor],
        encoder: VGG19Encoder | None = None,
        device: torch.device | None = None,
    ):
        self.name = f"decoder-{settings.layer}"
        self.settings = settings
        self.device = device
        self.decoder = Decoder(settings.layer, settings.width).to(device)
        self.encoder = encoder if encoder is not None else load_vgg19([settings.layer], DECODER_POOLING, device=device)
        self.modules: dict[str, nn.Module] = {"decoder": self.decoder}
        self.optimizers: dict[str, torch.optim.Optimizer] = {
            "adam": torch.optim.Adam(self.decoder.parameters(), lr=settings.learning_rate)
        }
        self.train_photos = list(train_photos)
        self.held_out = [photo[None].float() / 255 for photo in held_out]
        self.autocast = autocast_dtype(settings.precision, device)

    def steps_done(self) -> int:
        optimizer = self.optimizers["adam"]
        first = optimizer.param_groups[0]["params"][0]
        return int(optimizer.state.get(first, {}).get("step", 0))

    def features(self, image: torch.Tensor) -> torch.Tensor:
        with network_autocast(self.autocast, image.device.type):
            return self.encoder(image, [self.settings.layer])[self.settings.layer].float()

    def losses(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            target = self.features(images)
        with network_autocast(self.autocast, images.device.type):
            decoded = self.decoder(target).float()
        pixel = F.mse_loss(decoded, images)
        # Relative to the features' own mean square, so that the weight means the same at every layer.
        feature = F.mse_loss(self.features(decoded), target) / target.pow(2).mean().clamp(min=1e-12)
        return {"pixel": pixel, "feature": feature, "total": pixel + self.settings.feature_weight * feature}

    def train_step(self, index: torch.Tensor) -> dict[str, float]:
        self.decoder.train()
        images = draw_crops(self.train_photos, self.settings, self.steps_done()).to(self.device)
        losses = self.losses(images)
        optimizer = self.optimizers["adam"]
        optimizer.param_groups[0]["lr"] = self.settings.learning_rate  # a resumed run may lower it
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        optimizer.step()
        return {name: float(value.detach()) for name, value in losses.items()}

    @torch.no_grad()
    def reconstruct(self, image: torch.Tensor) -> torch.Tensor:
        """An image through the encoder and the decoder, at the image's size (a multiple of the stride)."""
        self.decoder.eval()
        with network_autocast(self.autocast, image.device.type):
            decoded = self.decoder(self.features(image.to(self.device))).float()
        return decoded[..., : image.shape[-2], : image.shape[-1]].cpu().clamp(0, 1)

    def evaluate(self, epoch: int) -> dict[str, float]:
        """Held-out PSNR of the reconstructions, each photo cut to a multiple of the layer's stride."""
        values = []
        for photo in self.held_out:
            trimmed = trim_to_stride(photo, self.settings.layer)
            values.append(psnr(self.reconstruct(trimmed), trimmed))
        return {"held_out_psnr": float(np.mean(values)) if values else float("nan")}


def trim_to_stride(image: torch.Tensor, layer: str) -> torch.Tensor:
    from ..layers import vgg19_stride

    stride = vgg19_stride(layer)
    height, width = image.shape[-2] // stride * stride, image.shape[-1] // stride * stride
    return image[..., :height, :width]


@torch.no_grad()
def held_out_scores(decoder: Decoder, encoder: VGG19Encoder, photos: Sequence[torch.Tensor], layer: str) -> list[float]:
    """Each held-out photo's PSNR through ``encoder`` and ``decoder`` in float32 (the figure the model card
    records and an integration test checks the shipped weights against), photos as uint8 (3, H, W)."""
    scores = []
    for photo in photos:
        image = trim_to_stride(photo[None].float() / 255, layer)
        features = encoder(image, [layer])[layer]
        decoded = decoder(features)[..., : image.shape[-2], : image.shape[-1]].clamp(0, 1)
        scores.append(psnr(decoded, image))
    return scores
