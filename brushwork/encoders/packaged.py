"""Finding pretrained weight files that PyPI packages ship, without importing (running) those packages."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from pathlib import Path

from ..errors import BrushworkError


def locate_package_file(
    distribution: str, relative_path: str, *, what: str, install_hint: str, env_var: str | None = None
) -> Path:
    """``$env_var`` if set, else ``relative_path`` inside the installed ``distribution``."""
    override = os.environ.get(env_var) if env_var else None
    if override:
        path = Path(override)
        if not path.is_file():
            raise BrushworkError(f"{env_var}={override}: no such file")
        return path
    try:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(relative_path)))
    except importlib.metadata.PackageNotFoundError:
        raise BrushworkError(f"{what} not found: {install_hint}") from None
    if not path.is_file():
        raise BrushworkError(f"{what} not found at {path}: {install_hint}")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str | None, *, what: str, install_hint: str) -> None:
    try:
        actual = sha256_of(path) if expected is not None else None
    except OSError as exc:
        raise BrushworkError(
            f"{what} file {path} cannot be read ({exc.strerror or exc}); reinstall: {install_hint}"
        ) from None
    if expected is not None and actual != expected:
        raise BrushworkError(f"{what} file {path} is corrupt (checksum mismatch); reinstall: {install_hint}")
