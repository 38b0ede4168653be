"""GPU benchmark, end to end in at most 8 minutes: prints a table and writes bench/results/gpu.json.

  .venv/bin/python bench/gpu.py                          # on a CUDA machine (cuda:0)
  .venv/bin/python bench/gpu.py --device cpu --smoke     # tiny sizes: checks the script where there is no GPU

Sections (each records its error rather than end the run; once 7 minutes are spent the rest are skipped):
  parity   one loss and gradient evaluation per style loss (w2, gram, sliced, histogram) on the CPU and on the
           device, float32, at the default's middle level: the relative difference of each
  default  the default painting at 512 px in each precision the device computes natively (warm: VGG19
           loaded, a first run done): wall time, floor-iterations (one bare float32 VGG19 forward+backward
           to relu5_1 at 512 px on the device, in the same run), seconds per iteration per level, peak
           device memory, and the memory plan's prediction for the last level beside it
  same     the float32 painting on the device against the same run on the CPU: mean and largest absolute
           difference of the pixels and the PSNR
  large    2048 and 4096 px under an 8 GB budget (``--max-memory 8`` and
           ``torch.cuda.set_per_process_memory_fraction``), the iterations cut to 10/5/5 to bound the time:
           the plan's tiles, wall time, peak memory against the budget and the prediction
  every    every technique once, small: texture, DeepDream, inversion, the fast tier (512 px), channel visualisation
  batch    the local pool on the device with 1, 2 and 4 workers, 8 paintings at 256 px: images per minute
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from measure import RESULTS, ROOT

sys.path.insert(0, str(ROOT))

from brushwork.encoders.devices import chosen_device, free_bytes
from brushwork.encoders.precision import autocast_dtype, describe_device
from brushwork.encoders.vgg import load_vgg19
from brushwork.image.io import load_image, save_image
from brushwork.image.pyramid import fit_long_edge, resize
from brushwork.memory import feature_map_bytes, image_bytes, tiled_bytes, vgg19_bytes
from brushwork.settings import DreamSettings, InversionSettings, TextureSettings
from brushwork.settings.fast import FastSettings
from brushwork.settings.transfer import PRESETS, TransferSettings
from brushwork.settings.visualize import FeatureVisualizationSettings
from brushwork.techniques.dream import dream
from brushwork.techniques.fast import paint as paint_fast
from brushwork.techniques.invert import invert
from brushwork.techniques.planning import plan_levels
from brushwork.techniques.texture import synthesize
from brushwork.techniques.transfer import TransferLevel, level_loss_terms, style_regions, stylize
from brushwork.techniques.visualize import visualize_channel

ASSETS = ROOT / "brushwork" / "assets"
TIME_LIMIT_S = 7 * 60  # sections not started by then are skipped: the whole run stays within 8 minutes
STYLE_LOSSES = ("w2", "gram", "sliced", "histogram")


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_gb(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None


def timed(device: torch.device, work: Callable[[], Any]) -> tuple[Any, float]:
    sync(device)
    started = time.perf_counter()
    result = work()
    sync(device)
    return result, time.perf_counter() - started


def floor_seconds(device: torch.device, size: tuple[int, int]) -> float:
    """One bare float32 VGG19 forward+backward to relu5_1 at ``size`` on ``device`` (median of 3, warm)."""
    encoder = load_vgg19(["relu5_1"], pooling="avg", device=device)
    x = torch.rand(1, 3, *size, device=device, requires_grad=True)
    times = []
    for _ in range(4):
        _, seconds = timed(device, lambda: encoder(x, ["relu5_1"])["relu5_1"].mean().backward())
        times.append(seconds)
    return sorted(times[1:])[1]


def parity(device: torch.device, content: torch.Tensor, style: torch.Tensor, size: tuple[int, int]) -> list[dict]:
    """Loss and gradient of one evaluation per style loss, float32, on the CPU and on the device."""
    rows = []
    host = torch.device("cpu")
    for style_loss in STYLE_LOSSES:
        settings = PRESETS["default"].replace(style_loss=style_loss, precision="float32")
        level_settings = settings.level_settings()[1]
        found = {}
        for where in (host, device):
            encoder = load_vgg19(
                [level_settings.content_layer, *level_settings.style_layers], pooling="avg", device=where
            )
            level = TransferLevel(resize(content.to(where), size), luminance_only=False)
            regions = style_regions(1, None, (1.0,), size)
            terms = level_loss_terms(encoder, level, [style.to(where)], regions, level_settings, None)
            parameter = level.content_input.clone().requires_grad_(True)
            total = sum(terms(level.network_input(parameter)).values())
            total.backward()
            found[where.type] = (float(total.detach()), parameter.grad.detach().cpu())
        (cpu_loss, cpu_grad), (device_loss, device_grad) = found["cpu"], found[device.type]
        rows.append(
            {
                "style_loss": style_loss,
                "loss_cpu": cpu_loss,
                "loss_device": device_loss,
                "loss_rel_diff": abs(device_loss - cpu_loss) / max(abs(cpu_loss), 1e-12),
                "grad_rel_diff": float((device_grad - cpu_grad).norm() / cpu_grad.norm().clamp(min=1e-12)),
            }
        )
    return rows


def predicted_bytes(settings: TransferSettings, photo: tuple[int, int], available: int | None) -> dict:
    """The memory plan's prediction for the last level: the image's buffers and the network (whole or tiled)."""
    sizes = settings.level_sizes(*photo)
    levels = settings.level_settings()
    layers = [[level.content_layer, *level.style_layers] for level in levels]
    held = [[level.content_layer] for level in levels]
    plans = plan_levels(settings, sizes, layers, settings.level_iterations(), held, available=available)
    (height, width), plan = sizes[-1], plans[-1]
    network = (
        vgg19_bytes(height, width, layers[-1])
        if plan.tile is None
        else tiled_bytes(height, width, layers[-1], plan.tile)
    )
    total = image_bytes(height, width, settings.level_iterations()[-1], history=plan.history) + network
    total += feature_map_bytes(height, width, held[-1])
    return {"tiles": [p.tile for p in plans], "history": [p.history for p in plans], "predicted_gb": total / 1e9}


def painting(device: torch.device, content, style, settings: TransferSettings) -> dict:
    """One whole painting on ``device``: output, wall seconds, seconds per iteration per level, peak memory."""
    marks: dict[int, list[float]] = {}

    def mark(progress) -> None:
        marks.setdefault(progress.level, []).append(time.perf_counter())

    encoder = load_vgg19(pooling=settings.pooling, device=device)
    content, style = content.to(device), style.to(device)
    stylize(content, [style], settings, encoder=encoder)  # warm: kernels chosen, memory pools filled
    reset_peak(device)
    out, wall = timed(device, lambda: stylize(content, [style], settings, encoder=encoder, callback=mark))
    per_iteration = []
    for level in sorted(marks):
        stamps = marks[level]
        per_iteration.append((stamps[-1] - stamps[0]) / max(1, len(stamps) - 1))
    return {"image": out.cpu(), "wall_s": wall, "s_per_iteration": per_iteration, "peak_gb": peak_gb(device)}


def batch_throughput(device: torch.device, workers: int, size: int, folder: Path) -> dict:
    from brushwork.batch.build import BatchRequest, build
    from brushwork.batch.local import LocalPool

    photos, styles = folder / "photos", folder / "styles"
    if not photos.exists():
        photos.mkdir()
        styles.mkdir()
        chelsea = load_image(ASSETS / "chelsea.png")
        for index in range(4):
            save_image(chelsea.flip(-1) if index % 2 else chelsea, photos / f"photo{index}.png", overwrite=True)
        starry = load_image(ASSETS / "starry_night.jpg")
        save_image(starry, styles / "starry.png", overwrite=True)
        save_image(starry.flip(-2), styles / "starry_flipped.png", overwrite=True)
    output = folder / f"out{workers}"
    settings = PRESETS["default"].replace(size=size)
    plan = build(BatchRequest([str(photos)], [str(styles)], output, settings))
    rows: list[dict] = []
    pool = LocalPool(workers, None, devices=[str(device)])
    started = time.perf_counter()
    pool.run(plan.tasks, rows.append)
    wall = time.perf_counter() - started
    finished = [row for row in rows if row["status"] == "finished"]
    return {
        "workers": workers,
        "paintings": len(finished),
        "failed": [row["error"] for row in rows if row["status"] != "finished"][:2],
        "wall_s": wall,
        "images_per_minute": len(finished) * 60 / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="where to measure (default: cuda)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check the script, not the device")
    parser.add_argument("--budget-gb", type=float, default=8.0, help="the large section's memory budget")
    parser.add_argument("--out", type=Path, default=RESULTS / "gpu.json")
    args = parser.parse_args()
    device = chosen_device(args.device)
    begun = time.perf_counter()
    report: dict[str, Any] = {
        "device": describe_device(device),
        "torch": torch.__version__,
        "smoke": args.smoke,
    }
    if device.type == "cuda":
        report["memory_gb"] = torch.cuda.get_device_properties(device).total_memory / 1e9
    side = 96 if args.smoke else 512
    content = resize(
        load_image(ASSETS / "chelsea.png"), fit_long_edge(*load_image(ASSETS / "chelsea.png").shape[-2:], side)
    )
    style = load_image(ASSETS / "starry_night.jpg")
    photo = (content.shape[-2], content.shape[-1])
    base = PRESETS["default"].replace(size=side)
    if args.smoke:
        base = base.replace(iterations=(4, 2, 2))

    def section(name: str, work: Callable[[], Any]) -> None:
        if time.perf_counter() - begun > TIME_LIMIT_S:
            report[name] = {"skipped": "the time limit"}
            return
        started = time.perf_counter()
        try:
            report[name] = work()
        except Exception as exc:  # one section's failure is a finding; the others still run
            report[name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    section("parity", lambda: parity(device, content, style, base.level_sizes(*photo)[1]))
    floor = floor_seconds(device, photo)
    report["floor_s"] = floor
    precisions = ["float32"] + (["bfloat16"] if autocast_dtype("auto", device) is not None else [])
    runs: dict[str, dict] = {}

    def default_paintings() -> list[dict]:
        rows = []
        for precision in precisions:
            run = painting(device, content, style, base.replace(precision=precision))
            runs[precision] = run
            rows.append(
                {
                    "precision": precision,
                    "wall_s": run["wall_s"],
                    "floor_iterations": run["wall_s"] / floor,
                    "s_per_iteration": run["s_per_iteration"],
                    "peak_gb": run["peak_gb"],
                    **predicted_bytes(base, photo, free_bytes(device)),
                }
            )
        return rows

    section("default", default_paintings)

    def same_picture() -> dict:
        settings = base.replace(precision="float32")
        on_cpu = stylize(content, [style], settings, encoder=load_vgg19(pooling=settings.pooling))
        on_device = (
            runs["float32"]["image"] if "float32" in runs else painting(device, content, style, settings)["image"]
        )
        difference = (on_device - on_cpu).abs()
        mse = float(difference.pow(2).mean())
        return {
            "mean_abs": float(difference.mean()),
            "max_abs": float(difference.max()),
            "psnr_db": 10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-12), device="cpu")).item(),
        }

    section("same", same_picture)

    def large() -> list[dict]:
        rows = []
        total = torch.cuda.get_device_properties(device).total_memory if device.type == "cuda" else None
        if total is not None:
            torch.cuda.set_per_process_memory_fraction(min(1.0, args.budget_gb * 1e9 / total), device)
        big = load_image(ASSETS / "chelsea.png")
        for side_px in (256, 384) if args.smoke else (2048, 4096):
            settings = PRESETS["default"].replace(size=side_px, max_memory=args.budget_gb, iterations=(10, 5, 5))
            photo_big = fit_long_edge(big.shape[-2], big.shape[-1], side_px)
            picture = resize(big, photo_big).to(device)
            encoder = load_vgg19(pooling=settings.pooling, device=device)
            reset_peak(device)
            _, wall = timed(
                device, lambda s=settings, p=picture, e=encoder: stylize(p, [style.to(device)], s, encoder=e)
            )
            rows.append(
                {
                    "size": side_px,
                    "wall_s": wall,
                    "peak_gb": peak_gb(device),
                    "budget_gb": args.budget_gb,
                    **predicted_bytes(settings, photo_big, free_bytes(device)),
                }
            )
        if total is not None:
            torch.cuda.set_per_process_memory_fraction(1.0, device)
        return rows

    section("large", large)

    def every_technique() -> dict:
        small = 64 if args.smoke else 256
        picture, painting_ = content.to(device), style.to(device)
        times = {}
        _, times["texture"] = timed(
            device,
            lambda: synthesize(painting_, TextureSettings(size=(small, small), scales=(0.5, 1.0), iterations=(10, 10))),
        )
        _, times["dream"] = timed(
            device, lambda: dream(resize(picture, (small, small)), DreamSettings(octaves=2, iterations=5))
        )
        _, times["invert"] = timed(
            device, lambda: invert(picture, InversionSettings(layers=("relu3_1",), size=small, iterations=20))
        )
        _, times["fast"] = timed(device, lambda: paint_fast(picture, [painting_], FastSettings(size=max(small, 512))))
        _, times["visualize_channel"] = timed(
            device,
            lambda: visualize_channel(
                "relu3_1", 5, FeatureVisualizationSettings(size=small // 2, iterations=20, batch=2), device=device
            ),
        )
        return {name: {"wall_s": seconds} for name, seconds in times.items()}

    section("every", every_technique)

    def batch() -> list[dict]:
        with tempfile.TemporaryDirectory() as folder:
            return [batch_throughput(device, n, 64 if args.smoke else 256, Path(folder)) for n in (1, 2, 4)]

    section("batch", batch)
    report["seconds"] = time.perf_counter() - begun
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"wrote {args.out}")


def print_table(report: dict) -> None:
    print(f"device: {report['device']}, torch {report['torch']}{' (smoke)' if report['smoke'] else ''}")
    print(f"floor (bare float32 forward+backward to relu5_1): {report.get('floor_s', float('nan')):.4f} s")
    print("\n| style loss | loss rel. diff | gradient rel. diff |\n| --- | --- | --- |")
    for row in report["parity"] if isinstance(report.get("parity"), list) else []:
        print(f"| {row['style_loss']} | {row['loss_rel_diff']:.2e} | {row['grad_rel_diff']:.2e} |")
    print("\n| precision | wall | floor-it | s/iteration per level | peak GB | predicted GB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in report["default"] if isinstance(report.get("default"), list) else []:
        levels = ", ".join(f"{s:.4f}" for s in row["s_per_iteration"])
        print(
            f"| {row['precision']} | {row['wall_s']:.2f} s | {row['floor_iterations']:.1f} | {levels} | "
            f"{row['peak_gb'] or 0:.2f} | {row['predicted_gb']:.2f} |"
        )
    print(f"\nsame picture as the CPU (float32): {report.get('same')}")
    print("\n| size | wall | peak GB | budget GB | predicted GB | tiles |\n| --- | --- | --- | --- | --- | --- |")
    for row in report["large"] if isinstance(report.get("large"), list) else []:
        print(
            f"| {row['size']} | {row['wall_s']:.1f} s | {row['peak_gb'] or 0:.2f} | {row['budget_gb']:.0f} | "
            f"{row['predicted_gb']:.2f} | {row['tiles']} |"
        )
    print(f"\nevery technique: {report.get('every')}")
    print("\n| workers | paintings | wall | images/minute |\n| --- | --- | --- | --- |")
    for row in report["batch"] if isinstance(report.get("batch"), list) else []:
        print(f"| {row['workers']} | {row['paintings']} | {row['wall_s']:.1f} s | {row['images_per_minute']:.1f} |")
    for name in ("parity", "default", "same", "large", "every", "batch"):
        if isinstance(report.get(name), dict) and ("error" in report[name] or "skipped" in report[name]):
            print(f"{name}: {report[name]}")


if __name__ == "__main__":
    main()
