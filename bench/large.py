"""Print size: the default preset at large sizes, whole and within a memory budget; prints a table, writes
bench/results/large.json.

  .venv/bin/python bench/large.py [--sizes 1024 2048 4096] [--budget 2048=3 4096=6] [--whole-up-to 1024]
                                 [--schedules default content/0.25,0.5,1:60-20-15] [--judge-at 1024]

The photo is the bundled chelsea.png (451x300) enlarged with Lanczos to each size, so the photo itself
has no detail finer than its original; the style is The Starry Night (``--pair`` takes another of
bench/style_losses.py's pairs). Each size runs in a child
process (its peak RSS is that process's alone): whole (untiled) up to ``--whole-up-to``, and within
the size's memory budget (``--max-memory``: brushwork plans the tiles and L-BFGS's history), so that
tiled and whole results are compared where both ran. Reported: the plan of the full-size level, wall
time, peak RSS (also as each level ends), seconds per full-size iteration against the whole run's
per-pixel cost at the smallest size, the neutral evaluator's distances (EfficientNet-Lite0,
bench/style_losses.py), at the output's size and shrunk to ``--judge-at`` px, and a seam measure:
the mean |difference| across tile boundaries over that across every other column and row (1.0: no
seam). ``--schedules`` runs each size with other scales and iteration counts (``INIT/`` in front: another
start, e.g. ``content/0.25,0.5,1:60-20-15``, the default before draft → refine), to choose the default's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from measure import RESULTS, ROOT

CHILD = r"""
import json, sys, time
import torch
from PIL import Image
from brushwork.image.io import load_image, save_image, to_pil
from brushwork.settings import PRESETS
from brushwork.techniques.transfer import stylize
size, tile, max_memory, out, schedule, photo_path, style_path = sys.argv[1:8]
size = int(size)
photo = Image.open(photo_path).convert("RGB")
scale = size / max(photo.size)
photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS)
content = torch.from_numpy(__import__("numpy").asarray(photo).copy()).permute(2, 0, 1)[None].float() / 255
settings = PRESETS["default"].replace(size=size, tile=None if tile == "none" else int(tile),
                                      max_memory=None if max_memory == "none" else float(max_memory))
if schedule != "default":
    init, _, schedule = schedule.rpartition("/")
    scales, iterations = schedule.split(":")
    settings = settings.replace(scales=tuple(map(float, scales.split(","))),
                                iterations=tuple(map(int, iterations.split("-"))), init=init or settings.init)
from brushwork.techniques.planning import plan_levels
sizes = settings.level_sizes(*content.shape[-2:])
levels = settings.level_settings()
plans = plan_levels(settings, sizes, [[l.content_layer, *l.style_layers] for l in levels], settings.level_iterations(),
                    held_maps=[[l.content_layer] for l in levels])
import resource
stamps, peaks = [], []
def callback(progress):
    stamps.append((progress.level, progress.iteration, time.perf_counter()))
    if progress.iteration == progress.iterations:  # the peak RSS so far, as each level ends
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9)
started = time.perf_counter()
image = stylize(content, [load_image(style_path)], settings, callback=callback)
wall = time.perf_counter() - started
save_image(image, out, overwrite=True)
last = [t for level, _, t in stamps if level == stamps[-1][0]]
per_iteration = (last[-1] - last[0]) / max(1, len(last) - 1)
print(json.dumps({"wall_s": wall, "full_size_iteration_s": per_iteration, "shape": list(image.shape[-2:]),
                  "peak_rss_gb_by_level": peaks, "plan": [[p.tile, p.history] for p in plans]}))
"""


def run_child(
    size: int, tile: int | None, max_memory: float | None, out: Path, schedule: str, photo: Path, style: Path
) -> dict:
    args = [sys.executable, "-c", CHILD, str(size), str(tile or "none"), str(max_memory or "none"), str(out), schedule]
    args += [str(photo), str(style)]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    stdout, stderr = proc.stdout.read().decode(), proc.stderr.read().decode()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        return {"error": (stderr.strip().splitlines() or ["?"])[-1]}
    return {**json.loads(stdout.strip().splitlines()[-1]), "peak_rss_gb": usage.ru_maxrss * 1024 / 1e9}


def line_differences(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Mean |Δ| between each column and the next, and between each row and the next."""
    from PIL import Image

    pixels = np.asarray(Image.open(path).convert("RGB")).astype(np.float32)
    return np.abs(np.diff(pixels, axis=1)).mean(axis=(0, 2)), np.abs(np.diff(pixels, axis=0)).mean(axis=(1, 2))


