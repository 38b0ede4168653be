"""The studio's ETA against the time each job really had left: prints a table and writes bench/results/eta.json.

  .venv/bin/python bench/eta.py [--sizes 128 256 512] [--quality 512]

Each job is submitted to a real studio (``brushwork studio`` in a subprocess) and followed as the page
follows it, from ``GET /api/jobs`` every 20 ms: the ETA of every progress message is kept with the time it
arrived, and set against the time the job really ended (its ``ended``). Ten points a job are printed: the
end of the first iteration of each level (target: within ±30 %), and instants evenly spaced over the rest
of the job with what the page shows then (the latest message's ETA, counted down as the page does). The
jobs are the default at each size, and the quality preset (three levels from the photo) at ``--quality``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from measure import RESULTS, ROOT

sys.path.insert(0, str(ROOT))

from tests.studio.server import Studio

POINTS = 10
TARGET = 0.30


def follow(studio: Studio, settings: dict, preset: str = "default") -> dict:
    """Submit a job and keep every ETA it shows, with when it arrived; then when it ended."""
    job = studio.add_transfer(settings, preset=preset)
    seen: list[dict] = []
    last_key = None
    while True:
        state = studio.job(job["id"])
        progress = state["progress"] or {}
        key = (progress.get("level"), progress.get("iteration"), progress.get("draft"))
        if progress and key != last_key and not progress.get("draft"):
            last_key = key
            kept = {k: progress[k] for k in ("level", "levels", "iteration", "iterations", "eta")}
            seen.append({"at": time.time(), **kept})
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.02)
    if state["status"] != "finished":
        raise SystemExit(f"job {job['id']} ended {state['status']}: {state['error']}")
    for point in seen:
        point["actual"] = state["ended"] - point["at"]
    return {
        "settings": settings,
        "preset": preset,
        "seconds": state["seconds"],
        "ended": state["ended"],
        "messages": seen,
    }


def chosen_points(messages: list[dict], ended: float) -> list[dict]:
    """Ten points: the end of each level's first iteration (its first message), then instants evenly
    spaced over the rest of the job, each with the ETA the page shows then (the latest message's,
    counted down since it arrived, as the page counts it)."""
    firsts = [next(m for m in messages if m["level"] == level) for level in sorted({m["level"] for m in messages})]
    start, wanted = messages[0]["at"], POINTS - len(firsts)
    points = [dict(m, shown=m["eta"]) for m in firsts]
    for k in range(1, wanted + 1):
        at = start + (ended - start) * k / (wanted + 1)
        latest = [m for m in messages if m["at"] <= at][-1]
        shown = None if latest["eta"] is None else max(0.0, latest["eta"] - (at - latest["at"]))
        points.append({**latest, "at": at, "actual": ended - at, "shown": shown, "counted_down": True})
    return sorted(points, key=lambda p: p["at"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--quality", type=int, nargs="*", default=[512], help="sizes for the quality preset")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as name:
        studio = Studio(Path(name) / "studio").start()
        try:
            studio.add_transfer({"size": 64, "iterations": [2, 2]})  # the worker's start-up, not timed
            jobs = [({"size": size}, "default") for size in args.sizes]
            jobs += [({"size": size}, "quality") for size in args.quality]
            for settings, preset in jobs:
                runs.append(follow(studio, settings, preset))
        finally:
            studio.stop()
    print("point: the latest message's level and iteration (+: between messages, the ETA counted down)")
    print(f"{'job':<14} {'point':<14} {'elapsed':>8} {'ETA':>8} {'actual':>8} {'error':>7}")
    for run in runs:
        run["points"] = chosen_points(run["messages"], run["ended"])
        start = run["messages"][0]["at"]
        errors = []
        for point in run["points"]:
            point["error"] = None if point["shown"] is None else point["shown"] / point["actual"] - 1
            errors.append(point["error"])
            where = f"L{point['level'] + 1}/{point['levels']} it {point['iteration']}/{point['iterations']}"
            where += "+" if point.get("counted_down") else ""
            eta = "none" if point["shown"] is None else f"{point['shown']:.1f}s"
            error = "-" if point["error"] is None else f"{100 * point['error']:+.0f}%"
            job = f"{run['preset']} {run['settings']['size']}"
            print(f"{job:<14} {where:<14} {point['at'] - start:>7.1f}s {eta:>8} {point['actual']:>7.1f}s {error:>7}")
        run["worst_error"] = max((abs(e) for e in errors if e is not None), default=None)
        run["all_within_target"] = all(e is not None and abs(e) <= TARGET for e in errors)
        print(
            f"{'':<14} worst {100 * run['worst_error']:.0f}% over {len(run['points'])} points, "
            f"job {run['seconds']:.1f} s: {'within' if run['all_within_target'] else 'OUTSIDE'} ±30 %"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "eta.json").write_text(json.dumps({"target": TARGET, "runs": runs}, indent=2) + "\n")
    print(f"wrote {RESULTS / 'eta.json'}")


if __name__ == "__main__":
    main()
