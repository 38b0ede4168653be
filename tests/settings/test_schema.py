"""The settings schema: one declaration per setting, and everything derived from it."""

import argparse
import dataclasses
import json

import jsonschema
import pytest

from brushwork.cli.main import build_parser
from brushwork.errors import BrushworkError
from brushwork.lab.settings import CLASSIFIER_DEFAULTS, AAESettings, AutoencoderSettings, GANSettings
from brushwork.settings import (
    PRESETS,
    SCHEMA_VERSION,
    DreamSettings,
    FeatureVisualizationSettings,
    InversionSettings,
    SettingError,
    TextureSettings,
    TransferSettings,
)
from brushwork.settings.schema import flag_of, spec_of

EVERY_DEFAULT = [
    *PRESETS.values(),
    TextureSettings(),
    TextureSettings(tileable=True, size=(96, 160), style_size=None),
    InversionSettings(),
    DreamSettings(channels=(0, 3), size=300),
    FeatureVisualizationSettings(),
    *CLASSIFIER_DEFAULTS.values(),
    AutoencoderSettings(),
    GANSettings(),
    AAESettings(supervised=True),
]


@pytest.mark.parametrize("settings", EVERY_DEFAULT, ids=lambda s: type(s).__name__)
def test_round_trip_through_json_is_exact(settings):
    data = json.loads(json.dumps(settings.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    assert type(settings).from_dict(data) == settings


@pytest.mark.parametrize("settings", EVERY_DEFAULT, ids=lambda s: type(s).__name__)
def test_json_schema_describes_every_field_and_accepts_the_defaults(settings):
    schema = type(settings).json_schema(settings)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"schema_version", *(f.name for f in dataclasses.fields(settings))}
    jsonschema.validate(settings.to_dict(), schema)
    for name, value in settings.to_dict().items():
        if name != "schema_version":
            assert schema["properties"][name]["default"] == value
            assert schema["properties"][name]["description"]


def test_json_schema_refuses_what_from_dict_refuses():
    schema = TransferSettings.json_schema()
    for bad in ({"pooling": "sum"}, {"size": "512"}, {"style_layers": []}, {"colour": 1}, {"scales": [1.5]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**TransferSettings().to_dict(), **bad}, schema)
        with pytest.raises(BrushworkError):
            TransferSettings.from_dict(bad)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"colour": 1},
            (
                "unknown transfer setting 'colour'; known settings: size, max_size, content_layer, "
                "content_weight, style_layers, style_layer_weights, style_weight, style_loss, tv_weight, pooling, init, optimizer, lr, "
                "scales, iterations, content_detail, detail_depth, style_scale, style_blend, preserve_colors, max_memory, tile, precision, seed"
            ),
        ),
        ({"size": "512"}, "size must be an integer, not '512'"),
        ({"size": 512.0}, "size must be an integer, not 512.0"),
        ({"content_detail": 1}, "content_detail must be true or false, not 1"),
        ({"seed": 2**64}, "seed must be between 0 and 9223372036854775807, not 18446744073709551616"),
        ({"style_weight": -1}, "style_weight must be >= 0, not -1"),
        ({"lr": 0}, "lr must be > 0, not 0"),
        ({"pooling": "sum"}, "pooling must be one of max, avg, not 'sum'"),
        (
            {"style_layers": ["relu9_9"]},
            (
                "style_layers: unknown VGG19 layer 'relu9_9'; valid layers are: "
                "conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, relu2_1, conv2_2, relu2_2, pool2, conv3_1, relu3_1, "
                "conv3_2, relu3_2, conv3_3, relu3_3, conv3_4, relu3_4, pool3, conv4_1, relu4_1, conv4_2, relu4_2, conv4_3, "
                "relu4_3, conv4_4, relu4_4, pool4, conv5_1, relu5_1, conv5_2, relu5_2, conv5_3, relu5_3, conv5_4, relu5_4, "
                "pool5"
            ),
        ),
        ({"style_layers": "relu1_1"}, "style_layers must be a list of strings, not 'relu1_1'"),
        ({"content_layer": None}, "content_layer must be given (it has no 'none')"),
        (
            {"schema_version": 99},
            f"settings schema version 99 is not one this brushwork reads (1..{SCHEMA_VERSION}); upgrade brushwork",
        ),
    ],
)
def test_from_dict_refuses_with_one_line(data, message):
    with pytest.raises(BrushworkError) as error:
        TransferSettings.from_dict(data)
    assert str(error.value) == message


def test_from_dict_keeps_what_it_is_not_given_from_the_base():
    quality = PRESETS["quality"]
    changed = TransferSettings.from_dict({"size": 256}, base=quality)
    assert changed == quality.replace(size=256)


def test_a_version_1_document_that_leaves_out_a_changed_default_meant_the_old_one():
    old = TransferSettings.from_dict({"schema_version": 1, "size": 300})
    assert (old.style_loss, old.iterations) == ("gram", (150, 30, 30))
    assert TransferSettings.from_dict({"schema_version": 1, "style_loss": "w2"}).style_loss == "w2"
    version_2 = TransferSettings.from_dict({"schema_version": 2, "size": 2048})
    assert (version_2.style_loss, version_2.level_iterations()) == ("w2", (60, 20, 35))
    version_3 = TransferSettings.from_dict({"schema_version": 3, "size": 2048})
    assert (version_3.init, version_3.iterations, version_3.level_iterations()) == ("content", None, (60, 20, 15))
    current = TransferSettings.from_dict({"size": 512})
    assert (current.start(), current.iterations, current.level_iterations()) == ("draft", None, (20, 35))
    assert TransferSettings.from_dict(current.to_dict()) == current


