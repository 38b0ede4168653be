"""Style losses judged by a network nothing optimises: prints a table and writes bench/results/style_losses.json,
a trade-off plot and a side-by-side sheet.

  .venv/bin/python bench/style_losses.py [--size 256] [--content-weights 2 5 10] [--methods gram sliced histogram w2]
  .venv/bin/python bench/style_losses.py --size 512 --pairs chelsea astronaut --pastiche   # against pastiche

Every method (``METHODS``: a style loss and a schedule) runs for each content weight on four content x
style pairs (a square photo, a style that is a photo and one that is a texture among them).
``--pastiche`` adds PyPI pastiche 1.6's own CLI, 500 L-BFGS steps at the same size, on the pairs
given (its results are kept in bench/results/pastiche/, as one run takes 15-30 min here), and says
for each method whether its curve passes below pastiche's point: its style distance, interpolated
between its content weights at pastiche's content distance, against pastiche's.
Each output is scored on EfficientNet-Lite0, which no technique optimises:

- style distance: the mean over blocks 2, 4, 7 and 10 of ‖G(out) − G(style)‖_F / ‖G(style)‖_F, with
  G the Gram matrix of the block's features normalised by their spatial size (the style image read at
  the output's pixel count, as the transfer reads it);
- content distance: the mean over blocks 7 and 10 of 1 − cos(features(out), features(content)).

Lower is better for both. Times are in floor-iterations: wall time over one bare VGG19
forward+backward to relu5_1 in float32 at the same size, measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from measure import RESULTS, ROOT, floor_iteration, run_measured

sys.path.insert(0, str(ROOT))
from brushwork.encoders.efficientnet import load_efficientnet_lite0
from brushwork.geometry import fit_area, fit_long_edge
from brushwork.image.io import load_image, save_image, to_pil
from brushwork.image.pyramid import resize
from brushwork.runtime import keep_freed_memory
from brushwork.settings import PRESETS
from brushwork.techniques.transfer import stylize

STYLE_BLOCKS = ("block2", "block4", "block7", "block10")
CONTENT_BLOCKS = ("block7", "block10")
ASSETS = ROOT / "brushwork" / "assets"
PASTICHE = RESULTS / "pastiche"
PASTICHE_STEPS = 500

# Each method: settings on top of the default preset (a style loss, a schedule). "gram 150-30-30" is the
# default before issue 16; "w2" is the default now, "w2 quality" the quality preset.
METHODS: dict[str, dict] = {
    "gram 150-30-30": {"style_loss": "gram", "iterations": (150, 30, 30)},
    "gram": {"style_loss": "gram"},
    "sliced": {"style_loss": "sliced"},
    "histogram": {"style_loss": "histogram"},
    "w2": {"style_loss": "w2"},
    "w2 quality": {"style_loss": "w2", "iterations": (150, 30, 60)},
    # √2 scale steps at about the same cost (issue 16 asked to try them).
    "w2 √2 steps": {
        "style_loss": "w2",
        "scales": (0.25, 0.35, 0.5, 0.71, 1.0),
        "iterations": (60, 15, 10, 10, 30),
    },
}


def skimage_image(name: str) -> torch.Tensor:
    import skimage.data

    array = getattr(skimage.data, name)()
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    return torch.from_numpy(array.astype(np.float32) / 255).permute(2, 0, 1).unsqueeze(0)


IMAGES = {
    "chelsea": lambda: load_image(ASSETS / "chelsea.png"),
    "starry_night": lambda: load_image(ASSETS / "starry_night.jpg"),
    "astronaut": lambda: skimage_image("astronaut"),
    "coffee": lambda: skimage_image("coffee"),
    "rocket": lambda: skimage_image("rocket"),
    "gravel": lambda: skimage_image("gravel"),
}
# (content, style): a square photo, a style that is a photo and one that is a texture among them.
PAIRS = {
    "chelsea": ("chelsea", "starry_night"),
    "astronaut": ("astronaut", "starry_night"),
    "coffee": ("coffee", "rocket"),
    "gravel": ("chelsea", "gravel"),
}


def pair_label(pair: str) -> str:
    content, style = PAIRS[pair]
    return f"{content} x {style}"


def gram(features: torch.Tensor) -> torch.Tensor:
    flat = features.float().flatten(2)
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


class Judge:
    """EfficientNet-Lite0 distances between an output and its content and style images."""

    def __init__(self) -> None:
        self.encoder = load_efficientnet_lite0()

    @torch.no_grad()
    def features(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.encoder(image, [*STYLE_BLOCKS, *CONTENT_BLOCKS])

    def distances(self, out: torch.Tensor, content: torch.Tensor, style: torch.Tensor) -> tuple[float, float]:
        size = (out.shape[-2], out.shape[-1])
        style = resize(style, fit_area(style.shape[-2], style.shape[-1], size[0] * size[1]))
        f_out, f_content, f_style = self.features(out), self.features(resize(content, size)), self.features(style)
        style_distance = np.mean(
            [float((gram(f_out[b]) - gram(f_style[b])).norm() / gram(f_style[b]).norm()) for b in STYLE_BLOCKS]
        )
        content_distance = np.mean(
            [
                1 - float(torch.nn.functional.cosine_similarity(f_out[b].flatten(), f_content[b].flatten(), dim=0))
                for b in CONTENT_BLOCKS
            ]
        )
        return float(style_distance), float(content_distance)


def pastiche_output(pair: str, size: int) -> tuple[Path, float | None]:
    """pastiche's result for ``pair`` at ``size`` (run now unless kept from an earlier run) and its wall time."""
    content, style = PAIRS[pair]
    out = PASTICHE / f"{content}__{style}__{size}.png"
    timing = out.with_suffix(".json")
    if out.exists() and timing.exists():
        return out, json.loads(timing.read_text())["wall_s"]
    PASTICHE.mkdir(parents=True, exist_ok=True)
    inputs = []
    for name in (content, style):
        path = PASTICHE / f"{name}.png"
        if not path.exists():
            save_image(to_pil(IMAGES[name]()), path, overwrite=True)
        inputs.append(path)
    print(f"running pastiche on {pair_label(pair)} at {size} px ({PASTICHE_STEPS} steps; 15-30 min here)", flush=True)
    measured = run_measured(
        [
            sys.executable,
            "-m",
            "pastiche",
            "--content",
            str(inputs[0]),
            "--styles",
            str(inputs[1]),
            "--size",
            str(size),
            "--num-steps",
            str(PASTICHE_STEPS),
            "--seed",
            "0",
            "--no-verbose",
            "--output",
            str(out),
        ]
    )
    timing.write_text(json.dumps(measured) + "\n")
    return out, measured["wall_s"]


