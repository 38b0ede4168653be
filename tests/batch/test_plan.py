"""Planning a batch: which files are images, how photos and styles pair up, and what each task is called."""

from pathlib import Path, PurePosixPath

import pytest

from brushwork.batch.plan import Pair, Source, find_images, job_seed, output_name, pair_up, plan_tasks
from brushwork.errors import BrushworkError
from brushwork.jobs import Job
from brushwork.settings import TransferSettings


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def sources(*names: str) -> list[Source]:
    return [Source(Path("/in") / name, PurePosixPath(name)) for name in names]


def test_folders_are_searched_recursively_hidden_files_left_out_and_non_images_set_aside(tmp_path):
    for name in ("b.jpg", "a.PNG", "trip/day1/c.webp", ".hidden.jpg", ".cache/d.jpg", "notes.txt"):
        touch(tmp_path / "photos" / name)
    listing = find_images([str(tmp_path / "photos")])
    assert [str(s.name) for s in listing.images] == ["a.PNG", "b.jpg", "trip/day1/c.webp"]
    assert listing.ignored == [tmp_path / "photos" / "notes.txt"]


def test_a_glob_mirrors_the_folders_below_its_fixed_part_and_a_file_stands_alone(tmp_path):
    touch(tmp_path / "p" / "x" / "one.jpg")
    touch(tmp_path / "p" / "y" / "two.jpg")
    touch(tmp_path / "single.png")
    listing = find_images([f"{tmp_path}/p/**/*.jpg", str(tmp_path / "single.png")])
    assert [str(s.name) for s in listing.images] == ["x/one.jpg", "y/two.jpg", "single.png"]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nowhere", "input {d}/nowhere: no such file or folder"),
        ("*.gif", "input '{d}/*.gif': the pattern matches no file"),
    ],
)
def test_a_spec_that_names_nothing_is_refused(tmp_path, spec, message):
    with pytest.raises(BrushworkError) as error:
        find_images([f"{tmp_path}/{spec}"])
    assert str(error.value) == message.format(d=tmp_path)


def test_pairing_all_zip_and_random():
    photos, styles = sources("a.jpg", "b.jpg"), sources("s1.jpg", "s2.jpg", "s3.jpg")
    settings = TransferSettings()
    every = pair_up(photos, styles, "all", settings)
    assert [(str(p.content.name), str(p.styles[0].name)) for p in every] == [
        (photo, style) for photo in ("a.jpg", "b.jpg") for style in ("s1.jpg", "s2.jpg", "s3.jpg")
    ]
    zipped = pair_up(photos, styles[:2], "zip", settings)
    assert [(str(p.content.name), str(p.styles[0].name)) for p in zipped] == [("a.jpg", "s1.jpg"), ("b.jpg", "s2.jpg")]
    drawn = pair_up(photos, styles, "random:2", settings)
    assert len(drawn) == 4 and all(
        len({str(p.styles[0].name) for p in drawn if p.content == photo}) == 2 for photo in photos
    )


def test_random_pairs_follow_the_seed_and_each_photo_keeps_its_styles_when_photos_are_added():
    styles = sources(*(f"s{i}.jpg" for i in range(20)))
    few = pair_up(sources("a.jpg", "b.jpg"), styles, "random:1", TransferSettings(seed=0))
    more = pair_up(sources("0.jpg", "a.jpg", "b.jpg", "c.jpg"), styles, "random:1", TransferSettings(seed=0))
    chosen = {str(p.content.name): str(p.styles[0].name) for p in more}
    assert all(chosen[str(p.content.name)] == str(p.styles[0].name) for p in few)
    reseeded = [
        pair_up(sources("a.jpg", "b.jpg", "c.jpg"), styles, "random:1", TransferSettings(seed=s)) for s in range(4)
    ]
    assert len({tuple(str(p.styles[0].name) for p in pairs) for pairs in reseeded}) > 1


@pytest.mark.parametrize(
    "pairing, styles, message",
    [
        ("zip", 3, "--pairs zip: 2 photos but 3 styles; zip needs as many of each"),
        ("random:4", 3, "--pairs random:4: there are only 3 styles"),
        ("random:0", 3, "--pairs 'random:0': choose all, zip or random:K (K styles per photo, K >= 1)"),
        ("some", 3, "--pairs 'some': choose all, zip or random:K (K styles per photo, K >= 1)"),
    ],
)
def test_pairings_that_cannot_be_made_are_refused(pairing, styles, message):
    with pytest.raises(BrushworkError) as error:
        pair_up(sources("a.jpg", "b.jpg"), sources(*(f"s{i}.jpg" for i in range(styles))), pairing, TransferSettings())
    assert str(error.value) == message


