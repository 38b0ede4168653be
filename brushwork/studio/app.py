"""The studio's web server: the page, a JSON API over the queue and the gallery, and live events (SSE).

It never imports torch: the worker process (``worker``) does the painting, and ``Supervisor`` runs the
queue between the two. Built with ``create_app(StudioConfig(...))``; ``brushwork studio`` serves it. The
routes are in ``routes/``, one router per concern, over the shared ``state.Studio``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from .folders import Folders
from .http import Broker, error
from .routes import events, images, jobs, page
from .security import Guard, allowed_hosts
from .state import Studio, StudioConfig, register_demo_images
from .store import Store, storage_refusal
from .supervisor import Supervisor

__all__ = ["StudioConfig", "create_app"]

log = logging.getLogger("brushwork.studio")


def create_app(config: StudioConfig) -> Any:
    folders = Folders(config.data_dir).create()
    held = folders.lock()
    store = Store(folders.database)
    broker = Broker()
    supervisor = Supervisor(store, folders, broker.publish, threads=config.threads, device=config.device)
    studio = Studio(config, folders, store, broker, supervisor, register_demo_images(folders, store))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        supervisor.start()
        yield
        await supervisor.close()
        store.close()
        held.close()

    app = FastAPI(title="brushwork studio", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store  # for tests that make the data folder refuse writes

    async def storage_refused(request: Request, exc: Exception) -> Response:
        """A full or read-only data folder: a 507 or 503 with what to do, never a 500."""
        status, message = storage_refusal(exc)
        log.error("brushwork studio: %s %s: %s (%s)", request.method, request.url.path, message, exc)
        return error(status, message)

    app.add_exception_handler(sqlite3.Error, storage_refused)
    app.add_exception_handler(OSError, storage_refused)
    for routes in (page, images, jobs, events):
        app.include_router(routes.router(studio))
    app.mount("/static", StaticFiles(directory=str(page.STATIC)), name="static")
    return Guard(app, allowed_hosts(config.host, config.port), config.token)
