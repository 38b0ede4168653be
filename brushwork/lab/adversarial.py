"""Seed 004's adversarial autoencoder (Makhzani et al. 2016) on MNIST, unsupervised and supervised.

An encoder maps a digit to a 10-value code, a decoder reconstructs the digit from the code (and,
in the supervised form, from the one-hot class too), and a discriminator tells codes from samples
of the prior N(0, 5² I). Three losses take turns each step, as in the seed: reconstruction
(binary cross-entropy; encoder and decoder), the discriminator's, and the encoder's "fool the
discriminator" loss (its own optimiser at a tenth of the learning rate).

Given the class, the supervised code has no reason to carry it, so it should carry the style
(slant, thickness); decoding one digit's code with every class renders its handwriting as 0-9.
"No reason to" is not enough in practice: trained as the seed trains it, the code picks up the
class first (it explains most of a digit) and keeps it, the decoder learns to ignore the class
input, and every column of the style grid shows the source's own digit. So the supervised form
adds a class critic (as Fader networks do, Lample et al. 2017): a small network learns to tell the
class from the code, and the encoder is trained to leave it guessing (its prediction pushed to
uniform). ``code_class_accuracy`` in the history measures the class left in the codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .classifiers import images_tensor
from .data import Dataset
from .metrics import code_class_accuracy
from .models import N_CLASSES, AAEDecoder, AAEDiscriminator, AAEEncoder, ClassCritic
from .settings import AAESettings
from .training import StepProgress, TrainingRecord, fit_on

PRIOR_STD = 5.0
CODE_SIZE = 10


class AAEExperiment:
    def __init__(self, dataset: Dataset | None, settings: AAESettings, device: torch.device | None = None):
        """The digits stay on the host; each batch moves to ``device`` (None: the host), where the networks
        are; what ``encode`` and ``render`` give back is on the host."""
        self.name = "aae-supervised" if settings.supervised else "aae-unsupervised"
        self.supervised = settings.supervised
        self.device = device
        self.encoder = AAEEncoder(CODE_SIZE).to(device)
        self.decoder = AAEDecoder(CODE_SIZE, supervised=settings.supervised).to(device)
        self.discriminator = AAEDiscriminator(CODE_SIZE).to(device)
        self.modules: dict[str, nn.Module] = {
            "encoder": self.encoder,
            "decoder": self.decoder,
            "discriminator": self.discriminator,
        }
        lr = settings.learning_rate
        self.optimizers: dict[str, torch.optim.Optimizer] = {
            "autoencoder": torch.optim.Adam([*self.encoder.parameters(), *self.decoder.parameters()], lr=lr),
            "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr),
            "regularizer": torch.optim.Adam(self.encoder.parameters(), lr=lr * 0.1),
        }
        self.class_confusion_weight = settings.class_confusion_weight
        if self.supervised:
            self.class_critic = ClassCritic(CODE_SIZE).to(device)
            self.modules["class_critic"] = self.class_critic
            self.optimizers["class_critic"] = torch.optim.Adam(self.class_critic.parameters(), lr=lr)
        if dataset is not None:
            self.images = images_tensor(dataset.train_images)
            self.labels = torch.as_tensor(dataset.train_labels)
            self.test_images = images_tensor(dataset.test_images)
            self.test_labels = torch.as_tensor(dataset.test_labels)

    @classmethod
    def for_inference(cls, supervised: bool, device: torch.device | None = None) -> AAEExperiment:
        """The networks alone, to load a checkpoint into."""
        return cls(None, AAESettings(supervised=supervised), device)

    def decode(self, code: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return self.decoder(code, labels if self.supervised else None)

    def train_step(self, index: torch.Tensor) -> dict[str, float]:
        for module in self.modules.values():
            module.train()
        images, labels = self.images[index].to(self.device), self.labels[index].to(self.device)
        step = _stepper(self.optimizers)

        codes = self.encoder(images)
        reconstruction = F.binary_cross_entropy(self.decode(codes, labels), images)
        losses = {}
        if self.supervised:
            # The encoder leaves the class critic guessing; the critic's own step (below) clears
            # the gradients this puts on it before it learns.
            confusion = class_confusion_loss(self.class_critic(codes))
            step("autoencoder", reconstruction + self.class_confusion_weight * confusion)
            critic_loss = F.cross_entropy(self.class_critic(codes.detach()), labels)
            step("class_critic", critic_loss)
            losses = {"critic_loss": critic_loss.item()}
        else:
            step("autoencoder", reconstruction)

        # The discriminator sees the encoder's codes as they are (eval: no dropout), as in the seed.
        self.encoder.eval()
        with torch.no_grad():
            codes = self.encoder(images)
        self.encoder.train()
        prior = torch.randn_like(codes) * PRIOR_STD
        d_loss = discriminator_loss(self.discriminator(prior), self.discriminator(codes))
        step("discriminator", d_loss)

        g_loss = F.binary_cross_entropy_with_logits(
            fooled := self.discriminator(self.encoder(images)), torch.ones_like(fooled)
        )
        step("regularizer", g_loss)
        return {"reconstruction": reconstruction.item(), "d_loss": d_loss.item(), "g_loss": g_loss.item(), **losses}

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        self.encoder.eval()
        return torch.cat([self.encoder(chunk.to(self.device)).cpu() for chunk in images.split(1000)])

    @torch.no_grad()
    def render(self, codes: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        self.decoder.eval()
        labels = None if labels is None else labels.to(self.device)
        return self.decode(codes.to(self.device), labels).cpu()

    def evaluate(self, epoch: int) -> dict[str, float]:
        codes = self.encode(self.test_images)
        decoded = self.render(codes, self.test_labels)
        return {
            "test_reconstruction": F.binary_cross_entropy(decoded, self.test_images).item(),
            "code_std": codes.std().item(),
            "code_class_accuracy": code_class_accuracy(codes, self.test_labels.numpy()),
        }


def _stepper(optimizers: Mapping[str, torch.optim.Optimizer]) -> Callable[[str, torch.Tensor], None]:
    def step(name: str, loss: torch.Tensor) -> None:
        optimizer = optimizers[name]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def class_confusion_loss(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the critic's prediction against the uniform distribution: log(classes) at its
    least, when the critic cannot tell any class from the code."""
    return -logits.log_softmax(dim=1).mean()


