"""The transfer CLI through ``main(argv)`` in this process; exit codes and Ctrl-C end to end in a subprocess."""

import os
import signal
import time

import pytest
from PIL import Image

from brushwork.layers import VGG19_LAYERS

from ..helpers import assert_error, run_cli, run_subprocess, start_brushwork

FAST = ["--size", "40", "--scales", "0.8", "1", "--iterations", "2", "2", "--quiet"]


brushwork = run_cli


@pytest.fixture
def images(tmp_path):
    Image.new("RGB", (60, 40), (200, 120, 40)).save(tmp_path / "photo.png")
    Image.effect_noise((50, 50), 60).convert("RGB").save(tmp_path / "paint.jpg")
    return tmp_path / "photo.png", tmp_path / "paint.jpg"


def test_missing_input_end_to_end(tmp_path):
    """In a real process: the one line on stderr and exit code 2."""
    assert_error(
        run_subprocess("transfer", tmp_path / "nope.jpg", tmp_path / "b.jpg", "-o", tmp_path / "o.png"),
        f"{tmp_path / 'nope.jpg'}: no such file",
    )


def test_non_image_input(tmp_path, images):
    (tmp_path / "notes.txt").write_text("not a picture")
    assert_error(
        brushwork("transfer", tmp_path / "notes.txt", images[1], "-o", tmp_path / "o.png"),
        f"{tmp_path / 'notes.txt'}: not an image file brushwork can read",
    )


def test_existing_output_is_kept(tmp_path, images):
    out = tmp_path / "o.png"
    out.write_bytes(b"keep me")
    assert_error(brushwork("transfer", *images, "-o", out), f"{out}: already exists; pass --overwrite to replace it")
    assert out.read_bytes() == b"keep me"


def test_unknown_layer(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--content-layer", "relu9_9"),
        f"--content-layer: unknown VGG19 layer 'relu9_9'; valid layers are: {', '.join(VGG19_LAYERS)}",
    )


def test_detail_depth(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--detail-depth", "relu3_9"),
        f"--detail-depth: unknown VGG19 layer 'relu3_9'; valid layers are: {', '.join(VGG19_LAYERS)}",
    )
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--style-layers", "relu4_1", "relu5_1"),
        "no style layer is at or above the detail depth relu3_1; choose a deeper --detail-depth or --detail-depth none",
    )


def test_size_limits(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--size", "16"),
        "--size must be between 32 and 4096 pixels, not 16",
    )
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--size", "900", "--max-size", "800"),
        "--size must be between 32 and 800 pixels, not 900",
    )


def test_negative_and_non_finite_weights(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--style-weight", "-2"),
        "--style-weight must be >= 0, not -2",
    )
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--tv-weight", "inf"),
        "--tv-weight must be a finite number, not inf",
    )


def test_unsupported_output_format(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.gif"),
        f"{tmp_path / 'o.gif'}: unsupported output format '.gif'; use one of .png, .jpg, .jpeg, .webp, .tif, .tiff",
    )


def test_bad_mask_spec(tmp_path, images):
    assert_error(
        brushwork("transfer", *images, "-o", tmp_path / "o.png", "--mask", "sky.png"),
        "--mask 'sky.png': expected STYLE_INDEX:MASK_IMAGE, e.g. 0:sky.png",
    )


def test_needs_a_style(tmp_path, images):
    assert_error(
        brushwork("transfer", images[0], "-o", tmp_path / "o.png"),
        "give a content image and at least one style image (or --demo)",
    )


@pytest.mark.integration
def test_transfer_writes_an_image_and_intermediates(tmp_path, images, real_weights):
    out = tmp_path / "out.webp"
    result = brushwork("transfer", *images, "-o", out, *FAST, "--save-every", "1")
    assert result.returncode == 0, result.stderr
    with Image.open(out) as img:
        assert img.format == "WEBP" and img.size == (40, 27)
    assert sorted(p.name for p in (tmp_path / "out_steps").iterdir()) == [
        "level1_0001.png",
        "level1_0002.png",
        "level2_0001.png",
        "level2_0002.png",
    ]


@pytest.mark.integration
def test_demo_blend_mask_and_colour_options(tmp_path, images, real_weights):
    mask = tmp_path / "mask.png"
    Image.new("L", (60, 40), 255).save(mask)
    result = brushwork(
        "transfer",
        images[0],
        images[1],
        images[1],
        "-o",
        tmp_path / "o.png",
        *FAST,
        "--style-blend",
        "0.7",
        "0.3",
        "--preserve-colors",
        "luminance",
        "--mask",
        f"0:{mask}",
        "--detail-depth",
        "none",
    )
    assert result.returncode == 0, result.stderr
    result = brushwork("transfer", "--demo", "-o", tmp_path / "demo.jpg", *FAST, "--preset", "gatys2016")
    assert result.returncode == 0, result.stderr
    assert Image.open(tmp_path / "demo.jpg").size == (40, 27)


@pytest.mark.integration
def test_ctrl_c_saves_the_best_image_and_exits_130(tmp_path, images, real_weights):
    out, steps = tmp_path / "out.png", tmp_path / "steps"
    proc = start_brushwork(
        [
            "transfer",
            *map(str, images),
            "-o",
            str(out),
            "--size",
            "64",
            "--scales",
            "1",
            "--iterations",
            "100000",
            "--save-every",
            "1",
            "--intermediates",
            str(steps),
            "--quiet",
        ]
    )
    deadline = time.monotonic() + 120
    while not (steps.is_dir() and any(steps.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.endswith(f"brushwork: interrupted; saved the best image so far to {out}\n")
    assert Image.open(out).size == (64, 43)


def test_the_bar_shows_the_whole_runs_time_left_beside_the_levels(tmp_path, images, real_weights):
    result = brushwork(
        "transfer", *images, "-o", tmp_path / "o.png", "--size", "40", "--scales", "0.8", "1", "--iterations", "3", "3"
    )
    assert result.returncode == 0, result.stderr
    assert "all levels left=" in result.stderr
    assert "level 1/2" in result.stderr and "level 2/2" in result.stderr


def test_durations_read_as_people_write_them():
    from brushwork.cli.common import format_duration

    assert [format_duration(s) for s in (0.2, 42, 187, 3725)] == ["0s", "42s", "3m07s", "1h02m"]


def test_the_bar_shows_the_tiles_of_a_tiled_level(tmp_path, images, real_weights):
    result = brushwork(
        "transfer", *images, "-o", tmp_path / "o.png", "--size", "64", "--scales", "0.5", "1", "--iterations", "2", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "tile=" not in result.stderr
    tiled = brushwork(
        "transfer",
        *images,
        "-o",
        tmp_path / "t.png",
        "--size",
        "64",
        "--scales",
        "0.5",
        "1",
        "--iterations",
        "2",
        "2",
        "--tile",
        "32",
    )
    assert tiled.returncode == 0, tiled.stderr
    # 64x43 in 32 px tiles: 2 x 2 tiles, each run twice an iteration; shown on the full-size level's bar.
    assert "level 2/2 64x43" in tiled.stderr and "tile=1/8" in tiled.stderr and "tile=7/8" in tiled.stderr
