"""What a batch will do, worked out before anything runs: the images, the pairs, and one task per pair.

A task is plain JSON (a job, the file it writes, where its finished levels are kept), so a process pool
or a Dask worker on another machine can carry one. Everything about a task is decided by its inputs
and settings, never by the order of the listing or by when it runs:

- the output's name is ``<photo stem>__<style stems>__<hash>.<ext>``, mirrored from the photo's folder
  under the input, where ``hash`` is a short hash of the settings and the style files; a name over the
  file system's 255 bytes keeps its start and ``__<hash>.<ext>``, with a hash of the whole name between;
- folders and ``**`` globs do not enter folders reached through a link (one to a parent would loop);
- the job's seed is drawn from the batch's seed, the settings and the inputs, so an engine's retry
  paints the same picture and writes the same file;
- with ``random:K`` each photo's styles are drawn from the seed and the photo's own name, so adding
  photos to a folder does not reshuffle the others.

This module needs no torch.
"""

from __future__ import annotations

import glob
import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..constants import IMAGE_SUFFIXES
from ..errors import BrushworkError
from ..files import fit_name
from ..jobs import Job
from ..settings import TransferSettings
from ..settings.common import MAX_SEED
from ..settings.fast import FastSettings

WORK_FOLDER = ".brushwork-batch"  # under the output folder: the level files of unfinished jobs
NAME_HASH_LENGTH = 8
STEM_LIMIT = 60  # characters of each stem kept in an output name (names must fit 255 bytes)


@dataclass(frozen=True)
class Source:
    """An input image, and its name below the folder (or glob) it was found in, which the output mirrors."""

    path: Path
    name: PurePosixPath  # e.g. "trip/beach.jpg"; for a file given by itself, its bare name


@dataclass(frozen=True)
class Listing:
    """The images found, and the files beside them that are not images by their name."""

    images: list[Source]
    ignored: list[Path] = field(default_factory=list)


def find_images(specs: Iterable[str], what: str = "input") -> Listing:
    """Images from folders (recursively), globs and files, sorted by name within each; hidden files are
    left out. A spec that names nothing is refused in one line."""
    images: list[Source] = []
    ignored: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if glob.has_magic(spec):
            root = _glob_root(spec)
            # pathlib's ** does not enter folders reached through a link, as glob.glob's does: a link to
            # a parent folder made that loop, matching the same photo at ever deeper paths.
            matches = sorted(p for p in root.glob(str(Path(spec).relative_to(root))) if p.is_file())
            if not matches:
                raise BrushworkError(f"{what} {spec!r}: the pattern matches no file")
            found = [_source(p, root) for p in matches if not _hidden(p.relative_to(root))]
        elif path.is_dir():
            found = [
                _source(p, path) for p in sorted(path.rglob("*")) if p.is_file() and not _hidden(p.relative_to(path))
            ]
        elif path.is_file():
            found = [Source(path, PurePosixPath(path.name))]
        else:
            raise BrushworkError(f"{what} {spec}: no such file or folder")
        for source in found:
            if source.path.suffix.lower() in IMAGE_SUFFIXES:
                images.append(source)
            else:
                ignored.append(source.path)
    return Listing(images, ignored)


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [part for part in parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))]]
    return Path(*fixed) if fixed else Path(".")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _source(path: Path, root: Path) -> Source:
    return Source(path, PurePosixPath(path.relative_to(root).as_posix()))


# ---------------------------------------------------------------------------------------------- pairing


# What a batch paints with: an optimised painting (transfer) or the fast tier's one pass.
BatchSettings = TransferSettings | FastSettings


@dataclass(frozen=True)
class Pair:
    """One job to plan: a photo, its styles and its settings (a manifest row may have its own)."""

    content: Source
    styles: tuple[Source, ...]
    settings: BatchSettings
    origin: str = ""  # where it came from, for errors ("manifest line 3")


def parse_pairing(text: str) -> tuple[str, int]:
    """``all``, ``zip`` or ``random:K`` -> (mode, K)."""
    if text in ("all", "zip"):
        return text, 0
    mode, _, count = text.partition(":")
    if mode == "random" and count.isdigit() and int(count) >= 1:
        return mode, int(count)
    raise BrushworkError(f"--pairs {text!r}: choose all, zip or random:K (K styles per photo, K >= 1)")


