"""Dependencies of the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, Security
from fastapi.security import APIKeyHeader

from analyzer.privacy.keys import Principal
from api.filters import Page, RunFilters, page, run_filters
from api.middleware import MISSING_KEY, key_matches
from api.services import Services
from api.settings import Settings, get_settings

_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description=(
        "The key set in CXA_API_KEY (or CXA_API_KEY_FILE) when the service started (an "
        "admin key), or one made with 'cxa keys create --role ROLE'."
    ),
)


def get_services(request: Request) -> Services:
    """The :class:`Services` that ``create_app`` attached to the app."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


ADMIN = Principal(name="admin", role="admin")
"""Who sends the service's own key (``CXA_API_KEY``): an admin, so set-ups keep working."""
LOCAL = Principal(name="local", role="admin")
"""Everyone under ``--insecure-local`` (bound to 127.0.0.1 only)."""


def principal_of(services: Services, key: str | None) -> Principal | None:
    """Who ``key`` belongs to: the service's key (admin, compared in constant time), a
    live stored key, or nobody. Under ``--insecure-local`` with no stored keys: local.

    Only the setting opens the service: a service started with keys that sees none (the
    last one revoked) answers nobody until a key exists, instead of serving everyone.
    """
    expected = services.api_key
    if services.open_locally():
        return LOCAL
    if expected is not None and key_matches(key, expected):
        return ADMIN
    return services.authenticate(key) if key is not None else None


def require_api_key(
    request: Request,
    services: ServicesDep,
    key: Annotated[str | None, Security(_api_key_header)] = None,
) -> Principal:
    """Who sent the request: the service's key (admin) or a stored key with its role.

    Refuses the request with 401 unless ``X-API-Key`` is the service's key (compared in
    constant time) or a live key made with ``cxa keys create``.
    """
    if services.open_locally():  # --insecure-local, no keys made
        return LOCAL
    found = principal_of(services, key)
    if found is None:
        raise HTTPException(
            status_code=401, detail=MISSING_KEY, headers={"WWW-Authenticate": "APIKey"}
        )
    request.state.principal = found
    return found


PrincipalDep = Annotated[Principal, Depends(require_api_key)]


def _role(role: str) -> Any:
    def check(principal: PrincipalDep) -> Principal:
        if not principal.allows(role):
            raise HTTPException(
                status_code=403,
                detail=f"The key {principal.name!r} has the role {principal.role!r}; this "
                f"needs {role!r} or higher (ask an admin: cxa keys create --role {role}).",
            )
        return principal

    check.__name__ = f"require_{role}"
    return check


AnalystDep = Annotated[Principal, Depends(_role("analyst"))]
AdminDep = Annotated[Principal, Depends(_role("admin"))]
AnalystOnly = Depends(_role("analyst"))
"""For ``dependencies=[...]`` of write endpoints that do not need the principal itself."""
AdminOnly = Depends(_role("admin"))


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
    "ADMIN",
    "MAX_ID_CHARS",
    "AdminDep",
    "AdminOnly",
    "AnalystDep",
    "AnalystOnly",
    "ApiKeyDep",
    "FiltersDep",
    "Fingerprint",
    "PageDep",
    "PrincipalDep",
    "RunId",
    "ServicesDep",
    "SettingsDep",
    "get_services",
    "require_api_key",
]
