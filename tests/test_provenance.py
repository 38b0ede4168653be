"""Every output says what made it; --settings FILE and brushwork info read it back."""

import json

import pytest
import torch
from PIL import Image

from brushwork.encoders.precision import resolve_precision
from brushwork.errors import BrushworkError
from brushwork.image.io import save_image
from brushwork.provenance import describe, read_record, record, settings_from_file, sidecar_path
from brushwork.settings import PRESETS, TextureSettings, TransferSettings

from .helpers import assert_error, run_cli

SETTINGS = PRESETS["quality"].replace(size=300, style_blend=(0.25, 0.75))
INPUTS = {"content": "/home/me/photos/cat.png", "styles": ["/x/a.jpg", "b.jpg"], "masks": {1: "/m/sky.png"}}


def test_png_carries_the_record_in_a_text_chunk(tmp_path):
    out = save_image(torch.rand(1, 3, 8, 8), tmp_path / "out.png", metadata=record("transfer", SETTINGS, INPUTS))
    data = read_record(out)
    assert data["technique"] == "transfer" and data["status"] == "finished"
    assert data["settings"] == SETTINGS.to_dict()
    # Inputs by file name only: where a user keeps their photos is not written into a picture they share.
    assert data["inputs"] == {"content": "cat.png", "styles": ["a.jpg", "b.jpg"], "masks": {"1": "sky.png"}}
    assert not (tmp_path / "out.png.json").exists()
    assert settings_from_file(out, PRESETS["default"]) == SETTINGS


def test_other_formats_get_a_sidecar_and_it_is_not_overwritten(tmp_path):
    out = save_image(torch.rand(1, 3, 8, 8), tmp_path / "out.jpg", metadata=record("texture", TextureSettings()))
    assert json.loads((tmp_path / "out.jpg.json").read_text())["technique"] == "texture"
    assert read_record(out)["settings"] == TextureSettings().to_dict()
    (tmp_path / "b.jpg.json").write_text("mine")
    with pytest.raises(BrushworkError, match=r"b\.jpg\.json: already exists; pass --overwrite to replace it"):
        save_image(torch.rand(1, 3, 8, 8), tmp_path / "b.jpg", metadata=record("texture", TextureSettings()))
    assert (tmp_path / "b.jpg.json").read_text() == "mine" and not (tmp_path / "b.jpg").exists()


def test_outputs_say_they_are_srgb(tmp_path):
    import io

    from PIL import ImageCms

    for name in ("o.png", "o.jpg", "o.webp", "o.tif"):
        save_image(torch.rand(1, 3, 8, 8), tmp_path / name)
        with Image.open(tmp_path / name) as image:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_settings_from_json_files(tmp_path):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({"size": 256, "iterations": [10, 10]}))
    assert settings_from_file(bare, PRESETS["default"]) == PRESETS["default"].replace(size=256, iterations=(10, 10))
    texture = tmp_path / "texture.json"
    texture.write_text(json.dumps(record("texture", TextureSettings())))
    with pytest.raises(BrushworkError) as error:
        settings_from_file(texture, TransferSettings())
    assert str(error.value) == f"{texture}: holds texture settings, not transfer settings"
    bad = tmp_path / "bad.json"
    bad.write_text('{"size": 10}')
    with pytest.raises(BrushworkError) as error:
        settings_from_file(bad, TransferSettings())
    assert str(error.value) == f"{bad}: size must be between 32 and 4096 pixels, not 10"
    broken = tmp_path / "broken.json"
    broken.write_text("{size")
    with pytest.raises(BrushworkError, match="not valid JSON"):
        settings_from_file(broken, TransferSettings())


