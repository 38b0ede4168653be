"""Network precision: encoders may run under bfloat16 autocast; Gram matrices and losses stay float32.

bfloat16 pays only on processors that compute it natively (AVX512-BF16 or AMX on x86). Elsewhere
PyTorch emulates it, and a convolution is hundreds of times slower than in float32 (measured: 3.6 s
against 0.013 s for one 64-channel 128² convolution on an AVX2 CPU). Most laptops are of that kind,
so the default, "auto", asks the processor before choosing.
"""

from __future__ import annotations

import torch

from ..constants import PRECISIONS
from ..errors import BrushworkError


def validate_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise BrushworkError(f"precision must be one of {', '.join(PRECISIONS)}")


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX tiles)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    # Private probes in torch.cpu; if a later torch drops them, float32 is the safe answer.
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def resolve_precision(precision: str) -> str:
    """ "auto" becomes "bfloat16" where the CPU has native bfloat16 and "float32" elsewhere."""
    validate_precision(precision)
    if precision == "auto":
        return "bfloat16" if cpu_has_native_bfloat16() else "float32"
    return precision


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype for a precision setting (None: plain float32)."""
    return torch.bfloat16 if resolve_precision(precision) == "bfloat16" else None


def network_autocast(dtype: torch.dtype | None, device_type: str = "cpu") -> torch.autocast:
    """Autocast to ``dtype`` for running an encoder, or a no-op context for None."""
    return torch.autocast(device_type, dtype=dtype or torch.float32, enabled=dtype is not None)
