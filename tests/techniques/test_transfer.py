import pytest
import torch

from brushwork.cli.transfer import demo_image
from brushwork.encoders.vgg import VGG19_LAYERS, deepest_layer
from brushwork.errors import BrushworkError
from brushwork.image import color
from brushwork.image.io import load_image
from brushwork.optim import Interrupted
from brushwork.techniques.planning import plan_levels
from brushwork.techniques.progress import Reporting
from brushwork.techniques.transfer import (
    PRESETS,
    TransferLevel,
    TransferSettings,
    level_loss_terms,
    style_regions,
    stylize,
)
from tests.conftest import smooth_image

SMALL = TransferSettings(
    size=48,
    init="content",
    content_layer="relu2_1",
    style_layers=("relu1_1", "relu2_1", "relu3_1"),
    scales=(0.5, 1.0),
    iterations=(4, 4),
    precision="float32",
)


def run(random_encoder, settings=SMALL, styles=None, on_tile=None, **kwargs):
    content = smooth_image(40, 60, seed=0)
    styles = styles or [torch.rand(1, 3, 50, 50, generator=torch.Generator().manual_seed(1))]
    seen = []
    callback = seen.append if on_tile is None else Reporting(seen.append, on_tile)
    out = stylize(content, styles, settings, encoder=random_encoder, callback=callback, **kwargs)
    return content, out, seen


def test_loss_falls_and_image_changes(random_encoder):
    content, out, seen = run(random_encoder)
    assert out.shape == (1, 3, 32, 48)
    first_level = [p for p in seen if p.level == 0]
    assert first_level[-1].total < first_level[0].total
    assert (out - torch.nn.functional.interpolate(content, size=(32, 48))).abs().mean() > 1e-3
    assert set(seen[0].losses) == {"content", "style"}


def test_schedule_runs_coarse_to_fine(random_encoder):
    _, _, seen = run(random_encoder)
    assert [(p.level, p.size) for p in seen if p.iteration == 1] == [(0, (16, 24)), (1, (32, 48))]
    assert seen[-1].image.shape == (1, 3, 32, 48)


def test_tv_term_appears_when_weighted(random_encoder):
    _, _, seen = run(random_encoder, SMALL.replace(tv_weight=1.0))
    assert "tv" in seen[0].losses


def test_luminance_only_keeps_the_content_colours(random_encoder):
    content, out, _ = run(random_encoder, SMALL.replace(preserve_colors="luminance"))
    reference = color.rgb_to_yiq(torch.nn.functional.interpolate(content, size=(32, 48), mode="bicubic"))
    chroma = color.rgb_to_yiq(out)[:, 1:]
    assert (chroma - reference[:, 1:]).abs().mean() < 0.02


def test_several_styles_blend_and_masks_split_regions(random_encoder):
    styles = [torch.rand(1, 3, 40, 40), torch.zeros(1, 3, 40, 40) + 0.5]
    mask = torch.zeros(1, 1, 40, 60)
    mask[..., :30] = 1
    _, _, seen = run(random_encoder, SMALL.replace(style_blend=(0.7, 0.3)), styles=styles, masks={1: mask})
    assert seen[-1].total < seen[0].total


def test_ctrl_c_yields_the_best_image_at_the_output_size(random_encoder):
    def interrupt(progress):
        if progress.level == 0 and progress.iteration == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stop:
        stylize(smooth_image(40, 60), [torch.rand(1, 3, 40, 40)], SMALL, encoder=random_encoder, callback=interrupt)
    assert stop.value.best.shape == (1, 3, 32, 48)
    assert 0 <= stop.value.best.min() and stop.value.best.max() <= 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"size": 16}, "size must be between 32 and 4096 pixels, not 16"),
        ({"size": 5000}, "size must be between 32 and 4096 pixels, not 5000"),
        ({"style_weight": -1.0}, "style_weight must be >= 0, not -1"),
        ({"content_weight": float("nan")}, "content_weight must be a finite number, not nan"),
        ({"scales": (0.5,), "iterations": (1,)}, "scales must increase and end at 1, not 0.5"),
        ({"iterations": (1,)}, "iterations needs one count per scale (2 scales, 1 counts)"),
        ({"style_blend": (1.0, 2.0)}, "style_blend needs one weight per style image (1 styles, 2 weights)"),
        ({"style_layer_weights": (1.0,)}, "style_layer_weights needs one weight per style layer (3 layers, 1 weights)"),
        (
            {"style_layers": ("relu4_1",), "detail_depth": "relu3_1"},
            "no style layer is at or above the detail depth relu3_1; choose a deeper detail_depth or detail_depth none",
        ),
        (
            {"detail_depth": "relu3_9"},
            "detail_depth: unknown VGG19 layer 'relu3_9'; valid layers are: " + ", ".join(VGG19_LAYERS),
        ),
    ],
)
def test_bad_settings_are_refused(changes, message):
    with pytest.raises(BrushworkError) as err:
        settings = SMALL.replace(**changes)
        settings.validate()
        settings.check_styles(1)
    assert str(err.value) == message


