"""Colour control (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer")."""

from __future__ import annotations

import torch

from ..float64 import narrow, wide

# NTSC YIQ: Y is luminance; I and Q carry the colour that luminance-only transfer keeps.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def _apply(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", matrix.to(image), image)


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    return _apply(_RGB_TO_YIQ, image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    return _apply(_YIQ_TO_RGB, image)


def luminance(image: torch.Tensor) -> torch.Tensor:
    return rgb_to_yiq(image)[:, :1]


def match_luminance(source: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Shift and scale ``source`` luminance to the mean and spread of ``reference``'s (paper eq. 2)."""
    return (source - source.mean()) * (reference.std() / source.std().clamp_min(1e-6)) + reference.mean()


def combine_luminance(luma: torch.Tensor, colour_from: torch.Tensor) -> torch.Tensor:
    """RGB image with luminance ``luma`` and the chroma (I, Q) of ``colour_from``."""
    yiq = rgb_to_yiq(colour_from)
    return yiq_to_rgb(torch.cat([luma, yiq[:, 1:]], dim=1))


def _sqrtm(cov: torch.Tensor, inverse: bool = False) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(1e-8).sqrt()
    if inverse:
        values = 1.0 / values
    return vectors @ torch.diag(values) @ vectors.T


def match_color_histogram(source: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Linear colour transfer: an affine map of ``source``'s RGB to ``reference``'s mean and covariance.

    Uses the symmetric square root ("image analogies" variant in the paper), which keeps hues
    better than the Cholesky variant. The result is clamped to [0, 1].
    """

    def stats(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pixels = wide(image.reshape(3, -1))
        mean = pixels.mean(dim=1, keepdim=True)
        centred = pixels - mean
        return pixels, mean, centred @ centred.T / pixels.shape[1]

    src, src_mean, src_cov = stats(source)
    _, ref_mean, ref_cov = stats(reference)
    transform = _sqrtm(ref_cov) @ _sqrtm(src_cov, inverse=True)
    matched = transform @ (src - src_mean) + ref_mean
    return narrow(matched.reshape(source.shape), source, source.dtype).clamp(0, 1)
