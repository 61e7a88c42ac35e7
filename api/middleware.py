"""ASGI middleware: request-body limits, a path-only access log and the catch-all 500.

These are plain ASGI classes (not ``BaseHTTPMiddleware``) so that bodies stream through
them untouched.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import ErrorPublic

access_log = logging.getLogger("api.access")
error_log = logging.getLogger("api.errors")


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps(ErrorPublic(detail=detail).model_dump()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes its limit; the error handlers answer 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodyLimitMiddleware:
    """Refuse request bodies over a limit with 413, before or while they stream in.

    Parameters
    ----------
    app : ASGI app
    default : tuple of (int, str)
        Limit in bytes for every path, and the hint added to the message.
    per_path : mapping of str to (int, str)
        Limits (and hints) for exact paths, e.g. the upload endpoint.
    """

    def __init__(
        self, app: ASGIApp, *, default: tuple[int, str], per_path: Mapping[str, tuple[int, str]]
    ) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(per_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, hint = self.per_path.get(scope["path"], self.default)
        detail = (
            f"The request body is larger than the limit of {limit:,} bytes for "
            f"{scope['method']} {scope['path']}. {hint}"
        )
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, detail)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(detail)
            return message

        await self.app(scope, limited, send)


class CatchAllMiddleware:
    """Turn an unexpected exception into a generic 500; log its type, never its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            error_log.error(
                "unhandled %s on %s %s", type(exc).__name__, scope["method"], scope["path"]
            )
            if not started:
                await _send_json(send, 500, "Internal error. The service log names its type.")


class AccessLogMiddleware:
    """Log method, path (never the query string: it may hold a search), status and time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            access_log.info("%s %s %d %.0fms", scope["method"], scope["path"], status, ms)


__all__ = ["AccessLogMiddleware", "BodyLimitMiddleware", "BodyTooLarge", "CatchAllMiddleware"]
