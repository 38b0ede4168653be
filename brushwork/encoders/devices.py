"""Which devices this machine offers torch, and the device a name stands for (``auto``, ``cpu``, ``cuda``,
``cuda:N``, ``mps``): ``auto`` is CUDA, then Apple's MPS, then the CPU.

Every question goes through ``torch.cuda`` and ``torch.backends.mps``, so tests fake them on a machine
without either.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import torch

from ..errors import BrushworkError
from .precision import cpu_has_native_bfloat16

DEVICE_NAMES = "auto, cpu, cuda, cuda:N or mps"
# The device a run takes where none is given (the CLI's --device, the API's device=).
DEVICE_VARIABLE = "BRUSHWORK_DEVICE"


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # "cpu", "cuda:0", "mps"
    description: str  # the card's or the processor's name
    memory_bytes: int | None  # the device's own memory (None: the machine's, shared)
    native_bfloat16: bool


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[DeviceInfo]:
    """The CPU, each CUDA device, and MPS where there is one."""
    devices = [DeviceInfo("cpu", "CPU", None, cpu_has_native_bfloat16())]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            # Ampere (compute capability 8) and later compute bfloat16 natively.
            devices.append(
                DeviceInfo(f"cuda:{index}", properties.name, int(properties.total_memory), properties.major >= 8)
            )
    if _mps_available():
        devices.append(DeviceInfo("mps", "Apple GPU (MPS)", None, False))
    return devices


def resolve_device(name: str) -> torch.device:
    """The device ``name`` stands for on this machine; one line where it is not there or not a device name."""
    text = name.strip().lower()
    if text == "auto":
        if torch.cuda.is_available() and torch.cuda.device_count() > 0:
            return torch.device("cuda", 0)
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "mps":
        if not _mps_available():
            raise BrushworkError("mps: no Apple GPU here (MPS needs an Apple-silicon Mac and a torch built for it)")
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", text)
    if match is None:
        raise BrushworkError(f"{name!r} is not a device; give {DEVICE_NAMES}")
    if not torch.cuda.is_available() or torch.cuda.device_count() == 0:
        raise BrushworkError(f"{text}: no CUDA device here (torch {torch.__version__}, CUDA {torch.version.cuda})")
    index = int(match[1] or 0)
    count = torch.cuda.device_count()
    if index >= count:
        raise BrushworkError(f"{text}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}")
    return torch.device("cuda", index)


def chosen_device(name: str | torch.device | None = None) -> torch.device:
    """The device a run goes on: ``name`` (a device, or a name for ``resolve_device``), else
    ``$BRUSHWORK_DEVICE``, else auto."""
    if isinstance(name, torch.device):
        return name
    return resolve_device(name or os.environ.get(DEVICE_VARIABLE) or "auto")


# CUDA's "sticky" errors leave its context unusable until the process ends: every later call fails too.
STICKY_DEVICE_ERRORS = (
    "device-side assert",
    "illegal memory access",
    "illegal instruction",
    "misaligned address",
    "uncorrectable ECC error",
    "unspecified launch failure",
    "CUDA error: unknown error",
)


def device_lost(exc: BaseException) -> bool:
    """Whether ``exc`` leaves the device unusable for the rest of this process (a worker that meets one
    exits, so that it is replaced by a fresh process)."""
    text = str(exc)
    return isinstance(exc, RuntimeError) and any(words in text for words in STICKY_DEVICE_ERRORS)


def free_bytes(device: torch.device | None) -> int | None:
    """What a run on ``device`` may plan with, times this process's ``memory.memory_share`` (the workers
    that share a device): the host's MemAvailable for the CPU; the card's free memory for CUDA; for MPS,
    whose memory is the host's, the lesser of the host's free memory and what Metal recommends for one
    process less what it has already allocated. None where it cannot be told."""
    from ..memory import available_bytes, memory_share

    if device is None or device.type == "cpu":
        return available_bytes()
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free * memory_share())
    if device.type == "mps":
        host = available_bytes()
        recommended = torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory()
        return int(min(recommended * memory_share(), host if host is not None else recommended))
    return None
