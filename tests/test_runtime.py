"""The allocator setting, checked by what it is for: freed activations reused without page faults."""

import ctypes.util
import subprocess
import sys

import brushwork.runtime as runtime

ALLOCATE_AND_FREE = """
import resource, sys
import brushwork
applied = brushwork.keep_freed_memory() if sys.argv[1] == "keep" else None
# As in the CLI: the allocator is set first, then the engine is loaded and runs.
import torch
import brushwork.techniques.transfer
torch.empty(16 * 2**20).fill_(1.0)  # 64 MB, over glibc's largest mmap threshold
faults = []
# Each block fits in the hole the one before left: torch asks for 64-byte alignment, so a block of
# exactly the freed size may not fit its hole, and whether it does depends on the heap's layout.
for megabytes in range(63, 58, -1):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    torch.empty(megabytes * 2**18).fill_(1.0)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(applied, sorted(faults)[2])
"""


def page_faults(mode: str) -> tuple[str, int]:
    """Page faults of the median of five allocations of 63 ... 59 MB after a 64 MB one."""
    out = subprocess.run([sys.executable, "-c", ALLOCATE_AND_FREE, mode], capture_output=True, text=True, check=True)
    applied, faults = out.stdout.split()
    return applied, int(faults)


def test_freed_memory_is_reused_without_page_faults():
    applied, kept = page_faults("keep")
    _, default = page_faults("default")
    assert applied == "True"
    # A fresh 61 MB block is 15 616 4-KiB pages; a reused one faults (almost) none. (A small
    # allocation can split the free block once, so one of the five may still be fresh.)
    assert default > 10_000
    assert kept < 500


def test_other_c_libraries_are_left_alone(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert runtime.keep_freed_memory() is False
    monkeypatch.setattr(sys, "platform", "darwin")
    assert runtime.keep_freed_memory() is False
