"""Measures the lab reports: checkerboard energy of decoded images, the Fréchet distance and
confident share of generated digits as seen by our own LeNet-5, and how much class information
an autoencoder's codes hold."""

from __future__ import annotations

import numpy as np
import torch
from scipy import linalg


def nyquist_energy_share(images: torch.Tensor) -> float:
    """Mean share of each image's (non-DC) spectral energy at the Nyquist frequencies.

    A period-2 checkerboard, the artefact of stride-2 transposed convolutions, puts its energy
    exactly at the three Nyquist bins (H/2, 0), (0, W/2) and (H/2, W/2) of an even-sized image.
    """
    x = images.detach().float().reshape(-1, *images.shape[-2:])
    h, w = x.shape[-2:]
    if h % 2 or w % 2:
        raise ValueError("images must have even sides to have Nyquist bins")
    power = torch.fft.fft2(x).abs().square()
    total = power.sum(dim=(-2, -1)) - power[:, 0, 0]
    nyquist = power[:, h // 2, 0] + power[:, 0, w // 2] + power[:, h // 2, w // 2]
    return float((nyquist / total.clamp_min(1e-12)).mean())


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½) between Gaussians fitted to two feature sets (as FID)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    if not np.isfinite(root).all():
        # A near-singular product: regularise both sides slightly, as the FID reference code does.
        offset = np.eye(len(cov_a)) * 1e-6
        root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    root = root.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(root))


def confident_share(logits: torch.Tensor, threshold: float = 0.9) -> float:
    """Share of images whose most likely class has probability >= ``threshold``."""
    return float((logits.softmax(dim=1).max(dim=1).values >= threshold).float().mean())


def class_balance(logits: torch.Tensor) -> float:
    """Entropy of the predicted-class histogram over its maximum, log(classes): 1 when every class is
    predicted equally often, 0 when one class takes all (a GAN's mode collapse)."""
    counts = torch.bincount(logits.argmax(dim=1), minlength=logits.shape[1]).float()
    share = counts / counts.sum()
    entropy = -(share[share > 0] * share[share > 0].log()).sum()
    return float(entropy / torch.log(torch.tensor(float(logits.shape[1]))))


def code_class_accuracy(codes: torch.Tensor, labels: np.ndarray, seed: int = 0) -> float:
    """How well a linear classifier tells the class from the codes: fitted on one half, scored on the other.

    About 0.1 (chance, for ten balanced classes) means the codes hold no class; an unsupervised
    autoencoder's codes, which cluster by class, score far above it.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.asarray(codes, np.float64)
    y = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[: len(x) // 2], order[len(x) // 2 :]
    scaler = StandardScaler().fit(x[train])
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x[train]), y[train])
    return float(model.score(scaler.transform(x[test]), y[test]))
