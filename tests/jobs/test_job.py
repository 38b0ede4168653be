"""Jobs: (technique, settings, inputs), refused before any work when they do not fit, run by one function."""

import json

import pytest
from PIL import Image

from brushwork.errors import BrushworkError
from brushwork.jobs import TECHNIQUES, Job, run_job, save_job_output
from brushwork.provenance import read_record
from brushwork.settings import PRESETS, DreamSettings, TextureSettings

TRANSFER = Job("transfer", PRESETS["default"].replace(size=64), {"content": "a.png", "styles": ["b.png", "c.png"]})


def test_a_job_travels_as_json():
    data = json.loads(json.dumps(TRANSFER.to_dict()))
    assert Job.from_dict(data) == TRANSFER
    dream = Job("dream", DreamSettings(channels=(1, 2)), {"image": "p.png", "guide": "g.png"})
    assert Job.from_dict(json.loads(json.dumps(dream.to_dict()))) == dream


@pytest.mark.parametrize(
    "job, message",
    [
        (
            Job("transfer", PRESETS["default"], {"content": "a.png"}),
            "a transfer job needs styles (one or more paintings)",
        ),
        (
            Job("transfer", PRESETS["default"], {"content": "a.png", "styles": "b.png"}),
            "transfer input 'styles' must be a list of files",
        ),
        (
            Job("texture", TextureSettings(), {"style": "s.png", "mask": "m.png"}),
            "unknown texture input 'mask'; inputs are: style",
        ),
        (
            Job("transfer", PRESETS["default"], {"content": "a", "styles": ["b"], "masks": {"3": "m"}}),
            "mask for style 3, but there are 1 style images (0..0)",
        ),
        (
            Job("transfer", PRESETS["default"].replace(init="image"), {"content": "a", "styles": ["b"]}),
            "init = image needs an init input, and an init input needs init = image",
        ),
        (
            Job("transfer", PRESETS["default"].replace(style_blend=(1.0, 1.0)), {"content": "a", "styles": ["b"]}),
            "style_blend needs one weight per style image (1 styles, 2 weights)",
        ),
        (Job("texture", PRESETS["default"], {"style": "s.png"}), "a texture job needs TextureSettings"),
        (
            Job("paint", TextureSettings(), {}),
            (
                "unknown technique 'paint'; choose one of transfer, fast, texture, invert, dream, visualize-channel, "
                "visualize-class"
            ),
        ),
    ],
)
def test_a_job_that_does_not_fit_is_refused_before_any_work(job, message):
    with pytest.raises(BrushworkError) as error:
        job.validate()
    assert str(error.value) == message


def test_from_dict_refuses_unknown_keys_and_bad_settings():
    with pytest.raises(BrushworkError, match=r"^unknown job key 'priority'"):
        Job.from_dict({**TRANSFER.to_dict(), "priority": 1})
    data = TRANSFER.to_dict()
    data["settings"]["size"] = 1
    with pytest.raises(BrushworkError, match=r"^size must be between 32 and 4096 pixels, not 1$"):
        Job.from_dict(data)


def test_every_technique_has_presets_of_its_settings_class():
    for technique in TECHNIQUES.values():
        assert "default" in technique.presets
        for preset in technique.presets.values():
            assert isinstance(preset, technique.settings)
            preset.validate()


@pytest.mark.integration
def test_run_job_reports_progress_and_its_output_embeds_the_job(tmp_path, real_weights):
    Image.effect_noise((48, 32), 50).convert("RGB").save(tmp_path / "photo.png")
    Image.effect_noise((40, 40), 90).convert("RGB").save(tmp_path / "paint.png")
    job = Job(
        "transfer",
        PRESETS["default"].replace(size=40, scales=(0.8, 1.0), iterations=(3, 2)),
        {"content": str(tmp_path / "photo.png"), "styles": [str(tmp_path / "paint.png")]},
    )
    seen = []
    result = run_job(job, seen.append)
    assert [(p.level, p.iteration) for p in seen] == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2)]
    assert set(result.losses) == {"content", "style"} and result.seconds > 0
    assert result.image.shape == (1, 3, 27, 40)
    out = save_job_output(job, result.image, tmp_path / "out.png")
    assert read_record(out)["settings"] == job.settings.to_dict()
    assert read_record(out)["inputs"] == {"content": "photo.png", "styles": ["paint.png"]}


def test_a_runner_records_how_each_job_ended_and_goes_on(tmp_path, monkeypatch):
    from brushwork.jobs import runner

    monkeypatch.setenv("BRUSHWORK_CRASH_DIR", str(tmp_path / "crashes"))
    refused = runner.run_job_recorded(Job("texture", TextureSettings(), {"style": str(tmp_path / "missing.png")}))
    assert refused.status == "refused" and refused.error == f"{tmp_path / 'missing.png'}: no such file"

    def bug(kind, inputs):
        raise KeyError("a bug")

    monkeypatch.setattr(runner, "load_inputs", bug)
    crashed = runner.run_job_recorded(Job("texture", TextureSettings(), {"style": "s.png"}))
    assert crashed.status == "crashed" and crashed.error == "internal error: KeyError: 'a bug'"
    assert crashed.crash_log is not None and "KeyError: 'a bug'" in crashed.crash_log.read_text()
