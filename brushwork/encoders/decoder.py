"""Decoders that invert brushwork's VGG19 (max pooling) from one layer back to RGB, trained by the lab on
photos alone (``brushwork lab decoder``) and shipped in ``brushwork/assets/decoders``.

A decoder mirrors VGG19's convolutions up to its layer at a fraction of their width, each pooling
mirrored by nearest-neighbour upsampling and a convolution (transposed convolutions leave a checkerboard:
the lab's autoencoder run measured it), with reflection padding as in Li et al.'s WCT decoders.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import BrushworkError
from ..layers import layer_channels
from .packaged import check_sha256

# Per layer the mirror's convolutions, deepest first: (input channels, output channels) at full width,
# and "up" where VGG19 pooled. relu4_1 is conv4_1's output: 512 channels at 1/8 of the image's side.
MIRRORS: dict[str, tuple[tuple[int, int] | str, ...]] = {
    "relu4_1": (
        (512, 256),
        "up",
        (256, 256),
        (256, 256),
        (256, 256),
        (256, 128),
        "up",
        (128, 128),
        (128, 64),
        "up",
        (64, 64),
        (64, 3),
    ),
    "relu3_1": ((256, 128), "up", (128, 128), (128, 64), "up", (64, 64), (64, 3)),
    "relu2_1": ((128, 64), "up", (64, 64), (64, 3)),
    "relu1_1": ((64, 3),),
}
DECODER_LAYERS = tuple(MIRRORS)
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "decoders"


def scaled(channels: int, width: float) -> int:
    """A layer's channels at ``width`` of VGG19's; the image's 3 and the feature's own count stay."""
    return channels if channels == 3 else max(8, round(channels * width))


class Decoder(nn.Module):
    """Features of ``layer`` (1, C, H/s, W/s) -> an RGB image (1, 3, H, W), roughly in [0, 1]."""

    def __init__(self, layer: str = "relu4_1", width: float = 0.5):
        super().__init__()
        if layer not in MIRRORS:
            raise BrushworkError(f"no decoder for {layer!r}; there are decoders for {', '.join(DECODER_LAYERS)}")
        self.layer, self.width = layer, width
        steps: list[nn.Module] = []
        last_index = len(MIRRORS[layer]) - 1
        for index, step in enumerate(MIRRORS[layer]):
            if step == "up":
                steps.append(nn.Upsample(scale_factor=2, mode="nearest"))
                continue
            assert isinstance(step, tuple)
            first = index == 0
            last = index == last_index
            in_channels = layer_channels(layer) if first else scaled(step[0], width)
            out_channels = 3 if last else scaled(step[1], width)
            steps += [nn.ReflectionPad2d(1), nn.Conv2d(in_channels, out_channels, 3)]
            if not last:
                steps.append(nn.ReLU(inplace=True))
        self.body = nn.Sequential(*steps)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.body(features)


def save_decoder(decoder: Decoder, path: Path, metadata: dict[str, str]) -> None:
    """The weights in half precision (what ships) with the layer and width beside them."""
    tensors = {key: value.detach().to("cpu", torch.float16).contiguous() for key, value in decoder.state_dict().items()}
    save_file(tensors, str(path), metadata={"layer": decoder.layer, "width": str(decoder.width), **metadata})


def read_decoder(path: Path, sha256: str | None = None, device: torch.device | None = None) -> Decoder:
    """A decoder saved by ``save_decoder``, checked against ``sha256`` where given, float32 on ``device``."""
    check_sha256(path, sha256, what="decoder weight", install_hint="reinstall brushwork (pip install -e .)")
    try:
        from safetensors import safe_open

        with safe_open(str(path), "pt") as opened:
            metadata = opened.metadata() or {}
        tensors = load_file(str(path))
        decoder = Decoder(metadata.get("layer", "relu4_1"), float(metadata.get("width", "0.5")))
        decoder.load_state_dict({key: value.float() for key, value in tensors.items()})
    except BrushworkError:
        raise
    except Exception as exc:  # a damaged or foreign file raises many types
        raise BrushworkError(f"cannot read decoder weight file {path}: {exc}") from None
    return decoder.eval().requires_grad_(False).to(device)


# The shipped decoder (brushwork/assets/decoders/MODEL_CARD.md says how it was trained).
FAST_DECODER = ASSETS / "relu4_1.safetensors"
FAST_DECODER_SHA256: str | None = "82dff4983cddbe428b2639129e25ca7c15fc9a295cf14cf4e271d8647cd9b347"


def load_fast_decoder(device: torch.device | None = None) -> Decoder:
    """The shipped relu4_1 decoder on ``device``, its file checked against its hash. Read once per process
    and device: a batch worker or a clip paints many pictures with it, and it is frozen."""
    return _shipped_decoder(str(torch.device("cpu") if device is None else torch.device(device)))


@functools.lru_cache(maxsize=4)
def _shipped_decoder(device: str) -> Decoder:
    if not FAST_DECODER.is_file():
        raise BrushworkError(
            f"the fast tier's decoder {FAST_DECODER} is missing: reinstall brushwork (pip install -e .)"
        )
    return read_decoder(FAST_DECODER, FAST_DECODER_SHA256, torch.device(device))
