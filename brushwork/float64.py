"""float64 arithmetic where float64 exists: every widening in engine code goes through ``wide``.

The losses decompose and merge covariances in float64 (float32 cancels there; see docs/decisions.md).
CPUs and CUDA compute float64; Apple's MPS has no float64 at all, so on MPS the work runs on the host
and its result moves back (``narrow``), gradients included.
"""

from __future__ import annotations

import torch


def float64_device(device: torch.device) -> torch.device:
    """Where float64 work for tensors on ``device`` runs: there, or on the host for MPS."""
    return torch.device("cpu") if device.type == "mps" else device


def wide(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float64 on ``float64_device(tensor.device)``; differentiable."""
    return tensor.to(float64_device(tensor.device), torch.float64)


def wide_zero(device: torch.device) -> torch.Tensor:
    """A float64 zero to add float64 terms for tensors on ``device`` onto."""
    return torch.zeros((), dtype=torch.float64, device=float64_device(device))


def narrow(tensor: torch.Tensor, like: torch.Tensor | torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A float64 result back on ``like``'s device (a tensor's or the device itself) in ``dtype``."""
    device = like.device if isinstance(like, torch.Tensor) else like
    return tensor.to(device, dtype)
