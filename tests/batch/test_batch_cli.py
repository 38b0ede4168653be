"""``brushwork batch`` end to end on the local pool: outputs, the results manifest, resume, bad input, Ctrl-C."""

import json
import signal
from pathlib import Path

import pytest
from PIL import Image

from brushwork.provenance import read_record

from ..helpers import assert_error, interrupt_when, run_cli, run_subprocess
from .conftest import TINY

pytestmark = pytest.mark.integration


def results(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def pictures(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.png"))


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.startswith(".bw-")]


def test_every_photo_in_every_style_with_bad_files_recorded_then_resume_skips_what_is_made(
    tmp_path, folders, real_weights
):
    photos, styles = folders
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (photos / "notes.txt").write_text("a list of shots")
    out = tmp_path / "out"
    first = run_subprocess("batch", photos, "--styles", styles, "-o", out, *TINY)
    assert first.returncode == 1, first.stderr  # some jobs failed
    made = pictures(out)
    assert [p.relative_to(out).as_posix().split("__")[:2] for p in made] == [
        ["cat", "calm"],
        ["cat", "noise"],
        ["trip/beach", "calm"],
        ["trip/beach", "noise"],
    ]
    for path in made:
        with Image.open(path) as image:
            assert image.size == ((48, 32) if "cat" in path.name else (48, 48))
        record = read_record(path)
        assert record["status"] == "finished" and record["settings"]["size"] == 48
        assert record["settings"]["seed"] != 0  # each job's own seed
    rows = results(out)
    assert sorted(row["status"] for row in rows) == [
        "failed",
        "failed",
        "finished",
        "finished",
        "finished",
        "finished",
        "ignored",
    ]
    failed = [row for row in rows if row["status"] == "failed"]
    assert {row["error"] for row in failed} == {f"{photos / 'broken.jpg'}: not an image file brushwork can read"}
    finished = [row for row in rows if row["status"] == "finished"]
    assert all(row["seconds"] > 0 and row["losses"] and row["attempts"] == 1 for row in finished)
    assert "  finished       4" in first.stderr and "  failed         2" in first.stderr
    assert "  ignored        1   (not images by their names)" in first.stderr
    assert not (out / ".brushwork-batch").exists() and not leftovers(out)

    stamps = {p: p.stat().st_mtime_ns for p in made}
    again = run_subprocess("batch", photos, "--styles", styles, "-o", out, *TINY, "--resume")
    assert again.returncode == 1, again.stderr
    assert "  skipped        4   (already made)" in again.stderr and "  finished       0" in again.stderr
    assert {p: p.stat().st_mtime_ns for p in pictures(out)} == stamps
    # The rows of the run that made them are kept: the manifest stays complete.
    assert sorted(row["status"] for row in results(out)) == sorted(row["status"] for row in rows)

    assert_error(
        run_cli("batch", photos, "--styles", styles, "-o", out, *TINY),
        f"{out} holds an earlier batch (results.jsonl); pass --resume to finish it, or --overwrite",
    )


def test_ctrl_c_stops_soon_leaves_no_partial_file_and_resume_finishes_the_rest(tmp_path, folders, real_weights):
    photos, styles = folders
    out = tmp_path / "out"
    slow = ["--size", "64", "--scales", "0.5", "1", "--iterations", "10", "40", "--workers", "1"]
    code, stderr = interrupt_when(["batch", photos, "--styles", styles, "-o", out, *slow], "done=1", settle=1.0)
    assert code == 128 + signal.SIGINT, stderr
    assert "(stopped: run the same command with --resume)" in stderr
    assert "Traceback" not in stderr
    made = pictures(out)
    assert 1 <= len(made) < 4 and not leftovers(out)
    rows = results(out)
    assert len(rows) == 4 and {row["status"] for row in rows} <= {"finished", "interrupted", "pending"}
    assert sum(row["status"] == "finished" for row in rows) == len(made)

    done = run_subprocess("batch", photos, "--styles", styles, "-o", out, *slow, "--resume", "--quiet")
    assert done.returncode == 0, done.stderr
    assert len(pictures(out)) == 4
    assert sorted(row["status"] for row in results(out)) == ["finished"] * 4
    assert not (out / ".brushwork-batch").exists()


def test_a_manifest_with_per_row_settings_and_a_bad_row(tmp_path, folders, real_weights):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(
        "content,style,content_weight\n"
        "photos/cat.png,styles/calm.png,\n"
        "photos/trip/beach.jpg,styles/noise.jpg,0.5\n"
        "photos/gone.jpg,styles/noise.jpg,\n"
    )
    out = tmp_path / "out"
    result = run_cli("batch", manifest, "-o", out, *TINY, "--content-weight", "3", "--quiet")
    assert result.returncode == 1
    made = {p.relative_to(out).as_posix().split("__")[0]: read_record(p)["settings"] for p in pictures(out)}
    assert made["photos/cat"]["content_weight"] == 3 and made["photos/trip/beach"]["content_weight"] == 0.5
    [bad] = [row for row in results(out) if row["status"] == "failed"]
    assert bad["error"] == "jobs.csv line 4: photos/gone.jpg: no such file"


def test_the_fast_method_paints_random_pairs_in_one_pass_each_and_resumes(tmp_path, folders, real_weights):
    photos, styles = folders
    out = tmp_path / "out"
    fast = ["--method", "fast", "--pairs", "random:1", "--size", "64", "--transform", "adain", "--strength", "0.8"]
    first = run_subprocess("batch", photos, "--styles", styles, "-o", out, *fast)
    assert first.returncode == 0, first.stderr
    made = pictures(out)
    assert [p.relative_to(out).as_posix().split("__")[0] for p in made] == ["cat", "trip/beach"]
    for path in made:
        record = read_record(path)
        assert record["technique"] == "fast" and record["status"] == "finished"
        assert (record["settings"]["transform"], record["settings"]["strength"]) == ("adain", 0.8)
        with Image.open(path) as image:
            assert max(image.size) == 64
    assert [row["status"] for row in results(out)] == ["finished", "finished"]
    again = run_subprocess("batch", photos, "--styles", styles, "-o", out, *fast, "--resume")
    assert again.returncode == 0 and "  skipped        2   (already made)" in again.stderr


def test_a_fast_manifest_takes_fast_settings_per_row(tmp_path, folders, real_weights):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(
        "content,style,strength\nphotos/cat.png,styles/calm.png,0.5\nphotos/cat.png,styles/noise.jpg,\n"
    )
    out = tmp_path / "out"
    assert run_cli("batch", manifest, "-o", out, "--method", "fast", "--size", "64", "--quiet").returncode == 0
    strengths = sorted(read_record(p)["settings"]["strength"] for p in pictures(out))
    assert strengths == [0.5, 1.0]
    manifest.write_text("content,style,content_weight\nphotos/cat.png,styles/calm.png,2\n")
    assert_error(
        run_cli("batch", manifest, "-o", tmp_path / "other", "--method", "fast"),
        f"{manifest}: column 'content_weight' is neither an input nor a fast setting",
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--method", "fast", "--content-weight", "3"], "--content-weight is not a fast setting (--method fast)"),
        (["--transform", "wct"], "--transform is not a transfer setting (--method transfer)"),
        (["--method", "fast", "--preset", "quality"], "--preset quality: fast has the presets default"),
    ],
)
def test_an_option_of_the_other_method_is_a_one_line_error(tmp_path, folders, extra, message):
    photos, styles = folders
    assert_error(run_cli("batch", photos, "--styles", styles, "-o", tmp_path / "out", *extra), message)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--styles", "{tmp}/nowhere"], "--styles {tmp}/nowhere: no such file or folder"),
        ([], "give the paintings with --styles (folders, globs or files), or a manifest"),
        (
            ["--styles", "{tmp}/styles", "--pairs", "zip"],
            "--pairs zip: 2 photos but 2 styles; zip needs as many of each",
        ),
        (
            ["--styles", "{tmp}/styles", "--format", "gif"],
            "--format gif: choose one of png, jpg, jpeg, webp, tif, tiff",
        ),
    ],
)
def test_bad_requests_are_one_line_errors(tmp_path, folders, extra, message):
    photos, _ = folders
    args = [a.format(tmp=tmp_path) for a in extra]
    if "zip" in args:  # make the counts differ
        (tmp_path / "styles" / "noise.jpg").unlink()
        message = "--pairs zip: 2 photos but 1 styles; zip needs as many of each"
    assert_error(run_cli("batch", photos, *args, "-o", tmp_path / "out"), message.format(tmp=tmp_path))


def test_an_empty_input_folder_is_a_one_line_error(tmp_path, folders):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("nothing here")
    assert_error(
        run_cli("batch", tmp_path / "empty", "--styles", folders[1], "-o", tmp_path / "out"),
        f"no images in {tmp_path / 'empty'}",
    )


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, folders):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_subprocess(
        "batch",
        folders[0],
        "--styles",
        folders[1],
        "-o",
        tmp_path / "out",
        "--cluster",
        f"tcp://127.0.0.1:{port}",
        "--connect-timeout",
        "1",
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"brushwork: error: --cluster tcp://127.0.0.1:{port}: cannot reach the Dask scheduler ("
    )
    assert result.stderr.count("\n") == 1
