"""Device names resolved against what torch reports, with CUDA and MPS faked on this CPU-only machine."""

from types import SimpleNamespace

import pytest
import torch

from brushwork.encoders import devices
from brushwork.errors import BrushworkError

from ..helpers import run_cli


@pytest.fixture
def machine(monkeypatch):
    """Make torch report ``cuda`` CUDA devices and ``mps`` as it is told."""

    def fake(cuda: int = 0, mps: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
        cards = {0: ("NVIDIA H100", 80 * 2**30, 9), 1: ("NVIDIA GeForce GTX 1080", 8 * 2**30, 6)}
        monkeypatch.setattr(
            torch.cuda,
            "get_device_properties",
            lambda i: SimpleNamespace(name=cards[i][0], total_memory=cards[i][1], major=cards[i][2]),
        )
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


@pytest.mark.parametrize(
    "cuda, mps, name, expected",
    [
        (0, False, "auto", "cpu"),
        (0, True, "auto", "mps"),
        (2, True, "auto", "cuda:0"),
        (2, False, "cuda", "cuda:0"),
        (2, False, "CUDA:1", "cuda:1"),
        (0, True, "mps", "mps"),
        (2, True, "cpu", "cpu"),
    ],
)
def test_a_name_resolves_to_the_device_torch_reports(machine, cuda, mps, name, expected):
    machine(cuda, mps)
    assert str(devices.resolve_device(name)) == expected


@pytest.mark.parametrize(
    "cuda, mps, name, message",
    [
        (0, False, "cuda", "cuda: no CUDA device here (torch {torch}, CUDA {cuda})"),
        (2, False, "cuda:2", "cuda:2: this machine has 2 CUDA device(s), cuda:0 to cuda:1"),
        (0, False, "mps", "mps: no Apple GPU here (MPS needs an Apple-silicon Mac and a torch built for it)"),
        (0, False, "gpu", "'gpu' is not a device; give auto, cpu, cuda, cuda:N or mps"),
        (0, False, "cuda:x", "'cuda:x' is not a device; give auto, cpu, cuda, cuda:N or mps"),
    ],
)
def test_a_device_that_is_not_there_is_one_line(machine, cuda, mps, name, message):
    machine(cuda, mps)
    with pytest.raises(BrushworkError) as refused:
        devices.resolve_device(name)
    assert str(refused.value) == message.format(torch=torch.__version__, cuda=torch.version.cuda)


def test_the_list_names_each_device_its_memory_and_native_bfloat16(machine, capsys):
    machine(2, False)
    listed = devices.available_devices()
    assert [(d.name, d.description, d.memory_bytes, d.native_bfloat16) for d in listed[1:]] == [
        ("cuda:0", "NVIDIA H100", 80 * 2**30, True),
        ("cuda:1", "NVIDIA GeForce GTX 1080", 8 * 2**30, False),
    ]
    result = run_cli("devices")
    assert result.returncode == 0
    assert result.stdout.splitlines()[1:] == [
        "cuda:0   NVIDIA H100; 80.0 GiB; native bfloat16  <- auto",
        "cuda:1   NVIDIA GeForce GTX 1080; 8.0 GiB; no native bfloat16",
    ]
    assert result.stdout.startswith("cpu      CPU; shared memory; ")