def test_detail_level_keeps_the_shallow_style_layers_and_moves_a_deep_content_layer():
    settings = TransferSettings(style_layer_weights=(1.0, 2.0, 3.0, 4.0, 5.0))
    detail = settings.detail_level()
    assert detail.style_layers == ("relu1_1", "relu2_1", "relu3_1")
    assert detail.layer_weights() == {"relu1_1": 1.0, "relu2_1": 2.0, "relu3_1": 3.0}
    assert (detail.content_layer, detail.content_weight) == ("relu3_1", settings.content_weight)
    # A content layer already shallow enough stays; no depth means the level keeps everything.
    assert settings.replace(content_layer="relu2_2").detail_level().content_layer == "relu2_2"
    assert settings.replace(detail_depth=None).detail_level() == settings.replace(detail_depth=None)
    gram = TransferSettings(style_loss="gram").detail_level()
    assert gram.layer_weights() == {
        layer: 1e3 / n**2 for layer, n in (("relu1_1", 64), ("relu2_1", 128), ("relu3_1", 256))
    }
    w2 = TransferSettings(style_loss="w2").detail_level()
    assert w2.layer_weights() == dict.fromkeys(("relu1_1", "relu2_1", "relu3_1"), 125.0)


def test_only_the_last_of_several_levels_is_a_detail_level(random_encoder):
    class DepthSpy:
        """The encoder, recording how deep each call runs."""

        def __init__(self, encoder):
            self.encoder, self.deepest = encoder, []

        def __call__(self, image, layers):
            self.deepest.append(deepest_layer(layers))
            return self.encoder(image, layers)

    settings = SMALL.replace(
        content_layer="relu4_2",
        style_layers=("relu1_1", "relu2_1", "relu4_1"),
        detail_depth="relu2_1",
        iterations=(2, 2),
    )
    spy = DepthSpy(random_encoder)
    seen = []
    stylize(smooth_image(40, 60), [torch.rand(1, 3, 40, 40)], settings, encoder=spy, callback=seen.append)
    # Level 0: targets (content, style) and 2 evaluations at full depth; level 1 the same at relu2_1.
    assert spy.deepest == ["relu4_2", "relu4_1", "relu4_2", "relu4_2", "relu2_1", "relu2_1", "relu2_1", "relu2_1"]
    assert seen[-1].level == 1 and set(seen[-1].losses) == {"content", "style"}
    # One level is the whole schedule: nothing to detail, every layer is used.
    spy.deepest.clear()
    stylize(
        smooth_image(40, 60), [torch.rand(1, 3, 40, 40)], settings.replace(scales=(1.0,), iterations=(1,)), encoder=spy
    )
    assert set(spy.deepest) == {"relu4_2", "relu4_1"}


def test_quality_preset_gives_the_full_size_level_more_steps():
    quality, default = PRESETS["quality"], PRESETS["default"]
    assert (quality.iterations, quality.init, quality.scales) == ((150, 30, 60), "content", (0.25, 0.5, 1.0))
    assert quality.replace(iterations=default.iterations, init=default.init, scales=default.scales) == default
    assert quality.style_loss == "w2"


