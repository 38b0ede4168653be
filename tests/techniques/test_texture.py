import pytest
import torch

from brushwork.cli.transfer import demo_image
from brushwork.encoders.vgg import VGG19Encoder
from brushwork.errors import BrushworkError
from brushwork.image.io import load_image
from brushwork.optim import Interrupted
from brushwork.techniques.progress import Reporting
from brushwork.techniques.texture import TextureSettings, synthesize
from tests.conftest import random_vgg_weights, smooth_image

SMALL = TextureSettings(
    size=(32, 48),
    style_size=48,
    style_layers=("relu1_1", "relu2_1", "relu3_1"),
    scales=(0.5, 1.0),
    iterations=(4, 4),
    precision="float32",
)


@pytest.fixture(scope="module")
def circular_encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="avg", last_layer="relu3_1", padding_mode="circular")


def test_loss_falls_and_output_has_the_requested_size(random_encoder):
    seen = []
    out = synthesize(smooth_image(40, 50), SMALL, encoder=random_encoder, callback=seen.append)
    assert out.shape == (1, 3, 32, 48)
    assert [(p.level, p.size) for p in seen if p.iteration == 1] == [(0, (16, 24)), (1, (32, 48))]
    first = [p.total for p in seen if p.level == 0]
    assert first[-1] < first[0]
    assert set(seen[0].losses) == {"style"}


def test_tileable_sizes_must_halve_evenly():
    with pytest.raises(BrushworkError) as error:
        TextureSettings(size=(500, 500), tileable=True).validate()
    assert str(error.value) == "a tileable texture needs sides divisible by 16 in size, not 500x500"
    assert all(h % 16 == 0 and w % 16 == 0 for h, w in TextureSettings(size=(96, 160), tileable=True).level_sizes())


def test_style_padding_is_restored_after_taking_targets(circular_encoder):
    synthesize(smooth_image(40, 50), SMALL.replace(tileable=True), encoder=circular_encoder)
    assert {m.padding_mode for m in circular_encoder.layers.values() if hasattr(m, "padding_mode")} == {"circular"}


def test_interrupt_returns_the_best_texture_at_full_size(random_encoder):
    def stop(progress):
        if progress.level == 0 and progress.iteration == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:
        synthesize(smooth_image(40, 50), SMALL, encoder=random_encoder, callback=stop)
    assert caught.value.best.shape == (1, 3, 32, 48)


def _seam_and_interior(texture: torch.Tensor) -> tuple[float, float]:
    """Mean jump across the wrap-around seams, and between neighbouring interior columns/rows."""
    seam = (
        (texture[..., :, 0] - texture[..., :, -1]).abs().mean()
        + (texture[..., 0, :] - texture[..., -1, :]).abs().mean()
    ) / 2
    interior = (
        (texture[..., :, 1:] - texture[..., :, :-1]).abs().mean()
        + (texture[..., 1:, :] - texture[..., :-1, :]).abs().mean()
    ) / 2
    return float(seam), float(interior)


@pytest.mark.integration
def test_tileable_texture_wraps_seamlessly(real_weights):
    style = load_image(demo_image("starry_night.jpg"))
    settings = TextureSettings(size=(64, 64), style_size=128, scales=(0.5, 1.0), iterations=(40, 30))
    tiled = synthesize(style, settings.replace(tileable=True))
    seam, interior = _seam_and_interior(tiled)
    assert seam < 1.4 * interior
    # The same run without --tileable has real seams, so the measure can tell them apart.
    plain_seam, plain_interior = _seam_and_interior(synthesize(style, settings))
    assert plain_seam > 1.8 * plain_interior


@pytest.fixture(scope="module")
def reflect_encoder():
    return VGG19Encoder(random_vgg_weights(), pooling="avg", last_layer="relu3_1", padding_mode="reflect")


def test_a_tiled_texture_takes_the_untiled_ones_steps(reflect_encoder):
    # Tiles read with a halo as wide as the network's reach see what the whole image sees, borders
    # (reflect padding) included: the same loss and gradient, so the same steps.
    settings = SMALL.replace(size=(48, 64), iterations=(2, 2))
    source = smooth_image(40, 50)
    whole_seen, tiled_seen, tiles = [], [], []
    whole = synthesize(source, settings, encoder=reflect_encoder, callback=whole_seen.append)
    tiled = synthesize(
        source, settings.replace(tile=24), encoder=reflect_encoder, callback=Reporting(tiled_seen.append, tiles.append)
    )
    assert [p.total for p in tiled_seen] == pytest.approx([p.total for p in whole_seen], rel=1e-4)
    assert (tiled - whole).abs().max() < 1e-3
    assert {(t.level, t.tiles) for t in tiles} == {(0, 4), (1, 12)}  # 1 x 2 and 2 x 3 tiles, twice an iteration
    # (Over more steps L-BFGS's first curvature pair grows float32 rounding into another path.)


def test_a_tileable_texture_is_not_tiled():
    with pytest.raises(BrushworkError) as error:
        SMALL.replace(size=(64, 64), tileable=True, tile=32).validate()
    assert str(error.value) == "a tileable texture wraps around its edges, which tiles do not: leave out tile"
    with pytest.raises(BrushworkError) as error:
        synthesize(smooth_image(40, 50), SMALL.replace(size=(4096, 4096), tileable=True, max_memory=12.0))
    assert str(error.value) == (
        "at size 4096x4096 the network needs more than the memory budget, and a tileable texture cannot run in "
        "tiles (they do not wrap around): give a smaller size or more memory"
    )
