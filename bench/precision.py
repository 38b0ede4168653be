"""bfloat16 against float32 for the default painting: prints a table and writes bench/results/precision.json.

  .venv/bin/python bench/precision.py                    # the four pairs at 512 px
  .venv/bin/python bench/precision.py --pairs chelsea astronaut --size 256

Measured in one run, on the CPU it runs on (bfloat16 rows only where the CPU computes it natively):

a. the floor in both precisions: one bare VGG19 forward+backward to relu5_1 at the output's size;
b. where a level's time goes, per level of the default schedule and per precision: one evaluation of the
   level's objective (forward+backward), split by torch's profiler into the network (convolutions, ReLU,
   pooling), the conversions in and out of autocast, W2's decomposition (eigvalsh) and the rest of the
   losses (moments, traces, the content term); and L-BFGS's own share (an iteration's time in the real
   run less one evaluation);
c. the whole default run per pair in float32 and bfloat16 (wall time in floor-iterations, each level's
   seconds), judged on EfficientNet-Lite0 as bench/style_losses.py judges (style and content distance);
   and a float32 run on the photo dithered by ±½ of a grey level, whose distances say how far an
   imperceptible change moves the judge: the noise that a precision's difference is read against.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable

import torch
from measure import RESULTS, ROOT, floor_iteration
from style_losses import IMAGES, PAIRS, Judge, pair_label

sys.path.insert(0, str(ROOT))
from brushwork.encoders.precision import autocast_dtype, cpu_has_native_bfloat16
from brushwork.encoders.vgg import load_vgg19
from brushwork.geometry import fit_long_edge
from brushwork.image.pyramid import resize
from brushwork.runtime import keep_freed_memory
from brushwork.settings import PRESETS, TransferSettings
from brushwork.techniques.transfer import TransferLevel, level_loss_terms, style_regions, stylize

# Profiler op names -> the part of an evaluation they belong to (the first match wins; the rest: losses).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("w2 decomposition", ("eig",)),
    ("conversions", ("aten::to", "aten::_to_copy", "aten::copy_")),
    ("network", ("conv", "relu", "threshold", "pool", "mkldnn")),
)


def part_of(op: str) -> str:
    for part, needles in PARTS:
        if any(needle in op for needle in needles):
            return part
    return "losses"


def median_seconds(step: Callable[[], object], repeats: int = 3) -> float:
    step()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_floor(size: tuple[int, int], dtype: torch.dtype | None) -> float:
    """One bare forward+backward to relu5_1 (the floor), in ``dtype`` under autocast or plain float32."""
    encoder = load_vgg19(["relu5_1"], pooling="avg")
    x = torch.rand(1, 3, *size, requires_grad=True)

    def step() -> None:
        with torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None):
            out = encoder(x, ["relu5_1"])["relu5_1"]
        out.float().mean().backward()

    return median_seconds(step)


def evaluation(terms, level: TransferLevel) -> Callable[[], None]:
    """One evaluation of a level's objective, forward and backward, at the photo itself."""
    parameter = level.content_input.clone().requires_grad_(True)

    def evaluate() -> None:
        parameter.grad = None
        sum(terms(level.network_input(parameter)).values()).backward()

    return evaluate


def evaluation_parts(settings: TransferSettings, content, style, precision: str) -> list[dict]:
    """Per level: one objective evaluation's seconds (median of 3) and its profile split into parts."""
    rows = []
    autocast = autocast_dtype(precision)
    sizes = settings.level_sizes(content.shape[-2], content.shape[-1])
    for index, (level_settings, size) in enumerate(zip(settings.level_settings(), sizes, strict=True)):
        encoder = load_vgg19([level_settings.content_layer, *level_settings.style_layers], pooling="avg")
        level = TransferLevel(resize(content, size), luminance_only=False)
        terms = level_loss_terms(
            encoder, level, [style], style_regions(1, None, (1.0,), size), level_settings, autocast
        )
        evaluate = evaluation(terms, level)
        seconds = median_seconds(evaluate)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
            for _ in range(3):
                evaluate()
        shares: dict[str, float] = {}
        for event in profile.key_averages():
            shares[part_of(event.key)] = shares.get(part_of(event.key), 0.0) + event.self_cpu_time_total
        total = sum(shares.values()) or 1.0
        rows.append(
            {
                "level": index,
                "size": list(size),
                "evaluation_s": seconds,
                "parts_s": {part: seconds * value / total for part, value in sorted(shares.items())},
            }
        )
    return rows


def timed_run(settings: TransferSettings, content, style, encoder) -> tuple[torch.Tensor, float, list[float]]:
    """The whole default run in-process (weights already loaded): output, wall seconds, each level's seconds."""
    ends: dict[int, float] = {}
    started = time.perf_counter()

    def mark(progress) -> None:
        ends[progress.level] = time.perf_counter()

    out = stylize(content, [style], settings, encoder=encoder, callback=mark)
    wall = time.perf_counter() - started
    marks = [started, *(ends[level] for level in sorted(ends))]
    return out, wall, [b - a for a, b in itertools.pairwise(marks)]


