"""``brushwork video`` end to end on a tiny clip: frames, rate and sound kept; resume; bad input; and
temporal consistency measured against painting each frame on its own."""

import json
import os

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("av", reason="the video extra is part of the test install")

from brushwork.image.io import save_image
from brushwork.provenance import read_record

from ..conftest import smooth_image
from ..helpers import assert_error, hold_folder_elsewhere, interrupt_when, run_cli, run_subprocess
from .clips import make_clip

pytestmark = pytest.mark.integration

TINY = ["--size", "48", "--scales", "0.5", "1", "--iterations", "4", "4", "--frame-iterations", "4"]


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "pan.mp4", frames=8, height=48, width=64, fps=10)


@pytest.fixture
def style(tmp_path):
    Image.effect_noise((48, 48), 80).convert("RGB").save(tmp_path / "noise.png")
    return tmp_path / "noise.png"


def test_a_clip_keeps_its_frame_count_rate_size_and_sound_and_reports_its_flicker(tmp_path, clip, style, real_weights):
    from brushwork.video.io import probe, read_frames

    out = tmp_path / "painted.mp4"
    result = run_cli("video", clip, style, "-o", out, *TINY)
    assert result.returncode == 0, result.stderr
    info = probe(out)
    assert (info.width, info.height, info.fps, info.audio) == (48, 36, 10, True)
    frames = list(read_frames(out))
    assert len(frames) == 8
    source = [f.astype(float) for f in read_frames(clip)]
    assert (
        np.abs(
            frames[3].astype(float) - np.asarray(Image.fromarray(source[3].astype(np.uint8)).resize((48, 36)))
        ).mean()
        > 5
    )
    assert not (tmp_path / "painted.mp4.frames").exists()
    record = json.loads((tmp_path / "painted.mp4.json").read_text())
    assert record["technique"] == "video" and record["settings"]["frame_iterations"] == 4
    assert record["report"]["frames"] == 8 and record["report"]["warping_error"] > 0
    assert f"warping error (flicker) {record['report']['warping_error']:.5f}" in result.stdout
    assert read_record(out)["inputs"] == {"clip": "pan.mp4", "styles": ["noise.png"]}


def test_frames_as_pngs_every_other_frame_with_the_long_term_loss(tmp_path, clip, style, real_weights):
    out = tmp_path / "frames"
    result = run_cli(
        "video",
        clip,
        style,
        "-o",
        out,
        "--frames",
        "png",
        "--every",
        "2",
        "--temporal-offsets",
        "1",
        "2",
        "--quiet",
        *TINY,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.glob("frame_*.png")) == [f"frame_{i:06d}.png" for i in range(4)]
    assert json.loads((out / "report.json").read_text())["report"]["fps"] == 5


def test_ctrl_c_keeps_the_finished_frames_and_resume_paints_only_the_rest(tmp_path, clip, style, real_weights):
    out = tmp_path / "painted.mp4"
    slow = [*TINY[:-1], "30"]  # frames long enough to be interrupted in the middle
    code, stderr = interrupt_when(["video", clip, style, "-o", out, *slow], "| 3/8", settle=0.3)
    assert code == 130, stderr
    assert "the finished frames are kept in" in stderr and "Traceback" not in stderr
    folder = tmp_path / "painted.mp4.frames"
    kept = sorted(folder.glob("frame_*.png"))
    assert 3 <= len(kept) < 8 and not out.exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in kept}
    assert_error(
        run_cli("video", clip, style, "-o", out, *slow),
        f"{folder}: holds {len(kept)} frames of an earlier run; pass --resume to go on, or --overwrite to start over",
    )
    done = run_subprocess("video", clip, style, "-o", out, *slow, "--resume", "--quiet")
    assert done.returncode == 0, done.stderr
    from brushwork.video.io import read_frames

    assert len(list(read_frames(out))) == 8
    assert not folder.exists()
    assert all(name in stamps for name in stamps)  # nothing kept was painted again (the folder is gone now)
    assert json.loads((tmp_path / "painted.mp4.json").read_text())["report"]["frames"] == 8


