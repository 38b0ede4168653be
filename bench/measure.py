"""What every benchmark shares: running a command and measuring it, and where results go."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run_measured(cmd: list[str]) -> dict:
    """Run a command; its wall time and peak RSS (this child alone, via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:5])} failed:\n{stderr[-2000:]}")
    return {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def floor_iteration(size: tuple[int, int]) -> float:
    """Seconds of one bare VGG19 forward+backward to relu5_1 in float32 at ``size`` (median of 3).

    The unit of the brief's time targets (floor-iterations): it moves with the machine as our runs do.
    """
    import torch

    from brushwork.encoders.vgg import load_vgg19

    encoder = load_vgg19(["relu5_1"], pooling="avg")
    x = torch.rand(1, 3, *size, requires_grad=True)
    times = []
    for _ in range(4):
        started = time.perf_counter()
        encoder(x, ["relu5_1"])["relu5_1"].mean().backward()
        times.append(time.perf_counter() - started)
    return sorted(times[1:])[1]
