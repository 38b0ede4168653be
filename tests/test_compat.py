"""The supported torch range, declared once: brushwork/compat.py, which pyproject.toml and scripts/install
follow. A torch the user installed (a CUDA or Apple build) is kept when it is in the range."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from brushwork import compat

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "version, supported",
    [
        ("2.4.1", False),
        ("2.5.0", True),
        ("2.11.0+cu128", True),
        ("2.12.0a0+git1234abc", True),
        ("2.13.0+cpu", True),
        ("2.14.0", False),
        ("3.0.0", False),
        ("nightly", False),
    ],
)
def test_the_range_holds_at_its_bounds(version, supported):
    assert compat.torch_supported(version) is supported


def test_the_package_declares_the_same_range():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in declared if d.startswith("torch")] == [compat.requirement()] == ["torch>=2.5,<2.14"]
    assert compat.torch_supported(compat.PINNED_TORCH)


def fake_torch(tmp_path: Path, version: str) -> dict[str, str]:
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(f"__version__ = {version!r}\n")
    return {"PYTHONPATH": str(tmp_path)}


@pytest.mark.parametrize(
    "version, code, out, err",
    [
        ("2.11.0+cu128", 0, "2.11.0\n", ""),
        ("2.4.1", 1, "", "torch 2.4.1 is not one brushwork supports (torch>=2.5,<2.14)\n"),
    ],
)
def test_the_install_script_keeps_a_supported_torch_and_replaces_another(tmp_path, version, code, out, err):
    ran = subprocess.run(
        [sys.executable, str(ROOT / "brushwork" / "compat.py")],
        env=fake_torch(tmp_path, version),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (code, out, err)
    assert "torch_version=$(.venv/bin/python brushwork/compat.py" in (ROOT / "scripts" / "install").read_text()
