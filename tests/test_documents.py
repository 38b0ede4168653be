"""Documents from outside are read within bounds; derived names fit the file system; names print."""

import json

import pytest

from brushwork.documents import MAX_DEPTH, MAX_INTEGER_DIGITS, expect, nesting_depth, parse_json
from brushwork.errors import BrushworkError, one_line, printable
from brushwork.files import fit_name, name_bytes, same_file


def refused(data, **bounds) -> str:
    with pytest.raises(BrushworkError) as error:
        parse_json(data, "doc.json", **bounds)
    return str(error.value)


def test_a_document_in_bounds_is_read_as_json_reads_it():
    text = json.dumps({"a": [1, 2.5, {"b": "[{not a bracket}]"}], "n": -(10**39), "ok": True})
    assert parse_json(text, "doc.json") == json.loads(text)
    assert parse_json(text.encode(), "doc.json") == json.loads(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_nesting_past_the_bound_is_refused_without_recursion(depth):
    assert refused("[" * depth + "]" * depth) == f"doc.json: JSON nested {depth:,} levels deep; at most 32 are read"
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "doc.json") is not None


def test_brackets_inside_strings_do_not_count():
    assert nesting_depth('{"a": "[[[[\\"{{{", "b": [1]}') == 2


def test_an_integer_past_the_bound_is_refused():
    assert refused("[" + "9" * 5000 + "]") == "doc.json: a JSON integer of 5,000 digits; at most 40 are read"
    assert parse_json("-" + "9" * MAX_INTEGER_DIGITS, "doc.json") == -int("9" * MAX_INTEGER_DIGITS)


def test_size_encoding_and_syntax_are_refused_in_one_line():
    assert refused(b"[1, 2]", max_bytes=5) == "doc.json: a JSON document of 6 bytes; at most 5 are read"
    assert refused(b'{"a": "\xff"}') == "doc.json: not UTF-8 text"
    assert refused("{size") == "doc.json: not valid JSON (Expecting property name enclosed in double quotes)"
    assert (
        refused('{\n"a": 1,\n}')
        == "doc.json: not valid JSON (Expecting property name enclosed in double quotes at line 3)"
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ([1], "settings must be a JSON object, not a JSON array"),
        ("x", "settings must be a JSON object, not a string"),
        (None, "settings must be a JSON object, not null"),
        (3, "settings must be a JSON object, not a number"),
        (True, "settings must be a JSON object, not true or false"),
    ],
)
def test_expect_names_both_types(value, message):
    with pytest.raises(BrushworkError) as error:
        expect(value, dict, "settings")
    assert str(error.value) == message
    assert expect({"a": 1}, dict, "settings") == {"a": 1}


def test_a_name_that_fits_is_kept():
    assert fit_name("photo__starry", "__0123abcd.png") == "photo__starry__0123abcd.png"


@pytest.mark.parametrize("head", ["s" * 400, "🎨" * 100, "é" * 200 + "x", "bad\udcff" * 80])
def test_a_long_name_is_cut_to_255_bytes_deterministically_and_keeps_its_tail(head):
    fitted = fit_name(head, "__0123abcd.png")
    assert name_bytes(fitted) <= 255 and fitted.endswith("__0123abcd.png")
    assert fitted == fit_name(head, "__0123abcd.png")
    assert head.startswith(fitted.split("~")[0]) and len(fitted.split("~")[0]) > 0
    # Names that differ only past the cut still get different names.
    assert fit_name(head + "a", "__0123abcd.png") != fit_name(head + "b", "__0123abcd.png")
    fitted.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")  # cut at a character


def test_names_that_are_not_utf8_print_as_escapes():
    name = b"bad\xff.png".decode("utf-8", "surrogateescape")
    assert printable(name) == "bad\\xff.png"
    assert printable("lone \ud800") == "lone \\ud800"
    assert one_line(f"{name}\n") == "bad\\xff.png\\n"
    assert BrushworkError(f"{name}: no such file").args[0].encode("utf-8")  # any stream takes it


def test_same_file_sees_through_links_and_hard_links(tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"x")
    (tmp_path / "link.png").symlink_to(photo)
    (tmp_path / "hard.png").hardlink_to(photo)
    assert same_file(photo, tmp_path / "link.png") and same_file(photo, tmp_path / "hard.png")
    assert same_file(tmp_path / "sub" / ".." / "photo.png", photo)
    assert not same_file(photo, tmp_path / "other.png")
