"""Seed 000's autoencoders: an MLP and a convolutional one with two decoders, compared on
reconstruction error and on checkerboard artefacts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .classifiers import images_tensor
from .data import Dataset
from .metrics import nyquist_energy_share
from .models import ConvAutoencoder, MLPAutoencoder
from .settings import AutoencoderSettings
from .training import StepProgress, TrainingRecord, fit

TITLES = {
    "mlp": "MLP (784-32-784)",
    "conv-transpose": "conv, transposed-conv decoder",
    "conv-upsample": "conv, upsample+conv decoder",
}


def build_autoencoder(name: str) -> nn.Module:
    if name == "mlp":
        return MLPAutoencoder()
    return ConvAutoencoder(decoder=name.removeprefix("conv-"))


class AutoencoderExperiment:
    """Mean squared reconstruction error (seed 000), Adam; test error and checkerboard energy each epoch."""

    def __init__(
        self,
        name: str,
        train_images: torch.Tensor,
        test_images: torch.Tensor,
        learning_rate: float,
        device: torch.device | None = None,
    ):
        """The images stay on the host; each batch moves to ``device`` (None: the host), where the model is."""
        self.name = f"autoencoder-{name}"
        self.device = device
        self.model = build_autoencoder(name).to(device)
        self.modules: dict[str, nn.Module] = {"model": self.model}
        self.optimizers: dict[str, torch.optim.Optimizer] = {
            "adam": torch.optim.Adam(self.model.parameters(), lr=learning_rate)
        }
        self.train_images, self.test_images = train_images, test_images

    def train_step(self, index: torch.Tensor) -> dict[str, float]:
        self.model.train()
        batch = self.train_images[index].to(self.device)
        loss = F.mse_loss(self.model(batch), batch)
        optimizer = self.optimizers["adam"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {"mse": loss.item()}

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        return torch.cat([self.model(chunk.to(self.device)).cpu() for chunk in images.split(1000)])

    def evaluate(self, epoch: int) -> dict[str, float]:
        decoded = self.reconstruct(self.test_images)
        return {
            "test_mse": F.mse_loss(decoded, self.test_images).item(),
            "nyquist_share": nyquist_energy_share(decoded),
        }


@dataclass
class AutoencoderResult:
    name: str
    record: TrainingRecord
    experiment: AutoencoderExperiment

    @property
    def final(self) -> dict:
        return self.record.history[-1]


def train_autoencoder(
    name: str,
    dataset: Dataset,
    settings: AutoencoderSettings,
    on_step: Callable[[StepProgress], None] | None = None,
    checkpoint: Path | None = None,
    resume: bool = False,
    device: torch.device | None = None,
) -> AutoencoderResult:
    torch.manual_seed(settings.seed)
    train, test = images_tensor(dataset.train_images), images_tensor(dataset.test_images)
    experiment = AutoencoderExperiment(name, train, test, settings.learning_rate, device)
    record = fit(experiment, len(dataset.train_images), settings, checkpoint=checkpoint, resume=resume, on_step=on_step)
    return AutoencoderResult(name, record, experiment)