def seam_ratio(differences: tuple[np.ndarray, np.ndarray], tile: int, phase: int = 4, offset: int = 0) -> float:
    """Mean |Δ| across the tile boundaries over the mean |Δ| across the other lines of the same phase.

    ``differences`` are ``line_differences`` of the result. ``tile`` is the step between tile centres:
    ``losses.tiled.tile_windows`` rounds the planned tile down to the deepest layer's stride, and the
    boundaries are where one centre ends and the next begins. Only lines at the boundaries' position
    modulo ``phase`` (the stride, a multiple of 2) are compared: each level starts from the one before
    enlarged 2x, which leaves |Δ| alternating between even and odd lines (by ±5 % at 2048 px after 15
    iterations), and the boundaries all fall on one of them. ``offset`` shifts the grid of boundaries
    (``seam_spread``)."""
    boundary_sum = rest_sum = 0.0
    boundaries = rest = 0
    for across in differences:  # entry i: between line i and line i + 1
        lines = set(range(offset % tile or tile, len(across) + 1, tile))
        same_phase = set(range(phase + offset % phase, len(across) + 1, phase)) - lines
        boundary_sum += float(across[[x - 1 for x in sorted(lines)]].sum())
        rest_sum += float(across[[x - 1 for x in sorted(same_phase)]].sum())
        boundaries, rest = boundaries + len(lines), rest + len(same_phase)
    return (boundary_sum / boundaries) / (rest_sum / rest)


def seam_spread(differences: tuple[np.ndarray, np.ndarray], tile: int, phase: int = 4) -> tuple[float, float]:
    """The 5th and 95th percentiles of ``seam_ratio`` over the same grid shifted by every multiple of
    ``phase``: how far from 1.0 the measure strays where there is no boundary at all."""
    shifted = [seam_ratio(differences, tile, phase, offset) for offset in range(phase, tile, phase)]
    low, high = np.percentile(shifted, [5, 95])
    return float(low), float(high)


