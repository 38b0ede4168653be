"""Style losses judged by a network nothing optimises: prints a table and writes bench/results/style_losses.json,
a trade-off plot and a side-by-side sheet.

  .venv/bin/python bench/style_losses.py [--size 256] [--content-weights 1 5] [--losses gram sliced histogram w2]

Every method runs the default schedule with ``--style-loss`` set, for each content weight, on four
content x style pairs (a square photo, a style that is a photo and one that is a texture among them).
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
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from measure import RESULTS, ROOT, floor_iteration

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


def skimage_image(name: str) -> torch.Tensor:
    import skimage.data

    array = getattr(skimage.data, name)()
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    return torch.from_numpy(array.astype(np.float32) / 255).permute(2, 0, 1).unsqueeze(0)


def pairs() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    starry = load_image(ASSETS / "starry_night.jpg")
    return {
        "chelsea x starry night": (load_image(ASSETS / "chelsea.png"), starry),
        "astronaut (square) x starry night": (skimage_image("astronaut"), starry),
        "coffee x rocket (a photo)": (skimage_image("coffee"), skimage_image("rocket")),
        "chelsea x gravel (a texture)": (load_image(ASSETS / "chelsea.png"), skimage_image("gravel")),
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--content-weights", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--losses", nargs="+", default=["gram", "sliced", "histogram", "w2"])
    args = parser.parse_args()
    keep_freed_memory()
    judge = Judge()
    rows, sheet = [], []
    for pair, (content, style) in pairs().items():
        size = fit_long_edge(content.shape[-2], content.shape[-1], args.size)
        floor = floor_iteration(size)
        for loss in args.losses:
            for weight in args.content_weights:
                settings = PRESETS["default"].replace(size=args.size, style_loss=loss, content_weight=weight)
                started = time.perf_counter()
                out = stylize(content, [style], settings)
                wall = time.perf_counter() - started
                style_distance, content_distance = judge.distances(out, content, style)
                rows.append(
                    {
                        "pair": pair,
                        "loss": loss,
                        "content_weight": weight,
                        "wall_s": wall,
                        "floor_iterations": wall / floor,
                        "style_distance": style_distance,
                        "content_distance": content_distance,
                    }
                )
                print(
                    f"{pair:<36} {loss:<10} α={weight:<4g} {wall:6.1f}s {wall / floor:6.1f} floor-it  "
                    f"style {style_distance:.3f}  content {content_distance:.3f}",
                    flush=True,
                )
                if weight == args.content_weights[-1]:
                    sheet.append((pair, loss, out))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "style_losses.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, RESULTS / "style_losses_tradeoff.png")
    side_by_side(sheet, args.losses, RESULTS / "style_losses_sheet.png")
    print(f"wrote {RESULTS / 'style_losses.json'}, style_losses_tradeoff.png and style_losses_sheet.png")


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pair_names = sorted({r["pair"] for r in rows})
    figure, axes = plt.subplots(1, len(pair_names), figsize=(5 * len(pair_names), 4.5), squeeze=False)
    for ax, pair in zip(axes[0], pair_names, strict=True):
        for loss in sorted({r["loss"] for r in rows}):
            points = sorted(
                (r["content_distance"], r["style_distance"]) for r in rows if r["pair"] == pair and r["loss"] == loss
            )
            ax.plot(*zip(*points, strict=True), marker="o", label=loss)
        ax.set_title(pair, fontsize=9)
        ax.set_xlabel("content distance (EfficientNet)")
        ax.set_ylabel("style distance (EfficientNet)")
        ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def side_by_side(sheet: list[tuple[str, str, torch.Tensor]], losses: list[str], path: Path) -> None:
    from PIL import Image

    tiles = [to_pil(out) for _, _, out in sheet]
    width = max(t.width for t in tiles)
    height = max(t.height for t in tiles)
    canvas = Image.new("RGB", (width * len(losses), height * (len(tiles) // len(losses))), "white")
    for index, tile in enumerate(tiles):
        canvas.paste(tile, ((index % len(losses)) * width, (index // len(losses)) * height))
    save_image(canvas, path, overwrite=True)


if __name__ == "__main__":
    main()