def dithered(image: torch.Tensor, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (image + (torch.rand(image.shape, generator=generator) - 0.5) / 255).clamp(0, 1)


def precision_summary(runs: list[dict]) -> dict:
    """bfloat16's speed-up range, and its mean absolute distance differences from float32 beside the dither's."""
    pairs = list(dict.fromkeys(r["pair"] for r in runs))
    by = {(r["pair"], r["run"]): r for r in runs}

    def mean_difference(run: str, distance: str) -> float:
        return statistics.fmean(abs(by[p, run][distance] - by[p, "float32"][distance]) for p in pairs)

    speedups = [by[p, "float32"]["wall_s"] / by[p, "bfloat16"]["wall_s"] for p in pairs]
    return {
        "pairs": len(pairs),
        "speedup_min": min(speedups),
        "speedup_max": max(speedups),
        **{
            f"{distance}_{label}": mean_difference(run, f"{distance}_distance")
            for distance in ("style", "content")
            for label, run in (("bfloat16", "bfloat16"), ("dither", "float32 dithered"))
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--name", default="precision", help="the results' file name")
    args = parser.parse_args()
    keep_freed_memory()
    native = cpu_has_native_bfloat16()
    precisions = ["float32", "bfloat16"] if native else ["float32"]
    if not native:
        print("this CPU has no native bfloat16 (emulated it is hundreds of times slower): float32 rows only")
    judge = Judge()
    base = PRESETS["default"].replace(size=args.size)
    encoder = load_vgg19([base.content_layer, *base.style_layers], pooling=base.pooling)
    report: dict = {"size": args.size, "native_bfloat16": native, "threads": torch.get_num_threads()}

    first_content, first_style = (IMAGES[name]() for name in PAIRS[args.pairs[0]])
    size = fit_long_edge(first_content.shape[-2], first_content.shape[-1], args.size)
    report["floor_s"] = {p: bare_floor(size, autocast_dtype(p)) for p in precisions}
    print(f"\na. floor at {size[1]}x{size[0]}: " + ", ".join(f"{p} {s:.3f} s" for p, s in report["floor_s"].items()))

    print(f"\nb. one evaluation per level ({pair_label(args.pairs[0])}), seconds by part")
    report["parts"] = {p: evaluation_parts(base, first_content, first_style, p) for p in precisions}
    names = ["network", "conversions", "w2 decomposition", "losses"]
    print(f"{'precision':<10} {'level':<12} {'eval':>7} " + " ".join(f"{n:>17}" for n in names))
    for precision, levels in report["parts"].items():
        for row in levels:
            shown = " ".join(f"{row['parts_s'].get(n, 0.0):17.3f}" for n in names)
            size_shown = f"{row['level']} {row['size'][1]}x{row['size'][0]}"
            print(f"{precision:<10} {size_shown:<12} {row['evaluation_s']:7.3f} {shown}")

    print("\nc. the whole default run (in-process, weights loaded), judged on EfficientNet-Lite0")
    runs = []
    for pair in args.pairs:
        content, style = (IMAGES[name]() for name in PAIRS[pair])
        size = fit_long_edge(content.shape[-2], content.shape[-1], args.size)
        floor = floor_iteration(size)
        variants = [(p, p, content) for p in precisions] + [("float32 dithered", "float32", dithered(content))]
        for label, precision, photo in variants:
            out, wall, level_s = timed_run(base.replace(precision=precision), photo, style, encoder)
            style_distance, content_distance = judge.distances(out, content, style)
            run = {
                "pair": pair_label(pair),
                "run": label,
                "wall_s": wall,
                "floor_s": floor,
                "floor_iterations": wall / floor,
                "level_s": level_s,
                "style_distance": style_distance,
                "content_distance": content_distance,
            }
            runs.append(run)
            levels_shown = " + ".join(f"{s:.1f}" for s in level_s)
            print(
                f"{run['pair']:<26} {label:<17} {wall:6.1f} s {wall / floor:5.1f} fi  levels {levels_shown:<18} "
                f"style {style_distance:.4f}  content {content_distance:.4f}",
                flush=True,
            )
    report["runs"] = runs
    first = pair_label(args.pairs[0])
    print(f"\nL-BFGS and the rest ({first}): a level's seconds per iteration in the run, less one evaluation")
    iterations = base.level_iterations()
    for precision in precisions:
        level_s = next(r["level_s"] for r in runs if r["pair"] == first and r["run"] == precision)
        for row, seconds, count in zip(report["parts"][precision], level_s, iterations, strict=True):
            row["iteration_s"] = seconds / count
            row["rest_s"] = seconds / count - row["evaluation_s"]
            print(
                f"{precision:<10} level {row['level']}: {row['iteration_s']:.3f} s/iteration, "
                f"evaluation {row['evaluation_s']:.3f}, rest {row['rest_s']:+.3f}"
            )
    if native:
        print("\nbfloat16 against float32, per pair (speed-up; distance differences, and the dither's for scale)")
        for pair in dict.fromkeys(r["pair"] for r in runs):
            by = {r["run"]: r for r in runs if r["pair"] == pair}
            f32, bf16, noise = by["float32"], by["bfloat16"], by["float32 dithered"]
            print(
                f"{pair:<26} {f32['wall_s'] / bf16['wall_s']:5.2f}x  "
                f"style {bf16['style_distance'] - f32['style_distance']:+.4f} "
                f"(dither {noise['style_distance'] - f32['style_distance']:+.4f})  "
                f"content {bf16['content_distance'] - f32['content_distance']:+.4f} "
                f"(dither {noise['content_distance'] - f32['content_distance']:+.4f})"
            )
        summary = precision_summary(runs)
        report["summary"] = summary
        print(
            f"over {summary['pairs']} pairs: bfloat16 {summary['speedup_min']:.2f}-{summary['speedup_max']:.2f}x; "
            f"mean |style difference| {summary['style_bfloat16']:.4f} (dither {summary['style_dither']:.4f}), "
            f"mean |content difference| {summary['content_bfloat16']:.4f} (dither {summary['content_dither']:.4f})"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS / args.name}.json")


if __name__ == "__main__":
    main()