def discriminator_loss(prior_logits: torch.Tensor, code_logits: torch.Tensor) -> torch.Tensor:
    """-mean(log D(prior) + log(1 - D(code))), the seed's loss, from logits."""
    return F.binary_cross_entropy_with_logits(
        prior_logits, torch.ones_like(prior_logits)
    ) + F.binary_cross_entropy_with_logits(code_logits, torch.zeros_like(code_logits))


def style_grid_codes(experiment: AAEExperiment, images: torch.Tensor) -> torch.Tensor:
    """Render each image's style code in every class: (len(images) * 10, 1, 28, 28), row by row."""
    codes = experiment.encode(images)
    rows = codes.repeat_interleave(N_CLASSES, dim=0)
    labels = torch.arange(N_CLASSES).repeat(len(images))
    return experiment.render(rows, labels)


def transfer_style(experiment: AAEExperiment, image: torch.Tensor, classes: list[int]) -> torch.Tensor:
    """One digit (1, 1, 28, 28) in [0, 1], rendered in its own handwriting as each of ``classes``."""
    code = experiment.encode(image)
    return experiment.render(code.expand(len(classes), -1), torch.as_tensor(classes))


def tsne_embedding(codes: torch.Tensor, seed: int = 0) -> np.ndarray:
    from sklearn.manifold import TSNE

    # Perplexity 30 is the usual choice; it must stay below the number of points (tiny test runs).
    perplexity = min(30.0, (len(codes) - 1) / 3)
    return TSNE(n_components=2, init="pca", random_state=seed, perplexity=perplexity).fit_transform(codes.numpy())


@dataclass
class AAEResult:
    record: TrainingRecord
    experiment: AAEExperiment


def train_aae(
    dataset: Dataset,
    settings: AAESettings,
    on_step: Callable[[StepProgress], None] | None = None,
    on_epoch: Callable[[dict, AAEExperiment], None] | None = None,
    checkpoint: Path | None = None,
    resume: bool = False,
    device: torch.device | None = None,
) -> AAEResult:
    torch.manual_seed(settings.seed)
    experiment = AAEExperiment(dataset, settings, device)
    record = fit_on(
        experiment, dataset, settings, checkpoint=checkpoint, resume=resume, on_step=on_step, on_epoch=on_epoch
    )
    return AAEResult(record, experiment)