def style_at(rows: list[dict], content_distance: float) -> float | None:
    """A method's style distance at ``content_distance``, linear between its two nearest sweep points
    on either side; None outside its sweep."""
    points = sorted((r["content_distance"], r["style_distance"]) for r in rows)
    for (c0, s0), (c1, s1) in itertools.pairwise(points):
        if c0 <= content_distance <= c1:
            return s0 + (s1 - s0) * (content_distance - c0) / max(c1 - c0, 1e-12)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--content-weights", type=float, nargs="+", default=[2.0, 5.0, 10.0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--pastiche", action="store_true", help=f"add pastiche's {PASTICHE_STEPS} steps")
    parser.add_argument("--name", default="style_losses", help="the results' file names")
    args = parser.parse_args()
    keep_freed_memory()
    judge = Judge()
    rows, sheet = [], []
    # The sheet shows each method at the content weight nearest the default's.
    sheet_weight = min(args.content_weights, key=lambda w: abs(w - PRESETS["default"].content_weight))
    for pair in args.pairs:
        content, style = (IMAGES[name]() for name in PAIRS[pair])
        size = fit_long_edge(content.shape[-2], content.shape[-1], args.size)
        floor = floor_iteration(size)
        if args.pastiche:
            path, wall = pastiche_output(pair, args.size)
            out = load_image(path)
            style_distance, content_distance = judge.distances(out, content, style)
            rows.append(row(pair, "pastiche", None, wall, floor, style_distance, content_distance))
            sheet.append((pair, "pastiche", out))
        for method in args.methods:
            for weight in args.content_weights:
                settings = PRESETS["default"].replace(size=args.size, content_weight=weight, **METHODS[method])
                started = time.perf_counter()
                out = stylize(content, [style], settings)
                wall = time.perf_counter() - started
                style_distance, content_distance = judge.distances(out, content, style)
                rows.append(row(pair, method, weight, wall, floor, style_distance, content_distance))
                if weight == sheet_weight:
                    sheet.append((pair, method, out))
    verdicts = against_pastiche(rows) if args.pastiche else []
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"size": args.size, "runs": rows, "against_pastiche": verdicts}
    (RESULTS / f"{args.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(rows, RESULTS / f"{args.name}_tradeoff.png")
    side_by_side(sheet, RESULTS / f"{args.name}_sheet.png")
    print(f"wrote {RESULTS / args.name}.json, {args.name}_tradeoff.png and {args.name}_sheet.png")


def row(pair, method, weight, wall, floor, style_distance, content_distance) -> dict:
    result = {
        "pair": pair_label(pair),
        "method": method,
        "content_weight": weight,
        "wall_s": wall,
        "floor_iterations": None if wall is None else wall / floor,
        "floor_iteration_s": floor,
        "style_distance": style_distance,
        "content_distance": content_distance,
    }
    shown = "  -  " if weight is None else f"{weight:<4g}"
    timing = "   (kept)   " if wall is None else f"{wall:6.1f}s {wall / floor:5.1f} fi"
    print(
        f"{result['pair']:<26} {method:<12} α={shown} {timing}  "
        f"style {style_distance:.3f}  content {content_distance:.3f}",
        flush=True,
    )
    return result


def against_pastiche(rows: list[dict]) -> list[dict]:
    """For each pair and method: its style distance at pastiche's content distance, against pastiche's."""
    verdicts = []
    print("\nagainst pastiche: style distance at pastiche's content distance (lower is better)")
    for reference in (r for r in rows if r["method"] == "pastiche"):
        for method in sorted({r["method"] for r in rows if r["pair"] == reference["pair"]} - {"pastiche"}):
            own = [r for r in rows if r["pair"] == reference["pair"] and r["method"] == method]
            at = style_at(own, reference["content_distance"])
            # A sweep point no worse on both distances also puts the curve below pastiche's point.
            dominating = [
                r["content_weight"]
                for r in own
                if r["content_distance"] <= reference["content_distance"]
                and r["style_distance"] <= reference["style_distance"]
            ]
            verdict = {
                "pair": reference["pair"],
                "method": method,
                "pastiche_content_distance": reference["content_distance"],
                "pastiche_style_distance": reference["style_distance"],
                "style_distance_at_that_content_distance": at,
                "content_weights_better_on_both": dominating,
                "better_or_equal": bool(dominating) or (at is not None and at <= reference["style_distance"]),
                "mean_floor_iterations": float(np.mean([r["floor_iterations"] for r in own])),
            }
            verdicts.append(verdict)
            reading = "outside its sweep" if at is None else f"{at:.3f} vs pastiche {reference['style_distance']:.3f}"
            if dominating:
                reading += f"; better on both distances at α = {' '.join(f'{w:g}' for w in dominating)}"
            print(f"{reference['pair']:<26} {method:<12} {reading}")
    return verdicts


def plot(rows: list[dict], path: Path) -> None:
    """Top: style against content distance per pair (lower left is better). Bottom: style distance
    against time in floor-iterations (pastiche's point at its own time)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pair_names = list(dict.fromkeys(r["pair"] for r in rows))
    figure, axes = plt.subplots(2, len(pair_names), figsize=(5 * len(pair_names), 9), squeeze=False)
    for column, pair in enumerate(pair_names):
        for method in dict.fromkeys(r["method"] for r in rows if r["pair"] == pair):
            own = [r for r in rows if r["pair"] == pair and r["method"] == method]
            style = "*" if method == "pastiche" else "o-"
            points = sorted((r["content_distance"], r["style_distance"]) for r in own)
            axes[0][column].plot(*zip(*points, strict=True), style, label=method, markersize=10 if style == "*" else 5)
            timed = sorted((r["floor_iterations"], r["style_distance"]) for r in own if r["floor_iterations"])
            if timed:
                axes[1][column].plot(*zip(*timed, strict=True), style[0], label=method)
        axes[0][column].set_title(pair, fontsize=9)
        axes[0][column].set_xlabel("content distance (EfficientNet)")
        axes[0][column].set_ylabel("style distance (EfficientNet)")
        axes[1][column].set_xlabel("wall time (floor-iterations)")
        axes[1][column].set_ylabel("style distance (EfficientNet)")
        axes[1][column].set_xscale("log")
        for ax in axes[:, column]:
            ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=80)


def side_by_side(sheet: list[tuple[str, str, torch.Tensor]], path: Path) -> None:
    """One row per pair, one column per method (at the default's content weight), each labelled."""
    from PIL import Image, ImageDraw

    methods = list(dict.fromkeys(method for _, method, _ in sheet))
    pair_names = list(dict.fromkeys(pair for pair, _, _ in sheet))
    tiles = {(pair, method): to_pil(out) for pair, method, out in sheet}
    width = max(t.width for t in tiles.values())
    height = max(t.height for t in tiles.values())
    canvas = Image.new("RGB", (width * len(methods), height * len(pair_names)), "white")
    draw = ImageDraw.Draw(canvas)
    for (pair, method), tile in tiles.items():
        x, y = methods.index(method) * width, pair_names.index(pair) * height
        canvas.paste(tile, (x, y))
        draw.rectangle((x, y, x + 8 * len(method) + 8, y + 16), fill="white")
        draw.text((x + 4, y + 2), method, fill="black")
    save_image(canvas, path, overwrite=True)


if __name__ == "__main__":
    main()
