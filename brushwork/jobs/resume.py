"""``LevelFile``: a run's last finished level in a file, so that a restarted job goes on from there."""

from __future__ import annotations

import json
import math
import time
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
    It also keeps the seconds the job had painted for by then, over every run of it: a resumed job's
    time is ``seconds_so_far()``, the work a crash cut off not counted.
    """

    def __init__(self, path: str | Path, job: Job):
        self.path = Path(path)
        self.key = json.dumps(job.to_dict(), sort_keys=True)
        self.started = time.perf_counter()  # when this run of the job began
        self.seconds_before = 0.0  # what earlier runs had painted for, up to the level this one resumed from

    def seconds_so_far(self) -> float:
        return self.seconds_before + time.perf_counter() - self.started

    def load(self) -> tuple[int, torch.Tensor] | None:
        try:
            with safe_open(str(self.path), framework="pt") as kept:
                metadata = kept.metadata() or {}
                if metadata.get("job") != self.key:
                    return None
                level, parameter = int(metadata["level"]), kept.get_tensor("parameter")
                seconds = float(metadata.get("seconds", "0"))
        except (SafetensorError, OSError, KeyError, ValueError):
            return None
        self.seconds_before = seconds if math.isfinite(seconds) and seconds >= 0 else 0.0
        return level, parameter

    def save(self, level: int, parameter: torch.Tensor) -> None:
        data = save(
            {"parameter": parameter.contiguous()},
            metadata={"job": self.key, "level": str(level), "seconds": repr(self.seconds_so_far())},
        )
        try:
            write_atomically(self.path, lambda f: f.write(data), overwrite=True, rescue=False)
        except WriteRefused:
            pass  # no room for the resume point: the run goes on, and a restart begins a level earlier
