"""A job's finished levels are kept, and a restarted job goes on after the last one, ending where it would have."""

import torch

from brushwork.jobs import Job
from brushwork.jobs.resume import LevelFile
from brushwork.jobs.runner import run_job
from brushwork.settings import TextureSettings, TransferSettings
from brushwork.techniques.transfer import stylize
from tests.conftest import smooth_image

SMALL = TransferSettings(
    size=48,
    content_layer="relu2_1",
    style_layers=("relu1_1", "relu2_1", "relu3_1"),
    scales=(0.25, 0.5, 1.0),
    iterations=(4, 4, 4),
    precision="float32",
)


class MemoryStore:
    def __init__(self):
        self.kept: list[tuple[int, torch.Tensor]] = []

    def load(self):
        return self.kept[-1] if self.kept else None

    def save(self, level, parameter):
        self.kept.append((level, parameter.clone()))


def paint(random_encoder, store=None, seen=None):
    content = smooth_image(40, 60, seed=0)
    style = torch.rand(1, 3, 50, 50, generator=torch.Generator().manual_seed(1))
    callback = None if seen is None else seen.append
    return stylize(content, [style], SMALL, encoder=random_encoder, callback=callback, level_store=store)


def test_every_level_but_the_last_is_kept(random_encoder):
    store = MemoryStore()
    paint(random_encoder, store)
    assert [(level, tuple(p.shape[-2:])) for level, p in store.kept] == [(0, (11, 16)), (1, (16, 24))]


def test_a_resumed_run_skips_the_kept_levels_and_ends_where_a_whole_run_ends(random_encoder):
    whole = MemoryStore()
    expected = paint(random_encoder, whole)
    resumed_from = MemoryStore()
    resumed_from.kept = whole.kept[:1]  # the run "died" in level 1
    seen = []
    resumed = paint(random_encoder, resumed_from, seen)
    assert sorted({p.level for p in seen}) == [1, 2]
    assert torch.equal(resumed, expected)


def test_a_kept_level_of_another_size_is_ignored(random_encoder):
    store = MemoryStore()
    store.kept = [(0, torch.zeros(1, 3, 5, 5))]
    seen = []
    paint(random_encoder, store, seen)
    assert sorted({p.level for p in seen}) == [0, 1, 2]


def texture_job(tmp_path, seed=0):
    style = tmp_path / "style.png"
    if not style.exists():
        from brushwork.image.io import save_image

        save_image(torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(2)), style)
    settings = TextureSettings(
        size=(32, 32), style_layers=("relu1_1", "relu2_1"), scales=(0.5, 1.0), iterations=(3, 3), seed=seed
    )
    return Job("texture", settings, {"style": str(style)})


def test_a_level_file_resumes_a_job_through_run_job(tmp_path, random_encoder):
    job = texture_job(tmp_path)
    kept = LevelFile(tmp_path / "job.levels", job)
    whole = run_job(job, level_store=kept, vgg19=lambda pooling, padding: random_encoder)
    level, parameter = kept.load()
    assert level == 0 and parameter.shape[-2:] == (16, 16)
    seen = []
    resumed = run_job(job, seen.append, level_store=kept, vgg19=lambda pooling, padding: random_encoder)
    assert {p.level for p in seen} == {1}
    assert torch.equal(resumed.image, whole.image)


def test_a_level_file_of_another_job_or_damaged_is_not_used(tmp_path, random_encoder):
    kept = LevelFile(tmp_path / "job.levels", texture_job(tmp_path, seed=0))
    kept.save(0, torch.zeros(1, 3, 16, 16))
    assert LevelFile(tmp_path / "job.levels", texture_job(tmp_path, seed=1)).load() is None
    (tmp_path / "job.levels").write_bytes(b"\x00garbage")
    assert kept.load() is None
    assert LevelFile(tmp_path / "missing.levels", texture_job(tmp_path)).load() is None


def test_a_level_file_keeps_the_seconds_painted_so_a_resumed_job_counts_its_earlier_runs(tmp_path, monkeypatch):
    from brushwork.jobs import resume

    now = [1000.0]
    monkeypatch.setattr(resume.time, "perf_counter", lambda: now[0])
    job = Job("texture", TextureSettings(size=(32, 32), iterations=(2, 2)), {"style": "a.png"})
    first = LevelFile(tmp_path / "levels.safetensors", job)
    now[0] += 5.0
    first.save(0, torch.zeros(1, 3, 16, 16))  # level 0 took 5 s; then the server was killed
    now[0] += 3.0  # work in progress that the crash loses
    again = LevelFile(tmp_path / "levels.safetensors", job)
    now[0] += 0.5
    assert again.load()[0] == 0
    now[0] += 2.0
    assert again.seconds_so_far() == 5.0 + 2.5
    other = Job("texture", TextureSettings(size=(32, 32), iterations=(2, 3)), {"style": "a.png"})
    stranger = LevelFile(tmp_path / "levels.safetensors", other)
    assert stranger.load() is None and stranger.seconds_so_far() == 0.0
