import pytest
import torch

from brushwork.encoders import precision
from brushwork.errors import BrushworkError
from brushwork.settings import TransferSettings


def fake_cpu(monkeypatch, avx512_bf16: bool, amx: bool) -> None:
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)


@pytest.mark.parametrize(
    "avx512_bf16, amx, expected",
    [
        (True, False, "bfloat16"),  # measured: 1.45-1.49x at distances within noise (README, Precision)
        (True, True, "float32"),  # measured (issue 25): 1.06x for the whole painting
        (False, True, "float32"),
        (False, False, "float32"),  # emulated: hundreds of times slower
    ],
)
def test_auto_follows_the_measured_cpus(monkeypatch, avx512_bf16, amx, expected):
    fake_cpu(monkeypatch, avx512_bf16, amx)
    assert precision.resolve_precision("auto") == expected
    assert precision.autocast_dtype("auto") == (torch.bfloat16 if expected == "bfloat16" else None)
    assert precision.resolved_run(TransferSettings()) == {"device": "cpu", "precision": expected, "start": "draft"}


@pytest.mark.parametrize("native", [True, False])
def test_explicit_precisions_are_kept(monkeypatch, native):
    fake_cpu(monkeypatch, native, False)
    assert precision.resolve_precision("float32") == "float32"
    assert precision.resolve_precision("bfloat16") == "bfloat16"
    assert precision.autocast_dtype("float32") is None
    assert precision.autocast_dtype("bfloat16") == torch.bfloat16


def test_native_probe_reads_torch(monkeypatch):
    fake_cpu(monkeypatch, False, False)
    assert precision.cpu_has_native_bfloat16() is False
    fake_cpu(monkeypatch, False, True)
    assert precision.cpu_has_native_bfloat16() is True
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported")  # a torch without the probe: no
    assert precision.cpu_has_amx() is False


@pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
def test_the_run_record_says_what_auto_became(monkeypatch, native, expected):
    from brushwork.settings import PRESETS, TextureSettings

    fake_cpu(monkeypatch, native, False)
    cpu = {"device": "cpu"}
    assert precision.resolved_run(PRESETS["default"]) == cpu | {"precision": expected, "start": "draft"}
    large = PRESETS["default"].replace(size=2048)  # where a transfer starts depends on its size
    assert precision.resolved_run(large) == cpu | {"precision": expected, "start": "content"}
    assert precision.resolved_run(TextureSettings(precision="float32")) == cpu | {"precision": "float32"}
    assert precision.resolved_run({"class": "goldfish", "precision": "auto"}) == cpu | {"precision": expected}
    assert precision.resolved_run({"layer": "conv1_1"}) == cpu  # a command with no precision (filters)


def test_unknown_precision():
    with pytest.raises(BrushworkError, match=r"^precision must be one of auto, float32, bfloat16$"):
        precision.resolve_precision("float16")


# bfloat16's own tests: they run where the CPU computes it natively, the only place "auto" chooses it or
# it is fast enough to test (emulated, a convolution is hundreds of times slower).
native_only = pytest.mark.skipif(
    not precision.cpu_has_native_bfloat16(),
    reason="bfloat16 is tested where the CPU computes it natively (AVX512-BF16 or AMX); this one emulates it",
)
# bfloat16 keeps 8 significant bits: rounding to it moves a value by at most u = 2^-8 of itself, and
# by u/√3 on average (uniform within ±u). Under autocast a convolution rounds its input and its weights
# and writes its output in bfloat16 (sums are kept in float32): three roundings. Independent errors add
# in quadrature, so after k convolutions features are off by about √(3k) · u/√3 = u√k of their size;
# the tests allow twice that estimate, and a backward pass through the same layers doubles the roundings.
UNIT_ROUNDOFF = 2.0**-8
CONVOLUTIONS_TO = {"relu1_1": 1, "relu2_1": 3, "relu3_1": 5, "relu4_1": 9}


def rounding_estimate(convolutions: int) -> float:
    """Twice the expected relative error of features after ``convolutions`` bfloat16 convolutions."""
    return 2 * UNIT_ROUNDOFF * convolutions**0.5


def relative_error(approximate: torch.Tensor, exact: torch.Tensor) -> float:
    return float((approximate.float() - exact).norm() / exact.norm())


