"""The fast tier on random tiny networks: sizes, strength, regions, tiles; the CLI end to end."""

import pytest
import torch
import torch.nn.functional as F

from brushwork.encoders.decoder import Decoder
from brushwork.encoders.vgg import VGG19Encoder
from brushwork.losses.distributions import positions
from brushwork.settings.fast import FastSettings
from brushwork.techniques.fast import paint, run_tiled
from tests.conftest import random_vgg_weights, smooth_image

SMALL = FastSettings(size=64, precision="float32")


@pytest.fixture(scope="module")
def encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu4_1")


class Recording(torch.nn.Module):
    """A decoder that keeps the features it is given and paints mid-grey at 8x their size."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[torch.Tensor] = []

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        self.seen.append(features.clone())
        return torch.full((1, 3, features.shape[-2] * 8, features.shape[-1] * 8), 0.5, device=features.device)


def test_the_output_has_the_photos_shape_at_the_size_asked_for(encoder):
    torch.manual_seed(0)
    decoder = Decoder("relu4_1", width=0.05)
    out = paint(
        smooth_image(60, 90, 0), [smooth_image(70, 70, 1)], SMALL.replace(size=100), encoder=encoder, decoder=decoder
    )
    assert out.shape == (1, 3, 67, 100) and 0 <= out.min() and out.max() <= 1


def test_strength_zero_gives_the_photos_own_features_and_one_the_styles_distribution(encoder):
    photo, style = smooth_image(64, 64, 0), smooth_image(64, 64, 1)
    kept, moved = Recording(), Recording()
    paint(photo, [style], SMALL.replace(strength=0.0), encoder=encoder, decoder=kept)
    paint(photo, [style], SMALL.replace(strength=1.0, transform="adain"), encoder=encoder, decoder=moved)
    own = encoder(photo, ["relu4_1"])["relu4_1"]
    assert torch.allclose(kept.seen[0], own, atol=1e-5)
    style_vectors = positions(encoder(style, ["relu4_1"])["relu4_1"]).double()
    moved_vectors = positions(moved.seen[0]).double()
    assert torch.allclose(moved_vectors.mean(0), style_vectors.mean(0), atol=1e-3)


def test_a_masked_region_takes_its_style_alone(encoder):
    photo = smooth_image(64, 64, 0)
    first, second = smooth_image(64, 64, 1), smooth_image(64, 64, 2) * 0.3
    mask = torch.zeros(1, 1, 64, 64, device="cpu")
    mask[..., :, :32] = 1.0
    recording = Recording()
    paint(photo, [first, second], SMALL.replace(transform="adain"), masks={0: mask}, encoder=encoder, decoder=recording)
    features = recording.seen[0][0]  # (C, 8, 8)
    left, right = features[:, :, :4].reshape(512, -1).t(), features[:, :, 4:].reshape(512, -1).t()
    first_mean = positions(encoder(first, ["relu4_1"])["relu4_1"]).mean(0)
    second_mean = positions(encoder(second, ["relu4_1"])["relu4_1"]).mean(0)
    assert torch.allclose(left.mean(0), first_mean, atol=1e-3)
    assert torch.allclose(right.mean(0), second_mean, atol=1e-3)


def test_tiles_put_together_what_one_pass_gives_for_an_operation_within_the_halo():
    image = torch.rand(1, 3, 40, 56, device="cpu")

    def blur(x: torch.Tensor) -> torch.Tensor:  # reaches 2 cells each way, within the 8-cell halo
        return F.avg_pool2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), 5, stride=1)

    whole = blur(image)
    assert torch.allclose(run_tiled(blur, image, (40, 56), 16, 1, 1), whole, atol=1e-6)
    pooled = run_tiled(lambda x: F.avg_pool2d(x, 4), image, (10, 14), 3, 4, 1)
    assert torch.allclose(pooled, F.avg_pool2d(image, 4), atol=1e-6)


def test_a_picture_larger_than_a_tile_is_decoded_in_tiles_and_stays_close_to_one_pass(encoder):
    torch.manual_seed(0)
    decoder = Decoder("relu4_1", width=0.05)
    calls = []

    def counted(features: torch.Tensor) -> torch.Tensor:
        calls.append(tuple(features.shape[-2:]))
        return decoder(features)

    photo, style = smooth_image(300, 600, 0), smooth_image(80, 80, 1)
    whole = paint(photo, [style], SMALL.replace(size=600, tile=None), encoder=encoder, decoder=decoder)
    tiled = paint(photo, [style], SMALL.replace(size=600, tile=256), encoder=encoder, decoder=counted)
    assert tiled.shape == whole.shape == (1, 3, 300, 600)
    assert len(calls) == 6 and max(max(c) for c in calls) <= 256 // 8 + 2 * 8  # 2x3 tiles, each with its halo
    assert (tiled - whole).abs().mean() < 0.02


def test_detail_lays_the_photos_fine_detail_over_the_painting(encoder):
    from brushwork.image.pyramid import high_frequencies

    photo = smooth_image(64, 64, 0) * 0.5 + 0.25 + 0.2 * (torch.arange(64, device="cpu") % 2).float()
    plain = paint(photo, [smooth_image(64, 64, 1)], SMALL, encoder=encoder, decoder=Recording())
    detailed = paint(photo, [smooth_image(64, 64, 1)], SMALL.replace(detail=0.5), encoder=encoder, decoder=Recording())
    assert torch.equal(plain, torch.full_like(plain, 0.5))  # the recording decoder's grey
    expected = (0.5 + 0.5 * high_frequencies(photo.clamp(0, 1), (16, 16))).clamp(0, 1)
    assert torch.allclose(detailed, expected, atol=1e-6)


def test_a_styles_statistics_are_read_once_for_many_pictures_and_never_for_another_style(encoder):
    from brushwork.techniques.fast import STYLE_STATISTICS

    calls = []

    class Counting(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, image, layers):
            calls.append(tuple(image.shape[-2:]))
            return self.inner(image, layers)

    counting = Counting(encoder)
    decoder = Decoder("relu4_1", width=0.05)
    style, other = smooth_image(64, 64, 1), smooth_image(64, 64, 2)
    STYLE_STATISTICS.entries.clear()
    first = paint(smooth_image(64, 64, 0), [style], SMALL, encoder=counting, decoder=decoder)
    again = paint(smooth_image(64, 64, 0), [style], SMALL, encoder=counting, decoder=decoder)
    assert len(calls) == 3  # the photo twice, the style once
    assert torch.equal(first, again)
    paint(smooth_image(64, 64, 0), [other], SMALL, encoder=counting, decoder=decoder)
    assert len(calls) == 5  # another style is read
    paint(smooth_image(64, 64, 0), [style], SMALL, encoder=Counting(encoder), decoder=decoder)
    assert len(calls) == 7  # and so is the same style through another encoder
