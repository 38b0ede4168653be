"""The studio when its data folder refuses writes (full, read-only) or loses its database while running:
a 507 or 503 with a message, never a 500; nothing half-written; no job's ending dropped."""

import errno
import time

import pytest

from brushwork import files
from brushwork.studio.folders import Folders
from brushwork.studio.supervisor import RETRY_SECONDS
from tests.studio.server import QUICK, Studio, StudioHere

from .test_api import png

FULL = "the studio's data folder is full; free some space there"
READ_ONLY = "the studio's data folder cannot be written (read-only, or no permission)"


@pytest.fixture
def here(tmp_path):
    server = StudioHere(tmp_path / "studio").start()
    yield server
    server.stop()


def refuse_changes(store, how: str | None) -> None:
    """Make the database refuse every change as a full disk (``full``) or a read-only one (``read-only``)
    would, or take them again (None)."""
    with store._lock:
        db = store._db
        db.execute(f"PRAGMA query_only = {int(how == 'read-only')}")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages if how == 'full' else 1_073_741_823}")


def test_a_full_or_read_only_database_answers_507_or_503_with_a_message(here):
    demo = here.demo()
    form = {"technique": "transfer", "settings": QUICK, "inputs": {"content": demo["photo"]["id"], "styles": []}}
    form["inputs"]["styles"] = [demo["painting"]["id"]]
    here.json("POST", "/api/queue", {"paused": True})
    for how, status, message in (("full", 507, FULL), ("read-only", 503, READ_ONLY)):
        refuse_changes(here.store, how)
        for _ in range(100):  # a full database still fits rows in the free room of its pages
            answer = here.json("POST", "/api/jobs", form)
            if answer[0] != 201:
                break
        assert answer == (status, {"error": message, "errors": {}})
        if how == "read-only":  # (a full one can still change a value in place)
            assert here.json("POST", "/api/queue", {"paused": False}) == (status, {"error": message, "errors": {}})
        refuse_changes(here.store, None)
    assert here.json("POST", "/api/jobs", form)[0] == 201


def test_an_upload_the_disk_has_no_room_for_is_refused_and_leaves_no_file(here, monkeypatch):
    uploads = here.data_dir / "uploads"
    before = sorted(uploads.iterdir())

    def no_room(path, write, overwrite):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_to", no_room)
    assert here.upload(png()) == (507, {"error": FULL, "errors": {"upload": FULL}})
    assert sorted(uploads.iterdir()) == before
    monkeypatch.undo()
    assert here.upload(png())[0] == 201


def test_a_job_ends_recorded_once_the_database_takes_changes_again(here):
    job = here.add_transfer(QUICK)
    here.wait_for(job["id"], lambda j: j["status"] == "running")
    refuse_changes(here.store, "read-only")  # the worker's "done" comes while nothing can be written
    thumbnail = Folders(here.data_dir).result_thumbnail(job["id"])  # the worker's last write before "done"
    deadline = time.monotonic() + 120
    while not thumbnail.exists():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(2 * RETRY_SECONDS + 1)
    assert here.job(job["id"])["status"] == "running"
    refuse_changes(here.store, None)
    ended = here.wait_for(job["id"], lambda j: j["status"] != "running", timeout=30)
    assert ended["status"] == "finished" and ended["has_result"], ended


def test_a_database_removed_while_the_studio_runs_is_written_again(tmp_path):
    studio = Studio(tmp_path / "studio").start()
    try:
        first = studio.add_transfer(QUICK)
        studio.json("POST", "/api/queue", {"paused": True})
        for path in (tmp_path / "studio").glob("studio.sqlite3*"):
            path.unlink()
        second = studio.add_transfer(QUICK)  # the next change notices, and writes the file again
        assert (tmp_path / "studio" / "studio.sqlite3").is_file()
    finally:
        stderr = studio.stop()
    assert "studio.sqlite3 was removed while running; written again from its open copy" in stderr
    again = Studio(tmp_path / "studio").start()
    try:
        assert {j["id"] for j in again.json("GET", "/api/jobs")[1]["jobs"]} == {first["id"], second["id"]}
    finally:
        again.stop()
