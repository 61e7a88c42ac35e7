"""Dependencies of the routers, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.filters import Page, RunFilters, page, run_filters
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
    """Refuse the request with 401 unless ``X-API-Key`` matches (in constant time)."""
    expected = services.api_key
    if expected is None:  # --insecure-local: bound to 127.0.0.1 only
        return
    if key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="Missing or wrong API key: send the key in the X-API-Key header.",
            headers={"WWW-Authenticate": "APIKey"},
        )


ApiKeyDep = Depends(require_api_key)
FiltersDep = Annotated[RunFilters, Depends(run_filters)]
PageDep = Annotated[Page, Depends(page)]

__all__ = [
    "ApiKeyDep",
    "FiltersDep",
    "PageDep",
    "ServicesDep",
    "SettingsDep",
    "get_services",
    "require_api_key",
]
