"""The lab's networks, as the seeds describe them (28x28 greyscale inputs in [0, 1])."""

from __future__ import annotations

import itertools

import torch
from torch import nn

IMAGE_PIXELS = 28 * 28
N_CLASSES = 10


class MLPClassifier(nn.Module):
    """Seed 004: flatten, Dense(128, relu), Dense(10) (101 770 parameters)."""

    def __init__(self, hidden: int = 128):
        super().__init__()
        self.network = nn.Sequential(
            nn.Flatten(), nn.Linear(IMAGE_PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, N_CLASSES)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images)


class LeNet5(nn.Module):
    """Seed 004's LeNet-5: conv 6@5x5 tanh, max-pool, conv 16@5x5 tanh, max-pool, 120, 84, 10 (tanh)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
        )
        self.classifier = nn.Linear(84, N_CLASSES)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """The 84 penultimate features (what the DCGAN's Fréchet distance compares)."""
        return self.features(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(images))


class TransferHead(nn.Module):
    """What is trained on top of the frozen ImageNet network's pooled features."""

    def __init__(self, in_features: int, hidden: int = 256, dropout: float = 0.2):
        super().__init__()
        self.network = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, N_CLASSES),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.network(features)


class MLPAutoencoder(nn.Module):
    """Seed 000: 784 -> code (ReLU) -> 784 (sigmoid)."""

    def __init__(self, code_size: int = 32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(IMAGE_PIXELS, code_size), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(code_size, IMAGE_PIXELS), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(images))


class ConvAutoencoder(nn.Module):
    """Seed 000: conv 16@3x3, pool, conv 4@3x3, pool (a 4x7x7 code), then one of two decoders:

    - ``transpose``: two stride-2 2x2 transposed convolutions (the seed's "deconvolution");
    - ``upsample``: nearest-neighbour upsampling, each followed by a 3x3 convolution, which cannot
      produce the period-2 checkerboard a stride-2 transposed convolution is prone to.
    """

    DECODERS = ("transpose", "upsample")

    def __init__(self, decoder: str = "transpose"):
        super().__init__()
        if decoder not in self.DECODERS:
            raise ValueError(f"decoder must be one of {self.DECODERS}, not {decoder!r}")
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        if decoder == "transpose":
            self.decoder = nn.Sequential(
                nn.ConvTranspose2d(4, 16, 2, stride=2),
                nn.ReLU(),
                nn.ConvTranspose2d(16, 1, 2, stride=2),
                nn.Sigmoid(),
            )
        else:
            self.decoder = nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(4, 16, 3, padding=1),
                nn.ReLU(),
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(16, 8, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(8, 1, 3, padding=1),
                nn.Sigmoid(),
            )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(images))


NOISE_SIZE = 100


def keras_init(module: nn.Module) -> nn.Module:
    """Keras's defaults (Glorot-uniform weights, zero biases), which the seed's GAN was tuned with:
    for the convolutions they are twice PyTorch's scale, which keeps the tanh units out of their flat middle."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return module


class DCGANGenerator(nn.Module):
    """Seed 004: Dense(1024, tanh), Dense(128*7*7), BatchNorm, tanh, then twice (upsample x2, conv 5x5),
    tanh after each; 100 uniform(-1, 1) noise values in, a 28x28 image in [-1, 1] out."""

    def __init__(self, noise_size: int = NOISE_SIZE):
        super().__init__()
        self.noise_size = noise_size
        self.network = nn.Sequential(
            nn.Linear(noise_size, 1024),
            nn.Tanh(),
            nn.Linear(1024, 128 * 7 * 7),
            nn.BatchNorm1d(128 * 7 * 7),
            nn.Tanh(),
            nn.Unflatten(1, (128, 7, 7)),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(128, 64, 5, padding=2),
            nn.Tanh(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(64, 1, 5, padding=2),
            nn.Tanh(),
        )
        keras_init(self)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        return self.network(noise)


class DCGANDiscriminator(nn.Module):
    """Seed 004: conv 64@5x5 (same) tanh, max-pool, conv 128@5x5 tanh, max-pool, Dense(1024, tanh), Dense(1).

    Returns logits; the seed's sigmoid lives in the loss (``binary_cross_entropy_with_logits``),
    which is the same function computed without overflow.
    """

    def __init__(self) -> None:
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(1, 64, 5, padding=2),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 5),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(128 * 5 * 5, 1024),
            nn.Tanh(),
            nn.Linear(1024, 1),
        )
        keras_init(self)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images).squeeze(1)


class RadfordGenerator(nn.Module):
    """The DCGAN paper's design (Radford et al. 2015) at 28x28: project to 128x7x7, then two stride-2
    transposed convolutions, batch norm and ReLU inside, tanh out."""

    def __init__(self, noise_size: int = NOISE_SIZE):
        super().__init__()
        self.noise_size = noise_size
        self.network = nn.Sequential(
            nn.Linear(noise_size, 128 * 7 * 7, bias=False),
            nn.BatchNorm1d(128 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (128, 7, 7)),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        return self.network(noise)


class RadfordDiscriminator(nn.Module):
    """The DCGAN paper's discriminator at 28x28: stride-2 convolutions, LeakyReLU(0.2), batch norm; logits out."""

    def __init__(self) -> None:
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(1, 64, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(128 * 7 * 7, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images).squeeze(1)


def _mlp(sizes: list[int], dropout: float, last: nn.Module | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers += [nn.Dropout(dropout), nn.ReLU()]
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


class AAEEncoder(nn.Module):
    """Seed 004: 784 -> 392 -> 392 -> code, dropout 0.2, ReLU."""

    def __init__(self, code_size: int = 10, dropout: float = 0.2):
        super().__init__()
        self.network = nn.Sequential(nn.Flatten(), _mlp([IMAGE_PIXELS, 392, 392, code_size], dropout, None))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images)


class AAEDecoder(nn.Module):
    """Seed 004: code (+ one-hot class when supervised) -> 392 -> 392 -> 784 (sigmoid)."""

    def __init__(self, code_size: int = 10, supervised: bool = False, dropout: float = 0.2):
        super().__init__()
        self.supervised = supervised
        inputs = code_size + (N_CLASSES if supervised else 0)
        self.network = nn.Sequential(
            _mlp([inputs, 392, 392, IMAGE_PIXELS], dropout, nn.Sigmoid()), nn.Unflatten(1, (1, 28, 28))
        )

    def forward(self, code: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.supervised:
            if labels is None:
                raise ValueError("a supervised decoder needs the class labels")
            code = torch.cat([nn.functional.one_hot(labels, N_CLASSES).to(code.dtype), code], dim=1)
        return self.network(code)


class AAEDiscriminator(nn.Module):
    """Seed 004: code -> 1500 -> 1500 -> 1, telling prior samples from codes (returns logits)."""

    def __init__(self, code_size: int = 10, hidden: int = 1500, dropout: float = 0.2):
        super().__init__()
        self.network = _mlp([code_size, hidden, hidden, 1], dropout, None)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.network(code).squeeze(1)


class ClassCritic(nn.Module):
    """Tells a digit's class from its AAE code (logits); the supervised AAE trains its encoder against it."""

    def __init__(self, code_size: int = 10, hidden: int = 256):
        super().__init__()
        self.network = _mlp([code_size, hidden, hidden, N_CLASSES], 0.0, None)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.network(code)
