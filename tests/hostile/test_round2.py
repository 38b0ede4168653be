"""Hostile input, round 2: documents brushwork reads, outputs that are inputs, names that are not UTF-8,
and the crash net itself."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from brushwork import files
from brushwork.batch.results import ResultsFile
from brushwork.cli import info

from ..helpers import assert_error, run_cli

NOT_UTF8 = b"bad\xff.png".decode("utf-8", "surrogateescape")


@pytest.fixture
def photo(tmp_path):
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "photo.png")
    return tmp_path / "photo.png"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested 100,000 levels deep; at most 32 are read"),
        ('{"size": ' + "9" * 5000 + "}", "a JSON integer of 5,000 digits; at most 40 are read"),
        (
            '{"technique": "transfer", "settings": [1], "inputs": {}}',
            "'settings' must be a JSON object, not a JSON array",
        ),
        ('{"technique": "transfer", "settings": {}, "inputs": "x"}', "'inputs' must be a JSON object, not a string"),
        ('{"technique": "transfer", "settings": null}', "'settings' must be a JSON object, not null"),
        ("[1, 2]", "the document must be a JSON object, not a JSON array"),
    ],
)
def test_every_reader_of_documents_refuses_a_hostile_one_in_one_line(tmp_path, photo, text, message):
    document = tmp_path / "doc.json"
    document.write_text(text)
    assert_error(run_cli("info", document), f"{document}: {message}")
    out = tmp_path / "o.png"
    assert_error(run_cli("transfer", photo, photo, "--settings", document, "-o", out), f"{document}: {message}")
    # The same document as the sidecar of a JPEG result.
    Image.new("RGB", (8, 8)).save(tmp_path / "r.jpg")
    (tmp_path / "r.jpg.json").write_text(text)
    assert_error(run_cli("info", tmp_path / "r.jpg"), f"{tmp_path / 'r.jpg.json'}: {message}")
    assert not out.exists()


def test_a_document_larger_than_the_bound_is_refused_unread(tmp_path):
    document = tmp_path / "doc.json"
    document.write_text('{"size": 64, "pad": "' + "x" * 2_000_000 + '"}')
    assert_error(
        run_cli("info", document), f"{document}: a JSON document of 1,000,001 bytes; at most 1,000,000 are read"
    )


def test_a_fifo_or_a_device_is_not_a_regular_file(tmp_path, photo):
    os.mkfifo(tmp_path / "fifo")
    for path in (tmp_path / "fifo", Path("/dev/zero")):
        message = f"{path}: not a regular file; give a brushwork image or a JSON file"
        assert_error(run_cli("transfer", photo, photo, "--settings", path, "-o", tmp_path / "o.png"), message)
        assert_error(run_cli("info", path), message)
    assert_error(run_cli("info", tmp_path), f"{tmp_path}: a folder; give a brushwork image or a JSON file")


@pytest.mark.parametrize("name", ["photo.png", "link.png", "hard.png"])
def test_an_output_that_is_an_input_is_refused_even_with_overwrite(tmp_path, photo, name):
    (tmp_path / "link.png").symlink_to(photo)
    os.link(photo, tmp_path / "hard.png")
    before = photo.read_bytes()
    result = run_cli("transfer", photo, photo, "-o", tmp_path / name, "--overwrite", "--size", "40")
    assert_error(result, f"{tmp_path / name}: is an input of this run ({photo}); write the result to another file")
    assert photo.read_bytes() == before


def test_the_video_output_may_not_be_its_clip(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not read")
    with pytest.raises(files.BrushworkError) as refused:
        files.check_writable(clip, overwrite=True, inputs=[clip, tmp_path / "style.jpg"])
    assert str(refused.value) == f"{clip}: is an input of this run ({clip}); write the result to another file"


def test_a_budget_below_what_torch_takes_says_so(tmp_path, photo):
    assert_error(
        run_cli("transfer", photo, photo, "--max-memory", "0.001", "-o", tmp_path / "o.png"),
        "--max-memory 0.001 GB is less than the 0.6 GB that torch and the network's weights take before any "
        "image: give more",
    )


def test_a_name_that_is_not_utf8_is_printed_with_an_escape(tmp_path):
    bad = tmp_path / NOT_UTF8
    Image.new("RGB", (8, 8)).save(bad)
    code = "import sys; from brushwork.cli.main import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, "info", os.fsencode(bad)], capture_output=True)
    assert result.returncode == 2
    shown = os.fsencode(tmp_path) + b"/bad\\xff.png"
    assert (
        result.stderr
        == b"brushwork: error: " + shown + b": carries no brushwork settings (not written by brushwork?)\n"
    )


def crash_with(tmp_path, monkeypatch, message: str):
    def broken(args):
        raise ZeroDivisionError(message)

    monkeypatch.setattr(info, "run", broken)
    return run_cli("info", tmp_path / NOT_UTF8)


def test_the_crash_net_writes_a_log_for_a_name_it_cannot_encode(tmp_path, monkeypatch):
    monkeypatch.setenv("BRUSHWORK_CRASH_DIR", str(tmp_path / "crashes"))
    result = crash_with(tmp_path, monkeypatch, f"boom {NOT_UTF8}")
    (log,) = (tmp_path / "crashes").iterdir()
    assert result.returncode == 70
    assert result.stderr == f"brushwork: internal error: ZeroDivisionError: boom bad\\xff.png; details in {log}\n"
    assert "bad\\xff.png" in log.read_text(encoding="utf-8")


def test_the_crash_net_holds_when_no_log_can_be_written(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("a file where the crash folder would be")
    monkeypatch.setenv("BRUSHWORK_CRASH_DIR", str(tmp_path / "file" / "crashes"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "file" / "tmp"))

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)  # /tmp too: a full disk
    result = crash_with(tmp_path, monkeypatch, "boom")
    assert result.returncode == 70
    assert result.stderr == "brushwork: internal error: ZeroDivisionError: boom; no crash log could be written\n"


@pytest.mark.parametrize("home", [None, "a file"])
def test_the_crash_net_holds_without_a_usable_home(tmp_path, home):
    (tmp_path / "a file").write_text("HOME is a file: no folder can be made in it")
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_STATE_HOME", "BRUSHWORK_CRASH_DIR")}
    env.update({"TMPDIR": str(tmp_path / "tmp"), **({"HOME": str(tmp_path / home)} if home else {})})
    code = (
        "import sys; from brushwork.cli import info; from brushwork.cli.main import main\n"
        "def broken(args): raise ZeroDivisionError('boom')\n"
        "info.run = broken; sys.exit(main(['info', 'x.png']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 70 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("brushwork: internal error: ZeroDivisionError: boom; details in ")
    if home:  # the crash folder under HOME cannot be made: the log goes to TMPDIR
        assert f"details in {tmp_path / 'tmp'}/brushwork-crash-" in result.stderr


def test_a_results_row_with_a_name_that_is_not_utf8_round_trips(tmp_path):
    results = ResultsFile(tmp_path / "results.jsonl")
    row = {"output": str(tmp_path / NOT_UTF8), "status": "finished", "content": "é.png"}
    results.start([])
    results.add(row)
    results.close()
    assert results.previous() == {row["output"]: row}
