"""The queue: adding, stopping, moving and removing jobs; pausing; a job's frame, result and thumbnail."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ..http import NO_CACHE, BodyError, error, json_body, json_field
from ..jobs import FormError, download_name, parse_job_form
from ..state import Studio
from ..store import RUNNING, WITH_RESULT

DOWNLOAD_FORMATS = {
    "png": ("PNG", "image/png", "png"),
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
    "webp": ("WEBP", "image/webp", "webp"),
}


def converted(path: Path, pil_format: str) -> bytes:
    """A stored result (a PNG with its record) in another format, the record carried inside."""
    from PIL import Image

    from ...image.encoding import encoded_image
    from ...provenance import read_record

    with Image.open(path) as image:
        return encoded_image(image, pil_format, read_record(path))


def router(studio: Studio) -> APIRouter:
    routes = APIRouter()
    folders, store, broker, supervisor = studio.folders, studio.store, studio.broker, studio.supervisor

    @routes.get("/api/jobs")
    def list_jobs() -> dict[str, Any]:
        return studio.snapshot()

    @routes.post("/api/jobs")
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

    @routes.get("/api/jobs/{job_id}/curve")
    def job_curve(job_id: int) -> Response:
        """The running job's total loss at each progress message so far: a page opened mid-job draws it whole."""
        if store.job(job_id) is None:
            return error(404, "no such job")
        return JSONResponse({"id": job_id, "totals": supervisor.curves.get(job_id, [])}, headers=NO_CACHE)

    @routes.post("/api/jobs/{job_id}/stop")
    async def stop_job(job_id: int) -> Response:
        job = store.job(job_id)
        if job is None:
            return error(404, "no such job")
        if job["status"] != RUNNING or not supervisor.stop_job(job_id):
            return error(409, "only the running job can be stopped")
        return JSONResponse({"stopping": job_id}, status_code=202)

    @routes.post("/api/jobs/{job_id}/move")
    async def move_job(job_id: int, request: Request) -> Response:
        try:
            direction = await json_field(request, "direction")
        except BodyError as exc:
            return error(exc.status, str(exc))
        if type(direction) is not int or direction not in (-1, 1):
            return error(400, "direction must be -1 (earlier) or 1 (later)")
        if not store.move(job_id, direction):
            return error(409, "that job cannot move that way")
        broker.publish("queue", studio.snapshot())
        return JSONResponse({"moved": job_id})

    @routes.delete("/api/jobs/{job_id}")
    async def delete_job(job_id: int) -> Response:
        row = store.remove(job_id)
        if row is None:
            return error(409, "no such job, or it is running (stop it first)")
        for path in (folders.result(job_id), folders.result_thumbnail(job_id), folders.frame(job_id)):
            path.unlink(missing_ok=True)
        folders.level_file(job_id).unlink(missing_ok=True)
        broker.publish("removed", {"id": job_id})
        return JSONResponse({"removed": job_id})

    @routes.post("/api/queue")
    async def set_queue(request: Request) -> Response:
        try:
            paused = await json_field(request, "paused")
        except BodyError as exc:
            return error(exc.status, str(exc))
        if not isinstance(paused, bool):
            return error(400, "paused must be true or false")
        store.set_paused(paused)
        broker.publish("queue", studio.snapshot())
        supervisor.kick()
        return JSONResponse({"paused": paused})

    @routes.get("/api/jobs/{job_id}/frame.jpg")
    def frame(job_id: int) -> Response:
        path = folders.frame(job_id)
        if not path.is_file():
            return error(404, "no frame yet")
        return Response(path.read_bytes(), media_type="image/jpeg", headers=NO_CACHE)

    def stored_result(job_id: int) -> tuple[dict[str, Any], Path] | None:
        """A job that has a result, and the result's file (a PNG with its record)."""
        job, path = store.job(job_id), folders.result(job_id)
        if job is None or job["status"] not in WITH_RESULT or not path.is_file():
            return None
        return job, path

    @routes.get("/api/jobs/{job_id}/result.png")
    def result(job_id: int) -> Response:
        found = stored_result(job_id)
        if found is None:
            return error(404, "no result")
        return FileResponse(found[1], media_type="image/png")

    @routes.get("/api/jobs/{job_id}/download")
    async def download(job_id: int, format: str = "png") -> Response:
        """The result as a file to keep, named after its pictures, in PNG, JPEG or WebP with its record inside."""
        if format not in DOWNLOAD_FORMATS:
            return error(400, f"format must be one of {', '.join(DOWNLOAD_FORMATS)}")
        found = stored_result(job_id)
        if found is None:
            return error(404, "no result")
        job, path = found
        pil_format, media_type, extension = DOWNLOAD_FORMATS[format]
        name = download_name(store, job, extension)
        if pil_format == "PNG":  # the stored file, record and all
            return FileResponse(path, media_type=media_type, filename=name)
        data = await asyncio.to_thread(converted, path, pil_format)
        disposition = f"attachment; filename*=utf-8''{quote(name)}"
        return Response(data, media_type=media_type, headers={"Content-Disposition": disposition, **NO_CACHE})

    @routes.get("/api/jobs/{job_id}/thumb.jpg")
    def result_thumbnail(job_id: int) -> Response:
        path = folders.result_thumbnail(job_id)
        if not path.is_file():
            return error(404, "no result")
        return FileResponse(path, media_type="image/jpeg")

    return routes
