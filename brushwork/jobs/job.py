"""A job is (technique, settings, input files): what the CLI, the studio and the batch runner all run.

Jobs travel as JSON (``to_dict`` / ``from_dict``), so a web form, a database row or a task on
another machine can carry one. What each technique is lives in ``technique``; this module needs no
torch; ``run_job`` (in ``runner``) does the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BrushworkError
from ..settings import Settings
from .technique import technique

Inputs = Mapping[str, Any]  # role -> path, list of paths, or {style index: path}


@dataclass(frozen=True)
class Job:
    technique: str
    settings: Settings
    inputs: Inputs = field(default_factory=dict)

    def validate(self) -> None:
        """Refuse a job whose inputs or settings do not fit its technique, before any work."""
        technique(self.technique).validate(self.settings, self.inputs)

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


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if value is None else str(value)