def test_a_video_document_before_version_3_keeps_video_s_own_iterations():
    from brushwork.settings.video import VideoSettings

    assert VideoSettings.from_dict({"schema_version": 2}).iterations == (150, 30, 30)


def test_video_keeps_the_gram_loss_and_schedule_it_was_measured_with():
    from brushwork.settings.video import PRESETS as VIDEO_PRESETS
    from brushwork.settings.video import VideoSettings

    assert (VideoSettings().style_loss, VideoSettings().iterations) == ("gram", (150, 30, 30))
    assert VIDEO_PRESETS["default"] == VideoSettings()
    # A preset's own changes still apply on top of video's defaults.
    assert VIDEO_PRESETS["quality"].iterations == PRESETS["quality"].iterations
    assert VIDEO_PRESETS["gatys2016"].scales == (1.0,)
    # The redeclared fields keep the transfer declaration's help and bounds.
    fields = {f.name: f for f in dataclasses.fields(VideoSettings)}
    transfer_fields = {f.name: f for f in dataclasses.fields(TransferSettings)}
    assert spec_of(fields["style_loss"]) == spec_of(transfer_fields["style_loss"])


def test_messages_name_the_setting_as_the_user_spelled_it():
    with pytest.raises(SettingError) as error:
        TransferSettings(style_weight=-2.0).validate()
    assert str(error.value) == "style_weight must be >= 0, not -2"
    assert error.value.for_cli() == "--style-weight must be >= 0, not -2"


def test_new_style_layers_drop_explicit_layer_weights():
    weighted = TransferSettings(style_layer_weights=(1.0,) * 5)
    assert weighted.updated({"style_layers": ("relu1_1", "relu2_1")}).style_layer_weights is None
    both = {"style_layers": ("relu1_1",), "style_layer_weights": (2.0,)}
    assert weighted.updated(both).style_layer_weights == (2.0,)


def _options(parser: argparse.ArgumentParser, *path: str) -> dict[str, argparse.Action]:
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {a.dest: a for a in parser._actions}


@pytest.mark.parametrize(
    "path, settings",
    [
        (("transfer",), PRESETS["default"]),
        (("texture",), TextureSettings()),
        (("invert",), InversionSettings()),
        (("dream",), DreamSettings()),
        (("visualize", "channel"), FeatureVisualizationSettings()),
        (("lab", "classify"), CLASSIFIER_DEFAULTS["mlp"]),
        (("lab", "dcgan"), GANSettings()),
        (("lab", "aae", "train"), AAESettings()),
    ],
)
def test_every_setting_has_its_generated_option(path, settings):
    options = _options(build_parser(), *path)
    for field in dataclasses.fields(settings):
        action = options[field.name]
        assert action.option_strings[0] == flag_of(field)
        assert spec_of(field).help in action.help
        assert action.default is argparse.SUPPRESS  # left out: the preset's value


def test_help_shows_the_preset_default_and_per_model_defaults():
    transfer = _options(build_parser(), "transfer")
    assert transfer["iterations"].help.endswith(
        "auto: 60 at the coarsest scale (20 from a draft), 20 at each one between, 35 at full size (15 where --size "
        "is above 1536) "
        "(default preset: auto)"
    )
    assert transfer["detail_depth"].help.endswith("none: every layer at every scale (default preset: relu3_1)")
    classify = _options(build_parser(), "lab", "classify")
    assert classify["epochs"].help.endswith("(default: svm 1, mlp 30, lenet 20, efficientnet 20)")


def test_a_literal_field_declares_its_choices_for_validation_the_schema_and_the_cli():
    import dataclasses

    from brushwork.settings.schema import field_type
    from brushwork.settings.transfer import STYLE_LOSSES

    field = next(f for f in dataclasses.fields(TransferSettings) if f.name == "style_loss")
    kind = field_type(TransferSettings, field)
    assert (kind.base, kind.choices) == (str, STYLE_LOSSES) == (str, ("gram", "sliced", "histogram", "w2"))
    assert TransferSettings.json_schema()["properties"]["style_loss"]["enum"] == list(STYLE_LOSSES)
    with pytest.raises(BrushworkError) as refused:
        TransferSettings(style_loss="l1").validate()  # type: ignore[arg-type]
    assert str(refused.value) == "style_loss must be one of gram, sliced, histogram, w2, not 'l1'"


def test_the_none_word_in_a_list_must_stand_alone_on_the_command_line_and_in_a_manifest_row():
    assert TransferSettings.changes_from_words({"iterations": "auto"}) == {"iterations": None}
    assert TransferSettings.changes_from_words({"iterations": "5 6 7"}) == {"iterations": (5, 6, 7)}
    with pytest.raises(BrushworkError) as refused:
        TransferSettings.changes_from_words({"iterations": "auto 5"})
    assert str(refused.value) == "--iterations: 'auto' must stand alone"
    from tests.helpers import assert_error, run_cli

    result = run_cli("transfer", "a.png", "b.png", "-o", "o.png", "--iterations", "auto", "5")
    assert_error(result, "--iterations: 'auto' must stand alone")
