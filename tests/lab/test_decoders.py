"""Decoder training on tiny synthetic photos: crops from the seed and the step alone, the loss goes down,
and a resumed run ends in the same state as an unbroken one."""

import torch

from brushwork.encoders.vgg import VGG19Encoder
from brushwork.lab.decoders import DecoderExperiment, draw_crops, psnr
from brushwork.lab.settings import DecoderSettings
from brushwork.lab.training import fit
from tests.conftest import random_vgg_weights

SETTINGS = DecoderSettings(
    layer="relu2_1",
    width=0.25,
    steps=4,
    epochs=2,
    batch_size=2,
    crop=32,
    min_long_side=48,
    max_long_side=96,
    held_out_side=48,
    learning_rate=3e-3,
    precision="float32",
    seed=5,
)


def photos(count: int, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.interpolate(torch.rand(count, 3, 12, 16, generator=generator), size=(72, 96))
    return list((smooth * 255).round().to(torch.uint8))


def experiment(encoder) -> DecoderExperiment:
    torch.manual_seed(0)
    return DecoderExperiment(SETTINGS, photos(3, 1), photos(1, 2), encoder=encoder)


def test_a_steps_crops_depend_on_the_seed_and_the_step_alone():
    training = photos(3, 1)
    assert torch.equal(draw_crops(training, SETTINGS, 7), draw_crops(training, SETTINGS, 7))
    assert not torch.equal(draw_crops(training, SETTINGS, 7), draw_crops(training, SETTINGS, 8))
    crops = draw_crops(training, SETTINGS, 0)
    assert crops.shape == (2, 3, 32, 32) and 0 <= crops.min() and crops.max() <= 1


def test_training_lowers_the_loss_and_a_resumed_run_ends_where_an_unbroken_one_does(tmp_path):
    encoder = VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu2_1")
    straight = experiment(encoder)
    record = fit(straight, SETTINGS.steps * SETTINGS.batch_size, SETTINGS, checkpoint=tmp_path / "a.safetensors")
    first, last = record.history[0], record.history[-1]
    assert last["total"] < first["total"]
    assert straight.steps_done() == SETTINGS.steps * SETTINGS.epochs
    broken = experiment(encoder)
    fit(broken, SETTINGS.steps * SETTINGS.batch_size, SETTINGS.replace(epochs=1), checkpoint=tmp_path / "b.safetensors")
    resumed = experiment(encoder)
    again = fit(
        resumed, SETTINGS.steps * SETTINGS.batch_size, SETTINGS, checkpoint=tmp_path / "b.safetensors", resume=True
    )
    for key, value in straight.decoder.state_dict().items():
        assert torch.equal(resumed.decoder.state_dict()[key], value), key
    assert again.history[-1]["held_out_psnr"] == last["held_out_psnr"]


def test_psnr_is_the_closed_form():
    image = torch.full((1, 3, 4, 4), 0.5, device="cpu", dtype=torch.float64)
    assert abs(psnr(image + 0.1, image) - 20.0) < 1e-9  # 10 log10(1 / 0.01)
    assert psnr(torch.full((1, 3, 4, 4), 1.5, device="cpu"), torch.ones(1, 3, 4, 4, device="cpu")) == 120.0  # clamped


def test_a_resumed_run_may_lower_the_learning_rate_but_change_nothing_else(tmp_path):
    import pytest

    from brushwork.errors import BrushworkError

    encoder = VGG19Encoder(random_vgg_weights(), pooling="max", last_layer="relu2_1")
    fit(experiment(encoder), 8, SETTINGS.replace(epochs=1), checkpoint=tmp_path / "c.safetensors")
    lower = SETTINGS.replace(learning_rate=1e-4)
    resumed = DecoderExperiment(lower, photos(3, 1), photos(1, 2), encoder=encoder)
    fit(resumed, 8, lower, checkpoint=tmp_path / "c.safetensors", resume=True)
    assert resumed.optimizers["adam"].param_groups[0]["lr"] == 1e-4
    with pytest.raises(BrushworkError, match="crop"):
        fit(experiment(encoder), 8, SETTINGS.replace(crop=48), checkpoint=tmp_path / "c.safetensors", resume=True)
