"""Dependencies of the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Security
from fastapi.security import APIKeyHeader

from api.filters import Page, RunFilters, page, run_filters
from api.middleware import MISSING_KEY, key_matches
from api.services import Services
from api.settings import Settings, get_settings

_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="The key set in CXA_API_KEY (or CXA_API_KEY_FILE) when the service started.",
)


def get_services(request: Request) -> Services:
    """The :class:`Services` that ``create_app`` attached to the app."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_api_key(
    services: ServicesDep, key: Annotated[str | None, Security(_api_key_header)] = None
) -> None:
    """Refuse the request with 401 unless ``X-API-Key`` matches (in constant time).

    :class:`api.middleware.ApiKeyMiddleware` has already checked it before the body was
    read; this dependency documents the key in the OpenAPI schema and checks it again.
    """
    expected = services.api_key
    if expected is None:  # --insecure-local: bound to 127.0.0.1 only
        return
    if not key_matches(key, expected):
        raise HTTPException(
            status_code=401, detail=MISSING_KEY, headers={"WWW-Authenticate": "APIKey"}
        )


MAX_ID_CHARS = 128
"""Longest run id or fingerprint in a path or body (ids made here have 26 or 64)."""

RunId = Annotated[
    str, Path(min_length=1, max_length=MAX_ID_CHARS, description="A run id (GET /v1/runs).")
]
Fingerprint = Annotated[
    str,
    Path(min_length=1, max_length=MAX_ID_CHARS, description="A scored export (GET /v1/scored)."),
]
ApiKeyDep = Depends(require_api_key)
FiltersDep = Annotated[RunFilters, Depends(run_filters)]
PageDep = Annotated[Page, Depends(page)]

__all__ = [
    "MAX_ID_CHARS",
    "ApiKeyDep",
    "FiltersDep",
    "Fingerprint",
    "PageDep",
    "RunId",
    "ServicesDep",
    "SettingsDep",
    "get_services",
    "require_api_key",
]
