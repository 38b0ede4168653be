"""Video without flicker: prints a table and writes bench/results/video.json and video_sheet.png.

  .venv/bin/python bench/video.py [--clip FILE] [--size 256] [--frames 20] [--weights 2e4 1e6] [--holds 0 0.8]

On a real clip (default: the first frames of OpenCV's vtest.avi, people walking past a fixed camera,
Debian's opencv-doc) in the style of The Starry Night, in one run: (a) each frame painted on its own
(the still-image default), (b) brushwork video at each temporal weight, (c) the input itself. For each:
the warping error of Lai et al. 2018 (target: (b) at most 30 % of (a)) and seconds per frame after the
first against a still image's run at the same size (target: at most 50 %); (d) ``--method fast`` at each
hold in ``--holds`` (hold 0 is each fast frame alone), with its seconds per later frame against (b)'s
(target: at most a fifth) and its warping error against (a)'s (target: at most 30 %). Also times decoding the clip
with PyAV against imageio-ffmpeg (the choice of reader), and draws consecutive frames of (a) and (b)
with their warping-difference images into video_sheet.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from measure import RESULTS, ROOT

sys.path.insert(0, str(ROOT))

from brushwork.image.io import load_image
from brushwork.settings.video import PRESETS
from brushwork.techniques.transfer import stylize
from brushwork.video.clip import clip_warping_errors, frame_size, resized
from brushwork.video.flow import FlowEstimator, frame_pair, warp
from brushwork.video.io import probe, read_frames
from brushwork.video.painter import ClipPainter, to_array, to_tensor

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
STYLE = ROOT / "brushwork" / "assets" / "starry_night.jpg"


def decode_times(clip: Path, frames: int) -> dict:
    """Seconds to decode ``frames`` frames to RGB arrays: PyAV, and imageio-ffmpeg (an ffmpeg pipe)."""
    started = time.perf_counter()
    for index, _ in enumerate(read_frames(clip)):
        if index + 1 == frames:
            break
    pyav = time.perf_counter() - started
    result = {"pyav_s": round(pyav, 3)}
    try:
        import imageio_ffmpeg
    except ImportError:
        return result
    started = time.perf_counter()
    reader = imageio_ffmpeg.read_frames(str(clip))
    next(reader)  # the metadata
    for index, _ in enumerate(reader):
        if index + 1 == frames:
            break
    reader.close()
    result["imageio_ffmpeg_s"] = round(time.perf_counter() - started, 3)
    return result


def difference_image(previous: np.ndarray, current: np.ndarray, pair) -> np.ndarray:
    """|current − previous warped onto it|, ×4, where the flow is trusted (grey elsewhere)."""
    diff = np.abs(current - warp(previous, pair.backward)) * 4
    diff[pair.weights == 0] = 0.5
    return diff.clip(0, 1)


def sheet(rows: list[tuple[str, list[np.ndarray]]], path: Path) -> None:
    from brushwork.image.sheet import captioned_sheet

    panels = [(f"{name} {i}", to_tensor(image)) for name, images in rows for i, image in enumerate(images)]
    captioned_sheet(panels, columns=len(rows[0][1])).save(path)


def paint_clip(painter: ClipPainter, frames: list[np.ndarray]) -> tuple[list[np.ndarray], list[float], float]:
    """Each frame painted in turn: the painted frames, each one's seconds, and the clip's warping error."""
    painted, seconds = [], []
    for index, frame in enumerate(frames):
        result = painter.paint(index, frame)
        painted.append(result.image)
        seconds.append(result.seconds)
    error, _ = clip_warping_errors(iter(frames), painted.__getitem__, painter.settings.flow)
    return painted, seconds, error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=VTEST)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--weights", type=float, nargs="+", default=[PRESETS["default"].temporal_weight])
    parser.add_argument("--holds", type=float, nargs="*", default=[0.0, PRESETS["default"].fast_hold])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    info = probe(args.clip)
    size = frame_size(info, args.size)
    frames = [resized(f, size) for _, f in zip(range(args.frames), read_frames(args.clip))]
    style = load_image(STYLE)
    settings = PRESETS["default"].replace(size=args.size)
    report: dict = {
        "clip": str(args.clip),
        "size": list(size),
        "frames": len(frames),
        "decode": decode_times(args.clip, 100),
    }

    still = [stylize(to_tensor(frames[0]), [style], settings)]  # warm-up (weights read, allocator warm)
    started = time.perf_counter()
    alone = []
    for frame in frames:
        alone.append(to_array(stylize(to_tensor(frame), [style], settings)))
    still_s = (time.perf_counter() - started) / len(frames)
    del still
    errors_alone, errors_input = clip_warping_errors(iter(frames), lambda i: alone[i], settings.flow)
    report["frame_by_frame"] = {"seconds_per_frame": round(still_s, 2), "warping_error": errors_alone}
    report["input"] = {"warping_error": errors_input}
    print(f"frame by frame: {still_s:.2f} s/frame, warping error {errors_alone:.5f}; input {errors_input:.5f}")

    runs = {}
    for weight in args.weights:
        painted, seconds, error = paint_clip(ClipPainter([style], settings.replace(temporal_weight=weight)), frames)
        later = float(np.mean(seconds[1:]))
        runs[weight] = painted
        report[f"video_w{weight:g}"] = {
            "temporal_weight": weight,
            "seconds_first_frame": round(seconds[0], 2),
            "seconds_per_later_frame": round(later, 2),
            "later_frame_vs_still": round(later / still_s, 3),
            "warping_error": error,
            "vs_frame_by_frame": round(error / errors_alone, 3),
        }
        print(
            f"video w={weight:g}: {later:.2f} s/frame after the first ({later / still_s:.2f}x a still), "
            f"warping error {error:.5f} ({error / errors_alone:.2f}x frame by frame)",
            flush=True,
        )

    optimised_s = report[f"video_w{args.weights[0]:g}"]["seconds_per_later_frame"]
    fast_runs = {}
    for hold in args.holds:
        fast = settings.replace(method="fast", fast_hold=hold)
        ClipPainter([style], fast).paint(0, frames[0])  # warm-up (the decoder read)
        painted, seconds, error = paint_clip(ClipPainter([style], fast), frames)
        later = float(np.mean(seconds[1:]))
        fast_runs[hold] = painted
        report[f"fast_hold{hold:g}"] = {
            "fast_hold": hold,
            "seconds_per_later_frame": round(later, 3),
            "speedup_vs_optimised_video": round(optimised_s / later, 1),
            "warping_error": error,
            "vs_frame_by_frame": round(error / errors_alone, 3),
        }
        print(
            f"fast hold={hold:g}: {later:.2f} s/frame ({optimised_s / later:.1f}x fewer than video), "
            f"warping error {error:.5f} ({error / errors_alone:.2f}x frame by frame)",
            flush=True,
        )

    best = min(runs, key=lambda w: report[f"video_w{w:g}"]["warping_error"])
    estimator = FlowEstimator(settings.flow)
    shown = range(4, 8) if len(frames) >= 8 else range(1, len(frames))
    pairs = {i: frame_pair(estimator, frames[i - 1], frames[i]) for i in shown}
    rows = [
        ("input", [frames[i] for i in shown]),
        ("alone", [alone[i] for i in shown]),
        ("alone diff", [difference_image(alone[i - 1], alone[i], pairs[i]) for i in shown]),
        ("video", [runs[best][i] for i in shown]),
        ("video diff", [difference_image(runs[best][i - 1], runs[best][i], pairs[i]) for i in shown]),
    ]
    for hold, painted in fast_runs.items():
        rows.append((f"fast {hold:g}", [painted[i] for i in shown]))
        rows.append((f"fast {hold:g} diff", [difference_image(painted[i - 1], painted[i], pairs[i]) for i in shown]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    sheet(rows, RESULTS / "video_sheet.png")
    print(f"\n{len(frames)} frames of {args.clip.name} at {size[1]}x{size[0]}")
    print(f"{'run':<22}{'s/frame':>9}{'vs still':>10}{'warp error':>12}{'vs alone':>10}")
    print(f"{'frame by frame':<22}{still_s:>9.2f}{1.0:>10.2f}{errors_alone:>12.5f}{1.0:>10.2f}")
    for weight in args.weights:
        r = report[f"video_w{weight:g}"]
        name = f"video w={weight:g}"
        print(
            f"{name:<22}{r['seconds_per_later_frame']:>9.2f}{r['later_frame_vs_still']:>10.2f}"
            f"{r['warping_error']:>12.5f}{r['vs_frame_by_frame']:>10.2f}"
        )
    for hold in args.holds:
        r = report[f"fast_hold{hold:g}"]
        name = f"fast hold={hold:g}"
        print(
            f"{name:<22}{r['seconds_per_later_frame']:>9.2f}{r['seconds_per_later_frame'] / still_s:>10.2f}"
            f"{r['warping_error']:>12.5f}{r['vs_frame_by_frame']:>10.2f}"
        )
    print(f"{'input':<22}{'':>9}{'':>10}{errors_input:>12.5f}")
    print(f"decoding 100 frames: {report['decode']}")
    (RESULTS / "video.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS / 'video.json'} and {RESULTS / 'video_sheet.png'}")


if __name__ == "__main__":
    main()
