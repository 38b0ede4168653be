import torch

from brushwork.image import color
from tests.conftest import smooth_image


def test_yiq_round_trip_and_grey_has_no_chroma():
    image = torch.rand(1, 3, 5, 5)
    torch.testing.assert_close(color.yiq_to_rgb(color.rgb_to_yiq(image)), image, rtol=1e-5, atol=1e-5)
    grey = color.rgb_to_yiq(torch.full((1, 3, 2, 2), 0.4))
    torch.testing.assert_close(grey[:, 0], torch.full((1, 2, 2), 0.4))
    assert grey[:, 1:].abs().max() < 1e-6


def test_combine_luminance_keeps_the_colour_source_chroma():
    luma, colour = torch.rand(1, 1, 6, 6) * 0.5 + 0.25, smooth_image(6, 6)
    combined = color.rgb_to_yiq(color.combine_luminance(luma, colour))
    torch.testing.assert_close(combined[:, :1], luma, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(combined[:, 1:], color.rgb_to_yiq(colour)[:, 1:], rtol=1e-5, atol=1e-5)


def test_match_luminance_matches_mean_and_spread():
    source, reference = torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8) * 0.2 + 0.5
    matched = color.match_luminance(source, reference)
    assert abs(matched.mean() - reference.mean()) < 1e-5 and abs(matched.std() - reference.std()) < 1e-5


def test_colour_histogram_matching_matches_mean_and_covariance():
    source = smooth_image(32, 32, seed=1) * 0.5 + 0.25
    reference = smooth_image(32, 32, seed=2) * 0.5 + 0.2
    matched = color.match_color_histogram(source, reference)

    def stats(image):
        pixels = image.reshape(3, -1).double()
        return pixels.mean(1), torch.cov(pixels, correction=0)

    (m_mean, m_cov), (r_mean, r_cov) = stats(matched), stats(reference)
    torch.testing.assert_close(m_mean, r_mean, atol=1e-4, rtol=0)
    torch.testing.assert_close(m_cov, r_cov, atol=1e-4, rtol=1e-3)
