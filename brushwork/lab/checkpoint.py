"""Training checkpoints in safetensors: the weights of every model, the optimisers' state, the RNG
state and a JSON record of progress, so that ``--resume`` continues exactly where a run stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load, save
from torch import nn

from ..errors import BrushworkError
from ..files import write_atomically

FORMAT = "brushwork-lab-checkpoint-1"


def _optimizer_tensors(prefix: str, optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """An optimiser's state dict split into tensors (for safetensors) and the rest (for the JSON metadata)."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, slots in state["state"].items():
        for key, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{index}.{key}"] = value.detach().clone().contiguous()
            else:
                scalars[f"{index}.{key}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def save_checkpoint(
    path: str | os.PathLike,
    modules: dict[str, nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    record: dict,
    overwrite: bool = True,
) -> Path:
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"model.{name}.{key}"] = value.detach().clone().contiguous()
    optimizer_meta = {}
    for name, optimizer in optimizers.items():
        optimizer_tensors, optimizer_meta[name] = _optimizer_tensors(f"optim.{name}", optimizer)
        tensors.update(optimizer_tensors)
    tensors["rng.torch"] = torch.get_rng_state()
    metadata = {"format": FORMAT, "record": json.dumps(record), "optimizers": json.dumps(optimizer_meta)}
    data = save(tensors, metadata=metadata)
    return write_atomically(path, lambda f: f.write(data), overwrite)


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict]:
    path = Path(path)
    if not path.is_file():
        raise BrushworkError(f"{path}: no such checkpoint")
    try:
        data = path.read_bytes()
        tensors = load(data)
        header_size = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_size]).get("__metadata__", {})
    except (SafetensorError, ValueError, OSError) as exc:
        raise BrushworkError(f"{path}: not a readable checkpoint ({exc})") from None
    if metadata.get("format") != FORMAT:
        raise BrushworkError(f"{path}: not a brushwork lab checkpoint")
    return tensors, metadata


def read_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON record of progress (and settings) a checkpoint holds, without loading any weights into a model."""
    _, metadata = read_checkpoint(path)
    try:
        record = json.loads(metadata["record"])
    except (KeyError, json.JSONDecodeError):
        raise BrushworkError(f"{path}: its record of progress is missing or damaged") from None
    if not isinstance(record, dict):
        raise BrushworkError(f"{path}: its record of progress is damaged")
    return record


def load_checkpoint(
    path: str | os.PathLike,
    modules: dict[str, nn.Module],
    optimizers: dict[str, torch.optim.Optimizer] | None = None,
    restore_rng: bool = True,
) -> dict:
    """Load weights (and optimiser and RNG state) saved by ``save_checkpoint``; returns its record."""
    tensors, metadata = read_checkpoint(path)
    record = json.loads(metadata["record"])
    for name, module in modules.items():
        prefix = f"model.{name}."
        weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(weights)
        except RuntimeError:
            raise BrushworkError(
                f"{path}: its {name!r} weights do not fit this model (a checkpoint of another model or settings?)"
            ) from None
    optimizer_meta = json.loads(metadata["optimizers"])
    for name, optimizer in (optimizers or {}).items():
        if name not in optimizer_meta:
            raise BrushworkError(f"{path}: has no state for optimiser {name!r}")
        state: dict[int, dict[str, Any]] = {}
        prefix = f"optim.{name}."
        for key, value in tensors.items():
            if key.startswith(prefix):
                index, slot = key[len(prefix) :].split(".", 1)
                state.setdefault(int(index), {})[slot] = value
        for key, value in optimizer_meta[name]["scalars"].items():
            index, slot = key.split(".", 1)
            state.setdefault(int(index), {})[slot] = value
        optimizer.load_state_dict({"state": state, "param_groups": optimizer_meta[name]["param_groups"]})
    if restore_rng:
        torch.set_rng_state(tensors["rng.torch"])
    return record
