"""Writing files safely: atomically (temp file in the same folder, then rename) and never over an
existing file unless asked. Every output brushwork writes (images, plots, tables, checkpoints) goes through here."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import BrushworkError


def already_exists(path: Path) -> BrushworkError:
    return BrushworkError(f"{path}: already exists; pass --overwrite to replace it")


def write_atomically(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object], overwrite: bool = False
) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then move it into place.

    Readers never see a half-written file, and a crash or Ctrl-C leaves the old file (or none).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise already_exists(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise BrushworkError(f"{path}: directory {parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file owner-only; give it the permissions a plain open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        if overwrite:
            os.replace(tmp_name, path)
        else:
            # link() fails if the target appeared meanwhile: no race can clobber a file.
            try:
                os.link(tmp_name, path)
            except FileExistsError:
                raise already_exists(path) from None
            os.unlink(tmp_name)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    return write_atomically(path, lambda f: f.write(text.encode("utf-8")), overwrite)
