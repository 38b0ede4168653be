"""The fast tier judged like the default: prints a table and writes bench/results/fast.json, a trade-off
plot (time on the x) and a side-by-side sheet at 100 %.

  .venv/bin/python bench/fast.py [--size 512] [--strengths 0.4 0.6 0.8 1] [--transforms ot wct adain histogram]

On the four pairs of bench/style_losses.py, judged by the same network nothing optimises (EfficientNet-Lite0):
the default's content-weight sweep (α 2, 5, 10) beside the fast tier's strength sweep for each transform.
Times are in floor-iterations (one bare float32 VGG19 forward+backward to relu5_1 at the same size, measured
in the same run); the fast tier's time includes the style's encoding, with the weights loaded. For each pair
and transform it reports the fast point nearest the default's own content distance and the default's style
distance at that content distance (linear between its sweep points): the target is within 25 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from measure import RESULTS, ROOT, floor_iteration
from style_losses import IMAGES, PAIRS, Judge, pair_label, side_by_side, style_at

sys.path.insert(0, str(ROOT))

from brushwork.encoders.decoder import load_fast_decoder
from brushwork.encoders.vgg import load_vgg19
from brushwork.geometry import fit_long_edge
from brushwork.image.io import load_image, save_image
from brushwork.runtime import keep_freed_memory
from brushwork.settings import PRESETS
from brushwork.settings.fast import FastSettings
from brushwork.techniques.fast import FAST_POOLING, paint
from brushwork.techniques.transfer import stylize

KEPT = RESULTS / "fast_default"  # the default's sweep, kept for --reuse-default
TARGET_SHARE = 0.25  # the fast tier's style distance within this share of the default's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--content-weights", type=float, nargs="+", default=[2.0, 5.0, 10.0])
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.4, 0.6, 0.8, 1.0])
    # "ot+detail": the OT transform with half the photo's fine detail laid over (``detail`` 0.5).
    parser.add_argument("--transforms", nargs="+", default=["ot", "ot+detail", "wct", "adain", "histogram"])
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--name", default="fast")
    parser.add_argument(
        "--default-only", action="store_true", help="run the default's sweep alone (kept for a later run)"
    )
    parser.add_argument(
        "--reuse-default", action="store_true", help="take the default's sweep from the kept one, not run it again"
    )
    args = parser.parse_args()
    keep_freed_memory()
    judge = Judge()
    encoder, decoder = load_vgg19(["relu4_1"], FAST_POOLING), load_fast_decoder()
    rows: list[dict] = []
    sheet = []
    for pair in args.pairs:
        content, style = (IMAGES[name]() for name in PAIRS[pair])
        floor = floor_iteration(fit_long_edge(content.shape[-2], content.shape[-1], args.size))

        for weight in args.content_weights:
            kept = KEPT / f"{pair}_{weight:g}.png"
            if args.reuse_default:
                saved = json.loads(kept.with_suffix(".json").read_text())
                out = load_image(kept)
                record(rows, judge, pair, content, style, saved["floor"], "default", weight, saved["wall"], out)
            else:
                settings = PRESETS["default"].replace(size=args.size, content_weight=weight)
                started = time.perf_counter()
                out = stylize(content, [style], settings)
                wall = time.perf_counter() - started
                record(rows, judge, pair, content, style, floor, "default", weight, wall, out)
                KEPT.mkdir(parents=True, exist_ok=True)
                save_image(out, kept, overwrite=True)
                kept.with_suffix(".json").write_text(json.dumps({"wall": wall, "floor": floor}))
            if weight == PRESETS["default"].content_weight:
                sheet.append((pair, "default", out))
        if args.default_only:
            continue
        for kind in args.transforms:
            for strength in args.strengths:
                name, with_detail, _ = kind.partition("+detail")
                detail = 0.5 if with_detail else 0.0
                settings = FastSettings(size=args.size, transform=name, strength=strength, detail=detail)
                paint(content, [style], settings, encoder=encoder, decoder=decoder)  # warm
                started = time.perf_counter()
                out = paint(content, [style], settings, encoder=encoder, decoder=decoder)
                record(
                    rows,
                    judge,
                    pair,
                    content,
                    style,
                    floor,
                    f"fast {kind}",
                    strength,
                    time.perf_counter() - started,
                    out,
                )
                if strength == 1.0:
                    sheet.append((pair, f"fast {kind}", out))
    verdicts = judge_against_default(rows, args.transforms)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(
        json.dumps({"size": args.size, "runs": rows, "verdicts": verdicts}, indent=2) + "\n"
    )
    plot(rows, RESULTS / f"{args.name}_tradeoff.png")
    side_by_side(sheet, RESULTS / f"{args.name}_sheet.png")
    print("\n| pair | transform | strength | fast fi | fast style | default style at its content | within 25 % |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for v in verdicts:
        at = "outside the sweep" if v["default_style"] is None else f"{v['default_style']:.3f}"
        print(
            f"| {v['pair']} | {v['transform']} | {v['strength']:g} | {v['floor_iterations']:.2f} | "
            f"{v['style_distance']:.3f} | {at} | {v['within']} |"
        )
    print(f"wrote {RESULTS / args.name}.json, {args.name}_tradeoff.png and {args.name}_sheet.png")


def record(rows, judge, pair, content, style, floor, method: str, knob: float, wall: float, out) -> dict:
    """Judge one output and add its row."""
    style_distance, content_distance = judge.distances(out, content, style)
    row = {
        "pair": pair_label(pair),
        "method": method,
        "knob": knob,
        "wall_s": wall,
        "floor_iterations": wall / floor,
        "floor_iteration_s": floor,
        "style_distance": style_distance,
        "content_distance": content_distance,
    }
    print(
        f"{row['pair']:<26} {method:<14} {knob:<5g} {wall:6.2f}s {wall / floor:5.2f} fi  "
        f"style {style_distance:.3f}  content {content_distance:.3f}",
        flush=True,
    )
    rows.append(row)
    return row


def judge_against_default(rows: list[dict], transforms: list[str]) -> list[dict]:
    """Per pair and transform: the fast point whose content distance is nearest the default preset's (α 5),
    against the default's style distance at that content distance."""
    verdicts = []
    for pair in dict.fromkeys(r["pair"] for r in rows):
        default = [r for r in rows if r["pair"] == pair and r["method"] == "default"]
        reference = min(default, key=lambda r: abs(r["knob"] - PRESETS["default"].content_weight))
        for kind in transforms:
            points = [r for r in rows if r["pair"] == pair and r["method"] == f"fast {kind}"]
            if not points:
                continue
            chosen = min(points, key=lambda r: abs(r["content_distance"] - reference["content_distance"]))
            expected = style_at(default, chosen["content_distance"])
            within = None if expected is None else chosen["style_distance"] <= expected * (1 + TARGET_SHARE)
            verdicts.append(
                {
                    "pair": pair,
                    "transform": kind,
                    "strength": chosen["knob"],
                    "floor_iterations": chosen["floor_iterations"],
                    "style_distance": chosen["style_distance"],
                    "content_distance": chosen["content_distance"],
                    "default_style": expected,
                    "within": within,
                }
            )
    return verdicts


def plot(rows: list[dict], path) -> None:
    pairs = list(dict.fromkeys(r["pair"] for r in rows))
    figure, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8), squeeze=False)
    for axis, pair in zip(axes[0], pairs, strict=True):
        for method in dict.fromkeys(r["method"] for r in rows if r["pair"] == pair):
            points = sorted(
                (r["floor_iterations"], r["style_distance"])
                for r in rows
                if r["pair"] == pair and r["method"] == method
            )
            axis.plot(*zip(*points, strict=True), marker="o", label=method)
        axis.set_xscale("log")
        axis.set_title(pair, fontsize=9)
        axis.set_xlabel("floor-iterations")
        axis.set_ylabel("style distance (lower is better)")
    axes[0][-1].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
