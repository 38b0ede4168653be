"""The allocator setting, checked by what it is for: freed activations reused without page faults."""

import ctypes.util
import subprocess
import sys

import brushwork.runtime as runtime

ALLOCATE_AND_FREE = """
import resource, sys, torch
import brushwork
applied = brushwork.keep_freed_memory() if sys.argv[1] == "keep" else None
for _ in range(2):
    torch.empty(16 * 2**20).fill_(1.0)  # 64 MB, over glibc's largest mmap threshold
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    torch.empty(16 * 2**20).fill_(1.0)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(applied, sorted(faults)[2])
"""


def page_faults(mode: str) -> tuple[str, int]:
    """Page faults of the median of five 64 MB allocations after two warm-up ones."""
    out = subprocess.run([sys.executable, "-c", ALLOCATE_AND_FREE, mode], capture_output=True, text=True, check=True)
    applied, faults = out.stdout.split()
    return applied, int(faults)


def test_freed_memory_is_reused_without_page_faults():
    applied, kept = page_faults("keep")
    _, default = page_faults("default")
    assert applied == "True"
    # A fresh 64 MB block is 16 384 4-KiB pages; a reused one faults (almost) none. (A small
    # allocation can split the free block once, so one of the five may still be fresh.)
    assert default > 10_000
    assert kept < 500


def test_other_c_libraries_are_left_alone(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert runtime.keep_freed_memory() is False
    monkeypatch.setattr(sys, "platform", "darwin")
    assert runtime.keep_freed_memory() is False
