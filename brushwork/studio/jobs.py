"""From the page's form to a job row, and from a job row to what the worker runs and the page shows.

Settings are checked by the engine's own settings classes (``brushwork.settings``), so a bad value is
refused in the engine's words, naming the field, before anything is queued.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import BrushworkError
from ..jobs import TECHNIQUES, Job
from ..jobs.technique import studio_techniques
from ..settings.labels import GROUPS, LABELS
from ..settings.schema import SettingError
from .folders import IMAGE_ID, Folders
from .store import RUNNING, WITH_RESULT, Store

# A photo smaller than this on a side has nothing to paint: it would only be enlarged into a blur of its colours.
MIN_PHOTO_SIDE = 16


class FormError(Exception):
    """What was wrong, by form field ("settings.size", "inputs.styles", "technique")."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def schema() -> dict[str, Any]:
    """What the page builds its form from."""
    kinds = {}
    for kind in studio_techniques():
        kinds[kind.name] = {
            "presets": {preset: settings.to_dict() for preset, settings in kind.presets.items()},
            "schema": kind.settings.json_schema(),
            "knobs": list(kind.knobs),
            "photo_role": kind.photo_role,
            "roles": [
                {"name": r.name, "help": r.help, "many": r.many, "required": r.required}
                for r in kind.roles
                if r.offered
            ],
        }
    return {"techniques": kinds, "labels": LABELS, "groups": GROUPS}


def parse_job_form(store: Store, form: Any) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """(technique, preset, settings as a dict, inputs as image ids) from the page's JSON, or FormError."""
    if not isinstance(form, Mapping):
        raise FormError({"form": "the request must be a JSON object"})
    offered = {kind.name: kind for kind in studio_techniques()}
    name = form.get("technique")
    if not isinstance(name, str) or name not in offered:
        raise FormError({"technique": f"choose one of {', '.join(offered)}"})
    kind = offered[name]
    preset = form.get("preset", "default")
    if not isinstance(preset, str) or preset not in kind.presets:
        raise FormError({"preset": f"choose one of {', '.join(kind.presets)}"})
    changes = form.get("settings") or {}
    if not isinstance(changes, Mapping):
        raise FormError({"settings": "settings must be a JSON object"})
    errors: dict[str, str] = {}
    try:
        settings = kind.settings.from_dict(changes, base=kind.presets[preset])
    except SettingError as exc:
        errors[f"settings.{exc.name}"] = str(exc)
    except BrushworkError as exc:
        errors["settings"] = str(exc)
    inputs: dict[str, Any] = {}
    try:
        inputs = _parse_inputs(store, name, form.get("inputs"))
    except FormError as exc:
        errors.update(exc.errors)
    photo = inputs.get(kind.photo_role) if kind.photo_role else None
    if isinstance(photo, str):
        height, width = _size(store, photo)
        if min(height, width) < MIN_PHOTO_SIDE:
            errors[f"inputs.{kind.photo_role}"] = (
                f"this photo is {width}x{height} px: too small to paint; "
                f"use one at least {MIN_PHOTO_SIDE} px on each side"
            )
    if errors:  # every field's problem at once, not one per try
        raise FormError(errors)
    # The rules that need the images' sizes, in the engine's words, before anything is queued.
    try:
        kind.check(settings, sizes_of(store, inputs))
    except SettingError as exc:
        raise FormError({f"settings.{exc.name}": str(exc)}) from None
    except BrushworkError as exc:
        raise FormError({"settings": str(exc)}) from None
    return name, preset, settings.to_dict(), inputs


def _parse_inputs(store: Store, technique: str, given: Any) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        given = {}
    inputs: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for role in TECHNIQUES[technique].roles:
        if not role.offered:
            continue
        value = given.get(role.name)
        ids = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        if not ids:
            if role.required:
                errors[f"inputs.{role.name}"] = f"add {role.help}"
            continue
        if len(ids) > 8 or not all(isinstance(i, str) and IMAGE_ID.fullmatch(i) and store.image(i) for i in ids):
            errors[f"inputs.{role.name}"] = "that image is not in the studio any more; upload it again"
            continue
        inputs[role.name] = ids if role.many else ids[0]
    unknown = set(given) - {r.name for r in TECHNIQUES[technique].roles}
    if unknown:
        errors["inputs"] = f"unknown input {sorted(unknown)[0]!r}"
    if errors:
        raise FormError(errors)
    return inputs


