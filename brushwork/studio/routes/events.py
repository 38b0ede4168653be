"""Live events (SSE): a snapshot first, then every change as it happens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from ..http import NO_CACHE
from ..state import Studio


def router(studio: Studio) -> APIRouter:
    routes = APIRouter()
    broker = studio.broker

    @routes.get("/api/events")
    async def events(request: Request) -> EventSourceResponse:
        queue = broker.subscribe()  # before the snapshot: nothing that happens after it is missed

        async def stream() -> AsyncIterator[dict[str, str]]:
            try:
                yield {"event": "snapshot", "data": json.dumps(studio.snapshot())}
                while True:
                    yield await queue.get()
            finally:
                broker.unsubscribe(queue)

        return EventSourceResponse(stream(), ping=10, headers=NO_CACHE)

    return routes
