"""What every route of the studio reads: its configuration, folders, database, events and queue runner."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .folders import Folders
from .http import Broker
from .store import Store
from .supervisor import Supervisor
from .uploads import MAX_UPLOAD_BYTES, store_upload

DEMO_IMAGES = {"photo": "chelsea.png", "painting": "starry_night.jpg"}


@dataclass(frozen=True)
class StudioConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    threads: int | None = None
    device: str = "auto"  # a name for ``encoders.devices.chosen_device``, resolved in the worker
    max_upload_bytes: int = MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class Studio:
    config: StudioConfig
    folders: Folders
    store: Store
    broker: Broker
    supervisor: Supervisor
    demo: dict[str, str]  # role -> the bundled image's id

    def snapshot(self) -> dict[str, Any]:
        """Every job as the page sees it, and whether the queue is paused."""
        return {"jobs": [self.supervisor.public(job) for job in self.store.jobs()], "paused": self.store.paused}


def register_demo_images(folders: Folders, store: Store) -> dict[str, str]:
    """The bundled photo and painting, uploaded once like any other image; returns role -> image id."""
    known = json.loads(store.meta("demo_images") or "{}")
    if all(store.image(i) for i in known.values()) and set(known) == set(DEMO_IMAGES):
        return dict(known)
    ids = {}
    for role, name in DEMO_IMAGES.items():
        data = (resources.files("brushwork") / "assets" / name).read_bytes()
        row = store_upload(folders, data, name)
        store.add_image(row)
        ids[role] = row.id
    store.set_meta("demo_images", json.dumps(ids))
    return ids
