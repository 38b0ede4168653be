"""The page and what it builds its form from."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ..http import NO_CACHE
from ..jobs import schema
from ..state import Studio

STATIC = resources.files("brushwork") / "studio" / "static"


def router(studio: Studio) -> APIRouter:
    routes = APIRouter()
    store, demo = studio.store, studio.demo

    @routes.get("/")
    def index() -> Response:
        return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8", headers=NO_CACHE)

    @routes.get("/api/schema")
    def get_schema() -> dict[str, Any]:
        rows = {role: store.image(i) for role, i in demo.items()}
        return {**schema(), "demo": {role: row.as_dict() for role, row in rows.items() if row is not None}}

    return routes
