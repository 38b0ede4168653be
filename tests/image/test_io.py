import os

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork.errors import BrushworkError
from brushwork.image.io import load_image, save_image


def save(img: Image.Image, tmp_path, name):
    path = tmp_path / name
    img.save(path)
    return path


def rgb_at(tensor, y=0, x=0):
    return tuple(round(float(v) * 255) for v in tensor[0, :, y, x])


def test_rgb_round_trip(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    image = load_image(save(Image.fromarray(array), tmp_path, "a.png"))
    assert image.shape == (1, 3, 10, 12) and image.dtype == torch.float32
    np.testing.assert_array_equal((image[0].permute(1, 2, 0) * 255).round().byte().numpy(), array)


def test_palette_image(tmp_path):
    img = Image.new("P", (4, 4))
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    img.putpixel((1, 0), 1)
    image = load_image(save(img, tmp_path, "p.png"))
    assert rgb_at(image, 0, 0) == (255, 0, 0) and rgb_at(image, 0, 1) == (0, 0, 255)


def test_alpha_is_composited_onto_white(tmp_path):
    img = Image.new("RGBA", (2, 1), (255, 0, 0, 0))
    img.putpixel((1, 0), (255, 0, 0, 255))
    image = load_image(save(img, tmp_path, "a.png"))
    assert rgb_at(image, 0, 0) == (255, 255, 255) and rgb_at(image, 0, 1) == (255, 0, 0)


def test_16_bit_grey_keeps_its_range(tmp_path):
    img = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16))
    assert img.mode.startswith("I;16")
    image = load_image(save(img, tmp_path, "g16.png"))
    assert [rgb_at(image, 0, x) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]


def test_grayscale_becomes_rgb(tmp_path):
    image = load_image(save(Image.new("L", (3, 3), 100), tmp_path, "l.png"))
    assert image.shape == (1, 3, 3, 3) and rgb_at(image) == (100, 100, 100)


def test_cmyk_is_converted(tmp_path):
    image = load_image(save(Image.new("CMYK", (2, 2), (255, 0, 0, 0)), tmp_path, "c.jpg"))
    red, green, blue = rgb_at(image)
    assert red < 10 and green > 245 and blue > 245  # pure cyan


def test_exif_orientation_is_honoured(tmp_path):
    img = Image.new("RGB", (6, 2), (0, 255, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    path = tmp_path / "o.jpg"
    img.save(path, exif=exif)
    assert load_image(path).shape == (1, 3, 6, 2)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "{p}: no such file"),
        (lambda p: p.write_bytes(b""), "{p}: file is empty"),
        (lambda p: p.write_text("hello, not an image"), "{p}: not an image file brushwork can read"),
        (lambda p: p.mkdir(), "{p}: is a directory, not an image"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, make, message):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(BrushworkError) as err:
        load_image(path)
    assert str(err.value) == message.format(p=path)


def test_truncated_file(tmp_path):
    path = tmp_path / "t.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(BrushworkError) as err:
        load_image(path)
    assert str(err.value) == f"{path}: image file is truncated or corrupt"


def test_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (10000, 10000)).save(path)  # 100 Mpixel but a tiny file
    with pytest.raises(BrushworkError) as err:
        load_image(path, max_pixels=50_000_000)
    assert str(err.value) == (
        f"{path}: 10000x10000 image has more than 50000000 pixels; refusing to decode it (possible decompression bomb)"
    )


@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".jpg", "JPEG"), (".webp", "WEBP"), (".tiff", "TIFF")])
def test_format_follows_the_extension(tmp_path, suffix, fmt):
    path = save_image(torch.rand(1, 3, 8, 8), tmp_path / f"out{suffix}")
    with Image.open(path) as img:
        assert img.format == fmt and img.size == (8, 8)


def test_existing_output_is_never_overwritten_without_permission(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"precious")
    with pytest.raises(BrushworkError) as err:
        save_image(torch.rand(1, 3, 4, 4), path)
    assert str(err.value) == f"{path}: already exists; pass --overwrite to replace it"
    assert path.read_bytes() == b"precious"
    save_image(torch.rand(1, 3, 4, 4), path, overwrite=True)
    assert Image.open(path).size == (4, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temp file left behind


def test_unsupported_format(tmp_path):
    with pytest.raises(BrushworkError) as err:
        save_image(torch.rand(1, 3, 4, 4), tmp_path / "out.bmp")
    assert (
        str(err.value)
        == f"{tmp_path / 'out.bmp'}: unsupported output format '.bmp'; use one of .png, .jpg, .jpeg, .webp, .tif, .tiff"
    )


def test_output_gets_the_usual_file_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = save_image(torch.rand(1, 3, 4, 4), tmp_path / "out.png")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


SRGB_COLOURS = [(200, 60, 40), (60, 180, 70), (40, 90, 200), (128, 128, 128), (250, 220, 30), (20, 20, 20)]


def _wide_gamut_photo(tmp_path, name="adobe.png", **save_options):
    """Colours known in sRGB, stored as Adobe RGB numbers with the profile embedded (as a camera would)."""
    import io

    from PIL import ImageCms

    from .icc import wide_gamut_profile

    profile = wide_gamut_profile()
    srgb = Image.new("RGB", (len(SRGB_COLOURS), 1))
    srgb.putdata(SRGB_COLOURS)
    to_adobe = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(profile)), "RGB", "RGB"
    )
    adobe = ImageCms.applyTransform(srgb, to_adobe)
    adobe.save(tmp_path / name, icc_profile=profile, **save_options)
    return tmp_path / name, np.asarray(adobe, dtype=np.int64)[0]


@pytest.mark.parametrize(
    "name, options", [("adobe.png", {}), ("adobe.tif", {}), ("adobe.jpg", {"quality": 100, "subsampling": 0})]
)
def test_an_embedded_wide_gamut_profile_is_converted_to_srgb(tmp_path, name, options):
    path, stored = _wide_gamut_photo(tmp_path, name, **options)
    loaded = load_image(path)
    got = np.array([rgb_at(loaded, 0, x) for x in range(len(SRGB_COLOURS))])
    tolerance = 2 if name != "adobe.jpg" else 4  # JPEG rounds a little even at quality 100
    assert np.abs(got - np.array(SRGB_COLOURS)).max() <= tolerance
    # Read as if it were sRGB (what brushwork did before), the green would be off by about 50 of 255.
    assert np.abs(stored - np.array(SRGB_COLOURS)).max() > 40


def test_a_broken_profile_is_read_as_srgb(tmp_path):
    Image.new("RGB", (2, 2), (10, 200, 30)).save(tmp_path / "broken.png", icc_profile=b"not a profile at all")
    assert rgb_at(load_image(tmp_path / "broken.png")) == (10, 200, 30)
