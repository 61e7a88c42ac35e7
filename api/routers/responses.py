"""One respondent's data: forget it everywhere (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from analyzer.privacy import forget as lib
from api.deps import AdminDep, ApiKeyDep, ServicesDep
from api.errors import ERROR_RESPONSES, FORBIDDEN
from api.schemas_loop import ForgetPublic

router = APIRouter(
    prefix="/v1/responses", tags=["responses"], dependencies=[ApiKeyDep], responses=ERROR_RESPONSES
)


@router.delete("/{response_id}", responses=FORBIDDEN)
def forget_response(
    services: ServicesDep,
    principal: AdminDep,
    response_id: Annotated[str, Path(min_length=1, max_length=256)],
    source: Annotated[str | None, Query(max_length=1024, description="Only this export.")] = None,
) -> ForgetPublic:
    """Forget a respondent (admin): their comment, mentions and scores leave every run and
    scored export, the theme examples, the Parquet outputs and the embedding cache. The
    answer says what was removed (the id is not logged; the audit keeps a hash of it)."""
    removed = lib.forget_response(services.store, response_id, source=source, actor=principal.name)
    services.forget_all()
    return ForgetPublic(
        response_id=response_id,
        rows=removed.rows,
        files=[p.rsplit("/", 1)[-1] for p in removed.files],
        cache_entries=removed.cache_entries,
    )
