"""Style-transfer benchmark: prints a table and writes bench/results/transfer.json (+ a side-by-side PNG).

  .venv/bin/python bench/transfer.py            # everything (pastiche's 500 steps take ~10-25 min)
  .venv/bin/python bench/transfer.py --quick    # skip pastiche, --preset quality and the float32 pipeline

Sections:
  a. seconds per iteration at 256 and 512 px next to the bare VGG forward+backward (overhead), fp32 and,
     where the CPU computes it natively, bf16 (emulated bf16 is hundreds of times slower: not measured);
     also the default schedule's last level at 512 px, whose network stops at relu3_1
  b. the default pipeline at 512 px through the CLI: wall time and peak RSS (precision "auto"; on a
     bf16 CPU also with a float32 network, for the 2 % decision); without --quick also --preset quality
  c. PyPI pastiche==1.6.0's own CLI, 500 L-BFGS steps, same images and size: wall time, peak RSS
  All outputs are scored by one neutral evaluator: float32, max pooling, content = mse(relu4_2),
  style = Σ 1e3/N² · mse(Gram) over relu1_1..relu5_1, with the style image at the output's pixel count.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from measure import RESULTS, ROOT, run_measured
from PIL import Image, ImageDraw

sys.path.insert(0, str(ROOT))

from brushwork.encoders.precision import autocast_dtype, cpu_has_native_bfloat16, resolve_precision
from brushwork.encoders.vgg import load_vgg19
from brushwork.image.io import load_image
from brushwork.image.pyramid import fit_area, fit_long_edge, resize
from brushwork.layers import deepest_layer, layer_channels
from brushwork.losses import content_loss, gram_loss, gram_matrix
from brushwork.optim import optimize
from brushwork.runtime import keep_freed_memory
from brushwork.techniques.transfer import PRESETS, TransferLevel, level_loss_terms, style_regions

CONTENT = ROOT / "brushwork" / "assets" / "chelsea.png"
STYLE = ROOT / "brushwork" / "assets" / "starry_night.jpg"
EVAL_CONTENT_LAYER = "relu4_2"
EVAL_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def single_level_terms(encoder, settings, content, style, size, autocast):
    """The transfer technique's loss terms for one style at one size, as a level of its schedule builds them."""
    level = TransferLevel(resize(content, size), luminance_only=False)
    terms = level_loss_terms(encoder, level, [style], style_regions(1, None, (1.0,), size), settings, autocast)
    return level, terms


class NeutralEvaluator:
    """Scores any output image against the content and style images, independently of how it was made."""

    def __init__(self, content: torch.Tensor, style: torch.Tensor):
        self.encoder = load_vgg19([EVAL_CONTENT_LAYER, *EVAL_STYLE_LAYERS], pooling="max")
        self.content = content
        self.style = style

    @torch.no_grad()
    def __call__(self, image: torch.Tensor) -> dict[str, float]:
        size = tuple(image.shape[-2:])
        content_feats = self.encoder(resize(self.content, size), [EVAL_CONTENT_LAYER])
        style = resize(self.style, fit_area(*self.style.shape[-2:], size[0] * size[1]))
        style_feats = self.encoder(style, EVAL_STYLE_LAYERS)
        feats = self.encoder(image, [EVAL_CONTENT_LAYER, *EVAL_STYLE_LAYERS])
        style_loss = sum(
            1e3 / layer_channels(layer) ** 2 * float(gram_loss(feats[layer], gram_matrix(style_feats[layer])))
            for layer in EVAL_STYLE_LAYERS
        )
        return {
            "content": float(content_loss(feats[EVAL_CONTENT_LAYER], content_feats[EVAL_CONTENT_LAYER])),
            "style": style_loss,
        }


