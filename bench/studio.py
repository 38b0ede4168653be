"""The studio against the CLI: prints a table and writes bench/results/studio.json.

  .venv/bin/python bench/studio.py [--size 512]

In one run, the same default job (the demo photo in the demo painting's style) is painted by
``brushwork transfer`` and through the studio (submitted by its API, on a fresh worker and then on a warm
one), and a "Draft only" job (the fast tier) on the warm worker. Reported: each wall time, its ratio to the
CLI's (target: the studio at most 5 % slower), the time from Paint to the first preview frame (target: the
draft within about 1.5 s on a warm worker), and the server's response times while it paints (target: p95
at most 50 ms on a 2-core CPU), with times also in floor-iterations (one bare VGG19 forward+backward).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from measure import RESULTS, ROOT, floor_iteration, run_measured

sys.path.insert(0, str(ROOT))

from tests.studio.server import Studio

ASSETS = ROOT / "brushwork" / "assets"


def studio_job(studio: Studio, size: int, technique: str = "transfer") -> dict:
    """Submit, then watch: seconds to the first frame and to the end, and response times meanwhile."""
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        paths = ["/api/jobs", "/", "/api/schema"]
        while not done.is_set():
            for path in paths:
                started = time.perf_counter()
                studio.request("GET", path)
                latencies.append(time.perf_counter() - started)
            time.sleep(0.25)  # about what an open page asks for: events, and a frame twice a second

    started = time.perf_counter()
    job = studio.add_transfer({"size": size}, technique=technique)
    first_frame = None
    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    while True:
        state = studio.job(job["id"])
        progress = state["progress"] or {}
        if first_frame is None and progress.get("frame", 0) >= 1:
            first_frame = time.perf_counter() - started
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    done.set()
    prober.join()
    if state["status"] != "finished":
        raise SystemExit(f"the studio's job ended {state['status']}: {state['error']}")
    latencies.sort()
    return {
        "wall_s": wall,
        "first_frame_s": first_frame,
        "requests": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "max_ms": 1000 * latencies[-1],
    }


def cli_job(folder: Path, size: int, index: int) -> float:
    out = folder / f"cli-{index}.png"
    command = [
        str(ROOT / ".venv/bin/brushwork"),
        "transfer",
        str(ASSETS / "chelsea.png"),
        str(ASSETS / "starry_night.jpg"),
    ]
    return run_measured([*command, "-o", str(out), "--size", str(size), "--quiet"])["wall_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2, help="CLI / warm-studio pairs, interleaved (medians)")
    args = parser.parse_args()
    clis, warms = [], []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        studio = Studio(folder / "studio").start()
        try:
            # The worker starts with the server; the first job is timed from the server's start.
            cold = studio_job(studio, args.size)
            # Interleaved, so that the machine's noise falls on both alike.
            for index in range(args.repeats):
                clis.append(cli_job(folder, args.size, index))
                warms.append(studio_job(studio, args.size))
            drafts = [studio_job(studio, args.size, "fast") for _ in range(args.repeats)]
        finally:
            studio.stop()
    from PIL import Image

    height_width = Image.open(ASSETS / "chelsea.png").size[::-1]
    scale = args.size / max(height_width)
    floor = floor_iteration((round(height_width[0] * scale), round(height_width[1] * scale)))
    cli = statistics.median(clis)
    warm, draft = (
        min(runs, key=lambda run: abs(run["wall_s"] - statistics.median(r["wall_s"] for r in runs)))
        for runs in (warms, drafts)
    )
    rows = [
        {"run": "brushwork transfer (CLI)", "wall_s": cli, "walls_s": clis},
        {"run": "studio, first job", **cold},
        {"run": "studio, later jobs", **warm, "walls_s": [w["wall_s"] for w in warms]},
        {
            "run": "studio, Draft only",
            **draft,
            "walls_s": [d["wall_s"] for d in drafts],
        },
    ]
    print(f"{args.size} px default job, medians of {args.repeats}; one floor-iteration = {floor:.3f} s")
    print(f"{'run':<26} {'wall':>8} {'floor-it':>9} {'vs CLI':>7} {'1st frame':>10} {'p50':>7} {'p95':>7} {'max':>7}")
    for row in rows:
        row["floor_iterations"] = row["wall_s"] / floor
        row["vs_cli"] = row["wall_s"] / cli
        extra = (
            f" {row['first_frame_s']:>9.2f}s {row['p50_ms']:>5.1f}ms {row['p95_ms']:>5.1f}ms {row['max_ms']:>5.0f}ms"
            if "p95_ms" in row
            else ""
        )
        print(f"{row['run']:<26} {row['wall_s']:>7.1f}s {row['floor_iterations']:>9.1f} {row['vs_cli']:>6.2f}x{extra}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "studio.json").write_text(
        json.dumps({"size": args.size, "floor_iteration_s": floor, "runs": rows}, indent=2) + "\n"
    )
    print(f"wrote {RESULTS / 'studio.json'}")


if __name__ == "__main__":
    main()
