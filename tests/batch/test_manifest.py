"""Manifests: rows name a photo, its styles and settings of their own; a bad row is recorded, not fatal."""

import json

import pytest

from brushwork.batch.manifest import read_manifest
from brushwork.errors import BrushworkError
from brushwork.settings import TransferSettings


@pytest.fixture
def folder(tmp_path):
    for name in ("cat.jpg", "sub/dog.png", "starry.jpg", "wave.jpg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def test_csv_rows_override_the_batch_settings_with_words_as_on_the_command_line(folder):
    (folder / "jobs.csv").write_text(
        "content,style,content_weight,iterations,content_detail\n"
        "cat.jpg,starry.jpg,,,\n"
        "sub/dog.png,wave.jpg,2.5,30 60,false\n"
    )
    base = TransferSettings(content_weight=7.0)
    pairs, bad = read_manifest(folder / "jobs.csv", base)
    assert bad == []
    assert pairs[0].settings == base
    assert (pairs[1].settings.content_weight, pairs[1].settings.iterations) == (2.5, (30, 60))
    assert pairs[1].settings.content_detail is False
    assert str(pairs[1].content.name) == "sub/dog.png" and pairs[1].content.path == folder / "sub/dog.png"
    assert pairs[1].origin == "jobs.csv line 3"


def test_jsonl_rows_take_several_styles_and_a_settings_object(folder):
    rows = [
        {"content": "cat.jpg", "styles": ["starry.jpg", "wave.jpg"], "settings": {"style_blend": [0.3, 0.7]}},
        {"content": "cat.jpg", "style": "wave.jpg", "content-weight": "3"},
    ]
    (folder / "jobs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    pairs, bad = read_manifest(folder / "jobs.jsonl", TransferSettings())
    assert bad == []
    assert [str(s.name) for s in pairs[0].styles] == ["starry.jpg", "wave.jpg"]
    assert pairs[0].settings.style_blend == (0.3, 0.7)
    assert pairs[1].settings.content_weight == 3.0


def test_bad_rows_are_returned_with_their_line_and_reason(folder):
    (folder / "jobs.csv").write_text(
        "content,style,content_weight,content_detail\n"
        "cat.jpg,starry.jpg,,\n"
        "missing.jpg,starry.jpg,,\n"
        "cat.jpg,,,\n"
        "cat.jpg,starry.jpg,heavy,\n"
        "cat.jpg,starry.jpg,-1,\n"
        "cat.jpg,starry.jpg,,maybe\n"
        "cat.jpg,starry.jpg,1,true,extra\n"
    )
    pairs, bad = read_manifest(folder / "jobs.csv", TransferSettings())
    assert len(pairs) == 1
    assert [(b.origin, b.error) for b in bad] == [
        ("jobs.csv line 3", "missing.jpg: no such file"),
        ("jobs.csv line 4", "the row names no style image"),
        ("jobs.csv line 5", "argument --content-weight: not a number: 'heavy'"),
        ("jobs.csv line 6", "content_weight must be >= 0, not -1"),
        ("jobs.csv line 7", "content_detail: 'maybe' is not true or false"),
        ("jobs.csv line 8", "more cells than the header has columns"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("photo,style\na.jpg,b.jpg\n", "the first row must name the columns, with at least content and style"),
        ("content,painting\na.jpg,b.jpg\n", "no style (or styles) column"),
        ("content,style,colour\na.jpg,b.jpg,1\n", "column 'colour' is neither an input nor a transfer setting"),
        ("content,style\n", "the manifest has no rows"),
    ],
)
def test_a_manifest_that_cannot_be_read_at_all_is_refused(folder, text, message):
    (folder / "jobs.csv").write_text(text)
    with pytest.raises(BrushworkError) as error:
        read_manifest(folder / "jobs.csv", TransferSettings())
    assert str(error.value) == f"{folder / 'jobs.csv'}: {message}"


def test_jsonl_lines_that_are_not_objects_are_bad_rows(folder):
    (folder / "jobs.jsonl").write_text('{"content": "cat.jpg", "style": "starry.jpg"}\n[1, 2]\n{oops\n')
    pairs, bad = read_manifest(folder / "jobs.jsonl", TransferSettings())
    assert len(pairs) == 1
    assert [(b.origin, b.error) for b in bad] == [
        ("jobs.jsonl line 2", "a row must be a JSON object"),
        ("jobs.jsonl line 3", "not valid JSON (Expecting property name enclosed in double quotes)"),
    ]


def test_jsonl_lines_past_the_documents_bounds_are_bad_rows_and_the_rest_run(folder):
    deep, big = "[" * 100_000 + "]" * 100_000, '{"content": "cat.jpg", "seed": ' + "9" * 5000 + "}"
    good = '{"content": "cat.jpg", "style": "starry.jpg"}'
    (folder / "jobs.jsonl").write_text("\n".join([good, deep, big]) + "\n")
    pairs, bad = read_manifest(folder / "jobs.jsonl", TransferSettings())
    assert len(pairs) == 1
    assert [(b.origin, b.error) for b in bad] == [
        ("jobs.jsonl line 2", "JSON nested 100,000 levels deep; at most 32 are read"),
        ("jobs.jsonl line 3", "a JSON integer of 5,000 digits; at most 40 are read"),
    ]


def test_a_csv_field_past_the_csv_modules_limit_is_refused_in_one_line(folder):
    (folder / "jobs.csv").write_text("content,style\n" + "x" * 200_000 + ",starry.jpg\n")
    with pytest.raises(BrushworkError) as refused:
        read_manifest(folder / "jobs.csv", TransferSettings())
    assert str(refused.value) == (
        f"{folder / 'jobs.csv'}: not a CSV file brushwork reads (field larger than field limit (131072))"
    )
