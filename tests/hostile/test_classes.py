"""Hostile and careless input, class by class: one line and exit 2 (never a traceback), and nothing lost."""

import errno
import os
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import files
from brushwork.encoders.vgg import VGG19Encoder
from brushwork.errors import BrushworkError
from brushwork.geometry import at_least, long_edge_for
from brushwork.image.io import load_image, save_image
from brushwork.layers import VGG19_LAYERS, vgg19_min_side
from brushwork.memory import vgg19_bytes
from brushwork.settings import PRESETS, TextureSettings
from brushwork.settings.words import channel_list

from ..conftest import random_vgg_weights
from ..helpers import assert_error, run_cli


def denied(*args, **kwargs):
    """What a read-only folder or an unreadable file does to a user without root's override."""
    raise PermissionError(errno.EACCES, "Permission denied")


@pytest.fixture
def photo(tmp_path):
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "photo.png")
    return tmp_path / "photo.png"


# ---------------------------------------------------------------- geometry


@pytest.mark.parametrize("padding", ["zeros", "reflect", "circular"])
def test_the_minimum_side_of_every_layer_is_exact(padding):
    encoder = VGG19Encoder(random_vgg_weights(), pooling="max", padding_mode=padding)
    for layer in VGG19_LAYERS:
        need = vgg19_min_side([layer], padding)
        encoder(torch.rand(1, 3, need, 2 * need), [layer])  # works at the minimum
        if need > 1:
            with pytest.raises((RuntimeError, NotImplementedError)):
                encoder(torch.rand(1, 3, need - 1, 2 * need), [layer])


def test_at_least_keeps_the_aspect_ratio():
    assert at_least(11, 16, 16) == (16, 24) and at_least(40, 20, 16) == (40, 20)
    assert long_edge_for(300, 451, 16) == 25


def test_small_outputs_enlarge_their_coarse_levels():
    sizes = PRESETS["quality"].replace(size=64).level_sizes(300, 451)
    assert sizes == [(16, 24), (21, 32), (43, 64)]  # the first level would have been 11x16 px
    assert PRESETS["quality"].level_sizes(300, 451) == [(85, 128), (170, 256), (341, 512)]  # unchanged at 512
    assert PRESETS["default"].level_sizes(300, 451) == [(170, 256), (341, 512)]
    assert TextureSettings(size=(64, 64)).level_sizes() == [(32, 32), (32, 32), (64, 64)]


def test_an_output_too_small_for_its_layers_is_refused_with_the_size_that_works(tmp_path, photo):
    assert_error(
        run_cli("transfer", photo, photo, "--content-layer", "pool5", "--size", "40", "-o", tmp_path / "o.png"),
        "at --size 40 the 60x40 photo becomes 40x27 px, but pool5 needs at least 32 px on each side: "
        "give --size 48 or more, or shallower layers",
    )
    strip = tmp_path / "strip.png"
    Image.new("RGB", (5000, 1)).save(strip)
    assert_error(
        run_cli("transfer", strip, photo, "-o", tmp_path / "o.png"),
        "at --size 512 the 5000x1 photo becomes 512x1 px, but relu5_1 needs at least 16 px on each side: "
        "crop it to a less extreme shape, or use shallower layers",
    )
    assert_error(
        run_cli("transfer", photo, strip, "-o", tmp_path / "o.png", "--size", "64"),
        "at --style-scale 1 style image #0 (5000x1) is read at 3709x1 px, but relu3_1 needs 4 px: "
        "crop it to a less extreme shape",
    )
    thin = tmp_path / "thin.png"
    Image.new("RGB", (200, 5)).save(thin)
    assert_error(
        run_cli("invert", thin, "-o", tmp_path / "o.png"),
        "at --size 256 the 200x5 photo becomes 256x6 px, but relu5_1 needs at least 16 px on each side: "
        "give --size 640 or more, or shallower layers",
    )
    assert_error(
        run_cli("dream", thin, "-o", tmp_path / "o.png"),
        "the 200x5 photo becomes 200x5 px, but relu4_2 needs at least 8 px on each side: "
        "give --size 320 or more, or shallower layers",
    )


# ---------------------------------------------------------------- output paths


def test_a_long_file_name_that_fits_is_written(tmp_path):
    name = "x" * (255 - len(".png")) + ".png"  # the longest name the file system takes
    save_image(torch.rand(1, 3, 4, 4), tmp_path / name)
    assert (tmp_path / name).is_file() and len(os.listdir(tmp_path)) == 1


