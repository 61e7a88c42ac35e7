"""API keys with roles (admin only), and who the caller is (any key)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from analyzer.privacy import keys as lib
from api.deps import AdminDep, ApiKeyDep, PrincipalDep, ServicesDep
from api.errors import ERROR_RESPONSES, FORBIDDEN
from api.schemas_loop import KeyCreate, KeyCreatedPublic, KeysPublic, WhoAmIPublic

router = APIRouter(tags=["keys"], dependencies=[ApiKeyDep], responses=ERROR_RESPONSES)


@router.get("/v1/whoami")
def whoami(principal: PrincipalDep) -> WhoAmIPublic:
    """The name and role of the key that sent the request (the dashboard shows only what
    the role may do)."""
    return WhoAmIPublic(name=principal.name, role=principal.role)  # type: ignore[arg-type]


@router.get("/v1/keys", responses=FORBIDDEN)
def list_keys(services: ServicesDep, _: AdminDep) -> KeysPublic:
    """Every key made with ``cxa keys create`` or this API, revoked ones too (admin)."""
    rows = lib.list_keys(services.store)
    return KeysPublic.model_validate({"data": rows, "count": len(rows)})


@router.post("/v1/keys", status_code=201, responses=FORBIDDEN)
def create_key(services: ServicesDep, principal: AdminDep, body: KeyCreate) -> KeyCreatedPublic:
    """Make a key with a role (admin); the key is in this answer only, the store keeps a hash."""
    key, record = lib.create_key(
        services.store, name=body.name, role=body.role, actor=principal.name
    )
    services.keys_changed()
    return KeyCreatedPublic.model_validate({**record, "key": key})


@router.delete("/v1/keys/{name}", status_code=204, responses=FORBIDDEN)
def revoke_key(services: ServicesDep, principal: AdminDep, name: str) -> Response:
    """Revoke a key by name or id (admin); it is refused from the next request on."""
    lib.revoke_key(services.store, name, actor=principal.name)
    services.keys_changed()
    return Response(status_code=204)
