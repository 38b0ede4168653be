"""Freed heap memory goes back to the kernel when a tiled pass asks."""

import torch

from brushwork.memory import release_freed_memory


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_freed_heap_pages_are_handed_back():
    # 100 kB blocks come from glibc's heap (below its mmap threshold); keeping every 16th pins the heap's
    # extent, so the freed ones stay resident until trimmed.
    blocks = [torch.ones(25_000) for _ in range(6000)]
    kept = blocks[::16]
    del blocks
    before = resident_bytes()
    release_freed_memory()
    assert before - resident_bytes() > 300_000_000
    assert all(float(block[0]) == 1.0 for block in kept)
