"""Seed 004's DCGAN on MNIST, and how we measure its samples.

The architecture is the seed's. Its optimiser (SGD, lr 0.0005, batch 1024 over 60 000 digits)
makes 8 steps an epoch on our 8 000 digits, so the default is the DCGAN paper's Adam (lr 2e-4,
beta1 0.5) with batches of 64; ``--optimizer sgd`` gives the seed's.

Sample quality is judged by a LeNet-5 trained on the MNIST training split: the Fréchet distance
between its 84 penultimate features of generated digits and of the held-out test digits (as FID
does with Inception features), and the share of samples it classifies with >= 90 % confidence.
The same figures for real training digits against the test digits are the floor to compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import BrushworkError
from .classifiers import ClassifierExperiment, images_tensor
from .data import Dataset
from .metrics import class_balance, confident_share, frechet_distance
from .models import NOISE_SIZE, DCGANDiscriminator, DCGANGenerator, LeNet5, RadfordDiscriminator, RadfordGenerator
from .settings import GANSettings, JudgeSettings
from .training import StepProgress, TrainingRecord, fit, fit_on

ARCHITECTURES = {
    "seed": (DCGANGenerator, DCGANDiscriminator),
    "radford": (RadfordGenerator, RadfordDiscriminator),
}


class QualityJudge:
    """A LeNet-5 trained on real training digits, measuring images in [0, 1]."""

    def __init__(self, model: LeNet5, reference_images: torch.Tensor, device: torch.device | None = None):
        self.device = device
        self.model = model.to(device).eval()
        self.reference_features = self.features(reference_images)

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> np.ndarray:
        return torch.cat([self.model.embed(chunk.to(self.device)).cpu() for chunk in images.split(1000)]).numpy()

    @torch.no_grad()
    def measure(self, images: torch.Tensor) -> dict[str, float]:
        logits = torch.cat([self.model(chunk.to(self.device)).cpu() for chunk in images.split(1000)])
        return {
            "frechet_distance": frechet_distance(self.features(images), self.reference_features),
            "confident_share": confident_share(logits),
            "class_balance": class_balance(logits),
        }


def train_judge(
    dataset: Dataset,
    settings: JudgeSettings = JudgeSettings(),
    on_step: Callable[[StepProgress], None] | None = None,
    device: torch.device | None = None,
) -> tuple[QualityJudge, float]:
    """The judge and its test accuracy, trained on ``device`` (None: the host)."""
    torch.manual_seed(settings.seed)
    train, test = images_tensor(dataset.train_images), images_tensor(dataset.test_images)
    steps = settings.epochs * -(-len(train) // settings.batch_size)
    experiment = ClassifierExperiment(
        "judge-lenet5",
        LeNet5(),
        train,
        dataset.train_labels,
        test,
        dataset.test_labels,
        settings.learning_rate,
        steps,
        device,
    )
    record = fit(experiment, len(train), settings, on_step=on_step)
    assert isinstance(experiment.model, LeNet5)
    return QualityJudge(experiment.model, test, device), record.history[-1]["test_accuracy"]


class DCGANExperiment:
    def __init__(
        self,
        dataset: Dataset,
        settings: GANSettings,
        judge: QualityJudge | None = None,
        device: torch.device | None = None,
    ):
        """The digits stay on the host; each batch moves to ``device`` (None: the host), where the networks
        are. Noise is drawn on the host (the same digits on every device) and moved."""
        self.name = "dcgan"
        self.device = device
        self.settings = settings
        if settings.architecture not in ARCHITECTURES:
            raise BrushworkError(
                f"unknown GAN architecture {settings.architecture!r}; choose one of {', '.join(ARCHITECTURES)}"
            )
        generator_class, discriminator_class = ARCHITECTURES[settings.architecture]
        self.generator, self.discriminator = generator_class().to(device), discriminator_class().to(device)
        self.noise_size = NOISE_SIZE  # both architectures' generators take this much noise
        self.modules: dict[str, nn.Module] = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimizers: dict[str, torch.optim.Optimizer] = {
            "generator": self._optimizer(self.generator),
            "discriminator": self._optimizer(self.discriminator),
        }
        self.real = images_tensor(dataset.train_images) * 2 - 1  # the generator's tanh range
        self.judge = judge
        # Fixed noise so the per-epoch grids show the same digits growing up.
        generator = torch.Generator().manual_seed(settings.seed + 1)
        self.grid_noise = self.noise(settings.grid_samples, generator)
        self.quality_noise = self.noise(settings.quality_samples, generator)

    def _optimizer(self, module: nn.Module) -> torch.optim.Optimizer:
        if self.settings.optimizer == "sgd":
            return torch.optim.SGD(module.parameters(), lr=self.settings.learning_rate, momentum=0.9, nesterov=True)
        return torch.optim.Adam(module.parameters(), lr=self.settings.learning_rate, betas=(0.5, 0.999))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The seed's uniform(-1, 1) noise."""
        return (torch.rand(n, self.noise_size, generator=generator) * 2 - 1).to(self.device)

    def train_step(self, index: torch.Tensor) -> dict[str, float]:
        self.generator.train()
        self.discriminator.train()
        real = self.real[index].to(self.device)
        fake = self.generator(self.noise(len(index)))
        d_loss = discriminator_loss(self.discriminator(real), self.discriminator(fake.detach()))
        opt_d, opt_g = self.optimizers["discriminator"], self.optimizers["generator"]
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # The generator learns from the updated discriminator; only its own optimiser steps.
        for step in range(self.settings.generator_steps):
            if step:
                fake = self.generator(self.noise(len(index)))
            g_loss = generator_loss(self.discriminator(fake))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}

    @torch.no_grad()
    def sample(self, noise: torch.Tensor) -> torch.Tensor:
        """Digits in [0, 1] for the given noise."""
        self.generator.eval()
        digits = torch.cat([self.generator(chunk.to(self.device)).cpu() for chunk in noise.split(1000)])
        return digits.add(1).div(2).clamp(0, 1)

    def evaluate(self, epoch: int) -> dict[str, float]:
        return self.judge.measure(self.sample(self.quality_noise)) if self.judge is not None else {}


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with real = 1, fake = 0, averaged over both halves (the seed's concatenated batch)."""
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
        + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    )


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: fakes labelled real (the seed's inverted targets)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


@dataclass
class GANResult:
    record: TrainingRecord
    experiment: DCGANExperiment


def train_dcgan(
    dataset: Dataset,
    settings: GANSettings,
    judge: QualityJudge | None = None,
    on_step: Callable[[StepProgress], None] | None = None,
    on_epoch: Callable[[dict, DCGANExperiment], None] | None = None,
    checkpoint: Path | None = None,
    resume: bool = False,
    device: torch.device | None = None,
) -> GANResult:
    torch.manual_seed(settings.seed)
    experiment = DCGANExperiment(dataset, settings, judge, device)
    record = fit_on(
        experiment, dataset, settings, checkpoint=checkpoint, resume=resume, on_step=on_step, on_epoch=on_epoch
    )
    return GANResult(record, experiment)
