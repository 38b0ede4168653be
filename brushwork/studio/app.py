"""The studio's web server: the page, a JSON API over the queue and the gallery, and live events (SSE).

It never imports torch: the worker process (``worker``) does the painting, and ``Supervisor`` runs the
queue between the two. Built with ``create_app(StudioConfig(...))``; ``brushwork studio`` serves it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sse_starlette import EventSourceResponse

from ..documents import parse_json
from ..errors import BrushworkError
from .folders import IMAGE_ID, Folders
from .jobs import FormError, parse_job_form, schema
from .security import Guard, allowed_hosts
from .store import RUNNING, WITH_RESULT, ImageRow, Store, storage_refusal
from .supervisor import Supervisor
from .uploads import MAX_UPLOAD_BYTES, UploadError, store_upload

log = logging.getLogger("brushwork.studio")

STATIC = resources.files("brushwork") / "studio" / "static"
DEMO_IMAGES = {"photo": "chelsea.png", "painting": "starry_night.jpg"}
NO_CACHE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class StudioConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    threads: int | None = None
    max_upload_bytes: int = MAX_UPLOAD_BYTES


class Broker:
    """Fans events out to every open page; a page that stops reading loses its oldest events, not the server.

    Used on the event loop only (asyncio queues are not thread-safe): every route that changes
    something is ``async``, so none of them publishes from FastAPI's thread pool.
    """

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[dict[str, str]]] = set()

    def subscribe(self) -> asyncio.Queue[dict[str, str]]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue(maxsize=256)
        self.queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, str]]) -> None:
        self.queues.discard(queue)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        message = {"event": event, "data": json.dumps(data)}
        for queue in self.queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(message)


def error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "errors": {field: message} if field else {}}, status_code=status)


# A job's form is about 2 KB; pictures come through the upload route, with its own cap.
MAX_JSON_BODY_BYTES = 64 * 1024


class BodyError(Exception):
    """A request body the studio will not read: too large (413) or not a JSON document it reads (400)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def capped_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None where it is (or says it is) larger than ``limit`` bytes: reading stops
    there, so a client cannot make the server hold more."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> Any:
    """The request's JSON body, read no further than ``MAX_JSON_BODY_BYTES`` and parsed within the bounds
    of ``brushwork.documents`` (depth, integer digits); ``BodyError`` otherwise."""
    body = await capped_body(request, MAX_JSON_BODY_BYTES)
    if body is None:
        raise BodyError(413, f"the request is larger than {MAX_JSON_BODY_BYTES // 1024} KB")
    try:
        return parse_json(body, "the request", max_bytes=MAX_JSON_BODY_BYTES)
    except BrushworkError as exc:
        raise BodyError(400, str(exc)) from None