class OwnObjective:
    """The default preset's own loss, evaluated in float32 at the output's size (for the bf16 decision)."""

    def __init__(self, content: torch.Tensor, style: torch.Tensor):
        self.settings = PRESETS["default"]
        self.encoder = load_vgg19(
            [self.settings.content_layer, *self.settings.style_layers], pooling=self.settings.pooling
        )
        self.content, self.style = content, style

    @torch.no_grad()
    def __call__(self, image: torch.Tensor) -> float:
        _, terms = single_level_terms(
            self.encoder, self.settings, self.content, self.style, tuple(image.shape[-2:]), None
        )
        return float(sum(terms(image).values()))


def time_per_iteration(long_edge: int, precision: str, iterations: int, detail: bool = False) -> dict:
    """One level's seconds per iteration; ``detail``: the default schedule's last level (network to relu3_1)."""
    settings = PRESETS["default"].replace(size=long_edge, precision=precision, scales=(1.0,), iterations=(iterations,))
    if detail:
        settings = settings.detail_level()
    content, style = load_image(CONTENT), load_image(STYLE)
    size = fit_long_edge(*content.shape[-2:], long_edge)
    encoder = load_vgg19([settings.content_layer, *settings.style_layers], pooling=settings.pooling)
    autocast = autocast_dtype(precision)
    level, terms = single_level_terms(encoder, settings, content, style, size, autocast)

    # The bare network: forward to the same layers and backward from a trivial loss.
    x = torch.rand(1, 3, *size)

    def bare_step():
        x.requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast is not None):
            feats = encoder(x, terms.layers)
        sum(f.float().mean() for f in feats.values()).backward()
        x.grad = None

    bare_step()  # warm-up
    start = time.perf_counter()
    for _ in range(iterations):
        bare_step()
    bare = (time.perf_counter() - start) / iterations

    parameter = level.content_input.clone()
    optimize(parameter, lambda p: terms(level.network_input(p)), 1)  # warm-up
    start = time.perf_counter()
    optimize(parameter, lambda p: terms(level.network_input(p)), iterations)
    ours = (time.perf_counter() - start) / iterations
    return {
        "size": f"{size[1]}x{size[0]}",
        "precision": precision,
        "level": "detail" if detail else "all layers",
        "deepest_layer": deepest_layer(terms.layers),
        "bare_s_per_it": bare,
        "brushwork_s_per_it": ours,
        "overhead": ours / bare - 1,
    }


