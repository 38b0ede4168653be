"""A clip, painted: reading it, the work folder of finished frames that makes a run resumable, the
flicker report, and writing the result. The painting itself is ``painter.ClipPainter``.

Every finished frame is written at once (atomically) into the work folder: an MP4 output's
``OUTPUT.frames/`` beside it (removed once the clip is written), or the output folder itself with
``--frames png``. The folder's ``run.json`` says which run its frames belong to, so ``--resume`` goes
on only with the same clip, styles and settings, and never mixes two runs' frames.
"""

from __future__ import annotations

import json
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from PIL import Image

from ..encoders.precision import resolved_run
from ..errors import BrushworkError
from ..files import LOCK_NAME, check_writable, held_folder, make_folder, save_where_free, write_atomically, write_text
from ..geometry import fit_long_edge
from ..provenance import record
from ..settings.video import VideoSettings
from .flow import FlowEstimator, frame_pair, warping_error
from .io import ClipInfo, probe, read_frames, write_mp4

FRAME_NAME = "frame_{:06d}.png"
RUN_FILE = "run.json"


@dataclass(frozen=True)
class ClipRequest:
    clip: Path
    styles: tuple[Path, ...]
    output: Path  # an .mp4 file, or a folder with frames_only
    settings: VideoSettings
    frames_only: bool = False  # write PNG frames into ``output`` instead of a clip
    start: float = 0.0
    duration: float | None = None
    every: int = 1
    audio: bool = True
    resume: bool = False
    overwrite: bool = False

    @property
    def work_folder(self) -> Path:
        return self.output if self.frames_only else self.output.with_name(self.output.name + ".frames")

    @property
    def report_path(self) -> Path:
        return report_path(self.output, self.frames_only)

    def identity(self) -> dict[str, Any]:
        """What makes two runs the same run: their frames may be continued by one another."""
        return {
            "clip": str(self.clip.resolve()),
            "styles": [str(style.resolve()) for style in self.styles],
            "settings": self.settings.to_dict(),
            "start": self.start,
            "duration": self.duration,
            "every": self.every,
        }


def report_path(output: Path, frames_only: bool) -> Path:
    return output / "report.json" if frames_only else output.with_name(output.name + ".json")


def frame_size(info: ClipInfo, size: int) -> tuple[int, int]:
    """(height, width) of the painted frames: the long edge at ``size``, both sides even (for yuv420p)."""
    height, width = fit_long_edge(info.height, info.width, size)
    return max(2, height - height % 2), max(2, width - width % 2)


