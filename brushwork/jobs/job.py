"""A job is (technique, settings, input files): what the CLI, the studio and the batch runner all run.

Jobs travel as JSON (``to_dict`` / ``from_dict``), so a web form, a database row or a task on
another machine can carry one. This module needs no torch; ``run_job`` (in ``runner``) does the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BrushworkError
from ..settings import DreamSettings, InversionSettings, Settings, TextureSettings, TransferSettings
from ..settings.transfer import PRESETS as TRANSFER_PRESETS


@dataclass(frozen=True)
class Role:
    """One kind of input file a technique takes."""

    name: str
    help: str
    many: bool = False  # a list of files
    keyed: bool = False  # a mapping from a style index to a file (masks)
    required: bool = True


@dataclass(frozen=True)
class Technique:
    name: str
    settings: type[Settings]
    presets: Mapping[str, Settings]
    roles: tuple[Role, ...]
    level_kind: str  # what a level of its progress is called ("scale", "octave", "layer")


TECHNIQUES: dict[str, Technique] = {
    technique.name: technique
    for technique in (
        Technique(
            "transfer",
            TransferSettings,
            TRANSFER_PRESETS,
            (
                Role("content", "the photo"),
                Role("styles", "one or more paintings", many=True),
                Role(
                    "masks",
                    "style index -> mask image: the white region takes that style alone",
                    keyed=True,
                    required=False,
                ),
                Role("init", "the starting image (with init = image)", required=False),
            ),
            "level",
        ),
        Technique(
            "texture",
            TextureSettings,
            {"default": TextureSettings()},
            (Role("style", "the painting or texture photo"),),
            "level",
        ),
        Technique(
            "invert",
            InversionSettings,
            {"default": InversionSettings()},
            (Role("image", "the photo to reconstruct"),),
            "layer",
        ),
        Technique(
            "dream",
            DreamSettings,
            {"default": DreamSettings()},
            (
                Role("image", "the photo to dream on"),
                Role("guide", "amplify what matches this image's features instead", required=False),
            ),
            "octave",
        ),
    )
}


def technique(name: str) -> Technique:
    if name not in TECHNIQUES:
        raise BrushworkError(f"unknown technique {name!r}; choose one of {', '.join(TECHNIQUES)}")
    return TECHNIQUES[name]


Inputs = Mapping[str, Any]  # role -> path, list of paths, or {style index: path}


@dataclass(frozen=True)
class Job:
    technique: str
    settings: Settings
    inputs: Inputs = field(default_factory=dict)

    def validate(self) -> None:
        """Refuse a job whose inputs or settings do not fit its technique, before any work."""
        kind = technique(self.technique)
        if not isinstance(self.settings, kind.settings):
            raise BrushworkError(f"a {self.technique} job needs {kind.settings.__name__}")
        known = {role.name for role in kind.roles}
        unknown = sorted(set(self.inputs) - known)
        if unknown:
            raise BrushworkError(f"unknown {self.technique} input {unknown[0]!r}; inputs are: {', '.join(known)}")
        for role in kind.roles:
            value = self.inputs.get(role.name)
            if value is None or value == [] or value == {}:
                if role.required:
                    raise BrushworkError(f"a {self.technique} job needs {role.name} ({role.help})")
                continue
            if role.many and (isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple))):
                raise BrushworkError(f"{self.technique} input {role.name!r} must be a list of files")
            if role.keyed and not isinstance(value, Mapping):
                raise BrushworkError(f"{self.technique} input {role.name!r} must map style indices to files")
        if self.technique == "transfer":
            self._validate_transfer()
        else:
            self.settings.validate()

    def _validate_transfer(self) -> None:
        assert isinstance(self.settings, TransferSettings)
        styles = list(self.inputs["styles"])
        self.settings.validate(len(styles))
        masks = self.inputs.get("masks") or {}
        for key in masks:
            index = _style_index(key)
            if not 0 <= index < len(styles):
                raise BrushworkError(
                    f"mask for style {index}, but there are {len(styles)} style images (0..{len(styles) - 1})"
                )
        if (self.settings.init == "image") != (self.inputs.get("init") is not None):
            raise BrushworkError("init = image needs an init input, and an init input needs init = image")

    def input_paths(self) -> list[str]:
        """Every input file the job names, whatever its role."""
        paths: list[str] = []
        for value in self.inputs.values():
            if isinstance(value, Mapping):
                value = list(value.values())
            paths += [str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None]
        return paths

    def to_dict(self) -> dict[str, Any]:
        return {"technique": self.technique, "settings": self.settings.to_dict(), "inputs": _jsonable(self.inputs)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        if not isinstance(data, Mapping):
            raise BrushworkError("a job must be a JSON object")
        unknown = sorted(set(data) - {"technique", "settings", "inputs"})
        if unknown:
            raise BrushworkError(f"unknown job key {unknown[0]!r}; a job has technique, settings and inputs")
        kind = technique(str(data.get("technique")))
        settings = kind.settings.from_dict(data.get("settings") or {})
        job = cls(kind.name, settings, dict(data.get("inputs") or {}))
        job.validate()
        return job


def _style_index(key: Any) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise BrushworkError(f"mask key {key!r} is not a style index") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if value is None else str(value)


# The input whose shape the output takes (a texture's comes from its settings alone).
PHOTO_ROLES = {"transfer": "content", "dream": "image"}


def level_plan(job: Job, photo_size: tuple[int, int] | None) -> list[tuple[tuple[int, int], int]]:
    """Each level's (height, width) and iteration count, before the run (for an ETA); ``photo_size`` is the
    (height, width) of the photo that sets the output's shape (none for a texture)."""
    settings = job.settings
    if isinstance(settings, TransferSettings) and photo_size is not None:
        return list(zip(settings.level_sizes(*photo_size), settings.level_iterations()))
    if isinstance(settings, TextureSettings):
        return list(zip(settings.level_sizes(), settings.iterations))
    if isinstance(settings, DreamSettings) and photo_size is not None:
        sizes = settings.octave_sizes(*photo_size)
        return [(size, settings.iterations) for size in sizes]
    return []