def side_by_side(images: list[tuple[str, Path]], path: Path) -> None:
    tiles = [(label, Image.open(p).convert("RGB")) for label, p in images]
    height = 341
    tiles = [(label, im.resize((round(im.width * height / im.height), height), Image.LANCZOS)) for label, im in tiles]
    sheet = Image.new("RGB", (sum(im.width for _, im in tiles) + 10 * (len(tiles) - 1), height + 24), "white")
    draw = ImageDraw.Draw(sheet)
    x = 0
    for label, im in tiles:
        sheet.paste(im, (x, 24))
        draw.text((x + 4, 6), label, fill="black")
        x += im.width + 10
    sheet.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip pastiche, --preset quality and the float32 pipeline")
    parser.add_argument("--iterations", type=int, default=10, help="iterations timed per per-iteration row")
    parser.add_argument("--pastiche-steps", type=int, default=500)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    keep_freed_memory()  # as the CLI does, so the in-process rows below run as the pipelines do
    native_bf16 = cpu_has_native_bfloat16()
    default_precision = resolve_precision(PRESETS["default"].precision)
    report: dict = {
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "native_bfloat16": native_bf16,
        "default_precision": default_precision,
        "per_iteration": [],
        "pipelines": [],
    }
    print(
        f"CPU: {report['cpu_capability']}, native bfloat16: {'yes' if native_bf16 else 'no'}; "
        f"the default precision (auto) is {default_precision} here\n"
    )

    print("a. seconds per iteration (single level)")
    print(f"{'size':>8} {'network to':>10} {'precision':>9} {'bare fwd+bwd':>13} {'brushwork':>10} {'overhead':>9}")
    for long_edge, detail in ((256, False), (512, False), (512, True)):
        for precision in ("float32", "bfloat16") if native_bf16 else ("float32",):
            row = time_per_iteration(long_edge, precision, args.iterations, detail)
            report["per_iteration"].append(row)
            print(
                f"{row['size']:>8} {row['deepest_layer']:>10} {precision:>9} {row['bare_s_per_it']:>12.3f}s "
                f"{row['brushwork_s_per_it']:>9.3f}s {row['overhead']:>8.1%}"
            )

    evaluator = NeutralEvaluator(load_image(CONTENT), load_image(STYLE))
    own_objective = OwnObjective(load_image(CONTENT), load_image(STYLE))
    brushwork = [
        sys.executable,
        "-m",
        "brushwork",
        "transfer",
        str(CONTENT),
        str(STYLE),
        "--size",
        "512",
        "--quiet",
        "--overwrite",
    ]
    default_run, fp32_run, pastiche_run = (
        f"brushwork default ({default_precision})",
        "brushwork default, fp32 net",
        f"pastiche {args.pastiche_steps} steps",
    )
    runs = [(default_run, brushwork, "brushwork_default.png")]
    if not args.quick:
        runs.append(
            (f"brushwork quality ({default_precision})", brushwork + ["--preset", "quality"], "brushwork_quality.png")
        )
        if default_precision == "bfloat16":
            runs.append((fp32_run, brushwork + ["--precision", "float32"], "brushwork_fp32.png"))
        runs.append(
            (
                pastiche_run,
                [
                    sys.executable,
                    "-m",
                    "pastiche",
                    "--content",
                    str(CONTENT),
                    "--styles",
                    str(STYLE),
                    "--size",
                    "512",
                    "--num-steps",
                    str(args.pastiche_steps),
                    "--seed",
                    "0",
                    "--no-verbose",
                ],
                "pastiche.png",
            )
        )
    print("\nb/c. whole pipelines at 512 px (scored by the neutral float32 evaluator)")
    print(f"{'run':<30} {'wall':>8} {'peak RSS':>9} {'content':>10} {'style':>10} {'own loss fp32':>14}")
    for label, cmd, name in runs:
        out = RESULTS / name
        measured = run_measured(cmd + ["-o", str(out)])
        scores = evaluator(load_image(out))
        own = own_objective(load_image(out))
        row = {"run": label, **measured, **scores, "own_objective_fp32": own, "image": str(out.relative_to(ROOT))}
        report["pipelines"].append(row)
        print(
            f"{label:<30} {measured['wall_s']:>7.1f}s {measured['peak_rss_mb']:>7.0f}MB "
            f"{scores['content']:>10.4g} {scores['style']:>10.4g} {own:>14.4g}"
        )
    by_run = {row["run"]: row for row in report["pipelines"]}
    if default_precision == "bfloat16" and fp32_run in by_run:
        bf16, fp32 = by_run[default_run], by_run[fp32_run]
        report["bf16_vs_fp32_own_loss"] = bf16["own_objective_fp32"] / fp32["own_objective_fp32"] - 1
        print(
            f"\nbf16 pipeline's own loss (evaluated in float32) vs the fp32 pipeline's: "
            f"{report['bf16_vs_fp32_own_loss']:+.1%} (bf16 stays the default only within 2%)"
        )

    pastiche = by_run.get(pastiche_run)
    if pastiche is not None:
        print("\nagainst pastiche (ratios; below 1 is better for brushwork)")
        for row in report["pipelines"]:
            if row is not pastiche:
                row["vs_pastiche"] = {
                    key: row[key] / pastiche[key] for key in ("wall_s", "peak_rss_mb", "content", "style")
                }
                print(f"{row['run']:<30} " + "  ".join(f"{k} {v:.2f}x" for k, v in row["vs_pastiche"].items()))

    images = [("content", CONTENT), ("style", STYLE)] + [(r["run"], ROOT / r["image"]) for r in report["pipelines"]]
    side_by_side(images, RESULTS / "transfer_side_by_side.png")
    (RESULTS / "transfer.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {RESULTS / 'transfer.json'} and {RESULTS / 'transfer_side_by_side.png'}")


if __name__ == "__main__":
    main()
