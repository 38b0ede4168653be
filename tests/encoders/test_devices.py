"""Device names resolved against what torch reports, with CUDA and MPS faked on this CPU-only machine."""

from types import SimpleNamespace

import pytest
import torch

from brushwork.encoders import devices
from brushwork.errors import BrushworkError

from ..helpers import assert_error, run_cli


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


def test_the_device_a_run_takes_is_the_one_given_then_the_variable_then_auto(machine, monkeypatch):
    machine(2, False)
    monkeypatch.delenv(devices.DEVICE_VARIABLE, raising=False)
    assert str(devices.chosen_device(None)) == "cuda:0"
    monkeypatch.setenv(devices.DEVICE_VARIABLE, "cuda:1")
    assert str(devices.chosen_device(None)) == "cuda:1"
    assert str(devices.chosen_device("cpu")) == "cpu"
    assert devices.chosen_device(torch.device("meta")) == torch.device("meta")  # a device is taken as it is
    monkeypatch.setenv(devices.DEVICE_VARIABLE, "tpu")
    with pytest.raises(BrushworkError, match=r"^'tpu' is not a device; give auto, cpu, cuda, cuda:N or mps$"):
        devices.chosen_device(None)


def test_a_cuda_run_plans_with_the_cards_free_memory_times_its_share(monkeypatch):
    from brushwork import memory

    asked = []

    def mem_get_info(device):
        asked.append(device)
        return 6 * 10**9, 8 * 10**9

    monkeypatch.setattr(torch.cuda, "mem_get_info", mem_get_info)
    monkeypatch.delenv(memory.MEMORY_SHARE_ENV_VAR, raising=False)
    assert devices.free_bytes(torch.device("cuda", 1)) == 6 * 10**9
    assert asked == [torch.device("cuda", 1)]
    monkeypatch.setenv(memory.MEMORY_SHARE_ENV_VAR, "0.5")  # two batch workers on the card
    assert devices.free_bytes(torch.device("cuda", 1)) == 3 * 10**9
    assert devices.free_bytes(torch.device("cpu")) == memory.available_bytes()


def test_an_mps_run_plans_with_the_lesser_of_metals_advice_and_the_hosts_free_memory(monkeypatch):
    from brushwork import memory

    monkeypatch.setattr(torch.mps, "recommended_max_memory", lambda: 12 * 10**9)
    monkeypatch.setattr(torch.mps, "driver_allocated_memory", lambda: 2 * 10**9)
    monkeypatch.setattr(memory, "available_bytes", lambda: 16 * 10**9)
    assert devices.free_bytes(torch.device("mps")) == 10 * 10**9
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 * 10**9)
    assert devices.free_bytes(torch.device("mps")) == 4 * 10**9


def test_a_print_size_is_planned_in_tiles_that_fit_the_cards_free_memory(monkeypatch):
    from brushwork.memory import tiled_bytes, vgg19_bytes
    from brushwork.settings import TransferSettings
    from brushwork.techniques.planning import memory_budget, plan_levels

    settings = TransferSettings(size=3072)
    sizes = settings.level_sizes(3072, 3072)
    layers = [[level.content_layer, *level.style_layers] for level in settings.level_settings()]
    held = [[level.content_layer] for level in settings.level_settings()]

    def plan_with_free(free_bytes: int):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (free_bytes, 80 * 10**9))
        free = devices.free_bytes(torch.device("cuda", 0))
        return plan_levels(settings, sizes, layers, settings.level_iterations(), held, available=free)[-1]

    on_an_80_gb_card, on_an_8_gb_card = plan_with_free(78 * 10**9), plan_with_free(7 * 10**9)
    assert on_an_80_gb_card.tile is None  # the whole pass fits beside the image's buffers
    assert on_an_8_gb_card.tile is not None
    assert tiled_bytes(3072, 3072, layers[-1], on_an_8_gb_card.tile) < int(0.8 * 7 * 10**9)
    assert vgg19_bytes(3072, 3072, layers[-1]) > int(0.8 * 7 * 10**9)
    # --max-memory means the card's memory then: it, not the card's free memory, sets the budget.
    assert memory_budget(settings, 7 * 10**9) == int(0.8 * 7 * 10**9) - 600_000_000
    assert memory_budget(settings.replace(max_memory=4.0), 7 * 10**9) == 4 * 10**9 - 600_000_000


@pytest.mark.parametrize(
    "device, capability, expected",
    [
        ("cuda:0", (9, 0), "bfloat16"),
        ("cuda:0", (8, 6), "bfloat16"),
        ("cuda:0", (7, 5), "float32"),
        ("mps", None, "float32"),
    ],
)
def test_auto_precision_is_chosen_per_device(monkeypatch, device, capability, expected):
    from brushwork.encoders import precision

    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: capability)
    assert precision.resolve_precision("auto", torch.device(device)) == expected
    assert precision.resolve_precision("float32", torch.device(device)) == "float32"


def test_the_run_record_names_the_device_and_the_card(monkeypatch):
    from brushwork.encoders.precision import resolve_precision, resolved_run
    from brushwork.settings import TransferSettings

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: f"card {index}")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (9, 0))
    assert resolved_run(TransferSettings(), torch.device("cuda", 1)) == {
        "device": "cuda:1 (card 1)",
        "precision": "bfloat16",
        "start": "draft",
    }
    assert resolved_run(TransferSettings(), None) == {
        "device": "cpu",
        "precision": resolve_precision("auto"),
        "start": "draft",
    }
    assert resolved_run({"layer": "conv1_1"}, torch.device("cpu")) == {"device": "cpu"}


@pytest.mark.parametrize(
    "error, lost",
    [
        (RuntimeError("CUDA error: an illegal memory access was encountered"), True),
        (RuntimeError("CUDA error: device-side assert triggered"), True),
        (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), False),
        (RuntimeError("mat1 and mat2 shapes cannot be multiplied"), False),
        (ValueError("illegal memory access"), False),
    ],
)
def test_only_a_sticky_device_error_counts_as_the_device_lost(error, lost):
    assert devices.device_lost(error) is lost


def test_a_run_on_a_device_that_is_not_there_is_one_line_and_exit_2(machine, tmp_path, monkeypatch):
    from brushwork.cli.transfer import DEMO_STYLE, demo_image

    machine(0, False)
    result = run_cli("transfer", "--demo", "--device", "cuda", "-o", tmp_path / "out.png")
    assert_error(result, f"cuda: no CUDA device here (torch {torch.__version__}, CUDA {torch.version.cuda})")
    monkeypatch.setenv(devices.DEVICE_VARIABLE, "mps")
    result = run_cli("texture", demo_image(DEMO_STYLE), "-o", tmp_path / "texture.png")
    assert_error(result, "mps: no Apple GPU here (MPS needs an Apple-silicon Mac and a torch built for it)")
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "texture.png").exists()
