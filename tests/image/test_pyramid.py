import torch

from brushwork.image.pyramid import fit_area, fit_long_edge, high_frequencies, resize


def test_fit_long_edge_keeps_aspect():
    assert fit_long_edge(300, 451, 512) == (341, 512)
    assert fit_long_edge(600, 400, 128) == (128, 85)


def test_fit_area():
    h, w = fit_area(300, 400, 120_000 / 4)
    assert (h, w) == (150, 200)


def test_high_frequencies_of_a_smooth_image_are_small_and_restore_detail():
    image = torch.rand(1, 3, 64, 64)
    detail = high_frequencies(image, (16, 16))
    restored = resize(resize(image, (16, 16)), (64, 64)) + detail
    torch.testing.assert_close(restored, image)
    flat = torch.full((1, 3, 64, 64), 0.3)
    assert high_frequencies(flat, (16, 16)).abs().max() < 1e-5
