"""The studio's guard, in front of every request: the Host it serves, no foreign Origin on a change,
and, when it listens beyond this machine, a token.

- Host: a page on another site can point its own name at 127.0.0.1 (DNS rebinding) and read
  answers as same-origin; only the names this server is reached by are served.
- Origin: a page on another site can still send a POST; any request that changes something must
  come from this server's own page (or from no page at all: a script, curl).
- Token: on another interface, every request needs the token, from the URL once (``?token=``, which
  sets an HttpOnly SameSite=Strict cookie) or an ``Authorization: Bearer`` header.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "brushwork_studio_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host header values this server answers to; None (any) when it listens on every interface,
    where its names are not known (the token guards it there)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    names = {"127.0.0.1", "localhost", "[::1]"}
    if not is_loopback(host):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{name}:{port}" for name in names} | (names if port == 80 else set())


class Guard:
    def __init__(self, app: App, hosts: set[str] | None, token: str | None):
        self.app = app
        self.hosts = hosts
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if self.hosts is not None and host not in self.hosts:
            await _refuse(send, 403, "this server answers only to its own address (Host header refused)")
            return
        method = scope.get("method", "GET")
        if method not in SAFE_METHODS:
            origin = headers.get("origin")
            foreign = origin is not None and origin.lower() != f"http://{host}"
            if foreign or headers.get("sec-fetch-site") == "cross-site":
                await _refuse(send, 403, "a request from another site may not change anything here (Origin refused)")
                return
        if self.token is not None and not await self._authorised(scope, headers, send):
            return
        await self.app(scope, receive, send)

    async def _authorised(self, scope: Scope, headers: dict[str, str], send: Send) -> bool:
        assert self.token is not None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        given = dict(query).get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            # Trade the token in the URL for a cookie, and drop it from the address bar.
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope.get("path", "/") + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            await _respond(send, 303, b"", [(b"location", location.encode()), (b"set-cookie", cookie.encode())])
            return False
        cookies = SimpleCookie()
        cookies.load(headers.get("cookie", ""))
        offered = cookies[COOKIE].value if COOKIE in cookies else None
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            offered = bearer[7:]
        if offered is not None and hmac.compare_digest(offered.encode(), self.token.encode()):
            return True
        await _refuse(send, 401, "open the address with ?token=... that brushwork studio printed")
        return False


async def _refuse(send: Send, status: int, message: str) -> None:
    await _respond(send, status, (message + "\n").encode(), [(b"content-type", b"text/plain; charset=utf-8")])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