def test_info_prints_what_made_an_output(tmp_path):
    out = save_image(torch.rand(1, 3, 8, 8), tmp_path / "out.png", metadata=record("transfer", SETTINGS, INPUTS))
    result = run_cli("info", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("made by brushwork 0.1.0: transfer\n  content: cat.png\n")
    assert "  iterations = 150 30 60\n" in result.stdout and "  style_blend = 0.25 0.75\n" in result.stdout
    as_json = run_cli("info", out, "--json")
    assert json.loads(as_json.stdout) == read_record(out)
    assert describe(read_record(out)) == result.stdout
    auto = describe(record("transfer", TransferSettings(), INPUTS))
    assert "  iterations = auto\n" in auto and "  tile = none\n" in auto and "ran with" not in auto
    plain = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(plain)
    assert_error(run_cli("info", plain), f"{plain}: carries no brushwork settings (not written by brushwork?)")


def test_the_cli_refuses_a_settings_file_of_another_technique(tmp_path):
    texture = save_image(torch.rand(1, 3, 8, 8), tmp_path / "t.png", metadata=record("texture", TextureSettings()))
    Image.new("RGB", (40, 40)).save(tmp_path / "p.png")
    assert_error(
        run_cli("transfer", tmp_path / "p.png", tmp_path / "p.png", "--settings", texture, "-o", tmp_path / "o.png"),
        f"{texture}: holds texture settings, not transfer settings",
    )


@pytest.mark.integration
def test_a_result_is_made_again_from_its_own_png(tmp_path, real_weights):
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "photo.png")
    Image.effect_noise((50, 50), 80).convert("RGB").save(tmp_path / "paint.png")
    images = (tmp_path / "photo.png", tmp_path / "paint.png")
    first = run_cli(
        "transfer",
        *images,
        "-o",
        tmp_path / "a.png",
        "--size",
        "40",
        "--scales",
        "0.8",
        "1",
        "--iterations",
        "3",
        "2",
        "--content-weight",
        "2",
        "--quiet",
    )
    assert first.returncode == 0, first.stderr
    again = run_cli("transfer", *images, "--settings", tmp_path / "a.png", "-o", tmp_path / "b.png", "--quiet")
    assert again.returncode == 0, again.stderr
    assert read_record(tmp_path / "b.png")["settings"] == read_record(tmp_path / "a.png")["settings"]
    assert read_record(tmp_path / "a.png")["settings"]["content_weight"] == 2.0
    # The CLI's record says what "auto" became on this machine (its settings keep "auto").
    assert read_record(tmp_path / "a.png")["run"] == {
        "device": "cpu",
        "precision": resolve_precision("auto"),
        "start": "draft",
    }
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "b.png") as b:
        assert a.tobytes() == b.tobytes()
    # Options given as well override the file.
    third = run_cli(
        "transfer", *images, "--settings", tmp_path / "a.png", "--size", "48", "-o", tmp_path / "c.png", "--quiet"
    )
    assert third.returncode == 0, third.stderr
    assert Image.open(tmp_path / "c.png").size == (48, 32)


def test_the_record_says_what_auto_became_beside_the_settings_that_say_auto(tmp_path):
    made = record("transfer", TransferSettings(), INPUTS, run={"precision": "bfloat16"})
    assert made["settings"]["precision"] == "auto" and made["run"] == {"precision": "bfloat16"}
    out = save_image(torch.rand(1, 3, 8, 8), tmp_path / "out.png", metadata=made)
    shown = run_cli("info", out)
    assert "  masks: 1: sky.png\nran with: precision bfloat16\nsettings:\n" in shown.stdout
    assert json.loads(run_cli("info", out, "--json").stdout)["run"] == {"precision": "bfloat16"}
    # --settings reads the settings, not what the machine chose: "auto" stays auto on the next machine.
    assert settings_from_file(out, PRESETS["default"]).precision == "auto"
    # A record's run of another shape (hand-edited, or from elsewhere) is not shown, and nothing breaks.
    assert "ran with" not in describe({**made, "run": ["bfloat16"]})


@pytest.mark.parametrize("fmt, suffix", [("JPEG", "jpg"), ("WEBP", "webp"), ("PNG", "png")])
def test_a_download_carries_its_record_inside_whatever_its_format(tmp_path, fmt, suffix):
    from brushwork.image.encoding import encoded_image

    made = record("transfer", TransferSettings(size=96), {"content": "café photo.png", "styles": ["a <&> b.jpg"]})
    path = tmp_path / f"alone.{suffix}"
    path.write_bytes(encoded_image(Image.new("RGB", (12, 8), (200, 80, 20)), fmt, made))
    assert not sidecar_path(path).exists()
    assert read_record(path) == json.loads(json.dumps(made))  # names with markup and accents, intact
    assert Image.open(path).format == fmt


def test_a_jpeg_without_a_record_or_sidecar_says_so(tmp_path):
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (8, 8)).save(plain, xmp=b"<x:xmpmeta>something else</x:xmpmeta>")
    with pytest.raises(BrushworkError) as refused:
        read_record(plain)
    assert str(refused.value) == f"{plain}: carries no brushwork settings and has no plain.jpg.json beside it"
