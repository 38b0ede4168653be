"""Writing files safely: atomically (temp file in the same folder, then rename) and never over an
existing file unless asked. Every output brushwork writes (images, plots, tables, checkpoints) goes through here.

Where a file will go is checked before any work (``check_writable``): the folder exists and takes a
new file, the name fits the file system, nothing is there already (a dangling link counts). If the
write still fails at the end (a full disk), ``write_atomically`` keeps the data in a rescue folder and
the error says where.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import BrushworkError

RESCUE_DIR_ENV_VAR = "BRUSHWORK_RESCUE_DIR"
# The temporary name beside the target: short and fixed, so any name that fits the file system works.
_TMP_PREFIX, _TMP_SUFFIX = ".bw-", ".tmp"
LOCK_NAME = ".brushwork.lock"


# The longest file name most file systems take (ext4, XFS, APFS, NTFS in UTF-16 units), in bytes.
NAME_MAX_BYTES = 255


def name_bytes(name: str) -> int:
    return len(name.encode("utf-8", "surrogateescape"))


def fit_name(head: str, tail: str, limit: int = NAME_MAX_BYTES) -> str:
    """``head + tail`` where it fits ``limit`` bytes; otherwise ``head`` cut at a character boundary, "~"
    and a hash of the whole name, then ``tail`` (an extension, a tag): the same name always becomes the
    same shorter one, and two names that differ anywhere get different ones."""
    name = head + tail
    if name_bytes(name) <= limit:
        return name
    mark = "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    room = limit - name_bytes(mark + tail)
    if room < 0:
        raise BrushworkError(f"{tail[:40]}...: the end of the file name alone is longer than {limit} bytes")
    kept, used = [], 0
    for char in head:
        used += name_bytes(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept) + mark + tail


class OutputExists(BrushworkError):
    """The output's name is taken and ``--overwrite`` was not given."""


def already_exists(path: Path) -> OutputExists:
    return OutputExists(f"{path}: already exists; pass --overwrite to replace it")


SIBLINGS_TRIED = 99


def save_where_free(save: Callable[[Path], object], path: Path) -> Path:
    """``save(path)``, or, where another run took that name after the check before the work (two runs
    given one output), ``save`` to the first free sibling, ``stem-2.ext``, ``stem-3.ext``, …: finished
    work is never dropped for a name. Returns where it went."""
    for n in range(1, SIBLINGS_TRIED + 2):
        where = path if n == 1 else path.with_name(fit_name(f"{path.stem}-{n}", path.suffix))
        try:
            save(where)
            return where
        except OutputExists:
            continue
    raise BrushworkError(f"{path}: it and its next {SIBLINGS_TRIED} sibling names are taken; nothing was saved")


def saved_beside(path: Path, where: Path) -> str:
    """What to say when ``save_where_free`` had to use another name."""
    return f"{path}: another run wrote it meanwhile; this one was saved as {where}"


_HELD: set[Path] = set()  # folders this process holds: a run inside a run of its own goes on


@contextlib.contextmanager
def held_folder(folder: Path, what: str) -> Iterator[None]:
    """Hold ``folder`` for one run (a lock file in it, released when the run ends or its process dies),
    so that a second run given the same output is refused at the start instead of mixing its files in."""
    import filelock

    make_folder(folder)
    key = folder.resolve()
    if key in _HELD:
        yield
        return
    try:
        with filelock.FileLock(folder / LOCK_NAME, timeout=0):
            _HELD.add(key)
            try:
                yield
            finally:
                _HELD.discard(key)
    except filelock.Timeout:
        raise BrushworkError(
            f"{folder}: another brushwork {what} is writing here; wait for it to end or choose another output"
        ) from None