def _size(store: Store, image_id: str) -> tuple[int, int]:
    row = store.image(image_id)
    assert row is not None
    return row.height, row.width


def sizes_of(store: Store, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Each input's (height, width), by role, from the database (the pictures are not opened)."""
    return {
        role: [_size(store, i) for i in ids] if isinstance(ids, list) else _size(store, ids)
        for role, ids in inputs.items()
    }


def photo_size_of(store: Store, job: Mapping[str, Any]) -> tuple[int, int] | None:
    role = TECHNIQUES[job["technique"]].photo_role
    return None if role is None else _size(store, job["inputs"][role])


def _names(store: Store, ids: Any) -> Any:
    def name(image_id: str) -> str:
        row = store.image(image_id)
        return row.name if row is not None and row.name else image_id

    return [name(i) for i in ids] if isinstance(ids, list) else name(ids)


def _paths(folders: Folders, store: Store, ids: Any) -> Any:
    def path(image_id: str) -> str:
        row = store.image(image_id)
        if row is None or not folders.image(row.id, row.format).is_file():
            name = f" ({row.name})" if row is not None else ""
            raise BrushworkError(f"an input image of this job{name} is no longer in the studio; upload it again")
        return str(folders.image(row.id, row.format))

    return [path(i) for i in ids] if isinstance(ids, list) else path(ids)


def job_for_worker(folders: Folders, store: Store, row: Mapping[str, Any]) -> tuple[Job, dict[str, Any]]:
    """The job with file paths for its image ids, and the task message for the worker."""
    inputs = {role: _paths(folders, store, ids) for role, ids in row["inputs"].items()}
    names = {role: _names(store, ids) for role, ids in row["inputs"].items()}
    kind = TECHNIQUES[row["technique"]]
    job = Job(kind.name, kind.settings.from_dict(row["settings"]), inputs)
    task = {
        "id": row["id"],
        "job": job.to_dict(),
        "result": str(folders.result(row["id"])),
        "thumbnail": str(folders.result_thumbnail(row["id"])),
        "frame": str(folders.frame(row["id"])),
        "levels": str(folders.level_file(row["id"])),
        "names": names,  # what the result's record calls the inputs: the names they were uploaded under
    }
    return job, task


def public_job(
    folders: Folders, store: Store, row: Mapping[str, Any], live: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A job as the page sees it: no paths, image ids with their names and sizes, URLs by id."""
    inputs = {}
    for role, ids in row["inputs"].items():
        rows = [store.image(i) for i in (ids if isinstance(ids, list) else [ids])]
        inputs[role] = [r.as_dict() for r in rows if r is not None]
    job_id = row["id"]
    has_result = row["status"] in WITH_RESULT and folders.result(job_id).is_file()
    return {
        "id": job_id,
        "technique": row["technique"],
        "preset": row["preset"],
        "settings": row["settings"],
        "inputs": inputs,
        "status": row["status"],
        "error": row["error"],
        "created": row["created"],
        "started": row["started"],
        "ended": row["ended"],
        "seconds": row["seconds"],
        "attempts": row["attempts"],
        "losses": row["losses"],
        "run": row["run"],  # what the machine chose: {"precision": "bfloat16"}
        "has_result": has_result,
        "has_frame": row["status"] == RUNNING and folders.frame(job_id).is_file(),
        "progress": dict(live) if live else None,
    }


# What a download is called: the photo's name, then the paintings' (the first two), then what made it.
NAME_PART = re.compile(r"[^\w-]+")
TECHNIQUE_WORDS = {"transfer": "", "fast": "draft"}


def download_name(store: Store, row: Mapping[str, Any], extension: str) -> str:
    """A file name for a job's result: ``chelsea-starry_night-12.jpg``, ``gravel-texture-3.png``."""
    parts = []
    for role in ("content", "image", "styles", "style"):
        ids = row["inputs"].get(role)
        for image_id in (ids if isinstance(ids, list) else [ids] if ids else [])[:2]:
            image = store.image(image_id)
            stem = NAME_PART.sub("_", Path(image.name).stem).strip("_")[:40] if image is not None else ""
            if stem:
                parts.append(stem)
    word = TECHNIQUE_WORDS.get(row["technique"], row["technique"])
    return "-".join([*parts, *([word] if word else []), str(row["id"])]) + f".{extension}"