def test_gatys2016_preset_is_the_papers_settings():
    gatys = PRESETS["gatys2016"]
    assert gatys.content_layer == "relu4_2"
    assert gatys.style_layers == ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    assert gatys.layer_weights() == {
        "relu1_1": 1e3 / 64**2,
        "relu2_1": 1e3 / 128**2,
        "relu3_1": 1e3 / 256**2,
        "relu4_1": 1e3 / 512**2,
        "relu5_1": 1e3 / 512**2,
    }
    assert (gatys.init, gatys.pooling, gatys.optimizer, gatys.scales) == ("noise", "avg", "lbfgs", (1.0,))
    assert gatys.precision == "float32"
    assert gatys.detail_depth is None


@pytest.mark.integration
def test_real_weights_stylise_a_tiny_image(real_weights):
    content, style = smooth_image(32, 48), torch.rand(1, 3, 48, 48, generator=torch.Generator().manual_seed(3))
    seen = []
    out = stylize(
        content,
        [style],
        PRESETS["default"].replace(size=48, iterations=(3, 3, 5), scales=(0.75, 0.9, 1.0)),
        callback=seen.append,
    )
    last = [p for p in seen if p.level == 2]
    assert last[-1].total < last[0].total
    assert (out - content).abs().mean() > 0.01


def test_a_draft_start_is_the_fast_tiers_painting_at_the_first_levels_size(random_encoder, monkeypatch):
    drafts = []

    def fake_paint(content, styles, settings, *, masks, encoder):
        drafts.append(settings)
        height, width = settings.output_size((content.shape[-2], content.shape[-1]))
        return torch.full((1, 3, height, width), 0.25)

    monkeypatch.setattr("brushwork.techniques.transfer.fast_paint", fake_paint)
    settings = SMALL.replace(init="draft", optimizer="adam", lr=1e-6, iterations=(1, 1), style_scale=1.5)
    _, _, seen = run(random_encoder, settings)
    # The first level (24 px long) is smaller than the fast tier paints: its draft is painted at 32 px.
    assert [(d.size, d.transform, d.strength, d.style_scale) for d in drafts] == [(32, "ot", 1.0, 1.5)]
    first = seen[0].image
    assert first.shape == (1, 3, 16, 24) and torch.allclose(first, torch.full_like(first, 0.25), atol=1e-3)


@pytest.mark.integration
def test_a_real_draft_starts_nearer_the_style_than_the_photo_does(real_weights):
    content, style = load_image(demo_image("chelsea.png")), load_image(demo_image("starry_night.jpg"))
    first_losses = {}
    for init in ("content", "draft"):
        seen = []
        settings = PRESETS["default"].replace(size=128, init=init, scales=(1.0,), iterations=(2,), precision="float32")
        out = stylize(content, [style], settings, callback=seen.append)
        first_losses[init] = seen[0].losses["style"]
        assert out.shape == (1, 3, 85, 128)
    assert first_losses["draft"] < first_losses["content"]


@pytest.mark.parametrize("optimizer, iterations", [("adam", (10, 10)), ("lbfgs", (2, 2))])
def test_a_tiled_run_paints_what_an_untiled_one_does(random_encoder, optimizer, iterations):
    # The loss and gradient agree to float32 rounding (tests/losses/test_tiled.py), whose pattern differs
    # from CPU to CPU. Adam's steps move the image by the rounding's size and no more. L-BFGS's curvature
    # pairs are differences of nearly equal gradients, so past its first steps it turns that rounding
    # into another path (8 steps: 2e-4 on one CPU, 1e-3 with oneDNN limited to AVX2 on the same one);
    # its first steps must be the same.
    settings = SMALL.replace(style_loss="gram", optimizer=optimizer, iterations=iterations)
    _, whole, whole_seen = run(random_encoder, settings)
    tiles = []
    _, tiled, seen = run(random_encoder, settings.replace(tile=16), on_tile=tiles.append)
    assert {t.level for t in tiles} == {0, 1}
    finest = [p.total for p in seen if p.level == 1]
    assert finest[-1] < finest[0]
    assert [p.total for p in seen] == pytest.approx([p.total for p in whole_seen], rel=1e-5)
    assert (tiled - whole).abs().max() < 1e-5


