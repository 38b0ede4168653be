"""The studio's SQLite store: the queue's order, moves, removal, and what a restart finds."""

import sqlite3

import pytest

from brushwork.studio.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "studio.sqlite3")
    yield opened
    opened.close()


def queued(store):
    return [j["id"] for j in store.jobs() if j["status"] == "queued"]


def add(store, seed=0):
    return store.add_job("transfer", "default", {"seed": seed}, {"content": "a" * 32})


def test_jobs_queue_in_order_and_move_one_place_at_a_time(store):
    a, b, c = add(store), add(store), add(store)
    assert store.next_queued()["id"] == a
    assert store.move(c, -1) and queued(store) == [a, c, b]
    assert not store.move(a, -1)  # already first
    assert store.move(a, 1) and queued(store) == [c, a, b]


def test_a_running_job_cannot_be_moved_or_removed_and_ends_with_its_record(store):
    a, b = add(store), add(store)
    store.start(a)
    assert store.next_queued()["id"] == b
    assert not store.move(a, 1) and store.remove(a) is None
    store.end(a, "finished", seconds=3.5, losses={"style": 1.0}, run={"precision": "bfloat16"})
    job = store.job(a)
    assert (job["status"], job["seconds"], job["losses"], job["attempts"]) == ("finished", 3.5, {"style": 1.0}, 1)
    assert job["run"] == {"precision": "bfloat16"} and store.job(b)["run"] == {}
    assert store.remove(a)["id"] == a and store.job(a) is None


def test_after_a_restart_the_running_job_goes_back_to_the_front(tmp_path):
    first = Store(tmp_path / "studio.sqlite3")
    a, b = add(first), add(first)
    first.start(a)
    first.set_paused(True)
    first.close()  # as good as a crash: every change was its own committed transaction
    again = Store(tmp_path / "studio.sqlite3")
    assert again.requeue_running() == [a]
    assert queued(again) == [a, b] and again.paused
    again.start(a)
    assert again.job(a)["attempts"] == 2
    again.close()


def test_the_database_is_in_wal_mode_with_a_schema_version(store, tmp_path):
    db = sqlite3.connect(tmp_path / "studio.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="written by a newer brushwork"):
        Store(tmp_path / "studio.sqlite3")


def test_a_file_that_is_not_a_database_is_refused_in_one_line(tmp_path):
    (tmp_path / "studio.sqlite3").write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError) as refused:
        Store(tmp_path / "studio.sqlite3")
    assert str(refused.value) == (
        f"{tmp_path / 'studio.sqlite3'}: not a studio database (file is not a database); move it away to start afresh"
    )


def test_a_database_of_schema_1_gains_the_run_column_and_keeps_its_jobs(tmp_path):
    path = tmp_path / "studio.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, technique TEXT NOT NULL, preset TEXT NOT NULL,"
        " settings TEXT NOT NULL, inputs TEXT NOT NULL, status TEXT NOT NULL, position REAL NOT NULL,"
        " created REAL NOT NULL, started REAL, ended REAL, seconds REAL, attempts INTEGER NOT NULL DEFAULT 0,"
        " error TEXT NOT NULL DEFAULT '', losses TEXT NOT NULL DEFAULT '{}');"
        "INSERT INTO jobs (technique, preset, settings, inputs, status, position, created)"
        " VALUES ('transfer', 'default', '{}', '{}', 'finished', 1, 0);"
    )
    old.commit()
    old.close()
    store = Store(path)
    assert store.meta("schema_version") == "2"
    assert [(j["status"], j["run"]) for j in store.jobs()] == [("finished", {})]
    store.end(1, "finished", run={"precision": "float32"})
    assert store.job(1)["run"] == {"precision": "float32"}
    store.close()
    assert Store(path).meta("schema_version") == "2"  # opened again: no second migration
