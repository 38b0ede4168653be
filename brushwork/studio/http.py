"""The studio's HTTP plumbing: error answers, request bodies read within a cap, and the events broker."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ..documents import parse_json
from ..errors import BrushworkError

NO_CACHE = {"Cache-Control": "no-store"}


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
