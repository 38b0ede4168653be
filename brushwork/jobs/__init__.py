"""Jobs: (technique, settings, input files), and the one function that runs them.

``Job`` and ``TECHNIQUES`` need no torch; ``run_job`` and ``save_job_output`` import the engine
when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .job import Job
from .technique import TECHNIQUES, Role, Technique, technique

if TYPE_CHECKING:
    from .runner import JobResult, run_job, save_job_output

__all__ = ["TECHNIQUES", "Job", "JobResult", "Role", "Technique", "run_job", "save_job_output", "technique"]


def __getattr__(name: str) -> Any:
    if name in ("JobResult", "run_job", "save_job_output"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
