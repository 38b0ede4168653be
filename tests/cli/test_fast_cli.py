"""``brushwork fast`` end to end with the shipped decoder: a picture with its record, made again from it."""

import pytest
from PIL import Image

from brushwork.provenance import read_record

from ..helpers import assert_error, run_cli

pytestmark = pytest.mark.integration  # the real VGG19 and the shipped decoder


def test_the_demo_paints_in_one_pass_and_is_made_again_from_its_own_record(tmp_path):
    out = tmp_path / "fast.png"
    first = run_cli("fast", "--demo", "--size", "160", "--transform", "wct", "--strength", "0.8", "-o", out, "--quiet")
    assert first.returncode == 0, first.stderr
    made = read_record(out)
    assert made["technique"] == "fast" and made["status"] == "finished"
    assert made["settings"]["transform"] == "wct" and made["settings"]["strength"] == 0.8
    assert made["run"]["device"] == "cpu"
    with Image.open(out) as picture:
        assert picture.size == (160, 106)  # chelsea is 451x300
    again = run_cli("fast", "--demo", "--settings", out, "-o", tmp_path / "again.png", "--quiet")
    assert again.returncode == 0, again.stderr
    with Image.open(out) as a, Image.open(tmp_path / "again.png") as b:
        assert a.tobytes() == b.tobytes()


def test_a_bad_value_is_one_line(tmp_path):
    assert_error(
        run_cli("fast", "--demo", "--strength", "2", "-o", tmp_path / "x.png"),
        "--strength must be between 0 and 1, not 2",
    )
    assert_error(
        run_cli("fast", "--demo", "--transform", "magic", "-o", tmp_path / "x.png"),
        "--transform must be one of ot, wct, adain, histogram, not 'magic'",
    )
    assert not (tmp_path / "x.png").exists()