def resized(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """An input frame at the painted size, float32 in [0, 1]."""
    height, width = size
    interpolation = cv2.INTER_AREA if width < frame.shape[1] else cv2.INTER_CUBIC
    small = cv2.resize(frame, (width, height), interpolation=interpolation)
    return np.clip(small.astype(np.float32) / 255.0, 0.0, 1.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)


def prepare(request: ClipRequest) -> tuple[ClipInfo, int]:
    """Check the request before any work; returns the clip's description and how many frames are done."""
    info = probe(request.clip)
    if info.duration > 0 and request.start >= info.duration:
        raise BrushworkError(f"{request.clip}: no frames in the chosen stretch (--start, --duration)")
    request.settings.validate()
    request.settings.check_styles(len(request.styles))
    if not request.frames_only:
        if request.output.suffix.lower() != ".mp4":
            raise BrushworkError(f"{request.output}: the clip is written as MP4 (name it .mp4), or give --frames png")
        check_writable(request.output, overwrite=request.overwrite, inputs=[request.clip, *request.styles])
    folder = request.work_folder
    if folder.exists() and not folder.is_dir():
        raise BrushworkError(f"{folder}: exists and is not a folder")
    done = finished_frames(folder)
    run_file = folder / RUN_FILE
    if run_file.exists() or done:
        earlier = _read_run(run_file)
        if request.overwrite and not request.resume:
            _clear(folder)
            done = 0
        elif not request.resume:
            raise BrushworkError(
                f"{folder}: holds {done} frames of an earlier run; pass --resume to go on, or --overwrite to start over"
            )
        elif earlier != request.identity():
            raise BrushworkError(
                f"{folder}: holds frames of another run (other clip, styles or settings); "
                "--resume goes on only with the same ones (or --overwrite to start over)"
            )
    elif request.frames_only and folder.exists() and _holds_files(folder) and not request.overwrite:
        raise BrushworkError(f"{folder}: is not empty; give an empty or new folder for the frames (or --overwrite)")
    if not folder.parent.is_dir():
        raise BrushworkError(f"{folder}: directory {folder.parent} does not exist")
    return info, done


def _holds_files(folder: Path) -> bool:
    return any(path.name != LOCK_NAME for path in folder.iterdir())


def start_work(request: ClipRequest) -> None:
    """Make the work folder and say whose frames it holds (just before the first frame is kept)."""
    make_folder(request.work_folder)
    write_text(request.work_folder / RUN_FILE, json.dumps(request.identity(), indent=1) + "\n", overwrite=True)


def _read_run(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _clear(folder: Path) -> None:
    for path in folder.glob("frame_*.png"):
        path.unlink()
    (folder / RUN_FILE).unlink(missing_ok=True)


def finished_frames(folder: Path) -> int:
    """How many frames in a row, from the first, the folder holds."""
    count = 0
    while (folder / FRAME_NAME.format(count)).is_file():
        count += 1
    return count


def save_frame(folder: Path, index: int, image: np.ndarray) -> Path:
    picture = Image.fromarray(to_uint8(image))
    # compress_level 1: frames are many and temporary; the clip is what is kept.
    return write_atomically(folder / FRAME_NAME.format(index), lambda f: picture.save(f, "PNG", compress_level=1), True)


def load_frame(folder: Path, index: int) -> np.ndarray:
    with Image.open(folder / FRAME_NAME.format(index)) as picture:
        return np.asarray(picture.convert("RGB"), dtype=np.float32) / 255.0


def input_frames(request: ClipRequest, size: tuple[int, int]) -> Iterator[np.ndarray]:
    for frame in read_frames(request.clip, request.start, request.duration, request.every):
        yield resized(frame, size)


@dataclass
class ClipReport:
    frames: int
    fps: float
    size: tuple[int, int]
    seconds_first_frame: float | None
    seconds_per_later_frame: float | None
    warping_error: float
    input_warping_error: float
    output: Path = Path()  # where the clip went: ``-o``, or beside it if another run took that name meanwhile

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "fps": self.fps,
            "width": self.size[1],
            "height": self.size[0],
            "seconds_first_frame": self.seconds_first_frame,
            "seconds_per_later_frame": self.seconds_per_later_frame,
            # Lai et al. 2018: mean squared RGB difference (in [0, 1]) between each frame and the one before
            # warped onto it by the input's optical flow, where the flow can be trusted.
            "warping_error": self.warping_error,
            "input_warping_error": self.input_warping_error,
        }


def clip_warping_errors(
    inputs: Iterator[np.ndarray], painted: Callable[[int], np.ndarray], flow: str
) -> tuple[float, float]:
    """The mean warping error over the clip of the painted frames, and of the input frames themselves."""
    estimator = FlowEstimator(flow)
    errors: list[float] = []
    input_errors: list[float] = []
    previous: tuple[np.ndarray, np.ndarray] | None = None
    for index, frame in enumerate(inputs):
        current = (frame, painted(index))
        if previous is not None:
            pair = frame_pair(estimator, previous[0], frame)
            errors.append(warping_error(previous[1], current[1], pair))
            input_errors.append(warping_error(previous[0], frame, pair))
        previous = current
    return (float(np.mean(errors)) if errors else 0.0, float(np.mean(input_errors)) if input_errors else 0.0)


def paint_clip(
    request: ClipRequest,
    on_start: Callable[[ClipInfo, int], None] | None = None,
    on_frame: Callable[[int, float, dict[str, float]], None] | None = None,
    on_iteration: Callable[[Any], None] | None = None,
    device: torch.device | None = None,
) -> ClipReport:
    """Paint the clip's frames that are not done yet on ``device`` (None: the host), then write the clip
    and the report.

    ``on_start(info, frames already done)`` once the request is checked; ``on_frame(index, seconds,
    losses)`` after each frame. Ctrl-C (``Interrupted``) leaves every finished frame in the work folder
    for ``--resume``.
    """
    info, done = prepare(request)
    # Two runs given one output would paint into one work folder: the second is refused here.
    with held_folder(request.work_folder, "video"):
        info, done = prepare(request)  # again, now that no other run can change the folder
        if on_start is not None:
            on_start(info, done)
        return _paint_held(request, info, done, on_iteration, on_frame, device)


def _paint_held(
    request: ClipRequest,
    info: ClipInfo,
    done: int,
    on_iteration: Callable[[Any], None] | None,
    on_frame: Callable[[int, float, dict[str, float]], None] | None,
    device: torch.device | None,
) -> ClipReport:
    from ..image.io import load_image
    from .painter import ClipPainter

    size = frame_size(info, request.settings.size)
    styles = [load_image(style) for style in request.styles]
    folder = request.work_folder
    depth = max(request.settings.temporal_offsets)
    recent: deque[np.ndarray] = deque(maxlen=depth)
    painter: ClipPainter | None = None
    seconds: dict[int, float] = {}
    count = 0
    for index, frame in enumerate(input_frames(request, size)):
        count = index + 1
        if index < done:
            recent.append(frame)
            continue
        if painter is None:
            history = [(recent[i], load_frame(folder, done - len(recent) + i)) for i in range(len(recent))]
            painter = ClipPainter(styles, request.settings, history=history, device=device)
            start_work(request)
        painted = painter.paint(index, frame, on_iteration)
        save_frame(folder, index, painted.image)
        seconds[index] = painted.seconds
        if on_frame is not None:
            on_frame(index, painted.seconds, painted.losses)
    if count == 0:
        raise BrushworkError(f"{request.clip}: no frames in the chosen stretch (--start, --duration)")
    errors = clip_warping_errors(input_frames(request, size), lambda i: load_frame(folder, i), request.settings.flow)
    fps = float(info.fps / request.every)
    later = [s for i, s in seconds.items() if i > 0]
    report = ClipReport(
        frames=count,
        fps=fps,
        size=size,
        seconds_first_frame=seconds.get(0),
        seconds_per_later_frame=float(np.mean(later)) if later else None,
        warping_error=errors[0],
        input_warping_error=errors[1],
        output=request.output,
    )
    if not request.frames_only:
        audio = (request.clip, request.start, request.duration) if request.audio and info.audio else None

        def write(path: Path) -> None:
            frames = (to_uint8(load_frame(folder, i)) for i in range(count))
            write_mp4(path, frames, info.fps / request.every, audio, overwrite=request.overwrite)

        report.output = save_where_free(write, request.output)
        shutil.rmtree(folder, ignore_errors=True)
    # The record of what made the clip (``brushwork info`` and ``--settings`` read it), with the report.
    inputs = {"clip": request.clip, "styles": list(request.styles)}
    made_by = record("video", request.settings, inputs, run=resolved_run(request.settings, device))
    text = json.dumps({**made_by, "report": report.to_dict()}, indent=2) + "\n"
    write_text(report_path(report.output, request.frames_only), text, overwrite=True)
    return report
