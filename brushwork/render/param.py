"""Image parameterisations: the tensor an optimiser changes, and how it becomes an RGB image in [0, 1].

``PixelImage`` optimises pixels directly. ``FourierImage`` optimises a scaled Fourier spectrum in
a decorrelated colour space (Olah et al. 2017, "Feature Visualization"): steepest descent there
equalises the frequencies, so activation maximisation yields patterns instead of high-frequency noise.
"""

from __future__ import annotations

import torch

# Pixel parameters are kept in 0-255 units, as Caffe's VGG (and Gatys's settings) had them.
# L-BFGS takes a first step of 1/|g|₁ in parameter units; in 0-1 units that step is 255 times
# shorter, the curvature pair it yields is noise, and the second step explodes.
PIXEL_SCALE = 255.0

# Square root of the RGB colour correlation of ImageNet images (its SVD), as used by Lucid/Lucent:
# the parameter lives in these decorrelated axes and is mapped back to RGB.
_COLOR_CORRELATION_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
_COLOR_MIX = _COLOR_CORRELATION_SQRT / _COLOR_CORRELATION_SQRT.norm(dim=0).max()


class PixelImage:
    """Pixels in 0-255 units; ``image()`` divides by 255 (no clamping, so gradients are exact)."""

    def __init__(self, rgb: torch.Tensor):
        self.parameter = (rgb.detach().float() * PIXEL_SCALE).contiguous()

    @staticmethod
    def image(parameter: torch.Tensor) -> torch.Tensor:
        return parameter / PIXEL_SCALE

    @staticmethod
    def to_rgb(parameter: torch.Tensor) -> torch.Tensor:
        return (parameter.detach() / PIXEL_SCALE).clamp(0, 1)

    @staticmethod
    def clamp(parameter: torch.Tensor) -> None:
        """Keep the pixels valid in place (the loop's ``project``)."""
        parameter.clamp_(0, PIXEL_SCALE)


def _frequencies(height: int, width: int, device: torch.device | None) -> torch.Tensor:
    fy = torch.fft.fftfreq(height, device=device)[:, None]
    fx = torch.fft.rfftfreq(width, device=device)[None, :]
    return torch.sqrt(fx * fx + fy * fy)


class FourierImage:
    """A batch of images as scaled Fourier spectra in decorrelated colour, squashed by a sigmoid."""

    def __init__(
        self,
        batch: int,
        height: int,
        width: int,
        *,
        decay: float = 1.0,
        std: float = 0.01,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ):
        """``device``: where the image is made (default: the generator's). The random spectrum is drawn
        where the generator is, so a seed gives the same image on every device."""
        drawn_on = None if generator is None else generator.device
        device = device or drawn_on
        self.size = (height, width)
        freqs = _frequencies(height, width, device)
        # 1/f scaling: every frequency band gets the same share of a gradient step.
        self.scale = 1.0 / freqs.clamp(min=1.0 / max(height, width)) ** decay
        shape = (batch, 3, *freqs.shape, 2)
        self.parameter = (torch.randn(shape, generator=generator, device=drawn_on) * std).to(device)

    def image(self, parameter: torch.Tensor) -> torch.Tensor:
        spectrum = torch.view_as_complex(parameter * self.scale[..., None])
        decorrelated = torch.fft.irfft2(spectrum, s=self.size, norm="ortho") / 4.0
        rgb = torch.einsum("bchw,dc->bdhw", decorrelated, _COLOR_MIX.to(decorrelated))
        return torch.sigmoid(rgb)

    def to_rgb(self, parameter: torch.Tensor) -> torch.Tensor:
        return self.image(parameter.detach())
