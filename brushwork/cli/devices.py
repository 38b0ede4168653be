"""``brushwork devices``: what this machine offers torch, and what ``auto`` picks."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser("devices", help="list the devices torch can run on here, and what auto picks")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..encoders.devices import available_devices, resolve_device

    chosen = str(resolve_device("auto"))
    for device in available_devices():
        memory = "shared memory" if device.memory_bytes is None else f"{device.memory_bytes / 2**30:.1f} GiB"
        bfloat16 = "native bfloat16" if device.native_bfloat16 else "no native bfloat16"
        mark = "  <- auto" if device.name in (chosen, f"{chosen}:0") else ""
        print(f"{device.name:<8} {device.description}; {memory}; {bfloat16}{mark}")
    return 0
