import pytest

from brushwork.encoders.vgg import VGG19Encoder
from brushwork.errors import BrushworkError
from brushwork.techniques.dream import DreamSettings, dream
from brushwork.techniques.progress import Reporting
from tests.conftest import random_vgg_weights, smooth_image

SMALL = DreamSettings(layer="relu3_1", octaves=2, octave_scale=1.5, iterations=3, jitter=4, precision="float32")


@pytest.fixture(scope="module")
def max_encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu3_1")


def test_octaves_grow_to_the_output_size():
    assert DreamSettings(octaves=3, octave_scale=2.0).octave_sizes(80, 120) == [(20, 30), (40, 60), (80, 120)]
    assert DreamSettings(octaves=2, octave_scale=2.0, size=60).octave_sizes(80, 120)[-1] == (40, 60)


def test_dream_amplifies_the_layer_and_changes_the_photo(max_encoder):
    photo = smooth_image(48, 64)
    seen = []
    out = dream(photo, SMALL, encoder=max_encoder, callback=seen.append)
    assert out.shape == photo.shape and 0 <= float(out.min()) and float(out.max()) <= 1
    assert (out - photo).abs().mean() > 1e-3
    last_octave = [p.total for p in seen if p.level == 1]
    assert last_octave[-1] < last_octave[0]  # the (negative) objective falls: activations grow


def test_guide_and_channels(max_encoder):
    photo, guide = smooth_image(48, 64), smooth_image(40, 40, seed=4)
    seen = []
    dream(photo, SMALL.replace(channels=(0, 3)), guide=guide, encoder=max_encoder, callback=seen.append)
    totals = [p.total for p in seen if p.level == 1]
    assert totals[-1] < totals[0]


def test_channel_out_of_range(max_encoder):
    with pytest.raises(BrushworkError) as error:
        dream(smooth_image(48, 64), SMALL.replace(channels=(300,)), encoder=max_encoder)
    assert str(error.value) == "channels: layer relu3_1 has 256 channels (0..255); got 300"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"network": "alexnet"}, "network must be one of vgg19, efficientnet-lite0, not 'alexnet'"),
        ({"octave_scale": 1.0}, "octave_scale must be in (1, 4], not 1"),
        ({"octaves": 0}, "octaves must be >= 1, not 0"),
        ({"step": 0.0}, "step must be > 0, not 0"),
    ],
)
def test_bad_settings(change, message):
    with pytest.raises(BrushworkError) as error:
        settings = SMALL.replace(**change)
        settings.validate()
        settings.check_photo((48, 64))
    assert str(error.value) == message


@pytest.mark.parametrize("guided", [False, True])
def test_a_dream_in_tiles_takes_the_whole_dreams_steps(max_encoder, guided):
    photo, guide = smooth_image(56, 72), (smooth_image(40, 40, seed=4) if guided else None)
    # One step an octave. Tiles add up in another order than the whole image, and each CPU rounds its
    # own way: a pre-activation within rounding of zero can switch its ReLU, and the next normalised
    # step then differs where it feeds. So after a few steps two runs part by far more than rounding
    # (measured here: a 1e-7 change of the photo moved the third step's total by 2e-4 and the picture
    # by 0.04), where one step from the same image differs by rounding alone.
    settings = SMALL.replace(channels=(1, 2, 5), iterations=1)
    whole_seen, tiled_seen, tiles = [], [], []
    whole = dream(photo, settings, guide=guide, encoder=max_encoder, callback=whole_seen.append)
    tiled = dream(
        photo,
        settings.replace(tile=16),
        guide=guide,
        encoder=max_encoder,
        callback=Reporting(tiled_seen.append, tiles.append),
    )
    assert tiles and {t.level for t in tiles} == {0, 1}
    # The same objective at each octave's step, to float32 rounding.
    assert [p.total for p in tiled_seen] == pytest.approx([p.total for p in whole_seen], rel=1e-4)
    assert (tiled - whole).abs().max() < 1e-3


def test_tiles_are_refused_for_a_network_whose_reach_is_unknown():
    with pytest.raises(BrushworkError) as refused:
        DreamSettings(network="efficientnet-lite0", tile=64).validate()
    assert str(refused.value) == "tile works with vgg19 only, whose receptive fields are known, not efficientnet-lite0"
