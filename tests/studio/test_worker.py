"""The worker process: every job kind runs through it, and its death fails one job, never the server."""

import os
import signal
import time

import pytest

from brushwork.provenance import read_record
from tests.studio.server import QUICK

pytestmark = pytest.mark.integration


def worker_pid(studio) -> int:
    """The server's one child process (the worker), found through /proc."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = []
        for task in os.listdir(f"/proc/{studio.process.pid}/task"):
            with open(f"/proc/{studio.process.pid}/task/{task}/children") as f:
                children += [int(pid) for pid in f.read().split()]
        workers = [pid for pid in children if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
        if workers:
            return workers[0]
        time.sleep(0.1)
    raise AssertionError("no worker process")


def test_texture_and_dream_are_job_kinds_too(studio):
    demo = studio.demo()
    texture = {"technique": "texture", "settings": {"size": [64, 64], "iterations": [5, 5, 5]}}
    texture["inputs"] = {"style": demo["painting"]["id"]}
    dream = {"technique": "dream", "settings": {"size": 64, "octaves": 2, "iterations": 3}}
    dream["inputs"] = {"image": demo["photo"]["id"]}
    ids = []
    for form in (texture, dream):
        status, job = studio.json("POST", "/api/jobs", form)
        assert status == 201, job
        ids.append(job["id"])
    for job_id, technique in zip(ids, ("texture", "dream")):
        job = studio.wait_for(job_id, lambda j: j["status"] not in ("queued", "running"))
        assert job["status"] == "finished", job["error"]
        assert read_record(studio.data_dir / "results" / f"{job_id}.png")["technique"] == technique


def test_a_killed_worker_fails_its_job_with_the_reason_and_the_next_job_runs(studio):
    doomed = studio.add_transfer({"size": 128, "iterations": [300, 100]})
    studio.wait_for(doomed["id"], lambda j: (j["progress"] or {}).get("iteration", 0) > 2)
    os.kill(worker_pid(studio), signal.SIGKILL)  # what the kernel's out-of-memory killer does
    failed = studio.wait_for(doomed["id"], lambda j: j["status"] == "failed", timeout=30)
    assert failed["error"] == "the worker process was killed by SIGKILL (out of memory?); it has been restarted"
    after = studio.add_transfer(QUICK)
    assert studio.wait_for(after["id"], lambda j: j["status"] not in ("queued", "running"))["status"] == "finished"
    assert studio.process.poll() is None  # the server stayed up


def test_a_job_whose_input_vanished_fails_in_one_line_and_the_worker_goes_on(studio):
    studio.json("POST", "/api/queue", {"paused": True})
    status, photo = studio.upload(next((studio.data_dir / "uploads").glob("*.png")).read_bytes(), "p.png")
    assert status == 201
    demo = studio.demo()
    form = {
        "technique": "transfer",
        "settings": QUICK,
        "inputs": {"content": photo["id"], "styles": [demo["painting"]["id"]]},
    }
    broken = studio.json("POST", "/api/jobs", form)[1]
    (studio.data_dir / "uploads" / f"{photo['id']}.png").unlink()
    fine = studio.add_transfer(QUICK)
    studio.json("POST", "/api/queue", {"paused": False})
    failed = studio.wait_for(broken["id"], lambda j: j["status"] not in ("queued", "running"))
    assert (failed["status"], failed["error"]) == (
        "failed",
        "an input image of this job (p.png) is no longer in the studio; upload it again",
    )
    assert studio.wait_for(fine["id"], lambda j: j["status"] not in ("queued", "running"))["status"] == "finished"


def test_a_tiled_job_reports_its_tiles_and_stops_within_an_iteration(studio):
    job = studio.add_transfer({"size": 256, "tile": 32, "iterations": [2, 40]})
    # --tile tiles every level larger than it; the full-size level has the most tiles.
    seen = studio.wait_for(
        job["id"], lambda j: (j["progress"] or {}).get("tile") is not None and j["progress"]["level"] == 1, timeout=90
    )
    progress = seen["progress"]
    assert 1 <= progress["tile"] <= progress["tiles"]
    # Both passes over every tile of the 256x170 image: 8 x 6 tiles of 32 px, twice.
    assert progress["tiles"] == 2 * 8 * 6
    assert progress["iteration"] < 40
    studio.json("POST", f"/api/jobs/{job['id']}/stop")
    stopped = studio.wait_for(job["id"], lambda j: j["status"] not in ("queued", "running"), timeout=30)
    assert stopped["status"] == "stopped"


def test_a_visualization_is_a_job_kind_with_no_inputs(studio):
    form = {"technique": "visualize-channel", "settings": {"layer": "relu3_1", "channel": 7, "size": 48}}
    form["settings"] |= {"iterations": 3, "batch": 2}
    status, job = studio.json("POST", "/api/jobs", form)
    assert status == 201, job
    job = studio.wait_for(job["id"], lambda j: j["status"] not in ("queued", "running"))
    assert job["status"] == "finished", job["error"]
    record = read_record(studio.data_dir / "results" / f"{job['id']}.png")
    assert record["technique"] == "visualize-channel" and record["settings"]["channel"] == 7
    bad = {"technique": "visualize-class", "settings": {"class_name": "tabbycat"}}
    status, refused = studio.json("POST", "/api/jobs", bad)
    assert status == 422 and "no ImageNet class named 'tabbycat'" in refused["errors"]["settings.class_name"]


def test_a_painting_from_a_draft_shows_the_draft_before_its_first_iteration(tmp_path, real_weights):
    from threading import Event

    from brushwork.cli.transfer import demo_image
    from brushwork.jobs import Job
    from brushwork.jobs.technique import TECHNIQUES
    from brushwork.settings import PRESETS
    from brushwork.studio.worker import run_task

    settings = PRESETS["default"].replace(size=96, init="draft", scales=(0.5, 1.0), iterations=(2, 2))
    inputs = {"content": str(demo_image("chelsea.png")), "styles": [str(demo_image("starry_night.jpg"))]}
    job = Job("transfer", settings, inputs)
    frame = tmp_path / "frame.jpg"
    task = {
        "id": 7,
        "job": job.to_dict(),
        "plan": TECHNIQUES["transfer"].plan(settings, (300, 451)),
        "levels": str(tmp_path / "levels.safetensors"),
        "frame": str(frame),
        "result": str(tmp_path / "result.png"),
        "thumbnail": str(tmp_path / "thumbnail.jpg"),
    }
    sent = []

    def send(kind, payload):
        sent.append((kind, payload, frame.exists()))

    done = run_task(task, Event(), send, None)
    assert done["status"] == "finished", done["error"]
    kind, first, frame_written = sent[0]
    assert kind == "progress" and first["draft"] is True and first["frame"] == 1 and frame_written
    assert (first["level"], first["iteration"]) == (0, 0)
    assert all("draft" not in payload for _, payload, _ in sent[1:])
