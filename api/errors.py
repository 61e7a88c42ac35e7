"""The one place where errors become HTTP responses.

Every error body is an :class:`api.schemas.ErrorPublic`: ``{"detail": message, "errors": [...]}``.
The analyzer's error tree maps as follows::

    InputError (UnreadableFileError, ColumnError, ConfigError)  -> 422
    NotFoundError                                               -> 404
    ModelError, NotFittedError                                  -> 409
    StoreBusyError (another process held the store too long)    -> 503 (Retry-After)
    any other AnalyzerError                                     -> 400

Anything else is a bug: the client gets a generic 500 and the log gets the exception's type
only (messages and tracebacks may hold customer text); see :mod:`api.middleware`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from analyzer.errors import (
    AnalyzerError,
    InputError,
    ModelError,
    NotFittedError,
    NotFoundError,
    StoreBusyError,
)
from api.schemas import ErrorPublic, FieldErrorPublic
from api.uploads import scrub

_STATUS: tuple[tuple[type[AnalyzerError], int], ...] = (
    (NotFoundError, 404),
    (InputError, 422),
    (ModelError, 409),
    (NotFittedError, 409),
    (StoreBusyError, 503),
)

Responses = dict[int | str, dict[str, Any]]
ERROR_RESPONSES: Responses = {
    401: {"model": ErrorPublic, "description": "Missing or wrong `X-API-Key` header."},
    404: {"model": ErrorPublic, "description": "No such run, theme or model."},
    422: {"model": ErrorPublic, "description": "The request or its data cannot be used."},
}
"""Responses every data endpoint documents (add 409, 413, 503 where they apply)."""

FORBIDDEN: Responses = {
    403: {"model": ErrorPublic, "description": "The key's role does not allow this."}
}
CONFLICT: Responses = {
    409: {"model": ErrorPublic, "description": "The run or model is not usable yet."}
}
TOO_LARGE: Responses = {
    413: {"model": ErrorPublic, "description": "The body is larger than the limit."}
}
NOT_READY: Responses = {503: {"model": ErrorPublic, "description": "The models are loading."}}


class NotReadyError(HTTPException):
    """The models are still loading (or failed to load)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=503, detail=detail, headers={"Retry-After": "5"})


class TooLargeError(HTTPException):
    """A body, file or batch is larger than the service accepts."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class ConflictError(HTTPException):
    """The run is in a state that does not allow the request (still running, failed)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=409, detail=detail)


def status_of(exc: AnalyzerError) -> int:
    """The HTTP status an analyzer error maps to."""
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def _body(detail: str, errors: list[FieldErrorPublic] | None = None) -> dict[str, Any]:
    return ErrorPublic(detail=detail, errors=errors or []).model_dump()


def public_message(request: Request, text: str) -> str:
    """``text`` without the server's paths (the store file, upload temp folders)."""
    services = getattr(request.app.state, "services", None)
    if services is not None:
        text = text.replace(str(services.store.path), "the store")
        text = text.replace(str(services.settings.models_root), "models")
    return scrub(text)


async def _analyzer_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AnalyzerError)
    status = status_of(exc)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(
        _body(public_message(request, str(exc))), status_code=status, headers=headers
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse(_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


def _where(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each problem; the offending values are not echoed (they may be comments)."""
    assert isinstance(exc, RequestValidationError)
    errors = [FieldErrorPublic(loc=_where(e["loc"]), msg=e["msg"]) for e in exc.errors()]
    summary = "; ".join(".".join(map(str, e.loc)) + ": " + e.msg for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    detail = f"The request is not valid: {summary}{more}. See /docs for the expected shape."
    return JSONResponse(_body(detail, errors), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Map analyzer errors, HTTP errors and request validation errors to JSON bodies."""
    app.add_exception_handler(AnalyzerError, _analyzer_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


__all__ = [
    "CONFLICT",
    "ERROR_RESPONSES",
    "NOT_READY",
    "TOO_LARGE",
    "ConflictError",
    "NotReadyError",
    "TooLargeError",
    "install_error_handlers",
    "status_of",
]
