"""``brushwork batch --cluster`` on a real Dask cluster on 127.0.0.1: a scheduler and two worker processes
started as the ``dask`` commands a user would type, and one worker killed while it holds a job."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from ..helpers import start_brushwork

pytestmark = pytest.mark.integration
distributed = pytest.importorskip("distributed", reason="the cluster extra is part of the test install")

SLOW = ["--size", "64", "--scales", "0.5", "1", "--iterations", "20", "60"]  # a few seconds per job


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dask_command(*args, log: Path, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group, so that the teardown ends the nannies' workers too
    )


@pytest.fixture
def cluster(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "2"}
    host, port = address.removeprefix("tcp://").split(":")
    started = [
        dask_command(
            "scheduler", "--host", host, "--port", port, "--no-dashboard", log=tmp_path / "scheduler.log", env=env
        )
    ]
    client = None
    try:
        started.append(
            dask_command(
                "worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--host",
                host,
                "--no-dashboard",
                "--death-timeout",
                "60",
                log=tmp_path / "workers.log",
                env=env,
            )
        )
        client = distributed.Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=120)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for process in reversed(started):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def test_a_killed_worker_costs_nothing_every_output_exists_once_and_the_manifest_is_complete(
    tmp_path, folders, cluster, real_weights
):
    address, client = cluster
    photos, styles = folders
    out = tmp_path / "out"
    batch = start_brushwork(["batch", photos, "--styles", styles, "-o", out, *SLOW, "--cluster", address])
    try:
        deadline = time.monotonic() + 120
        held: list[str] = []
        worker = ""
        while not held and time.monotonic() < deadline:
            busy = {
                w: keys for w, keys in client.processing().items() if any(str(k).startswith("brushwork-") for k in keys)
            }
            if busy:
                worker, held = next(iter(busy.items()))
            time.sleep(0.2)
        assert held, "no job reached a worker"
        time.sleep(1.0)  # well inside a job of several seconds
        killed = client.run(os.getpid, workers=[worker])[worker]
        os.kill(killed, signal.SIGKILL)
        _, stderr = batch.communicate(timeout=300)
    finally:
        batch.kill()
    assert batch.returncode == 0, stderr
    assert "batch on the Dask cluster at" in stderr and "  finished       4" in stderr

    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(made) == 4 and len({name.split("__")[0] + name.split("__")[1] for name in made}) == 4
    for name in made:
        with Image.open(out / name) as image:
            image.load()
    assert not [p for p in out.rglob("*") if p.name.startswith(".bw-")]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {row["status"] for row in rows} == {"finished"}
    assert sorted(Path(row["output"]).relative_to(out).as_posix() for row in rows) == made
    # The jobs the killed worker held were painted by another process.
    for row in rows:
        if f"brushwork-{row['key']}" in held:
            assert not row["worker"].endswith(f":{killed}")


def test_each_dask_worker_is_told_its_device_and_a_lost_device_ends_the_worker(cluster, tmp_path):
    from brushwork.batch import cluster as dask_cluster

    address, client = cluster
    backend = dask_cluster.DaskCluster.connect(address, timeout=30, devices=["cpu", "auto"])
    told = backend.tell_devices(["cpu", "auto"])
    assert sorted(told.values()) == ["auto", "cpu"]

    def device_here():
        from brushwork.batch import task

        return task._device_name, str(task.process_device())

    assert client.run(device_here) == {worker: (name, "cpu") for worker, name in told.items()}
    # A task whose device is lost for good ends its worker; its nanny starts a fresh one, and the task
    # runs again elsewhere (here, where the device is fine, it fails on its made-up job).
    doomed = sorted(told)[0]

    def lose_the_device_here():
        from brushwork.batch import cluster as on_worker

        on_worker.run_task = lambda task, should_stop: {"status": "failed", "device_lost": True}

    client.run(lose_the_device_here, workers=[doomed])
    lost = {"content": "lost", "styles": [], "output": str(tmp_path / "lost.png"), "job": {"technique": "bogus"}}
    future = client.submit(
        dask_cluster.run_on_worker, lost, "no-event", None, workers=[doomed], allow_other_workers=True, pure=False
    )
    row = future.result(timeout=120)
    assert row["status"] == "failed" and "device_lost" not in row
    assert doomed not in client.scheduler_info()["workers"]
    backend.client.close()
