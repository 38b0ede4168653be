"""Small clips made here, with motion we know: a camera panning over a texture, with a tone for sound."""

from fractions import Fraction
from pathlib import Path

import numpy as np

from brushwork.video.io import write_mp4


def panning_frames(frames: int, height: int, width: int, step: int = 2, seed: int = 0) -> list[np.ndarray]:
    """A textured scene seen by a camera moving ``step`` px to the right per frame (uint8 RGB)."""
    import cv2

    rng = np.random.default_rng(seed)
    scene_width = width + step * frames
    coarse = rng.random((height // 6 + 2, scene_width // 6 + 2, 3)).astype(np.float32)
    scene = cv2.resize(coarse, (scene_width, height), interpolation=cv2.INTER_CUBIC)[:height, :scene_width]
    scene = (scene.clip(0, 1) * 255).astype(np.uint8)
    return [scene[:, i * step : i * step + width].copy() for i in range(frames)]


def make_clip(
    path: Path, frames: int = 8, height: int = 48, width: int = 64, fps: int = 10, audio: bool = True
) -> Path:
    write_mp4(path, panning_frames(frames, height, width), Fraction(fps))
    if audio:
        _add_tone(path, frames / fps)
    return path


def _add_tone(path: Path, seconds: float) -> None:
    """Mux a 440 Hz AAC tone beside the clip's video (remuxed, not re-encoded)."""
    import av

    tmp = path.with_name(path.stem + ".tone.mp4")
    with av.open(str(path)) as source, av.open(str(tmp), "w") as output:
        video = output.add_stream_from_template(source.streams.video[0])
        sound = output.add_stream("aac", rate=44100)
        sound.layout = "mono"
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = video
            output.mux(packet)
        samples = int(44100 * seconds)
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 44100)).astype(np.float32)[None]
        for start in range(0, samples, 1024):
            frame = av.AudioFrame.from_ndarray(tone[:, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate = 44100
            output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
    tmp.replace(path)
