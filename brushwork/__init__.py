"""brushwork: turn photographs into paintings, and see what a convolutional network sees.

The package imports lazily: ``import brushwork`` and the settings need no torch; the functions of
the Python API load the engine when first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "dream": "api",
    "invert": "api",
    "texture": "api",
    "transfer": "api",
    "visualize_channel": "api",
    "visualize_class": "api",
    "keep_freed_memory": "runtime",
    "TransferProgress": "techniques.progress",
    "BrushworkError": "errors",
    "PRESETS": "settings",
    "TransferSettings": "settings",
    "Job": "jobs",
    "run_job": "jobs",
}

if TYPE_CHECKING:
    from .api import dream, invert, texture, transfer, visualize_channel, visualize_class
    from .errors import BrushworkError
    from .jobs import Job, run_job
    from .runtime import keep_freed_memory
    from .settings import PRESETS, TransferSettings
    from .techniques.progress import LevelProgress as TransferProgress

__all__ = [
    "PRESETS",
    "BrushworkError",
    "Job",
    "TransferProgress",
    "TransferSettings",
    "__version__",
    "dream",
    "invert",
    "keep_freed_memory",
    "run_job",
    "texture",
    "transfer",
    "visualize_channel",
    "visualize_class",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'brushwork' has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name]}", __name__)
    value = getattr(module, "LevelProgress" if name == "TransferProgress" else name)
    globals()[name] = value
    return value
