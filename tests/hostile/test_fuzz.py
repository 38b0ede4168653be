"""A fuzzer that keeps hostile input fixed: Hypothesis draws settings, option values at and beyond their
bounds, image geometries, corrupt image bytes and output names, and every outcome must be a result or
a one-line error (exit 2) — never a traceback, never a partial or replaced file.

CI runs a bounded number of examples (profile "ci"); ``bench/fuzz.py`` runs the long profile.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from brushwork.errors import BrushworkError
from brushwork.image.io import check_output_path, load_image, save_image
from brushwork.lab.settings import CLASSIFIER_DEFAULTS, AAESettings, GANSettings
from brushwork.layers import vgg19_min_side
from brushwork.settings import DreamSettings, InversionSettings, TextureSettings, TransferSettings
from brushwork.settings.schema import Settings, field_type, flag_of, spec_of

from ..helpers import run_cli

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("BRUSHWORK_FUZZ_PROFILE", "ci"))

CLASSES: list[type[Settings]] = [
    TransferSettings,
    TextureSettings,
    InversionSettings,
    DreamSettings,
    type(CLASSIFIER_DEFAULTS["mlp"]),
    GANSettings,
    AAESettings,
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["relu1_1", "relu5_1", "pool5", "none", "avg", "max", "lbfgs", "auto", "1e999", ""]),
)
json_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=6))


@st.composite
def settings_documents(draw):
    cls = draw(st.sampled_from(CLASSES))
    names = [f.name for f in dataclasses.fields(cls)]
    keys = st.one_of(st.sampled_from(names), st.text(max_size=8))
    return cls, draw(st.dictionaries(keys, json_values, max_size=5))


@given(settings_documents())
def test_any_settings_document_is_read_or_refused_in_one_line(document):
    cls, data = document
    try:
        result = cls.from_dict(data)
    except BrushworkError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        result.validate()  # what it accepts is valid, and travels
        assert cls.from_dict(result.to_dict()) == result


def _bound_texts(cls: type[Settings], name: str) -> st.SearchStrategy[str]:
    """Command-line words for a setting: at, inside and beyond its bounds, and nonsense."""
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    spec, kind = spec_of(field), field_type(cls, field)
    numbers: list[float] = [0, 1, -1, 2**64, 1e39, -1e39]
    for bound in (spec.minimum, spec.maximum if isinstance(spec.maximum, (int, float)) else None, spec.cap):
        if bound is not None:
            numbers += [bound, bound - 1, bound + 1, bound - 1e-9, bound * 10]
    words = [str(int(n)) if kind.base is int and math.isfinite(n) and n == int(n) else repr(float(n)) for n in numbers]
    words += ["nan", "inf", "-inf", "abc", "", "0x10", *(map(str, spec.choices or ()))]
    return st.sampled_from(words)


@st.composite
def transfer_options(draw):
    names = [f.name for f in dataclasses.fields(TransferSettings) if f.name not in ("size", "scales", "iterations")]
    name = draw(st.sampled_from(names))
    field = next(f for f in dataclasses.fields(TransferSettings) if f.name == name)
    kind = field_type(TransferSettings, field)
    if kind.base is bool and not kind.sequence:
        return [draw(st.sampled_from([flag_of(field), "--no-" + flag_of(field)[2:]]))]
    count = draw(st.integers(1, 3)) if kind.sequence else 1
    return [flag_of(field), *(draw(_bound_texts(TransferSettings, name)) for _ in range(count))]


@pytest.mark.integration
@settings(max_examples=int(os.environ.get("BRUSHWORK_FUZZ_RUNS", "25")))
@given(transfer_options(), st.sampled_from([(40, 30), (1, 300), (64, 64), (5, 7)]))
def test_transfer_options_end_in_a_result_or_one_line(tmp_path_factory, real_weights, option, photo_size):
    folder = tmp_path_factory.mktemp("fuzz")
    Image.effect_noise(photo_size, 60).convert("RGB").save(folder / "photo.png")
    out = folder / "out.png"
    result = run_cli(
        "transfer",
        folder / "photo.png",
        folder / "photo.png",
        "-o",
        out,
        "--size",
        "40",
        "--scales",
        "1",
        "--iterations",
        "1",
        "--quiet",
        *option,
    )
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 0:
        assert Image.open(out).size[0] > 0
    else:
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("brushwork: error: "), result.stderr
        assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) in (["photo.png"], ["out.png", "photo.png"])


sides = st.integers(min_value=1, max_value=6000)


@given(
    content=st.tuples(sides, sides),
    style=st.tuples(sides, sides),
    size=st.integers(32, 4096),
    scales=st.sampled_from([(1.0,), (0.5, 1.0), (0.25, 0.5, 1.0), (0.1, 1.0)]),
    content_layer=st.sampled_from(["relu1_1", "relu3_1", "relu4_2", "pool5"]),
    style_scale=st.floats(0.1, 4.0),
)
def test_every_level_the_network_sees_is_large_enough_or_refused(
    content, style, size, scales, content_layer, style_scale
):
    config = TransferSettings(
        size=size, scales=scales, iterations=(1,) * len(scales), content_layer=content_layer, style_scale=style_scale
    )
    try:
        config.validate()
        config.check_styles(1)
        config.check_geometry(content, [style])
    except BrushworkError as exc:
        assert "\n" not in str(exc)
        return
    for level_size, level in zip(config.level_sizes(*content), config.level_settings(), strict=True):
        assert min(level_size) >= vgg19_min_side([level.content_layer, *level.style_layers])
        read = level.style_size(level_size, style)
        assert min(read) >= vgg19_min_side(level.style_layers)


@given(
    size=st.tuples(st.integers(32, 300), st.integers(32, 300)),
    tileable=st.booleans(),
    scales=st.sampled_from([(1.0,), (0.25, 0.5, 1.0), (0.1, 0.3, 1.0)]),
)
def test_every_texture_level_is_large_enough_or_refused(size, tileable, scales):
    if tileable:
        size = (size[0] // 16 * 16 or 16, size[1] // 16 * 16 or 16)
    config = TextureSettings(size=size, tileable=tileable, scales=scales, iterations=(1,) * len(scales))
    try:
        config.validate()
    except BrushworkError:
        return
    assert all(min(s) >= config.min_side() for s in config.level_sizes())


def _encoded(mode: str, fmt: str, size: tuple[int, int], seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGB").convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


SOURCES = [
    ("RGB", "PNG"),
    ("RGBA", "PNG"),
    ("L", "PNG"),
    ("P", "PNG"),
    ("I;16", "PNG"),
    ("RGB", "JPEG"),
    ("L", "JPEG"),
    ("CMYK", "JPEG"),
    ("RGB", "WEBP"),
    ("RGB", "TIFF"),
    ("F", "TIFF"),
    ("I", "TIFF"),
    ("RGB", "BMP"),
    ("P", "GIF"),
    ("RGB", "PPM"),
]


@st.composite
def corrupt_images(draw):
    mode, fmt = draw(st.sampled_from(SOURCES))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    data = bytearray(_encoded(mode, fmt, size, draw(st.integers(0, 2**16))))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            data[at : at + draw(st.integers(1, 64))] = b"\0" * 8
    return fmt, bytes(data)


@settings(max_examples=int(os.environ.get("BRUSHWORK_FUZZ_IMAGES", "300")))
@given(corrupt_images(), st.sampled_from([".png", ".jpg", ".tif", ".webp"]))
def test_any_image_bytes_are_read_or_refused_in_one_line(tmp_path_factory, image, suffix):
    _, data = image
    path = tmp_path_factory.mktemp("img") / f"input{suffix}"
    path.write_bytes(data)
    try:
        tensor = load_image(path)
    except BrushworkError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
        return
    assert tensor.dim() == 4 and tensor.shape[:2] == (1, 3) and tensor.dtype == torch.float32
    assert bool(torch.isfinite(tensor).all()) and 0 <= float(tensor.min()) and float(tensor.max()) <= 1


names = st.text(st.characters(codec="utf-8", exclude_characters="/\0"), min_size=1, max_size=300)


@given(stem=names, suffix=st.sampled_from([".png", ".jpg", ".webp", ".tif", ".gif", ""]), overwrite=st.booleans())
def test_any_output_name_is_written_whole_or_refused(tmp_path_factory, stem, suffix, overwrite):
    assume(stem not in (".", ".."))
    folder = tmp_path_factory.mktemp("out")
    (folder / "keep.png").write_bytes(b"keep me")
    path = folder / (stem + suffix)
    try:
        check_output_path(path, overwrite)
        save_image(torch.rand(1, 3, 4, 4), path, overwrite=overwrite)
    except BrushworkError as exc:
        assert "\n" not in str(exc)
    if path != folder / "keep.png" or not overwrite:
        assert (folder / "keep.png").read_bytes() == b"keep me"
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# ---------------------------------------------------------------- documents, manifests, names (round 2)

# JSON texts as an attacker writes them: deep nesting, long integers, the wrong type where an object or a
# string is expected, unknown keys, control characters and lone surrogates, cut short.
json_documents = st.recursive(
    json_values | st.integers(min_value=-(10**60), max_value=10**60),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@st.composite
def json_texts(draw):
    shape = draw(st.sampled_from(["document", "record", "deep", "long integer", "cut"]))
    if shape == "deep":
        depth = draw(st.integers(1, 5000))
        return draw(st.sampled_from(["[", '{"a":'])) * depth + "1" + "]" * depth
    if shape == "long integer":
        return '{"size": ' + "9" * draw(st.integers(1, 6000)) + "}"
    document = draw(json_documents)
    if shape == "record":
        document = {
            "technique": draw(st.sampled_from(["transfer", "texture", "dream", "x"]) | json_values),
            "settings": draw(json_documents),
            "inputs": draw(json_documents),
            "run": draw(json_documents),
        }
    text = json.dumps(document, allow_nan=True)
    return text[: draw(st.integers(0, len(text)))] if shape == "cut" else text


@given(json_texts())
def test_any_json_document_is_read_or_refused_in_one_line_by_every_reader(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("doc")
    (folder / "doc.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    Image.new("RGB", (8, 8)).save(folder / "r.jpg")
    (folder / "r.jpg.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "jobs.jsonl").write_text(text.replace("\n", " ") + "\n", encoding="utf-8", errors="surrogatepass")
    for argv in (
        ["info", folder / "doc.json"],
        ["info", folder / "r.jpg"],
        ["info", folder / "doc.json", "--json"],
        ["texture", folder / "r.jpg", "--settings", folder / "doc.json", "-o", folder / "o.png", "--size", "0", "0"],
    ):
        result = run_cli(*argv)
        assert result.returncode in (0, 2), (argv, result.stderr)
        if result.returncode == 2:
            assert result.stderr.startswith("brushwork: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert not (folder / "o.png").exists()  # --size 0 is refused whatever the document says
    from brushwork.batch.manifest import read_manifest

    try:
        _, bad = read_manifest(folder / "jobs.jsonl", TransferSettings())
    except BrushworkError as exc:
        assert "\n" not in str(exc)
    else:
        assert all("\n" not in row.error for row in bad)


@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), min_size=1, max_size=4),
    st.sampled_from([".csv", ".jsonl"]),
)
def test_any_manifest_row_is_a_job_a_bad_row_or_one_line(tmp_path_factory, cells, suffix):
    from brushwork.batch.manifest import read_manifest

    folder = tmp_path_factory.mktemp("manifest")
    Image.new("RGB", (8, 8)).save(folder / "cat.png")
    if suffix == ".csv":
        text = "content,style\n" + "\n".join(",".join([cell, "cat.png"]) for cell in cells) + "\n"
    else:
        text = "\n".join(json.dumps({"content": cell, "style": "cat.png"}) for cell in cells) + "\n"
    (folder / f"jobs{suffix}").write_text(text, encoding="utf-8")
    try:
        _, bad = read_manifest(folder / f"jobs{suffix}", TransferSettings())
    except BrushworkError as exc:
        assert "\n" not in str(exc)
    else:
        assert all("\n" not in row.error for row in bad)


file_name_texts = st.one_of(
    st.text(min_size=1, max_size=300).filter(lambda t: "/" not in t and "\x00" not in t and t not in (".", "..")),
    st.binary(min_size=1, max_size=260)
    .filter(lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b".."))
    .map(os.fsdecode),
)


@given(file_name_texts, st.lists(file_name_texts, min_size=1, max_size=4))
def test_any_derived_output_name_fits_and_is_deterministic(photo, styles):
    from pathlib import Path, PurePosixPath

    from brushwork.batch.plan import Pair, Source, output_name

    def source(name):
        return Source(Path("/in") / name, PurePosixPath(name))

    pair = Pair(source(photo + ".png"), tuple(source(s + ".jpg") for s in styles), TransferSettings())
    try:
        name = output_name(pair, ".png")
    except UnicodeEncodeError:  # a lone surrogate no file name's byte made: no file can have that name
        assume(False)
    assert len(name.name.encode("utf-8", "surrogateescape")) <= 255
    assert name == output_name(pair, ".png") and name.name.endswith(".png")
