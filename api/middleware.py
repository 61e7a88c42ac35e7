"""ASGI middleware: the API key (checked before any body is read), request-body limits,
security headers, a path-only access log and the catch-all 500.

These are plain ASGI classes (not ``BaseHTTPMiddleware``) so that bodies stream through
them untouched. ``api.main.create_app`` stacks them, outermost first: access log, security
headers, catch-all, allowed hosts (Starlette's ``TrustedHostMiddleware``), API key, body
limits.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import loggable_path, printable
from api.schemas import ErrorPublic

access_log = logging.getLogger("api.access")
error_log = logging.getLogger("api.errors")


API_PREFIX = "/v1"
"""Every path under it holds data: it needs the key and is never cached."""
KEY_HEADER = "x-api-key"
MISSING_KEY = "Missing, wrong or revoked API key: send a key in the X-API-Key header."
FRAME_ANCESTORS = "frame-ancestors 'none'"
DATA_POLICY = f"default-src 'none'; {FRAME_ANCESTORS}"
"""The policy of responses that set none (JSON, files): load nothing, never be framed."""
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def is_data_path(path: str) -> bool:
    """Whether ``path`` is under ``/v1`` (data: key needed, not cached)."""
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def key_matches(sent: str | None, expected: str) -> bool:
    """Compare keys in constant time."""
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


async def _send_json(
    send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(ErrorPublic(detail=detail).model_dump()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


class ApiKeyMiddleware:
    """Refuse ``/v1`` requests without the right ``X-API-Key`` with 401, before the body.

    FastAPI reads a request's body (an upload of up to ``CXA_MAX_UPLOAD_MB``) before it
    runs the dependencies that check the key; here the key is checked first, so a keyless
    client cannot make the service read anything. The routers' ``require_api_key``
    dependency stays, for the OpenAPI document and as a second check.

    Parameters
    ----------
    app : ASGI app
    accepts : callable
        Whether a sent key (or None) may pass: the service's key, a stored key with a
        role, or anything under ``--insecure-local`` with no stored keys.
    """

    def __init__(self, app: ASGIApp, *, accepts: Callable[[str | None], bool]) -> None:
        self.app = app
        self.accepts = accepts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_data_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.accepts(Headers(scope=scope).get(KEY_HEADER)):
            await self.app(scope, receive, send)
            return
        await _send_json(send, 401, MISSING_KEY, [(b"www-authenticate", b"APIKey")])


class SecurityHeadersMiddleware:
    """Add the headers every response should carry.

    ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
    no-referrer``; a Content-Security-Policy with ``frame-ancestors 'none'`` (added to the
    page's own policy, or ``default-src 'none'`` where there is none); and ``Cache-Control:
    no-store`` on ``/v1`` (data must not stay in a browser's or a proxy's cache).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        data = is_data_path(scope["path"])

        async def secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                policy = headers.get("content-security-policy")
                if policy is None:
                    headers["content-security-policy"] = DATA_POLICY
                elif "frame-ancestors" not in policy:
                    headers["content-security-policy"] = f"{policy}; {FRAME_ANCESTORS}"
                if data:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, secure)


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
            f"{printable(scope['method'])} {printable(scope['path'])}. {hint}"
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
            error_log.debug("unhandled error", exc_info=True)  # the traceback, never at info
            error_log.error(
                "unhandled %s on %s %s",
                type(exc).__name__,
                printable(scope["method"]),
                loggable_path(scope["path"]),
            )
            if not started:
                await _send_json(send, 500, "Internal error. The service log names its type.")


class AccessLogMiddleware:
    """Log method, path (never the query string: it may hold a search), status and time.

    The method and path come from the client: they are escaped and shortened
    (:func:`api.logs.printable`), so ``%0A`` in a path cannot start a forged line, and a
    respondent's id in a path is left out (:func:`api.logs.loggable_path`).
    """

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
            method, path = printable(scope["method"]), loggable_path(scope["path"])
            access_log.info("%s %s %d %.0fms", method, path, status, ms)


__all__ = [
    "MISSING_KEY",
    "AccessLogMiddleware",
    "ApiKeyMiddleware",
    "BodyLimitMiddleware",
    "BodyTooLarge",
    "CatchAllMiddleware",
    "SecurityHeadersMiddleware",
    "is_data_path",
    "key_matches",
]
