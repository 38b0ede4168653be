"""Reading and writing clips with PyAV (FFmpeg's libraries, bundled in its wheels: nothing to download).

Frames are (H, W, 3) uint8 RGB arrays. ``write_mp4`` encodes H.264 (yuv420p, what every player plays)
into a temporary file beside the output and moves it into place, so the output is a whole clip or
nothing; it can carry the input's audio over for the same stretch of time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import BrushworkError
from ..files import already_exists, move_into_place

CRF = 17  # x264's constant quality: visually lossless for paintings' fine strokes


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    fps: Fraction
    duration: float  # seconds (0 when the container does not say)
    frames: int  # the container's count (0 when it does not say)
    audio: bool
    codec: str


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise BrushworkError(f"{path}: no such file")
    if path.is_dir():
        raise BrushworkError(f"{path}: is a directory, not a video")
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise BrushworkError(f"{path}: not a video file brushwork can read") from None


def probe(path: str | os.PathLike[str]) -> ClipInfo:
    """What a clip is, or a one-line refusal (not a video, no video stream, a codec FFmpeg cannot decode)."""
    path = Path(path)
    with _open(path) as container:
        if not container.streams.video:
            raise BrushworkError(f"{path}: has no video stream")
        if container.format.name == "image2" or container.format.name.endswith("_pipe"):
            raise BrushworkError(f"{path}: is a still image, not a video")
        stream = container.streams.video[0]
        context = stream.codec_context
        if context is None or stream.codec_context.name is None:
            raise BrushworkError(f"{path}: its video codec is not one FFmpeg decodes")
        rate = stream.average_rate or stream.base_rate or Fraction(25)
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        return ClipInfo(
            width=context.width,
            height=context.height,
            fps=Fraction(rate),
            duration=duration,
            frames=int(stream.frames or 0),
            audio=bool(container.streams.audio),
            codec=context.name,
        )


def read_frames(
    path: str | os.PathLike[str], start: float = 0.0, duration: float | None = None, every: int = 1
) -> Iterator[np.ndarray]:
    """The RGB frames from ``start`` seconds for ``duration`` seconds, every ``every``-th one."""
    path = Path(path)
    end = None if duration is None else start + duration
    kept = 0
    with _open(path) as container:
        if not container.streams.video:
            raise BrushworkError(f"{path}: has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            seen = 0
            for frame in container.decode(stream):
                time = frame.time if frame.time is not None else seen / float(stream.average_rate or 25)
                if time < start - 1e-6:
                    continue
                if end is not None and time >= end - 1e-6:
                    break
                if seen % every == 0:
                    kept += 1
                    yield frame.to_ndarray(format="rgb24")
                seen += 1
        except av.FFmpegError as exc:
            if kept == 0:
                raise BrushworkError(f"{path}: cannot be decoded ({exc.strerror or exc})") from None
            # A clip damaged near its end: what decoded is kept.


def write_mp4(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: Fraction,
    audio_from: tuple[Path, float, float | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Encode ``frames`` (all of one even size) as H.264 at ``fps``; with ``audio_from`` (clip, start,
    duration) that clip's audio for the same stretch is carried over. Written atomically."""
    path = Path(path)
    if os.path.lexists(path) and not overwrite:
        raise already_exists(path)
    fd, tmp = tempfile.mkstemp(prefix=".bw-", suffix=path.suffix or ".mp4", dir=path.parent)
    os.close(fd)
    try:
        with av.open(tmp, mode="w", format="mp4") as output:
            stream = None
            audio = _audio_streams(output, audio_from)
            for array in frames:
                if stream is None:
                    stream = output.add_stream("libx264", rate=fps)
                    stream.height, stream.width = array.shape[:2]
                    stream.pix_fmt = "yuv420p"
                    stream.options = {"crf": str(CRF), "preset": "medium"}
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
                output.mux(stream.encode(frame))
            if stream is None:
                raise BrushworkError(f"{path}: no frames to write")
            output.mux(stream.encode(None))
            if audio is not None:
                _copy_audio(output, *audio)
        with open(tmp, "rb") as written:  # on disk before it takes the output's name
            os.fsync(written.fileno())
        move_into_place(Path(tmp), path, overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _audio_streams(
    output: av.container.OutputContainer, audio_from: tuple[Path, float, float | None] | None
) -> (
    tuple[av.container.InputContainer, av.audio.stream.AudioStream, av.audio.stream.AudioStream, float, float | None]
    | None
):
    if audio_from is None:
        return None
    source, start, duration = audio_from
    container = av.open(str(source))
    if not container.streams.audio:
        container.close()
        return None
    source_stream = container.streams.audio[0]
    try:
        target = output.add_stream_from_template(source_stream)
    except (av.FFmpegError, ValueError):  # a codec MP4 cannot hold: the clip goes without sound
        container.close()
        return None
    return container, source_stream, target, start, duration


def _copy_audio(
    output: av.container.OutputContainer,
    container: av.container.InputContainer,
    source: av.audio.stream.AudioStream,
    target: av.audio.stream.AudioStream,
    start: float,
    duration: float | None,
) -> None:
    """Remux the source's audio packets from ``start`` for ``duration``, their times moved to begin at 0."""
    try:
        time_base = source.time_base
        assert time_base is not None
        offset = int(start / time_base)
        end = None if duration is None else int((start + duration) / time_base)
        for packet in container.demux(source):
            if packet.pts is None or packet.dts is None:
                continue
            if packet.pts < offset:
                continue
            if end is not None and packet.pts >= end:
                break
            packet.pts -= offset
            packet.dts -= offset
            packet.stream = target
            output.mux(packet)
    except av.FFmpegError:
        pass  # sound is a courtesy: a clip whose audio will not copy keeps its pictures
    finally:
        container.close()
