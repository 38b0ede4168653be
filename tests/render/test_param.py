import torch

from brushwork.render import (
    PIXEL_SCALE,
    FourierImage,
    Jitter,
    PixelImage,
    RandomRotate,
    RandomScale,
    standard_transforms,
)

from ..conftest import smooth_image


def test_pixel_image_holds_0_255_units():
    rgb = smooth_image(8, 8)
    pixels = PixelImage(rgb)
    assert torch.allclose(pixels.parameter, rgb * PIXEL_SCALE)
    assert torch.allclose(PixelImage.image(pixels.parameter), rgb)
    assert PixelImage.to_rgb(pixels.parameter * 2).max() <= 1


def test_fourier_image_is_a_valid_differentiable_rgb_batch():
    image = FourierImage(2, 24, 30, generator=torch.Generator().manual_seed(0))
    parameter = image.parameter.requires_grad_()
    rgb = image.image(parameter)
    assert rgb.shape == (2, 3, 24, 30)
    assert 0 < float(rgb.detach().min()) and float(rgb.detach().max()) < 1
    rgb[:, 0].mean().backward()
    assert parameter.grad.abs().sum() > 0


def test_fourier_image_starts_near_grey_and_low_contrast():
    # The 1/f scaling must not blow the initial spectrum up (a bug once saturated every image).
    rgb = FourierImage(1, 64, 64, generator=torch.Generator().manual_seed(0)).to_rgb(
        FourierImage(1, 64, 64, generator=torch.Generator().manual_seed(0)).parameter
    )
    assert abs(float(rgb.mean()) - 0.5) < 0.05
    assert float(rgb.std()) < 0.1


def test_jitter_is_a_seeded_circular_shift():
    image = torch.arange(2 * 3 * 5 * 5.0).view(2, 3, 5, 5)
    shifted = Jitter(2, torch.Generator().manual_seed(1))(image)
    again = Jitter(2, torch.Generator().manual_seed(1))(image)
    assert torch.equal(shifted, again)
    assert sorted(shifted.flatten().tolist()) == sorted(image.flatten().tolist())


def test_scale_and_rotate_keep_the_size():
    image = smooth_image(20, 30)
    generator = torch.Generator().manual_seed(0)
    assert RandomScale([1.1], generator)(image).shape == image.shape
    assert RandomRotate([10], generator)(image).shape == image.shape
    assert standard_transforms(generator)(image).shape == image.shape
    assert torch.equal(RandomScale([1.0], generator)(image), image)


def test_a_fourier_image_is_drawn_where_its_generator_is_and_made_on_its_device():
    seeded = FourierImage(2, 16, 20, generator=torch.Generator().manual_seed(3))
    again = FourierImage(2, 16, 20, generator=torch.Generator().manual_seed(3), device=torch.device("cpu"))
    assert torch.equal(seeded.parameter, again.parameter)
    elsewhere = FourierImage(2, 16, 20, generator=torch.Generator().manual_seed(3), device=torch.device("meta"))
    assert elsewhere.parameter.device.type == "meta" and elsewhere.scale.device.type == "meta"
    assert elsewhere.image(elsewhere.parameter).shape == (2, 3, 16, 20)
