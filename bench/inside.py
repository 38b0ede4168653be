"""Benchmark of the see-inside techniques: prints a table and writes bench/results/inside.json (+ a PNG sheet).

  .venv/bin/python bench/inside.py

Every row runs the CLI in a subprocess (wall time and that process's peak RSS):
  texture 256 and 512 px, DeepDream at 512 px (4 octaves), inversion at 256 px per layer,
  top-9 deconvnet patches for 16 channels of relu4_1 over 100 images.
A bare VGG19 forward+backward at 512×512 (to relu5_1, in the default precision) is timed in the same run as the
baseline the other rows are expressed against, because these machines are noisy.
Targets on the 2-core CPU: DeepDream 512 px <= 30 s, texture 512 px <= 60 s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from measure import RESULTS, ROOT, run_measured
from PIL import Image

sys.path.insert(0, str(ROOT))

from brushwork.encoders.precision import autocast_dtype, network_autocast
from brushwork.encoders.vgg import load_vgg19
from brushwork.image.io import load_image
from brushwork.image.pyramid import fit_long_edge, resize
from brushwork.image.sheet import captioned_sheet

PHOTO = ROOT / "brushwork" / "assets" / "chelsea.png"
PAINTING = ROOT / "brushwork" / "assets" / "starry_night.jpg"
INVERSION_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
TARGETS = {"texture 512x512": 60.0, "dream 512px, 4 octaves": 30.0}


def bare_forward_backward(repeats: int = 5) -> float:
    """Seconds for one VGG19 forward+backward to relu5_1 at 512×512 (median of ``repeats``).

    The network runs in the precision the techniques' default ("auto") picks on this CPU.
    """
    encoder = load_vgg19(["relu5_1"], pooling="avg")
    image = torch.rand(1, 3, 512, 512)
    times = []
    for _ in range(repeats + 1):
        x = image.clone().requires_grad_()
        start = time.perf_counter()
        with network_autocast(autocast_dtype("auto"), x.device.type):
            out = encoder(x, ["relu5_1"])["relu5_1"]
        out.float().mean().backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def hundred_images(folder: Path) -> None:
    """100 different 224-px images: seeded random crops (with flips) of the two bundled pictures."""
    generator = torch.Generator().manual_seed(0)
    sources = [load_image(PHOTO), load_image(PAINTING)]
    for index in range(100):
        source = sources[index % 2]
        h, w = source.shape[-2:]
        side = int(torch.randint(min(h, w) // 3, min(h, w), (1,), generator=generator))
        top = int(torch.randint(0, h - side + 1, (1,), generator=generator))
        left = int(torch.randint(0, w - side + 1, (1,), generator=generator))
        crop = resize(source[..., top : top + side, left : left + side], (224, 224))
        if index % 4 >= 2:
            crop = crop.flip(-1)
        Image.fromarray(crop[0].permute(1, 2, 0).mul(255).round().byte().numpy()).save(folder / f"{index:03d}.png")


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "brushwork"]
    common = ["--quiet", "--overwrite"]
    report: dict = {"torch_threads": torch.get_num_threads()}
    baseline = bare_forward_backward()
    report["bare_vgg19_fwd_bwd_512_bf16_s"] = baseline
    print(f"baseline: bare VGG19 forward+backward at 512x512 (bf16): {baseline:.3f} s\n")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        hundred_images(folder)
        runs = [
            ("texture 256x256", cli + ["texture", str(PAINTING), "--size", "256x256"], "inside_texture_256.png"),
            ("texture 512x512", cli + ["texture", str(PAINTING), "--size", "512x512"], "inside_texture_512.png"),
            (
                "texture 512x512 tileable",
                cli + ["texture", str(PAINTING), "--size", "512x512", "--tileable"],
                "inside_texture_512_tileable.png",
            ),
            (
                "dream 512px, 4 octaves",
                cli + ["dream", str(PHOTO), "--size", "512", "--octaves", "4"],
                "inside_dream_512.png",
            ),
        ]
        runs += [
            (
                f"invert 256px {layer}",
                cli + ["invert", str(PHOTO), "--size", "256", "--layers", layer],
                f"inside_invert_{layer}.png",
            )
            for layer in INVERSION_LAYERS
        ]
        runs.append(
            (
                "top-9, 16 channels relu4_1, 100 images",
                cli + ["visualize", "top9", "--layer", "relu4_1", "--channels", "0-15", "--images", str(folder)],
                "inside_top9.png",
            )
        )

        print(f"{'run':<40} {'wall':>8} {'x bare':>8} {'peak RSS':>9} {'target':>8}")
        report["runs"] = []
        for label, cmd, name in runs:
            out = RESULTS / name
            measured = run_measured(cmd + ["-o", str(out)] + common)
            target = TARGETS.get(label)
            row = {
                "run": label,
                **measured,
                "x_bare_fwd_bwd": measured["wall_s"] / baseline,
                "target_s": target,
                "image": str(out.relative_to(ROOT)),
            }
            if target is not None:
                row["meets_target"] = measured["wall_s"] <= target
            report["runs"].append(row)
            verdict = "" if target is None else f"{'ok' if row['meets_target'] else 'MISSED'} {target:.0f}s"
            print(
                f"{label:<40} {measured['wall_s']:>7.1f}s {row['x_bare_fwd_bwd']:>7.0f}x "
                f"{measured['peak_rss_mb']:>7.0f}MB {verdict:>8}"
            )

    panels = []
    for row in report["runs"]:
        if row["run"].startswith(("texture", "dream")):
            image = load_image(ROOT / row["image"])
            panels.append((row["run"], resize(image, fit_long_edge(*image.shape[-2:], 320))))
    sheet = RESULTS / "inside_sheet.png"
    captioned_sheet(panels, columns=len(panels)).save(sheet)
    (RESULTS / "inside.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {RESULTS / 'inside.json'} and {sheet}")


if __name__ == "__main__":
    main()
