"""The torch versions brushwork supports, in one place that scripts/install reads before brushwork is
installed: run as a script (``python brushwork/compat.py``), it says whether the torch that Python
imports is one of them (exit 0) or not (exit 1, and why). No imports from brushwork: it runs alone.

The upper bound is the version tested on every CPU here; the lower one is the oldest with every call
brushwork makes (``torch.amp.is_autocast_available``, ``torch.mps.recommended_max_memory``,
``torch.OutOfMemoryError``).
"""

from __future__ import annotations

import re
import sys

OLDEST_TORCH = (2, 5)
NEWEST_TORCH = (2, 13)  # the pinned one: scripts/install installs torch==2.13.0 where there is none
PINNED_TORCH = "2.13.0"


def torch_supported(version: str) -> bool:
    """Whether a torch version string (``2.11.0+cu128``, ``2.13.0``, ``2.12.0a0+git…``) is supported."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        return False
    major_minor = (int(match[1]), int(match[2]))
    return OLDEST_TORCH <= major_minor <= NEWEST_TORCH


def requirement() -> str:
    """The range as pip writes it (pyproject.toml's, which a test holds to this)."""
    return f"torch>={OLDEST_TORCH[0]}.{OLDEST_TORCH[1]},<{NEWEST_TORCH[0]}.{NEWEST_TORCH[1] + 1}"


def main() -> int:
    try:
        import torch
    except ImportError:
        print("no torch installed", file=sys.stderr)
        return 1
    if not torch_supported(torch.__version__):
        print(f"torch {torch.__version__} is not one brushwork supports ({requirement()})", file=sys.stderr)
        return 1
    print(torch.__version__.split("+")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
