"""Runs that meet: two runs given one output. A finished picture is never dropped for a name, and a
second batch or video into a folder that a running one writes is refused at its start."""

import time
from pathlib import Path

import pytest
from PIL import Image

from brushwork import files
from brushwork.jobs import runner
from brushwork.provenance import read_record

from ..helpers import assert_error, hold_folder_elsewhere, run_cli

FAST = ["--size", "40", "--scales", "0.8", "1", "--iterations", "2", "2", "--quiet"]


@pytest.fixture
def photo(tmp_path):
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "photo.png")
    return tmp_path / "photo.png"


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_painting_whose_name_another_run_took_meanwhile_is_saved_beside_it(tmp_path, photo, monkeypatch, suffix):
    out = tmp_path / f"o{suffix}"
    real_run_job = runner.run_job

    def other_run_finishes_first(*args, **kwargs):
        result = real_run_job(*args, **kwargs)
        out.write_bytes(b"the other run's painting")  # after the check before the work, before the save
        if suffix == ".jpg":
            Path(f"{out}.json").write_text("{}")
        return result

    monkeypatch.setattr(runner, "run_job", other_run_finishes_first)
    result = run_cli("transfer", photo, photo, "-o", out, *FAST)
    beside = tmp_path / f"o-2{suffix}"
    assert_error_line = f"brushwork: {out}: another run wrote it meanwhile; this one was saved as {beside}\n"
    assert (result.returncode, result.stderr) == (2, assert_error_line)
    assert out.read_bytes() == b"the other run's painting"
    assert read_record(beside)["status"] == "finished"
    with Image.open(beside) as picture:
        assert picture.size == (40, 27)


def test_save_where_free_takes_the_first_free_sibling_and_stops_after_the_last(tmp_path):
    taken = tmp_path / "o.png"
    for name in ("o.png", "o-2.png", "o-3.png"):
        (tmp_path / name).write_bytes(b"x")

    def save(path: Path) -> None:
        files.write_text(path, "mine")

    assert files.save_where_free(save, taken) == tmp_path / "o-4.png"
    assert (tmp_path / "o-4.png").read_text() == "mine" and taken.read_bytes() == b"x"
    for n in range(5, files.SIBLINGS_TRIED + 2):
        (tmp_path / f"o-{n}.png").write_bytes(b"x")
    with pytest.raises(files.BrushworkError) as refused:
        files.save_where_free(save, taken)
    assert str(refused.value) == f"{taken}: it and its next 99 sibling names are taken; nothing was saved"


def test_a_long_name_gets_a_sibling_that_fits(tmp_path):
    path = tmp_path / ("é" * 125 + ".png")  # 254 bytes: "-2" does not fit
    path.write_bytes(b"x")
    where = files.save_where_free(lambda p: files.write_text(p, "mine"), path)
    assert where.parent == tmp_path and where.suffix == ".png" and files.name_bytes(where.name) <= 255
    assert where.read_text() == "mine"


def test_a_second_batch_into_a_folder_a_running_batch_writes_is_refused(tmp_path, photo):
    out = tmp_path / "out"
    holder = hold_folder_elsewhere(out)
    try:
        started = time.monotonic()
        for extra in ([], ["--resume"], ["--overwrite"]):
            result = run_cli("batch", photo, "--styles", photo, "-o", out, *FAST, *extra)
            message = f"{out}: another brushwork batch is writing here; wait for it to end or choose another output"
            assert_error(result, message)
        assert time.monotonic() - started < 30  # refused at once, not after waiting
        assert sorted(p.name for p in out.iterdir()) == [files.LOCK_NAME]
    finally:
        holder.kill()
        holder.wait()
    # Once the first has ended (here: its process died without a word), the folder is free again.
    result = run_cli("batch", photo, "--styles", photo, "-o", out, *FAST)
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.png"))) == 1


def test_held_folder_is_reentrant_in_one_process_and_released_after(tmp_path):
    with files.held_folder(tmp_path, "batch"), files.held_folder(tmp_path, "batch"):
        pass
    holder = hold_folder_elsewhere(tmp_path)
    holder.kill()
    holder.wait()
    with files.held_folder(tmp_path, "batch"):
        pass
