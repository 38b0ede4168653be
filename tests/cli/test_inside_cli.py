"""``texture``, ``invert``, ``dream`` and ``visualize`` through ``main(argv)``, at tiny sizes (Ctrl-C in a subprocess)."""

import pytest
from PIL import Image

from brushwork.provenance import read_record

from ..helpers import assert_error, interrupt_when
from ..helpers import run_cli as brushwork


@pytest.fixture
def photo(tmp_path):
    Image.effect_noise((64, 48), 60).convert("RGB").save(tmp_path / "photo.png")
    return tmp_path / "photo.png"


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(3):
        Image.effect_noise((48, 40), 30 + 20 * i).convert("RGB").save(folder / f"{i}.png")
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    return folder


def assert_png(path, size=None):
    with Image.open(path) as image:
        assert image.format == "PNG"
        if size is not None:
            assert image.size == size


@pytest.mark.integration
def test_texture_tileable(tmp_path, photo, real_weights):
    out = tmp_path / "tex.png"
    result = brushwork(
        "texture", photo, "-o", out, "--size", "64x48", "--tileable", "--scales", "1", "--iterations", "3", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert_png(out, (64, 48))


def test_texture_tileable_size_is_checked_first(tmp_path, photo):
    assert_error(
        brushwork("texture", photo, "-o", tmp_path / "t.png", "--size", "60x60", "--tileable"),
        "a tileable texture needs sides divisible by 16 in --size, not 60x60",
    )
    assert_error(
        brushwork("texture", photo, "-o", tmp_path / "t.png", "--size", "big"),
        "argument --size: expected WIDTHxHEIGHT or SIZE, e.g. 512x512, not 'big' (see brushwork texture --help)",
    )


@pytest.mark.integration
def test_invert_writes_a_contact_sheet(tmp_path, photo, real_weights):
    out = tmp_path / "sheet.png"
    result = brushwork(
        "invert", photo, "--layers", "relu1_1", "relu2_1", "-o", out, "--size", "40", "--iterations", "3", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert_png(out)
    with Image.open(out) as sheet:
        assert sheet.width > 3 * 40  # original + two reconstructions side by side


@pytest.mark.integration
def test_dream_with_guide_and_channels(tmp_path, photo, real_weights):
    out = tmp_path / "dream.png"
    result = brushwork(
        "dream",
        photo,
        "-o",
        out,
        "--layer",
        "relu3_1",
        "--channels",
        "0-7,10",
        "--octaves",
        "2",
        "--iterations",
        "2",
        "--guide",
        photo,
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert_png(out, (64, 48))


def test_dream_bad_channels(tmp_path, photo):
    assert_error(
        brushwork("dream", photo, "-o", tmp_path / "d.png", "--channels", "5-2"),
        "argument --channels: expected channels like 0-15,20, not '5-2' (see brushwork dream --help)",
    )


@pytest.mark.integration
def test_visualize_filters_top9_and_channel(tmp_path, folder, real_weights):
    result = brushwork("visualize", "filters", "-o", tmp_path / "filters.png", "--quiet")
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "filters.png")
    result = brushwork(
        "visualize",
        "top9",
        "--layer",
        "relu2_1",
        "--channels",
        "0-1",
        "--images",
        folder,
        "-o",
        tmp_path / "top9.png",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "top9.png")
    assert read_record(tmp_path / "filters.png")["technique"] == "visualize-filters"
    top9 = read_record(tmp_path / "top9.png")
    assert top9["settings"] == {"layer": "relu2_1", "channels": [0, 1], "image_size": 224}
    assert top9["inputs"] == {"images": ["0.png", "1.png", "2.png"]}
    result = brushwork(
        "visualize",
        "channel",
        "--layer",
        "relu2_1",
        "--channel",
        "3",
        "--size",
        "48",
        "--iterations",
        "2",
        "-o",
        tmp_path / "ch.png",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "ch.png", (48, 48))


@pytest.mark.integration
def test_visualize_class(tmp_path, real_weights):
    out = tmp_path / "tabby.png"
    result = brushwork(
        "visualize", "class", "tabby cat", "--size", "48", "--batch", "2", "--iterations", "2", "-o", out, "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert_png(out, (2 * 48 + 4, 48))


def test_visualize_errors(tmp_path, folder, no_weights):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_error(
        brushwork(
            "visualize", "top9", "--layer", "relu2_1", "--channels", "0", "--images", empty, "-o", tmp_path / "t.png"
        ),
        f"{empty}: no images found (looked for .jpg, .jpeg, .png, .webp, .tif, .tiff, .bmp, .gif)",
    )
    assert_error(
        brushwork("visualize", "class", "tabbycat", "-o", tmp_path / "c.png"),
        "no ImageNet class named 'tabbycat'; did you mean 'tabby cat', 'tabby', 'lab coat'? "
        "(see: brushwork visualize classes)",
    )
    assert_error(
        brushwork("visualize", "filters", "--layer", "conv2_1", "-o", tmp_path / "f.png"),
        "only conv1_1 sees pixels, so only its filters are pictures; 'conv2_1' filters act on feature maps",
    )
    kept = tmp_path / "kept.png"
    kept.write_bytes(b"keep me")
    assert_error(
        brushwork("visualize", "filters", "-o", kept), f"{kept}: already exists; pass --overwrite to replace it"
    )
    assert kept.read_bytes() == b"keep me"


def test_visualize_classes_lists_the_names():
    result = brushwork("visualize", "classes")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1000 and lines[281] == "281\tn02123045\ttabby, tabby cat"


@pytest.mark.integration
def test_ctrl_c_during_invert_saves_a_sheet_of_what_is_done(tmp_path, photo, real_weights):
    out = tmp_path / "sheet.png"
    # Once the optimisation has started (and a second later), press Ctrl-C.
    returncode, stderr = interrupt_when(
        ["invert", photo, "--layers", "relu1_1", "relu2_1", "-o", out, "--size", "40", "--iterations", "100000"],
        "layer 1/2",
        settle=1,
    )
    assert returncode == 130, stderr
    assert stderr.endswith(f"brushwork: interrupted; saved the best image so far to {out}\n")
    with Image.open(out) as sheet:  # the photo and the first layer's reconstruction so far
        assert sheet.format == "PNG" and sheet.width > 2 * 40
