"""``LevelFile``: a run's last finished level in a file, so that a restarted job goes on from there."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from ..files import WriteRefused, write_atomically
from .job import Job


class LevelFile:
    """A ``LevelStore`` in one safetensors file, written atomically, that belongs to one job.

    The job (technique, settings, inputs) is stored with the parameter, and a file kept for another
    job is ignored rather than trusted; so is a damaged one (the job starts over instead of failing).
    """

    def __init__(self, path: str | Path, job: Job):
        self.path = Path(path)
        self.key = json.dumps(job.to_dict(), sort_keys=True)

    def load(self) -> tuple[int, torch.Tensor] | None:
        try:
            with safe_open(str(self.path), framework="pt") as kept:
                metadata = kept.metadata() or {}
                if metadata.get("job") != self.key:
                    return None
                return int(metadata["level"]), kept.get_tensor("parameter")
        except (SafetensorError, OSError, KeyError, ValueError):
            return None

    def save(self, level: int, parameter: torch.Tensor) -> None:
        data = save({"parameter": parameter.contiguous()}, metadata={"job": self.key, "level": str(level)})
        try:
            write_atomically(self.path, lambda f: f.write(data), overwrite=True, rescue=False)
        except WriteRefused:
            pass  # no room for the resume point: the run goes on, and a restart begins a level earlier