def pair_up(photos: Sequence[Source], styles: Sequence[Source], pairing: str, settings: BatchSettings) -> list[Pair]:
    """Every photo with every style (``all``), the i-th with the i-th (``zip``), or K styles per photo."""
    mode, count = parse_pairing(pairing)
    if mode == "all":
        return [Pair(photo, (style,), settings) for photo in photos for style in styles]
    if mode == "zip":
        if len(photos) != len(styles):
            raise BrushworkError(
                f"--pairs zip: {len(photos)} photos but {len(styles)} styles; zip needs as many of each"
            )
        return [Pair(photo, (style,), settings) for photo, style in zip(photos, styles)]
    if count > len(styles):
        raise BrushworkError(f"--pairs random:{count}: there are only {len(styles)} styles")
    pairs = []
    for photo in photos:
        draw = random.Random(_digest("pairs", pairing_seed(settings), str(photo.name)))
        chosen = draw.sample(range(len(styles)), count)
        pairs += [Pair(photo, (styles[index],), settings) for index in sorted(chosen)]
    return pairs


def pairing_seed(settings: BatchSettings) -> int:
    """The seed that draws ``random:K``'s styles: the settings' (the fast tier draws nothing, so 0)."""
    return settings.seed if isinstance(settings, TransferSettings) else 0


def _digest(*parts: Any) -> int:
    text = json.dumps(parts, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


# ---------------------------------------------------------------------------------------------- tasks


def output_name(pair: Pair, suffix: str) -> PurePosixPath:
    """``<folder>/<photo stem>__<style stems>__<hash>.<suffix>``: the same pair and settings always get the
    same name, and different settings or styles a different one."""
    styles = "+".join(_stem(style.name) for style in pair.styles)
    identity = {"settings": pair.settings.to_dict(), "styles": [str(style.name) for style in pair.styles]}
    tag = f"{_digest(identity):016x}"[:NAME_HASH_LENGTH]
    # Many styles, or stems in a script of several bytes a character, would pass the file system's limit.
    return pair.content.name.parent / fit_name(f"{_stem(pair.content.name)}__{styles}", f"__{tag}{suffix}")


def _stem(name: PurePosixPath) -> str:
    return name.stem[:STEM_LIMIT]


def job_seed(pair: Pair) -> int:
    """The seed of a pair's job: from the batch's seed, the settings and the inputs' names."""
    return _digest("seed", pair.settings.to_dict(), str(pair.content.name), [str(s.name) for s in pair.styles]) % (
        MAX_SEED + 1
    )


def make_task(pair: Pair, output_folder: Path, suffix: str, overwrite: bool = False) -> dict[str, Any]:
    """A pair as a task: the job (with its own seed), the output file, and its level file."""
    name = output_name(pair, suffix)
    settings = pair.settings
    if isinstance(settings, TransferSettings):
        settings = settings.replace(seed=job_seed(pair))
    # Absolute paths: a worker on another machine (or in another folder) sees the same shared files.
    content, styles = str(pair.content.path.absolute()), [str(s.path.absolute()) for s in pair.styles]
    job = Job(settings.technique, settings, {"content": content, "styles": styles})
    key = name.stem.rsplit("__", 1)[-1] + "-" + f"{_digest(str(name)):016x}"[:8]
    folder = output_folder.absolute()
    return {
        "key": key,  # unique within the batch: the name's hash and its path's
        "job": job.to_dict(),
        "output": str(folder / name),
        "levels": str(folder / WORK_FOLDER / f"{key}.safetensors"),
        "content": content,
        "styles": styles,
        "overwrite": overwrite,
        "origin": pair.origin,
    }


def plan_tasks(
    pairs: Sequence[Pair], output_folder: Path, suffix: str, overwrite: bool = False
) -> list[dict[str, Any]]:
    tasks = [make_task(pair, output_folder, suffix, overwrite) for pair in pairs]
    seen: dict[str, str] = {}
    for task in tasks:
        if task["output"] in seen:
            raise BrushworkError(
                f"{task['content']} and {seen[task['output']]} would both write {task['output']}; "
                "rename one of them (the output mirrors the input's folders and names)"
            )
        seen[task["output"]] = task["content"]
    return tasks
