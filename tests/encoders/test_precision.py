import pytest
import torch

from brushwork.encoders import precision
from brushwork.errors import BrushworkError


@pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
def test_auto_follows_the_cpu(monkeypatch, native, expected):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: native)
    assert precision.resolve_precision("auto") == expected
    assert precision.autocast_dtype("auto") == (torch.bfloat16 if native else None)


@pytest.mark.parametrize("native", [True, False])
def test_explicit_precisions_are_kept(monkeypatch, native):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: native)
    assert precision.resolve_precision("float32") == "float32"
    assert precision.resolve_precision("bfloat16") == "bfloat16"
    assert precision.autocast_dtype("float32") is None
    assert precision.autocast_dtype("bfloat16") == torch.bfloat16


def test_native_probe_reads_torch(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert precision.cpu_has_native_bfloat16() is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert precision.cpu_has_native_bfloat16() is True


def test_unknown_precision():
    with pytest.raises(BrushworkError, match=r"^precision must be one of auto, float32, bfloat16$"):
        precision.resolve_precision("float16")
