"""``brushwork video``: paint a clip without flicker (``brushwork.video``: the clip, the flow and the painter)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import BrushworkError
from ..settings.video import PRESETS
from ..signals import describe, exit_code, signal_number
from .bars import Bar
from .common import (
    add_run_options,
    add_settings_source_options,
    format_loss,
    positive_int,
    run_device,
    settings_from_args,
    use_threads,
)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds >= 0: {text!r}")
    return value


def register(commands: Any) -> None:
    p = commands.add_parser(
        "video",
        help="paint a clip in the style of a painting, without flicker",
        description="Style transfer for video (Ruder et al. 2016): each frame starts from the previous painted "
        "frame warped by the optical flow, and a temporal loss holds it there. Finished frames are kept as it "
        "goes, so Ctrl-C loses at most the frame in progress and --resume goes on. Prints the warping error "
        "(flicker) of the result and of the input, and writes them with the settings to OUTPUT.json.",
    )
    p.add_argument("clip", metavar="CLIP", type=Path, help="the video to paint (anything FFmpeg reads)")
    p.add_argument("styles", nargs="+", metavar="STYLE", type=Path, help="one or more paintings")
    p.add_argument("--frames", choices=["png"], help="write PNG frames into the OUTPUT folder instead of a clip")
    p.add_argument("--start", type=_seconds, default=0.0, metavar="SECONDS", help="begin this far into the clip")
    p.add_argument("--duration", type=_seconds, metavar="SECONDS", help="paint only this long a stretch")
    p.add_argument("--every", type=positive_int, default=1, metavar="N", help="paint every N-th frame (fps / N)")
    p.add_argument("--audio", action=argparse.BooleanOptionalAction, default=True, help="keep the clip's sound")
    p.add_argument("--resume", action="store_true", help="go on with the frames an interrupted run left")
    add_run_options(
        p,
        output="the painted clip (.mp4), or a folder with --frames",
        overwrite="replace the output (and an earlier run's frames)",
    )
    add_settings_source_options(p, PRESETS["default"], PRESETS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ..video.clip import ClipRequest, paint_clip
    except ImportError as exc:
        raise BrushworkError(f"video needs its extra ({exc.name} is missing): bash scripts/install --video") from None
    from ..files import saved_beside
    from ..optim import Interrupted

    settings = settings_from_args(args, PRESETS[args.preset])
    if args.duration == 0:
        raise BrushworkError("--duration must be more than 0 seconds")
    request = ClipRequest(
        clip=args.clip,
        styles=tuple(args.styles),
        output=args.output,
        settings=settings,
        frames_only=args.frames == "png",
        start=args.start,
        duration=args.duration,
        every=args.every,
        audio=args.audio,
        resume=args.resume,
        overwrite=args.overwrite,
    )
    device = run_device(args)
    use_threads(args)
    bar = FramesBar(enabled=not args.quiet)
    try:
        report = paint_clip(
            request,
            on_start=lambda info, done: bar.start(expected_frames(info, args), done),
            on_frame=bar.update,
            device=device,
        )
    except (Interrupted, KeyboardInterrupt) as stop:
        bar.close()
        signum = getattr(stop, "signum", None) or signal_number(stop)
        print(
            f"brushwork: {describe(signum)}; the finished frames are kept in {request.work_folder}: "
            "run the same command with --resume to go on",
            file=sys.stderr,
        )
        return exit_code(signum)
    finally:
        bar.close()
    if report.output != args.output:
        print(f"brushwork: {saved_beside(args.output, report.output)}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(
            f"wrote {args.output}: {report.frames} frames at {report.fps:g} fps; warping error (flicker) "
            f"{report.warping_error:.5f}, the input's {report.input_warping_error:.5f}",
        )
    return 0


def expected_frames(info: Any, args: argparse.Namespace) -> int | None:
    length = info.duration - args.start
    if args.duration is not None:
        length = min(length, args.duration) if info.duration else args.duration
    if length <= 0:
        return None
    return max(1, int(length * float(info.fps) + 0.5) // args.every)


class FramesBar(Bar):
    """A bar over the frames with the last frame's losses and its seconds; tqdm's ETA from the rate."""

    def __init__(self, enabled: bool):
        super().__init__()
        self.enabled = enabled

    def start(self, total: int | None, done: int) -> None:
        if self.enabled:
            self.open(total=total, initial=done, desc="frames", unit="frame", leave=True)

    def update(self, index: int, seconds: float, losses: dict[str, float]) -> None:
        if self.bar is None:
            return
        postfix = {name: format_loss(value) for name, value in losses.items()}
        postfix["s/frame"] = f"{seconds:.1f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(index + 1 - self.bar.n)
