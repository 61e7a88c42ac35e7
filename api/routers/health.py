"""Liveness and readiness probes (no API key: they reveal no data)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> HealthPublic:
    """200 whenever the process answers."""
    return HealthPublic(status="ok")


_NOT_READY = {"model": HealthPublic, "description": "The models are loading, or failed to."}


@router.get("/readyz", responses={200: {"model": HealthPublic}, 503: _NOT_READY})
def readyz(services: ServicesDep) -> JSONResponse:
    """200 once the models are loaded; 503 while they load or if they failed to."""
    body = services.models.readiness()
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)
