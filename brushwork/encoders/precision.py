"""Network precision: encoders may run under bfloat16 autocast; Gram matrices and losses stay float32."""

from __future__ import annotations

import torch

from ..errors import BrushworkError

PRECISIONS = ("float32", "bfloat16")


def validate_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise BrushworkError(f"precision must be one of {', '.join(PRECISIONS)}")


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype for a precision setting (None: plain float32)."""
    return torch.bfloat16 if precision == "bfloat16" else None


def network_autocast(dtype: torch.dtype | None, device_type: str = "cpu"):
    """Autocast to ``dtype`` for running an encoder, or a no-op context for None."""
    return torch.autocast(device_type, dtype=dtype or torch.float32, enabled=dtype is not None)