def test_output_places_are_checked_before_any_work(tmp_path, photo):
    out = tmp_path / ("y" * 300 + ".png")
    assert_error(
        run_cli("transfer", photo, photo, "-o", out),
        f"{'y' * 40}...: the file name is longer than this file system allows (255 bytes)",
    )
    (tmp_path / "plain").write_text("a file")
    assert_error(
        run_cli("transfer", photo, photo, "-o", tmp_path / "plain" / "o.png"),
        f"{tmp_path / 'plain' / 'o.png'}: {tmp_path / 'plain'} is not a directory",
    )
    link = tmp_path / "link.png"
    link.symlink_to(tmp_path / "nowhere.png")
    assert_error(
        run_cli("transfer", photo, photo, "-o", link), f"{link}: already exists; pass --overwrite to replace it"
    )
    assert_error(
        run_cli(
            "transfer",
            photo,
            photo,
            "-o",
            tmp_path / "o.png",
            "--save-every",
            "1",
            "--intermediates",
            tmp_path / "o.png",
        ),
        f"--intermediates {tmp_path / 'o.png'}: is the output file; give a folder for the step images",
    )
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "level1_0001.png").write_bytes(b"an earlier run's")
    assert_error(
        run_cli("transfer", photo, photo, "-o", tmp_path / "o.png", "--save-every", "1", "--intermediates", steps),
        f"{steps}: already holds step images (level1_0001.png, ...); pass --overwrite to replace them, "
        "or choose another --intermediates",
    )
    assert (steps / "level1_0001.png").read_bytes() == b"an earlier run's"
    assert_error(
        run_cli(
            "transfer",
            photo,
            photo,
            "-o",
            tmp_path / "o.png",
            "--save-every",
            "1",
            "--intermediates",
            tmp_path / "plain" / "steps",
        ),
        f"{tmp_path / 'plain' / 'steps'}: cannot create the folder (Not a directory)",
    )


def test_a_folder_that_takes_no_new_file_is_refused_up_front(tmp_path, photo, monkeypatch):
    """As a user without root's override meets a read-only folder (simulated: root ignores mode bits)."""

    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    assert_error(
        run_cli("transfer", photo, photo, "-o", tmp_path / "o.png"),
        f"{tmp_path / 'o.png'}: cannot write in {tmp_path} (Permission denied)",
    )


def test_a_full_disk_keeps_the_result_somewhere_and_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("BRUSHWORK_RESCUE_DIR", str(tmp_path / "rescued"))
    real_write_to = files._write_to

    def disk_full(path, write, overwrite):
        if path.parent == tmp_path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_to(path, write, overwrite)

    monkeypatch.setattr(files, "_write_to", disk_full)
    with pytest.raises(BrushworkError) as error:
        save_image(torch.rand(1, 3, 8, 8), tmp_path / "out.png")
    (rescued,) = (tmp_path / "rescued").iterdir()
    assert (
        str(error.value)
        == f"{tmp_path / 'out.png'}: could not be written (No space left on device); it was saved to {rescued} instead"
    )
    assert Image.open(rescued).size == (8, 8)


# ---------------------------------------------------------------- permissions and formats


def test_only_documented_formats_are_decoded_whatever_the_name(tmp_path):
    dds = tmp_path / "texture.jpg"
    # A DDS header (magic, header size 124): Pillow has a decoder for it, brushwork does not offer it.
    dds.write_bytes(b"DDS " + struct.pack("<I", 124) + b"\0" * 120)
    with pytest.raises(BrushworkError, match=r"texture\.jpg: not an image file brushwork can read$"):
        load_image(dds)
    psd = tmp_path / "layers.png"
    psd.write_bytes(b"8BPS" + b"\0\1" + b"\0" * 40)
    with pytest.raises(BrushworkError, match=r"layers\.png: not an image file brushwork can read$"):
        load_image(psd)


def test_unreadable_files(tmp_path, monkeypatch):
    """As a user meets a file they may not read (simulated: root reads anything)."""
    from PIL import Image as PILImage

    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)

    monkeypatch.setattr(PILImage, "open", denied)
    with pytest.raises(BrushworkError, match=r"secret\.png: permission denied$"):
        load_image(secret)


def test_unreadable_weights(tmp_path, monkeypatch):
    from brushwork.encoders import packaged
    from brushwork.encoders.vgg import load_vgg19

    weights = tmp_path / "vgg.bin"
    weights.write_bytes(b"weights")
    monkeypatch.setenv("BRUSHWORK_VGG19_WEIGHTS", str(weights))

    monkeypatch.setattr(packaged, "sha256_of", denied)
    with pytest.raises(BrushworkError, match=rf"^VGG19 weight file {weights} cannot be read \(Permission denied\)"):
        load_vgg19(["relu1_1"])


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_float_image_with_non_finite_pixels_is_refused_not_black(tmp_path, bad):
    values = np.full((4, 5), 0.5, dtype=np.float32)
    values[1, 2] = bad
    Image.fromarray(values, mode="F").save(tmp_path / "f.tif")
    with pytest.raises(BrushworkError) as error:
        load_image(tmp_path / "f.tif")
    assert str(error.value) == (
        f"{tmp_path / 'f.tif'}: 1 pixel values are not numbers (NaN or infinite); brushwork cannot tell their colour"
    )