def test_a_tiled_w2_run_takes_the_untiled_runs_steps(random_encoder):
    # W2's tiles add up its moments in float64 where the whole image centres in float32 (the same loss
    # to 1e-7: tests/losses/test_tiled.py). L-BFGS's first curvature pair is the difference of two
    # nearly equal gradients, so over more steps that rounding grows into another path (5 % apart in
    # the loss after 4 + 4 steps here); the first steps must be the same.
    settings = SMALL.replace(style_loss="w2", iterations=(2, 2))
    _, whole, _ = run(random_encoder, settings)
    _, tiled, seen = run(random_encoder, settings.replace(tile=16))
    finest = [p.total for p in seen if p.level == 1]
    assert finest[-1] < finest[0]
    assert (tiled - whole).abs().max() < 1e-5


@pytest.mark.parametrize("style_loss", ["gram", "w2"])
def test_a_tiled_level_reads_the_targets_in_tiles_and_gets_the_same_losses(random_encoder, style_loss, monkeypatch):
    import brushwork.losses.tiled as tiled

    settings = SMALL.replace(style_loss=style_loss, tv_weight=0.5).level_settings()[-1]
    content, style = smooth_image(40, 60, seed=0), torch.rand(1, 3, 50, 50, generator=torch.Generator().manual_seed(1))
    level = TransferLevel(content, luminance_only=False)
    regions = style_regions(1, None, (1.0,), (40, 60))
    whole = level_loss_terms(random_encoder, level, [style], regions, settings, None)
    passes = []
    real_centre_features = tiled.centre_features
    monkeypatch.setattr(tiled, "centre_features", lambda *a: passes.append(a[1].shape) or real_centre_features(*a))
    in_tiles = level_loss_terms(random_encoder, level, [style], regions, settings, None, tile=16)
    # The content and style images were read in tiles of 16 px and their halos, never whole.
    assert passes and all(shape[-1] < 60 for shape in passes)
    image = torch.rand(1, 3, 40, 60, generator=torch.Generator().manual_seed(2)) * 255
    expected = {name: value.item() for name, value in whole(image).items()}
    for name, value in in_tiles(image).items():
        assert value.item() == pytest.approx(expected[name], rel=1e-4), name


def test_a_budget_that_needs_tiles_refuses_a_style_loss_that_cannot_tile(random_encoder):
    # The baseline and 5 MB: room for 96 px of image and relu1_1 in tiles, not for a whole 96 px pass (6.3 MB).
    shallow = {"content_layer": "relu1_1", "style_layers": ("relu1_1",), "scales": (1.0,), "iterations": (4,)}
    settings = SMALL.replace(**shallow, size=96, style_loss="sliced", max_memory=0.605)
    assert plan_levels(settings.replace(style_loss="w2"), [(64, 96)], [["relu1_1"]], [4])[0].tile is not None
    with pytest.raises(BrushworkError) as refused:
        run(random_encoder, settings)
    assert str(refused.value) == (
        "at 96 px the network needs more than the memory budget, and style_loss sliced cannot run in tiles "
        "(it sorts positions): give style_loss gram or w2, a smaller size or more memory"
    )


def test_tiling_is_refused_for_a_style_loss_that_is_not_a_sum_over_positions():
    with pytest.raises(BrushworkError) as refused:
        SMALL.replace(tile=64, style_loss="sliced").validate()
    assert str(refused.value) == (
        "tile works with the gram and w2 style losses only (sliced sorts positions: no sum over tiles gives it)"
    )
    SMALL.replace(tile=64, style_loss="w2").validate()


def test_each_level_runs_with_the_l_bfgs_history_its_memory_plan_gives(random_encoder, monkeypatch):
    import brushwork.techniques.levels as levels
    import brushwork.techniques.transfer as transfer
    from brushwork.techniques.planning import LevelPlan

    monkeypatch.setattr(transfer, "plan_levels", lambda *args, **kwargs: [LevelPlan(None, 7), LevelPlan(None, 3)])
    histories = []
    optimize = levels.optimize

    def spy(*args, **kwargs):
        histories.append(kwargs.get("history"))
        return optimize(*args, **kwargs)

    monkeypatch.setattr(levels, "optimize", spy)
    run(random_encoder)
    assert histories == [7, 3]
