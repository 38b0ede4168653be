"""The registry of techniques: one object per technique, read by the jobs, the API, the studio and the CLI."""

import dataclasses
import importlib

import pytest
import torch

from brushwork import api
from brushwork.errors import BrushworkError
from brushwork.jobs import Job
from brushwork.jobs.technique import TECHNIQUES, studio_techniques, technique
from brushwork.settings import DreamSettings, TransferSettings


@pytest.mark.parametrize("name", list(TECHNIQUES))
def test_each_technique_names_what_every_reader_needs(name):
    kind = technique(name)
    assert kind.name == name and kind.settings.technique == name
    assert all(isinstance(preset, kind.settings) for preset in kind.presets.values()) and "default" in kind.presets
    roles = [role.name for role in kind.roles]
    assert len(set(roles)) == len(roles)
    assert kind.photo_role is None or kind.photo_role in roles
    fields = {f.name for f in dataclasses.fields(kind.settings)}
    assert set(kind.knobs) <= fields
    module, function = kind.entry.split(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_the_studio_offers_the_techniques_with_knobs():
    assert [kind.name for kind in studio_techniques()] == [
        "transfer",
        "fast",
        "texture",
        "dream",
        "visualize-channel",
        "visualize-class",
    ]


def test_an_unknown_technique_is_one_line():
    with pytest.raises(BrushworkError) as refused:
        technique("sketch")
    assert str(refused.value) == (
        "unknown technique 'sketch'; choose one of transfer, fast, texture, invert, dream, visualize-channel, visualize-class"
    )


def test_check_refuses_inputs_of_sizes_the_settings_do_not_fit():
    transfer = technique("transfer")
    with pytest.raises(BrushworkError, match="style_blend needs one weight per style image"):
        transfer.check(TransferSettings(style_blend=(0.5, 0.5)), {"content": (300, 400), "styles": [(300, 400)]})
    transfer.check(TransferSettings(), {"content": (300, 400), "styles": [(300, 400)]})
    with pytest.raises(BrushworkError, match="the photo is 9000 pixels long"):
        technique("dream").check(DreamSettings(size=None), {"image": (100, 9000)})


def test_the_plan_is_each_levels_size_and_iterations():
    settings = TransferSettings(size=128, iterations=(6, 7))
    assert technique("transfer").plan(settings, (300, 451)) == [((43, 64), 6), ((85, 128), 7)]
    assert technique("transfer").plan(settings, None) == []
    assert technique("invert").plan(technique("invert").presets["default"], (10, 10)) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"init": torch.rand(1, 3, 8, 8)}, "init = image needs an init input, and an init input needs init = image"),
        ({"masks": {3: torch.rand(1, 3, 8, 8)}}, "mask for style 3, but there are 1 style images (0..0)"),
    ],
)
def test_the_api_is_held_to_the_rules_of_jobs(extra, message):
    photo = torch.rand(1, 3, 40, 40)
    inputs = {"content": "photo.png", "styles": ["style.png"]}
    inputs |= {"init": "init.png"} if "init" in extra else {"masks": {"3": "mask.png"}}
    with pytest.raises(BrushworkError) as from_a_job:
        Job("transfer", TransferSettings(size=40), inputs).validate()
    assert str(from_a_job.value) == message
    with pytest.raises(BrushworkError) as from_the_api:
        api.transfer(photo, photo, size=40, masks=extra.get("masks"), init=extra.get("init"))
    assert str(from_the_api.value) == message


@pytest.mark.integration
def test_the_visualizations_are_jobs_that_any_runner_runs_and_records(tmp_path, real_weights):
    from brushwork.jobs.runner import run_job_recorded, save_job_output
    from brushwork.provenance import read_record, settings_from_file
    from brushwork.settings.visualize import CLASS_DEFAULTS, ChannelSettings

    jobs = [
        Job("visualize-channel", ChannelSettings(layer="relu2_1", channel=3, size=40, iterations=2, batch=2), {}),
        Job("visualize-class", CLASS_DEFAULTS.replace(class_name="tabby cat", size=48, iterations=2, batch=2), {}),
    ]
    for job in jobs:
        outcome = run_job_recorded(job)  # what a batch task and the studio's worker call
        assert outcome.status == "finished" and outcome.result is not None, outcome.error
        size = job.settings.size
        assert outcome.result.image.shape == (1, 3, size, 2 * size + 4)  # the batch of two, side by side
        path = save_job_output(job, outcome.result.image, tmp_path / f"{job.technique}.png")
        assert read_record(path)["technique"] == job.technique
        assert settings_from_file(path, technique(job.technique).presets["default"]) == job.settings


def test_a_channel_job_is_refused_before_any_work_where_the_layer_has_no_such_channel():
    from brushwork.settings.visualize import ChannelSettings

    with pytest.raises(BrushworkError) as refused:
        Job("visualize-channel", ChannelSettings(layer="relu1_1", channel=64), {}).validate()
    assert str(refused.value) == "channel: layer relu1_1 has 64 channels (0..63); got 64"
