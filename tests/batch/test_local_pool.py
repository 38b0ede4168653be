"""The local pool with worker processes that really die: only the task a dead worker held is tried again,
up to three times in all, and the batch goes on."""

import os
import signal
from pathlib import Path

import pytest

from brushwork.batch.local import MAX_ATTEMPTS, LocalPool
from brushwork.batch.task import row_for

pytestmark = pytest.mark.integration  # the workers load VGG19 as they start


def die_on_first_try(task, should_stop):
    """Run in a worker: the task named 'crash' kills its process the first time it is tried."""
    marker = Path(task["output"] + ".tried")
    if "crash" in task["content"] and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return row_for(task, "finished", seconds=0.0, pid=os.getpid())


def always_die(task, should_stop):
    if "crash" in task["content"]:
        os.kill(os.getpid(), signal.SIGKILL)
    return row_for(task, "finished", seconds=0.0, pid=os.getpid())


def tasks(tmp_path, names):
    return [{"content": name, "styles": [], "output": str(tmp_path / f"{name}.png")} for name in names]


def test_a_worker_killed_once_costs_only_its_task_one_more_try(tmp_path, real_weights):
    rows = []
    LocalPool(2, 1, work=die_on_first_try).run(tasks(tmp_path, ["a", "crash", "b", "c"]), rows.append)
    by_name = {row["content"]: row for row in rows}
    assert sorted(by_name) == ["a", "b", "c", "crash"]
    assert all(row["status"] == "finished" for row in rows)
    assert by_name["crash"]["attempts"] == 2
    assert all(by_name[name]["attempts"] == 1 for name in "abc")
    # The retry ran in a new process, not the one that died.
    assert by_name["crash"]["pid"] != int((tmp_path / "crash.png.tried").read_text())


def test_a_task_that_kills_every_worker_is_recorded_as_failed_and_the_rest_finish(tmp_path, real_weights):
    rows = []
    LocalPool(2, 1, work=always_die).run(tasks(tmp_path, ["a", "crash", "b"]), rows.append)
    by_name = {row["content"]: row for row in rows}
    assert by_name["crash"]["status"] == "failed"
    assert by_name["crash"]["attempts"] == MAX_ATTEMPTS == 3
    assert by_name["crash"]["error"] == "its worker process died 3 times while running it (out of memory, or killed)"
    assert by_name["a"]["status"] == by_name["b"]["status"] == "finished"


def lose_the_device_on_first_try(task, should_stop):
    """Run in a worker: the task named 'lost' meets a sticky device error the first time it is tried."""
    from brushwork.batch import task as task_module

    slot = f"{os.getpid()} {task_module._device_name} {os.environ['BRUSHWORK_MEMORY_SHARE']}"
    marker = Path(task["output"] + ".tried")
    if "lost" in task["content"] and not marker.exists():
        marker.write_text(slot)
        return row_for(task, "failed", error="internal error: RuntimeError: CUDA error", device_lost=True)
    return row_for(task, "finished", slot=slot, device=str(task_module.process_device()))


def test_a_worker_whose_device_is_lost_is_replaced_and_its_task_tried_again(tmp_path, real_weights):
    rows = []
    pool = LocalPool(3, 1, work=lose_the_device_on_first_try, devices=["cpu", "auto"])
    pool.run(tasks(tmp_path, ["a", "lost", "b"]), rows.append)
    by_name = {row["content"]: row for row in rows}
    assert by_name["lost"]["status"] == "finished" and by_name["lost"]["attempts"] == 2
    assert "device_lost" not in by_name["lost"]
    first_try = (tmp_path / "lost.png.tried").read_text().split()
    assert by_name["lost"]["slot"].split()[0] != first_try[0]  # the retry ran in a new process
    # The workers are dealt out over the devices in turn, and those on one device share its memory.
    assert first_try[1:] == ["auto", "1.0"]
    assert by_name["a"]["slot"].split()[1:] == by_name["b"]["slot"].split()[1:] == ["cpu", "0.5"]
    assert {row["device"] for row in rows} == {"cpu"}  # auto is the CPU here