def _folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return NAME_MAX_BYTES


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two names reach one file: the same path once links are followed, or (both there) the same
    inode, as a hard link is."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_writable(
    path: str | os.PathLike[str],
    overwrite: bool = False,
    expected_bytes: int = 0,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Refuse, before any work, a place a file cannot be written to (one line saying why), and one of
    the ``inputs``: ``--overwrite`` replaces an earlier result, never the picture or clip it is made from."""
    path = Path(path)
    for source in inputs:
        if same_file(path, source):
            raise BrushworkError(f"{path}: is an input of this run ({source}); write the result to another file")
    folder = _folder_of(path)
    # The name first: a name too long makes every other question about the path fail with ENAMETOOLONG.
    limit = _name_max(folder) if folder.is_dir() else NAME_MAX_BYTES
    if name_bytes(path.name) > limit:
        raise BrushworkError(
            f"{path.name[:40]}...: the file name is longer than this file system allows ({limit} bytes)"
        )
    if os.path.lexists(path) and not overwrite:  # lexists: a dangling symlink is there too
        raise already_exists(path)
    if path.is_dir():
        raise BrushworkError(f"{path}: is a directory")
    if not folder.is_dir():
        if folder.exists() or any(p.exists() and not p.is_dir() for p in folder.parents):
            raise BrushworkError(f"{path}: {folder} is not a directory")
        raise BrushworkError(f"{path}: directory {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot write in {folder} ({exc.strerror or exc})") from None
    if expected_bytes and shutil.disk_usage(folder).free < expected_bytes:
        free = shutil.disk_usage(folder).free
        raise BrushworkError(
            f"{path}: {folder} has {free / 1e6:.1f} MB free, and the result needs about {expected_bytes / 1e6:.1f} MB"
        )
    return path


def rescue_dir() -> Path:
    """Where data goes when its own place cannot take it: ``$BRUSHWORK_RESCUE_DIR``, else the XDG state folder."""
    if os.environ.get(RESCUE_DIR_ENV_VAR):
        return Path(os.environ[RESCUE_DIR_ENV_VAR])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "brushwork" / "rescued"


def _write_to(path: Path, write: Callable[[BinaryIO], object], overwrite: bool) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=_folder_of(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        move_into_place(Path(tmp_name), path, overwrite)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    """Give a finished temp file beside ``path`` its name (atomically), with the permissions a plain
    open() would have given it (mkstemp makes files owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    if overwrite:
        os.replace(tmp, path)
    else:
        # link() fails if the target appeared meanwhile: no race can clobber a file.
        try:
            os.link(tmp, path)
        except FileExistsError:  # another run wrote it since the check before the work
            raise already_exists(path) from None
        os.unlink(tmp)


def make_folder(path: Path) -> Path:
    """Create a folder (and its parents) unless it is there; a file in the way or no permission: one line."""
    if path.exists() and not path.is_dir():
        raise BrushworkError(f"{path}: exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrushworkError(f"{path}: cannot create the folder ({exc.strerror or exc})") from None
    return path


def _rescue(path: Path, write: Callable[[BinaryIO], object], failure: OSError) -> BrushworkError:
    """Write the data to the rescue folder (or the temp folder); the error to raise says where it went."""
    why = failure.strerror or str(failure)
    for folder in (rescue_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{path.stem[:80]}-", suffix=path.suffix, dir=folder)
            with os.fdopen(fd, "wb") as f:
                write(f)
            return BrushworkError(f"{path}: could not be written ({why}); it was saved to {name} instead")
        except OSError:
            continue
    return BrushworkError(f"{path}: could not be written ({why}), and no other place would take it either")


class WriteRefused(BrushworkError):
    """The file system refused a write (full, read-only, no permission); ``cause`` is its error."""

    def __init__(self, message: str, cause: OSError):
        super().__init__(message)
        self.cause = cause


def write_atomically(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], object],
    overwrite: bool = False,
    rescue: bool = True,
) -> Path:
    """Call ``write(f)`` on a temp file beside ``path``, then move it into place.

    Readers never see a half-written file, and a crash or Ctrl-C leaves the old file (or none). A
    write that fails for lack of room or permission is saved in the rescue folder instead, and the
    BrushworkError raised says where; with ``rescue=False`` (data that is kept elsewhere anyway, as an
    upload is in its browser) ``WriteRefused`` is raised instead.
    """
    path = Path(path)
    if os.path.lexists(path) and not overwrite:
        raise already_exists(path)
    folder = _folder_of(path)
    if not folder.is_dir():
        raise BrushworkError(f"{path}: directory {folder} does not exist")
    try:
        _write_to(path, write, overwrite)
    except OSError as exc:
        if exc.errno in (
            errno.ENOSPC,
            errno.EDQUOT,
            errno.EACCES,
            errno.EPERM,
            errno.EROFS,
            errno.EIO,
            errno.ENAMETOOLONG,
        ):
            if not rescue:
                raise WriteRefused(f"{path}: could not be written ({exc.strerror or exc})", exc) from None
            raise _rescue(path, write, exc) from None
        raise BrushworkError(f"{path}: could not be written ({exc.strerror or exc})") from None
    return path


def write_text(path: str | os.PathLike[str], text: str, overwrite: bool = False) -> Path:
    return write_atomically(path, lambda f: f.write(text.encode("utf-8")), overwrite)
