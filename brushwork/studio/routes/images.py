"""Uploads, and the images and thumbnails by id."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ..folders import IMAGE_ID
from ..http import capped_body, error
from ..state import Studio
from ..store import ImageRow
from ..uploads import UploadError, store_upload


def router(studio: Studio) -> APIRouter:
    routes = APIRouter()
    config, folders, store = studio.config, studio.folders, studio.store

    @routes.post("/api/images")
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

    @routes.get("/api/images/{image_id}")
    def get_image(image_id: str) -> Response:
        row = image_row(image_id)
        if row is None:
            return error(404, "no such image")
        return FileResponse(folders.image(row.id, row.format))

    @routes.get("/api/images/{image_id}/thumb.jpg")
    def get_thumbnail(image_id: str) -> Response:
        row = image_row(image_id)
        if row is None:
            return error(404, "no such image")
        return FileResponse(folders.thumbnail(row.id))

    return routes
