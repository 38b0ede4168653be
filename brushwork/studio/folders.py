"""Where the studio keeps its files. Every name in here is chosen by the server: an image's id, a job's number.

Names only, no Pillow: ``brushwork --help`` and ``studio --help`` read this module.
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import BrushworkError

IMAGE_ID = re.compile(r"[0-9a-f]{32}")
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "TIFF": ".tif"}


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "brushwork" / "studio"


@dataclass(frozen=True)
class Folders:
    root: Path

    def create(self) -> Folders:
        for folder in (self.root, self.uploads, self.results, self.frames, self.levels):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def lock(self) -> IO[str]:
        """Hold the folder for this server (two servers on one queue would run its jobs twice).

        The lock is the kernel's, so it goes with the process, however the process ends.
        """
        handle = open(self.root / "studio.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise BrushworkError(f"{self.root}: another brushwork studio is using this folder; stop it first") from None
        return handle

    @property
    def database(self) -> Path:
        return self.root / "studio.sqlite3"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def frames(self) -> Path:
        return self.root / "frames"

    @property
    def levels(self) -> Path:
        return self.root / "levels"

    def image(self, image_id: str, image_format: str) -> Path:
        return self._upload(image_id, EXTENSIONS[image_format])

    def thumbnail(self, image_id: str) -> Path:
        return self._upload(image_id, ".thumb.jpg")

    def _upload(self, image_id: str, suffix: str) -> Path:
        """A file of an uploaded image: only an id the server made ever becomes part of a path."""
        if not IMAGE_ID.fullmatch(image_id):
            raise ValueError(f"not an image id: {image_id!r}")
        return self.uploads / f"{image_id}{suffix}"

    def result(self, job_id: int) -> Path:
        return self.results / f"{int(job_id)}.png"

    def result_thumbnail(self, job_id: int) -> Path:
        return self.results / f"{int(job_id)}.thumb.jpg"

    def frame(self, job_id: int) -> Path:
        return self.frames / f"{int(job_id)}.jpg"

    def level_file(self, job_id: int) -> Path:
        return self.levels / f"{int(job_id)}.safetensors"