def test_output_names_mirror_the_photo_and_hash_the_settings_and_styles():
    photo = sources("trip/beach.jpg")[0]
    pair = Pair(photo, tuple(sources("starry.jpg")), TransferSettings())
    name = output_name(pair, ".png")
    assert name.parent == PurePosixPath("trip") and name.name.startswith("beach__starry__") and name.suffix == ".png"
    assert output_name(Pair(photo, tuple(sources("starry.jpg")), TransferSettings()), ".png") == name
    assert output_name(Pair(photo, tuple(sources("starry.jpg")), TransferSettings(content_weight=2.0)), ".png") != name
    assert output_name(Pair(photo, tuple(sources("other/starry.jpg")), TransferSettings()), ".png") != name


def test_a_jobs_seed_comes_from_the_batch_seed_its_settings_and_inputs():
    photo, style = sources("a.jpg")[0], tuple(sources("s.jpg"))
    base = job_seed(Pair(photo, style, TransferSettings()))
    assert job_seed(Pair(photo, style, TransferSettings())) == base
    assert job_seed(Pair(photo, style, TransferSettings(seed=1))) != base
    assert job_seed(Pair(sources("b.jpg")[0], style, TransferSettings())) != base


def test_tasks_carry_a_valid_job_with_absolute_paths_and_its_own_seed(tmp_path):
    pairs = pair_up(sources("a.jpg", "sub/b.jpg"), sources("s.jpg"), "all", TransferSettings())
    tasks = plan_tasks(pairs, Path("out"), ".jpg")
    job = Job.from_dict(tasks[1]["job"])
    assert job.inputs == {"content": "/in/sub/b.jpg", "styles": ["/in/s.jpg"]}
    assert job.settings.seed == job_seed(pairs[1]) and job.settings.seed != 0
    assert tasks[1]["output"] == str(Path("out").absolute() / output_name(pairs[1], ".jpg"))
    assert len({task["key"] for task in tasks}) == 2 and Path(tasks[0]["levels"]).parent.name == ".brushwork-batch"


def test_two_photos_that_would_write_the_same_file_are_refused():
    pairs = pair_up(
        [Source(Path("/x/a.jpg"), PurePosixPath("a.jpg")), Source(Path("/y/a.jpg"), PurePosixPath("a.jpg"))],
        sources("s.jpg"),
        "all",
        TransferSettings(),
    )
    with pytest.raises(BrushworkError, match=r"/y/a\.jpg and /x/a\.jpg would both write"):
        plan_tasks(pairs, Path("out"), ".png")


def test_a_glob_or_a_folder_does_not_follow_a_link_back_to_a_parent(tmp_path):
    touch(tmp_path / "in" / "a" / "x.png")
    (tmp_path / "in" / "a" / "loop").symlink_to("..")
    for spec in (str(tmp_path / "in" / "**" / "*.png"), str(tmp_path / "in")):
        assert [str(s.name) for s in find_images([spec]).images] == ["a/x.png"], spec


@pytest.mark.parametrize(
    "photo, styles",
    [
        ("s" * 200 + ".jpg", ["t" * 200 + ".jpg"]),
        ("🎨" * 60 + ".png", ["starry.jpg"]),
        ("cat.jpg", [f"style{i}" + "x" * 50 + ".jpg" for i in range(8)]),
        (b"bad\xff.png".decode("utf-8", "surrogateescape"), ["é" * 120 + ".jpg"]),
    ],
)
def test_derived_output_names_fit_255_bytes_and_stay_unique_and_deterministic(photo, styles):
    pair = Pair(sources(photo)[0], tuple(sources(*styles)), TransferSettings())
    name = output_name(pair, ".png")
    assert len(name.name.encode("utf-8", "surrogateescape")) <= 255 and name.suffix == ".png"
    assert name == output_name(pair, ".png")
    other = Pair(sources(photo)[0], tuple(sources(*styles)), TransferSettings(seed=1))
    assert output_name(other, ".png") != name
