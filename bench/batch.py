"""Batch throughput: prints a table and writes bench/results/batch.json.

  .venv/bin/python bench/batch.py [--size 256] [--photos 4] [--fast-copies 5]

In one run, the same 8 jobs (4 skimage photos × The Starry Night and skimage's brick texture, default
preset) are painted: one after the other in this process (the baseline: compute only, VGG19 loaded
once), as sequential ``brushwork transfer`` runs, on the local pool (one worker with two threads, two
workers with one thread each) and on a 2-worker Dask cluster started on this machine with the ``dask``
commands. Reported for each: images per hour, start-up (to the first task's start) separately, and the
per-image time after start-up against each job's own compute time (the machinery's overhead; target
within 5 %), and the pool's and Dask's images per hour against the baseline's. Then the same pairs with
``--method fast`` (the fast tier: one pass each), each photo in ``--fast-copies`` folders so that the run is
long enough to time, on the 2-worker local pool and the 2-worker Dask cluster: images per hour against the
default's on the same backend (target: at least 20×).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import RESULTS, ROOT

sys.path.insert(0, str(ROOT))

from brushwork.batch.build import BatchRequest, build
from brushwork.settings.fast import FastSettings
from brushwork.settings.transfer import PRESETS

ASSETS = ROOT / "brushwork" / "assets"


def make_inputs(folder: Path, photos: int) -> tuple[Path, Path]:
    from PIL import Image
    from skimage import data

    photo_dir, style_dir = folder / "photos", folder / "styles"
    photo_dir.mkdir()
    style_dir.mkdir()
    for name in ("chelsea", "astronaut", "coffee", "rocket", "cat")[:photos]:
        Image.fromarray(getattr(data, name)()).convert("RGB").save(photo_dir / f"{name}.png")
    Image.open(ASSETS / "starry_night.jpg").save(style_dir / "starry_night.jpg")
    Image.fromarray(data.brick()).convert("RGB").save(style_dir / "brick.png")
    return photo_dir, style_dir


def timed_rows(backend, tasks, parallel: int) -> dict:
    """Run ``tasks`` on ``backend``; start-up is until the first task began (its end minus its seconds)."""
    rows: list[tuple[float, dict]] = []
    started = time.monotonic()
    backend.run(tasks, lambda row: rows.append((time.monotonic(), row)))
    wall = time.monotonic() - started
    assert all(row["status"] == "finished" for _, row in rows), [row for _, row in rows if row["status"] != "finished"]
    first_start = min(end - row["seconds"] for end, row in rows) - started
    return summarize(wall, first_start, [row["seconds"] for _, row in rows], parallel)


def summarize(wall: float, startup: float, seconds: list[float], parallel: int = 1) -> dict:
    jobs = len(seconds)
    compute = sum(seconds) / jobs
    return {
        "wall_s": round(wall, 2),
        "startup_s": round(startup, 2),
        "images_per_hour": round(jobs * 3600 / wall, 1),
        "images_per_hour_after_startup": round(jobs * 3600 / (wall - startup), 1),
        "compute_s_per_image": round(compute, 2),
        # The time each image held a worker, after start-up, over its own compute time.
        "overhead": round((wall - startup) * parallel / jobs / compute, 3),
    }


def baseline(tasks) -> dict:
    import torch

    from brushwork.batch.task import process_vgg19, run_task

    torch.set_num_threads(2)
    started = time.monotonic()
    process_vgg19()("avg", "zeros")
    startup = time.monotonic() - started
    rows = [run_task(task) for task in tasks]
    return summarize(time.monotonic() - started, startup, [row["seconds"] for row in rows])


def sequential_cli(tasks, folder: Path) -> dict:
    started = time.monotonic()
    for index, task in enumerate(tasks):
        cmd = [sys.executable, "-m", "brushwork", "transfer", task["content"], *task["styles"]]
        cmd += ["-o", str(folder / f"cli{index}.png"), "--quiet", "--size", str(json_size(task))]
        cmd += ["--seed", str(task["job"]["settings"]["seed"])]
        subprocess.run(cmd, check=True)
    wall = time.monotonic() - started
    return {"wall_s": round(wall, 2), "images_per_hour": round(len(tasks) * 3600 / wall, 1)}


def json_size(task) -> int:
    return int(task["job"]["settings"]["size"])


def copied(photos: Path, copies: int) -> Path:
    """``photos`` in ``copies`` folders (the same pictures under other names: more jobs to time)."""
    import shutil

    root = photos.parent / f"{photos.name}_x{copies}"
    for index in range(copies):
        shutil.copytree(photos, root / f"copy{index}")
    return root


def with_dask_cluster(tasks, workdir: Path) -> dict:
    from brushwork.batch.cluster import DaskCluster

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    started = time.monotonic()
    dask = [sys.executable, "-m", "dask"]
    log = (workdir / "dask.log").open("w")
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [*dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1"]
                + ["--no-dashboard"],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        )
        cluster = DaskCluster.connect(address, timeout=60)
        cluster.client.wait_for_workers(2, timeout=120)
        cluster_start = time.monotonic() - started
        result = timed_rows(cluster, tasks, parallel=2)
        result["cluster_start_s"] = round(cluster_start, 2)
        return result
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--fast-copies", type=int, default=5, help="each photo this many times for --method fast")
    args = parser.parse_args()
    from brushwork.batch.local import LocalPool

    report: dict = {"size": args.size, "machine_cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos, styles = make_inputs(folder, args.photos)
        settings = PRESETS["default"].replace(size=args.size)

        def fresh_tasks(name: str):
            return build(BatchRequest([str(photos)], [str(styles)], folder / name, settings)).tasks

        report["jobs"] = len(fresh_tasks("plan"))
        report["baseline_in_process"] = baseline(fresh_tasks("baseline"))
        print("baseline", report["baseline_in_process"], flush=True)
        report["sequential_cli"] = sequential_cli(fresh_tasks("cli"), folder)
        print("cli", report["sequential_cli"], flush=True)
        for workers, threads in ((1, 2), (2, 1)):
            result = timed_rows(LocalPool(workers, threads), fresh_tasks(f"pool{workers}x{threads}"), workers)
            report[f"local_pool_{workers}x{threads}"] = result
            print(f"pool {workers}x{threads}", result, flush=True)
        dask = with_dask_cluster(fresh_tasks("dask"), folder)
        report["dask_2x1"] = dask
        print("dask", dask, flush=True)

        many = copied(photos, args.fast_copies)
        fast = FastSettings(size=args.size)

        def fast_tasks(name: str):
            return build(BatchRequest([str(many)], [str(styles)], folder / name, fast)).tasks

        report["fast_jobs"] = len(fast_tasks("fast-plan"))
        report["fast_local_pool_2x1"] = timed_rows(LocalPool(2, 1), fast_tasks("fast-pool"), 2)
        print("fast pool 2x1", report["fast_local_pool_2x1"], flush=True)
        report["fast_dask_2x1"] = with_dask_cluster(fast_tasks("fast-dask"), folder)
        print("fast dask", report["fast_dask_2x1"], flush=True)

    base = report["baseline_in_process"]["images_per_hour_after_startup"]
    print(f"\n{report['jobs']} jobs at {args.size} px (default preset)")
    print(f"{'run':<22}{'img/h':>8}{'img/h after start':>19}{'start s':>9}{'s/img':>8}{'overhead':>10}{'vs base':>9}")
    for name in ("baseline_in_process", "sequential_cli", "local_pool_1x2", "local_pool_2x1", "dask_2x1"):
        r = report[name]
        after = r.get("images_per_hour_after_startup", r["images_per_hour"])
        print(
            f"{name:<22}{r['images_per_hour']:>8.1f}{after:>19.1f}{r.get('startup_s', float('nan')):>9.2f}"
            f"{r.get('compute_s_per_image', float('nan')):>8.2f}{r.get('overhead', float('nan')):>10.3f}"
            f"{after / base:>9.2f}"
        )
    print(f"\n--method fast: {report['fast_jobs']} jobs at {args.size} px")
    print(f"{'run':<22}{'img/h':>8}{'img/h after start':>19}{'s/img':>8}{'vs default':>12}")
    for name, default in (("fast_local_pool_2x1", "local_pool_2x1"), ("fast_dask_2x1", "dask_2x1")):
        r, d = report[name], report[default]
        ratio = r["images_per_hour_after_startup"] / d["images_per_hour_after_startup"]
        r["vs_default_after_startup"] = round(ratio, 1)
        r["vs_default"] = round(r["images_per_hour"] / d["images_per_hour"], 1)
        print(
            f"{name:<22}{r['images_per_hour']:>8.0f}{r['images_per_hour_after_startup']:>19.0f}"
            f"{r['compute_s_per_image']:>8.2f}{ratio:>11.1f}x"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS / 'batch.json'}")


if __name__ == "__main__":
    main()