async def json_field(request: Request, name: str) -> Any:
    """One field of a JSON object body (None where the body is an object without it)."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BodyError(400, f"the request must be a JSON object with {name}")
    return body.get(name)


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


def create_app(config: StudioConfig) -> Any:
    folders = Folders(config.data_dir).create()
    held = folders.lock()
    store = Store(folders.database)
    broker = Broker()
    supervisor = Supervisor(store, folders, broker.publish, threads=config.threads)
    demo = register_demo_images(folders, store)

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

    def snapshot() -> dict[str, Any]:
        return {"jobs": [supervisor.public(job) for job in store.jobs()], "paused": store.paused}

    # ------------------------------------------------------------------ the page

    @app.get("/")
    def index() -> Response:
        return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8", headers=NO_CACHE)

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/api/schema")
    def get_schema() -> dict[str, Any]:
        rows = {role: store.image(i) for role, i in demo.items()}
        return {**schema(), "demo": {role: row.as_dict() for role, row in rows.items() if row is not None}}

    # ------------------------------------------------------------------ images

    @app.post("/api/images")
    async def upload(request: Request) -> Response:
        data = await capped_body(request, config.max_upload_bytes)
        if data is None:
            return error(413, f"the file is larger than {config.max_upload_bytes // 2**20} MB", "upload")
        try:
            row = await asyncio.to_thread(store_upload, folders, data, request.query_params.get("name"))
        except UploadError as exc:
            return error(exc.status, exc.message, "upload")
        store.add_image(row)
        return JSONResponse(row.as_dict(), status_code=201)

    def image_row(image_id: str) -> ImageRow | None:
        """The image with this id; anything that is not an id the server made finds nothing."""
        return store.image(image_id) if IMAGE_ID.fullmatch(image_id) else None

    @app.get("/api/images/{image_id}")
    def get_image(image_id: str) -> Response:
        row = image_row(image_id)
        if row is None:
            return error(404, "no such image")
        return FileResponse(folders.image(row.id, row.format))

    @app.get("/api/images/{image_id}/thumb.jpg")
    def get_thumbnail(image_id: str) -> Response:
        row = image_row(image_id)
        if row is None:
            return error(404, "no such image")
        return FileResponse(folders.thumbnail(row.id))

    # ------------------------------------------------------------------ jobs

    @app.get("/api/jobs")
    def list_jobs() -> dict[str, Any]:
        return snapshot()

    @app.post("/api/jobs")
    async def add_job(request: Request) -> Response:
        try:
            form = await json_body(request)
        except BodyError as exc:
            return error(exc.status, str(exc), "form")
        try:
            technique, preset, settings, inputs = parse_job_form(store, form)
        except FormError as exc:
            return JSONResponse({"error": str(exc), "errors": exc.errors}, status_code=422)
        job_id = store.add_job(technique, preset, settings, inputs)
        supervisor.announce(job_id)
        supervisor.kick()
        return JSONResponse(supervisor.describe(job_id), status_code=201)

    @app.post("/api/jobs/{job_id}/stop")
    async def stop_job(job_id: int) -> Response:
        job = store.job(job_id)
        if job is None:
            return error(404, "no such job")
        if job["status"] != RUNNING or not supervisor.stop_job(job_id):
            return error(409, "only the running job can be stopped")
        return JSONResponse({"stopping": job_id}, status_code=202)

    @app.post("/api/jobs/{job_id}/move")
    async def move_job(job_id: int, request: Request) -> Response:
        try:
            direction = await json_field(request, "direction")
        except BodyError as exc:
            return error(exc.status, str(exc))
        if type(direction) is not int or direction not in (-1, 1):
            return error(400, "direction must be -1 (earlier) or 1 (later)")
        if not store.move(job_id, direction):
            return error(409, "that job cannot move that way")
        broker.publish("queue", snapshot())
        return JSONResponse({"moved": job_id})

    @app.delete("/api/jobs/{job_id}")
    async def delete_job(job_id: int) -> Response:
        row = store.remove(job_id)
        if row is None:
            return error(409, "no such job, or it is running (stop it first)")
        for path in (folders.result(job_id), folders.result_thumbnail(job_id), folders.frame(job_id)):
            path.unlink(missing_ok=True)
        folders.level_file(job_id).unlink(missing_ok=True)
        broker.publish("removed", {"id": job_id})
        return JSONResponse({"removed": job_id})

    @app.post("/api/queue")
    async def set_queue(request: Request) -> Response:
        try:
            paused = await json_field(request, "paused")
        except BodyError as exc:
            return error(exc.status, str(exc))
        if not isinstance(paused, bool):
            return error(400, "paused must be true or false")
        store.set_paused(paused)
        broker.publish("queue", snapshot())
        supervisor.kick()
        return JSONResponse({"paused": paused})

    @app.get("/api/jobs/{job_id}/frame.jpg")
    def frame(job_id: int) -> Response:
        path = folders.frame(job_id)
        if not path.is_file():
            return error(404, "no frame yet")
        return Response(path.read_bytes(), media_type="image/jpeg", headers=NO_CACHE)

    @app.get("/api/jobs/{job_id}/result.png")
    def result(job_id: int, download: int = 0) -> Response:
        job = store.job(job_id)
        path = folders.result(job_id)
        if job is None or job["status"] not in WITH_RESULT or not path.is_file():
            return error(404, "no result")
        name = f"brushwork-{job['technique']}-{job_id}.png"
        return FileResponse(path, media_type="image/png", filename=name if download else None)

    @app.get("/api/jobs/{job_id}/thumb.jpg")
    def result_thumbnail(job_id: int) -> Response:
        path = folders.result_thumbnail(job_id)
        if not path.is_file():
            return error(404, "no result")
        return FileResponse(path, media_type="image/jpeg")

    # ------------------------------------------------------------------ live events

    @app.get("/api/events")
    async def events(request: Request) -> EventSourceResponse:
        queue = broker.subscribe()  # before the snapshot: nothing that happens after it is missed

        async def stream() -> AsyncIterator[dict[str, str]]:
            try:
                yield {"event": "snapshot", "data": json.dumps(snapshot())}
                while True:
                    yield await queue.get()
            finally:
                broker.unsubscribe(queue)

        return EventSourceResponse(stream(), ping=10, headers=NO_CACHE)

    return Guard(app, allowed_hosts(config.host, config.port), config.token)