# ---------------------------------------------------------------- numbers at and beyond their bounds


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--lr", "-1", "--lr must be > 0, not -1"),
        ("--lr", "1e39", "--lr must be <= 10000, not 1e+39"),
        ("--seed", str(2**64), "--seed must be between 0 and 9223372036854775807, not 18446744073709551616"),
        ("--style-weight", "1e300", "--style-weight must be <= 1e+12, not 1e+300"),
        ("--iterations", "1e9", "argument --iterations: not an integer: '1e9'"),
        ("--max-size", "100000", "--max-size must be <= 32768 pixels, not 100000"),
    ],
)
def test_numbers_beyond_their_bounds(tmp_path, photo, option, value, message):
    extra = [value] * 3 if option == "--iterations" else [value]
    result = run_cli("transfer", photo, photo, "-o", tmp_path / "o.png", option, *extra)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"brushwork: error: {message}" or result.stderr.startswith(
        f"brushwork: error: {message}"
    )


def test_a_huge_channel_range_is_refused_without_building_it():
    with pytest.raises(ValueError, match="no layer has a channel 100000000000000 "):
        channel_list("0-100000000000000")


def test_a_size_that_cannot_be_allocated_is_refused_up_front(tmp_path, photo, monkeypatch):
    from brushwork import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 15 * 10**8)
    big = tmp_path / "big.png"
    Image.new("RGB", (4000, 3000)).save(big)
    # The half-size level (2000x1500), even with L-BFGS's shortest history, holds more than 80 % of 1.5 GB,
    # less the baseline.
    held = (
        memory.image_bytes(1500, 2000, 20, history=memory.MIN_LBFGS_HISTORY)
        + memory.feature_map_bytes(1500, 2000, ["relu4_2"])
    ) / 1e9
    budget = (0.8 * 1.5e9 - memory.BASELINE_BYTES) / 1e9
    result = run_cli("transfer", big, photo, "--size", "4000", "-o", tmp_path / "o.png")
    assert_error(
        result,
        f"at --size 4000 the image and its content target need about {held:.1f} GB and the budget is {budget:.1f} GB: "
        "give a smaller --size or more memory",
    )
    assert vgg19_bytes(341, 512, ["relu3_1"]) < 10**9


# ---------------------------------------------------------------- inconsistent combinations


def test_masks_of_different_sizes_for_different_styles(random_encoder):
    from brushwork.techniques.transfer import stylize

    content = torch.rand(1, 3, 40, 60)
    masks = {0: torch.ones(1, 1, 10, 15), 1: torch.zeros(1, 1, 37, 23)}
    settings = PRESETS["default"].replace(
        size=48,
        scales=(1.0,),
        iterations=(2,),
        detail_depth=None,
        content_layer="relu3_1",
        style_layers=("relu1_1", "relu2_1"),
    )
    out = stylize(content, [torch.rand(1, 3, 30, 30)] * 3, settings, masks=masks, encoder=random_encoder)
    assert out.shape == (1, 3, 32, 48)


def test_lab_datasets_that_cannot_be_trained_on_leave_no_folder(tmp_path):
    from brushwork.lab import runs
    from brushwork.lab.data import Dataset
    from brushwork.lab.settings import AutoencoderSettings

    images = np.zeros((4, 28, 28), np.uint8)
    bad_labels = Dataset("broken", images, np.array([0, 1, 2, 12]), images, np.zeros(4, int), tuple("0123456789"))
    with pytest.raises(BrushworkError, match=r"^broken: training label 12 is not a class \(0\.\.9\)$"):
        runs.autoencoders(["mlp"], tmp_path / "out", AutoencoderSettings(epochs=1), dataset=bad_labels)
    empty = Dataset("empty", images[:0], np.zeros(0, int), images, np.zeros(4, int), tuple("0123456789"))
    with pytest.raises(BrushworkError, match=r"^empty: the training split has no images$"):
        runs.autoencoders(["mlp"], tmp_path / "out", AutoencoderSettings(epochs=1), dataset=empty)
    assert not (tmp_path / "out").exists()


def test_a_step_image_that_cannot_be_written_does_not_stop_the_run(tmp_path, monkeypatch, capsys):
    from brushwork.cli.common import IntermediateSaver
    from brushwork.techniques.progress import LevelProgress

    saver = IntermediateSaver(1, tmp_path / "steps", overwrite=False)

    def disk_full(*args, **kwargs):
        raise BrushworkError("steps/level1_0001.png: could not be written (No space left on device)")

    monkeypatch.setattr("brushwork.image.io.save_image", disk_full)
    progress = LevelProgress(0, 1, (8, 8), 1, 10, {"style": 1.0}, 1.0, lambda: torch.rand(1, 3, 8, 8))
    saver.on_iteration(progress)
    saver.on_iteration(progress)  # said once, then no more tries
    assert capsys.readouterr().err == (
        "brushwork: warning: no more step images (steps/level1_0001.png: could not "
        "be written (No space left on device))\n"
    )