def tile_step(tile: int) -> int:
    """The step between tile centres at the full-size (detail) level, as ``tile_windows`` lays them."""
    from brushwork.layers import deepest_layer, vgg19_stride
    from brushwork.settings import PRESETS

    detail = PRESETS["default"].level_settings()[-1]
    align = vgg19_stride(deepest_layer([detail.content_layer, *detail.style_layers]))
    return max(align, tile // align * align)


def run_and_judge(
    judge, size: int, budget: float | None, schedule: str, judge_at: int, folder: Path, pair: str
) -> dict:
    """One run in a child process; the evaluator's distances at its own size and at ``judge_at`` px."""
    from brushwork.geometry import fit_long_edge
    from brushwork.image.io import load_image
    from brushwork.image.pyramid import resize

    out = folder / f"{size}-{budget}-{file_tag(schedule)}.png"
    photo, style = folder / "photo.png", folder / "style.png"
    started = time.perf_counter()
    row = {
        "size": size,
        "max_memory_gb": budget,
        "schedule": schedule,
        "pair": pair,
        **run_child(size, None, budget, out, schedule, photo, style),
    }
    row["measured_s"] = time.perf_counter() - started
    if "error" in row:
        return row
    result = load_image(out)
    content, style_image = load_image(photo), load_image(style)
    row["style_distance"], row["content_distance"] = judge.distances(result, content, style_image)
    shrunk = resize(result, fit_long_edge(*result.shape[-2:], judge_at))
    row[f"style_distance_at_{judge_at}"], row[f"content_distance_at_{judge_at}"] = judge.distances(
        shrunk, content, style_image
    )
    full_size_tile = row["plan"][-1][0]
    if full_size_tile is not None:
        differences = line_differences(out)
        row["seam_ratio"] = seam_ratio(differences, tile_step(full_size_tile))
        row["seam_ratio_without_boundaries"] = seam_spread(differences, tile_step(full_size_tile))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = ("" if pair == "chelsea" else f"{pair}-") + f"large-{size}-{'whole' if budget is None else f'{budget:g}GB'}"
    keep = RESULTS / (name + ("" if schedule == "default" else "-" + file_tag(schedule)) + ".png")
    keep.write_bytes(out.read_bytes())
    return row


def file_tag(schedule: str) -> str:
    """A schedule as part of a file name: no folder from an ``INIT/`` prefix."""
    return schedule.replace(":", "_").replace("/", "@")


def parse_budgets(pairs: list[str]) -> dict[int, float]:
    return {int(size): float(gb) for size, gb in (pair.split("=") for pair in pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument(
        "--budget",
        nargs="+",
        default=["1024=3", "2048=3", "4096=6"],
        metavar="SIZE=GB",
        help="the --max-memory of each size's budgeted run (the issue's targets: 3 GB at 2048, 6 GB at 4096)",
    )
    parser.add_argument("--whole-up-to", type=int, default=1024, help="run untiled (no budget) only up to this size")
    parser.add_argument(
        "--schedules",
        nargs="+",
        default=["default"],
        metavar="SCALES:ITERATIONS",
        help="schedules to compare, e.g. 0.25,0.5,1:60-20-35 (default: the default preset's)",
    )
    parser.add_argument(
        "--pair",
        default="chelsea",
        help="photo and style, as bench/style_losses.py names them (default: chelsea x The Starry Night)",
    )
    parser.add_argument(
        "--judge-at",
        type=int,
        default=1024,
        help="also judge each result shrunk to this long edge (the style image is enlarged to the judged size's "
        "pixel count, so at sizes far above its own the evaluator compares against a blurred painting)",
    )
    args = parser.parse_args()
    budgets = parse_budgets(args.budget)
    sys.path.insert(0, str(ROOT / "bench"))
    from style_losses import IMAGES, PAIRS, Judge

    from brushwork.image.io import save_image

    judge = Judge()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for role, name in zip(("photo", "style"), PAIRS[args.pair], strict=True):
            save_image(IMAGES[name](), Path(folder) / f"{role}.png", overwrite=True)
        for size in args.sizes:
            runs = ([None] if size <= args.whole_up_to else []) + ([budgets[size]] if size in budgets else [])
            for budget in runs:
                for schedule in args.schedules:
                    rows.append(run_and_judge(judge, size, budget, schedule, args.judge_at, Path(folder), args.pair))
                    print(json.dumps(rows[-1]), flush=True)
    smallest_whole = next((r for r in rows if r["max_memory_gb"] is None and "error" not in r), None)
    print(
        f"\n{'size':>5} {'budget':>6} {'tile,hist':>10} {'wall':>7} {'peak RSS':>9} {'s/it full':>10} {'vs px':>6} "
        f"{'style':>6} {'content':>8} {f'at {args.judge_at}':>13} {'seams':>6}  schedule"
    )
    for row in rows:
        budget = "-" if row["max_memory_gb"] is None else f"{row['max_memory_gb']:g}GB"
        if "error" in row:
            print(f"{row['size']:>5} {budget:>6}  {row['error']}")
            continue
        pixels = row["shape"][0] * row["shape"][1]
        if smallest_whole is not None:
            base = smallest_whole["full_size_iteration_s"] / (smallest_whole["shape"][0] * smallest_whole["shape"][1])
            row["iteration_vs_pixels"] = row["full_size_iteration_s"] / (base * pixels)
        tile, history = row["plan"][-1]
        print(
            f"{row['size']:>5} {budget:>6} {f'{tile or 0},{history}':>10} {row['wall_s']:>6.0f}s "
            f"{row['peak_rss_gb']:>7.2f}GB {row['full_size_iteration_s']:>9.2f}s "
            f"{row.get('iteration_vs_pixels', float('nan')):>5.2f}x {row['style_distance']:>6.3f} "
            f"{row['content_distance']:>8.3f} {row[f'style_distance_at_{args.judge_at}']:>6.3f} "
            f"{row[f'content_distance_at_{args.judge_at}']:>6.3f} {row.get('seam_ratio', float('nan')):>6.2f}  "
            f"{row['schedule']}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "large.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {RESULTS / 'large.json'}")


if __name__ == "__main__":
    main()
