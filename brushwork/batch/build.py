"""From what a user asks for (inputs, styles, pairing, settings, an output folder) to the batch's tasks,
and the rows of what cannot run (a bad manifest row, a file that is not an image by its name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..constants import OUTPUT_FORMATS
from ..errors import BrushworkError
from .manifest import is_manifest, read_manifest
from .plan import BatchSettings, Listing, Pair, Source, find_images, pair_up, plan_tasks
from .task import row_for

Row = dict[str, Any]


@dataclass(frozen=True)
class BatchRequest:
    inputs: Sequence[str]  # folders, globs, files, or one manifest (.csv, .jsonl)
    styles: Sequence[str]  # folders, globs or files (none with a manifest)
    output: Path  # the output folder
    settings: BatchSettings  # shared by every job (a manifest row may override them)
    pairing: str = "all"
    suffix: str = ".png"
    overwrite: bool = False


@dataclass(frozen=True)
class BatchPlan:
    tasks: list[dict[str, Any]]
    early_rows: list[Row]  # failed before running: bad manifest rows, files that are not images


def build(request: BatchRequest) -> BatchPlan:
    """The tasks of a request; an input set that is empty, or cannot be paired, is refused in one line."""
    if request.suffix not in OUTPUT_FORMATS:
        choices = ", ".join(suffix[1:] for suffix in OUTPUT_FORMATS)
        raise BrushworkError(f"--format {request.suffix[1:]}: choose one of {choices}")
    early: list[Row] = []
    if len(request.inputs) == 1 and is_manifest(request.inputs[0]):
        if request.styles:
            raise BrushworkError("a manifest names each row's styles; give no --styles with it")
        pairs, bad = read_manifest(Path(request.inputs[0]), request.settings)
        early += [row_for({"content": b.content}, "failed", error=f"{b.origin}: {b.error}") for b in bad]
    else:
        if any(is_manifest(spec) for spec in request.inputs):
            raise BrushworkError("a manifest must be the only input")
        if not request.styles:
            raise BrushworkError("give the paintings with --styles (folders, globs or files), or a manifest")
        photos = _listing(request.inputs, "input", request.output)
        styles = _listing(request.styles, "--styles", request.output)
        for listing in (photos, styles):
            early += [
                row_for({"content": str(p)}, "ignored", error="not an image file by its name") for p in listing.ignored
            ]
        if not photos.images:
            raise BrushworkError(f"no images in {' '.join(request.inputs)}")
        if not styles.images:
            raise BrushworkError(f"no images in --styles {' '.join(request.styles)}")
        pairs = pair_up(photos.images, styles.images, request.pairing, request.settings)
    if not pairs and not early:
        raise BrushworkError("nothing to do: the inputs make no jobs")
    return BatchPlan(plan_tasks(pairs, request.output, request.suffix, request.overwrite), early)


def _listing(specs: Sequence[str], what: str, output: Path) -> Listing:
    """Images found, leaving out anything inside the output folder (an earlier run's results)."""
    found = find_images(specs, what)
    out = output.resolve()

    def outside(path: Path) -> bool:
        return not path.resolve().is_relative_to(out)

    images: list[Source] = [s for s in found.images if outside(s.path)]
    return Listing(images, [p for p in found.ignored if outside(p)])


__all__ = ["BatchPlan", "BatchRequest", "Pair", "build"]
