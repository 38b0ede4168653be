"""Network precision: encoders may run under bfloat16 autocast; Gram matrices and losses stay float32.

bfloat16 can pay only on processors that compute it natively (AVX512-BF16 or AMX on x86). Elsewhere
PyTorch emulates it, and a convolution is hundreds of times slower than in float32. Where it is native,
"auto" chooses it only where it was measured to pay for the whole painting (bench/precision.py; the
figures are in the README's "Precision" section): with AVX512-BF16 and no AMX. On an AMX CPU the one
measurement found the whole run barely faster, so "auto" keeps float32 there until one shows otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

import torch

from ..constants import PRECISIONS
from ..errors import BrushworkError


def validate_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise BrushworkError(f"precision must be one of {', '.join(PRECISIONS)}")


def _cpu_reports(probe: str) -> bool:
    # Private probes in torch.cpu; if a later torch drops them, "no" is the safe answer (float32).
    return bool(getattr(torch.cpu, probe, lambda: False)())


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX tiles)."""
    return cpu_has_avx512_bf16() or cpu_has_amx()


def cpu_has_avx512_bf16() -> bool:
    return _cpu_reports("_is_avx512_bf16_supported")


def cpu_has_amx() -> bool:
    return _cpu_reports("_is_amx_tile_supported")


def auto_precision(device: torch.device | None = None) -> str:
    """What "auto" becomes on ``device`` (None: the host). On a CPU, bfloat16 where it was measured to pay
    (AVX512-BF16 without AMX). On CUDA, bfloat16 from Ampere on (compute capability 8), whose tensor
    cores compute it natively. On MPS, float32 until a measurement shows bfloat16 pays there."""
    kind = "cpu" if device is None else device.type
    if kind == "cuda":
        return "bfloat16" if torch.cuda.get_device_capability(device)[0] >= 8 else "float32"
    if kind == "cpu":
        return "bfloat16" if cpu_has_avx512_bf16() and not cpu_has_amx() else "float32"
    return "float32"


def resolve_precision(precision: str, device: torch.device | None = None) -> str:
    """ "auto" becomes ``auto_precision(device)``; "float32" and "bfloat16" stay as they are."""
    validate_precision(precision)
    return auto_precision(device) if precision == "auto" else precision


def resolved_run(settings: object, device: torch.device | None = None) -> dict[str, str]:
    """What the machine decided for a run where its settings left the choice: the device it ran on, the
    precision "auto" became there, and for a transfer where it started. Written into a result's record
    (``run``), beside the settings, which still say "auto" (the device is not a setting: it never changes
    what a result should be)."""
    run = {"device": describe_device(device)}
    precision = settings.get("precision") if isinstance(settings, Mapping) else getattr(settings, "precision", None)
    if isinstance(precision, str) and precision in PRECISIONS:
        run["precision"] = resolve_precision(precision, device)
    start = getattr(settings, "start", None)
    if callable(start):  # where a transfer started: init "auto" depends on the size
        run["start"] = str(start())
    return run


def describe_device(device: torch.device | None) -> str:
    """``cpu``, ``mps``, or ``cuda:N (the card's name)``."""
    if device is None or device.type == "cpu":
        return "cpu"
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(device)


def autocast_dtype(precision: str, device: torch.device | None = None) -> torch.dtype | None:
    """The autocast dtype for a precision setting on ``device`` (None: the host; None back: float32)."""
    return torch.bfloat16 if resolve_precision(precision, device) == "bfloat16" else None


def full_precision(device_type: str) -> AbstractContextManager[object]:
    """float32 inside, whatever autocast is on outside (the losses' arithmetic). A device type without
    autocast (``meta``, which tests run the losses on) has nothing to turn off."""
    if not torch.amp.is_autocast_available(device_type):
        return nullcontext()
    return torch.autocast(device_type, enabled=False)


def network_autocast(dtype: torch.dtype | None, device_type: str) -> AbstractContextManager[object]:
    """Autocast to ``dtype`` for running an encoder on a device of ``device_type`` (the input's:
    ``image.device.type``), or a no-op context for None. The type is never assumed: an autocast for
    another device type than the input's does nothing, and targets would be read in float32 while
    the iterations run in bfloat16."""
    if dtype is None:
        return full_precision(device_type)
    return torch.autocast(device_type, dtype=dtype)