@native_only
def test_bfloat16_features_are_float32_features_to_bfloat16_rounding(random_encoder):
    from tests.conftest import smooth_image

    image = smooth_image(64, 80, seed=2)
    layers = list(CONVOLUTIONS_TO)
    exact = random_encoder(image, layers)
    with precision.network_autocast(torch.bfloat16, image.device.type):
        approximate = random_encoder(image, layers)
    for layer, convolutions in CONVOLUTIONS_TO.items():
        assert approximate[layer].dtype == torch.bfloat16
        error = relative_error(approximate[layer], exact[layer])
        # Above float32's rounding (bfloat16 really ran), below twice the estimate of k convolutions' roundings.
        assert UNIT_ROUNDOFF / 16 < error < rounding_estimate(convolutions), (layer, error)


@native_only
def test_losses_and_gradients_stay_float32_under_bfloat16(random_encoder):
    from brushwork.settings import PRESETS
    from brushwork.techniques.transfer import TransferLevel, level_loss_terms, style_regions
    from tests.conftest import smooth_image

    settings = PRESETS["default"].replace(content_layer="relu3_1", style_layers=("relu1_1", "relu2_1", "relu3_1"))
    level = TransferLevel(smooth_image(48, 64), luminance_only=False)
    style = [smooth_image(56, 56, seed=5)]
    results = {}
    for dtype in (None, torch.bfloat16):
        terms = level_loss_terms(
            random_encoder, level, style, style_regions(1, None, (1.0,), (48, 64)), settings, dtype
        )
        parameter = (level.content_input + 20 * smooth_image(48, 64, seed=7)).requires_grad_(True)
        losses = terms(level.network_input(parameter))
        sum(losses.values()).backward()
        assert all(loss.dtype == torch.float32 for loss in losses.values())
        assert parameter.grad is not None and parameter.grad.dtype == torch.float32
        results[dtype] = ({name: float(loss.detach()) for name, loss in losses.items()}, parameter.grad)
    (exact, exact_gradient), (approximate, gradient) = results[None], results[torch.bfloat16]
    # The deepest layer read is relu3_1 (5 convolutions). A loss of squared features moves by twice the
    # features' relative error; the gradient, through the backward pass too, by about √2 times it, an
    # angle θ whose cosine is 1 - θ²/2.
    features_error = rounding_estimate(CONVOLUTIONS_TO["relu3_1"])
    for name in exact:
        assert approximate[name] == pytest.approx(exact[name], rel=2 * features_error), name
    angle = rounding_estimate(2 * CONVOLUTIONS_TO["relu3_1"])
    cosine = float(torch.nn.functional.cosine_similarity(gradient.flatten(), exact_gradient.flatten(), dim=0))
    assert cosine > 1 - angle**2 / 2


@native_only
@pytest.mark.parametrize("style_loss", ["gram", "w2"])
def test_a_bfloat16_transfer_lowers_its_loss_and_changes_the_image(random_encoder, style_loss):
    from brushwork.settings import PRESETS
    from brushwork.techniques.transfer import stylize
    from tests.conftest import smooth_image

    settings = PRESETS["default"].replace(
        size=48,
        scales=(0.5, 1.0),
        iterations=(6, 6),
        style_loss=style_loss,
        content_layer="relu3_1",
        style_layers=("relu1_1", "relu2_1", "relu3_1"),
        precision="bfloat16",
    )
    content = smooth_image(32, 48)
    seen = []
    out = stylize(content, [smooth_image(40, 40, seed=3)], settings, encoder=random_encoder, callback=seen.append)
    for level in (0, 1):
        totals = [p.total for p in seen if p.level == level]
        assert min(totals[1:]) < totals[0], (level, totals)
    assert (out - torch.nn.functional.interpolate(content, size=out.shape[-2:])).abs().mean() > 1e-3


def test_autocast_is_for_the_inputs_device_type_never_an_assumed_one():
    import inspect

    signature = inspect.signature(precision.network_autocast)
    assert signature.parameters["device_type"].default is inspect.Parameter.empty
    image = torch.rand(1, 3, 8, 8)
    with precision.network_autocast(torch.bfloat16, image.device.type):
        assert torch.is_autocast_enabled(image.device.type)
    with precision.network_autocast(None, image.device.type):
        assert not torch.is_autocast_enabled(image.device.type)