def test_temporal_consistency_flickers_less_than_painting_each_frame_alone(tmp_path, real_weights):
    from brushwork.settings.video import PRESETS
    from brushwork.techniques.transfer import stylize
    from brushwork.video.clip import clip_warping_errors
    from brushwork.video.flow import FlowEstimator  # noqa: F401  (the extra is there)
    from brushwork.video.painter import ClipPainter, to_array, to_tensor
    from tests.video.clips import panning_frames

    frames = [f.astype(np.float32) / 255 for f in panning_frames(6, 64, 96, step=3)]
    style = smooth_image(64, 64, seed=4) * 0.5 + torch_noise(64)
    settings = PRESETS["default"].replace(size=96, scales=(0.5, 1.0), iterations=(40, 20), frame_iterations=20)
    painter = ClipPainter([style], settings)
    consistent = [painter.paint(i, frame).image for i, frame in enumerate(frames)]
    alone = [to_array(stylize(to_tensor(frame), [style], settings, encoder=painter.encoder)) for frame in frames]
    with_loss, _ = clip_warping_errors(iter(frames), lambda i: consistent[i], "medium")
    frame_by_frame, _ = clip_warping_errors(iter(frames), lambda i: alone[i], "medium")
    assert with_loss < 0.5 * frame_by_frame


def torch_noise(size):
    import torch

    return torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(5)) * 0.5


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("not a video"), "{p}: not a video file brushwork can read"),
        (lambda p: save_image(smooth_image(20, 20), p), "{p}: is a still image, not a video"),
        (lambda p: None, "{p}: no such file"),
    ],
)
def test_a_file_that_is_not_a_video_is_a_one_line_error(tmp_path, style, make, message):
    suffix = ".png" if "still" in message else ".mp4"
    path = tmp_path / f"clip{suffix}"
    make(path)
    assert_error(run_cli("video", path, style, "-o", tmp_path / "out.mp4"), message.format(p=path))
    assert not (tmp_path / "out.mp4").exists()


def test_an_existing_output_is_never_overwritten_and_an_empty_stretch_is_refused(tmp_path, clip, style):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"precious")
    assert_error(run_cli("video", clip, style, "-o", out), f"{out}: already exists; pass --overwrite to replace it")
    assert out.read_bytes() == b"precious"
    os.remove(out)
    assert_error(
        run_cli("video", clip, style, "-o", out, "--start", "100", *TINY),
        f"{clip}: no frames in the chosen stretch (--start, --duration)",
    )


def test_a_second_run_into_the_frames_of_a_running_one_is_refused(tmp_path, clip, style):
    out = tmp_path / "painted.mp4"
    holder = hold_folder_elsewhere(tmp_path / "painted.mp4.frames", "video")
    try:
        folder = tmp_path / "painted.mp4.frames"
        message = f"{folder}: another brushwork video is writing here; wait for it to end or choose another output"
        for extra in ([], ["--resume"], ["--overwrite"]):
            assert_error(run_cli("video", clip, style, "-o", out, *TINY, *extra), message)
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_clip_whose_name_another_run_took_meanwhile_is_saved_beside_it(tmp_path, clip, style, monkeypatch):
    from brushwork.video import clip as clips

    out = tmp_path / "painted.mp4"
    real_errors = clips.clip_warping_errors

    def other_run_finishes_first(*args, **kwargs):
        out.write_bytes(b"the other run's clip")
        return real_errors(*args, **kwargs)

    monkeypatch.setattr(clips, "clip_warping_errors", other_run_finishes_first)
    result = run_cli("video", clip, style, "-o", out, *TINY, "--quiet")
    beside = tmp_path / "painted-2.mp4"
    assert (result.returncode, result.stderr) == (
        2,
        f"brushwork: {out}: another run wrote it meanwhile; this one was saved as {beside}\n",
    )
    assert out.read_bytes() == b"the other run's clip"
    assert len(list(clips.read_frames(beside))) == 8
    assert json.loads((tmp_path / "painted-2.mp4.json").read_text())["report"]["frames"] == 8
    assert not (tmp_path / "painted.mp4.frames").exists()
