"""Suggestions: any key may suggest a codeframe change or a note; analysts review them."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from analyzer.loop import suggestions as lib
from api.deps import AnalystDep, ApiKeyDep, PageDep, PrincipalDep, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES, FORBIDDEN, NOT_READY
from api.schemas_loop import (
    SuggestionCreate,
    SuggestionPublic,
    SuggestionReview,
    SuggestionsPublic,
    SuggestionStatus,
)
from api.services import Services

SuggestionId = Annotated[str, Path(min_length=1, max_length=64, description="A suggestion id.")]

router = APIRouter(
    prefix="/v1/suggestions",
    tags=["suggestions"],
    dependencies=[ApiKeyDep],
    responses=ERROR_RESPONSES,
)


@router.post("", status_code=201, responses=NOT_READY)
def create_suggestion(
    services: ServicesDep, principal: PrincipalDep, body: SuggestionCreate, response: Response
) -> SuggestionPublic:
    """Suggest a change to a finished run's codeframe, or leave a note on a theme (any key).

    It waits in the analysts' queue (``GET /v1/suggestions?status=pending``); the key's
    name is kept as its author. The note and seed phrases are stored redacted as comments
    are (e-mails, phones, cards, URLs, people's names): 503 while the models load.
    """
    services.finished_meta(body.run_id)
    fields = body.model_dump(exclude={"run_id", "kind", "theme_ids", "comment"})
    free_text = bool(body.comment or body.phrases)
    with services.models.borrow() if free_text else nullcontext() as components:
        found = lib.suggest(
            services.store, run_id=body.run_id, kind=body.kind, theme_ids=body.theme_ids,
            author=principal.name, comment=body.comment,
            redact=components.processor.redact if components else None, **fields,
        )  # fmt: skip
    response.headers["Location"] = f"/v1/suggestions/{found['suggestion_id']}"
    return SuggestionPublic.model_validate(found)


@router.get("")
def list_suggestions(
    services: ServicesDep,
    paging: PageDep,
    status: SuggestionStatus | None = None,
    run_id: Annotated[str | None, Query(max_length=128)] = None,
) -> SuggestionsPublic:
    """Suggestions, newest first, with author, time and outcome (reviewer, reason)."""
    rows = lib.list_suggestions(services.store, status=status, run_id=run_id)
    return SuggestionsPublic.model_validate({"data": paging.slice(rows), "count": len(rows)})


@router.get("/{suggestion_id}")
def get_suggestion(services: ServicesDep, suggestion_id: SuggestionId) -> SuggestionPublic:
    """One suggestion."""
    return SuggestionPublic.model_validate(lib.get_suggestion(services.store, suggestion_id))


def _review(services: Services, suggestion_id: str, body: SuggestionReview, reviewer: str) -> Any:
    found = lib.get_suggestion(services.store, suggestion_id)
    services.finished_meta(found["run_id"])
    kwargs: dict[str, Any] = {
        "decision": body.decision,
        "reason": body.reason,
        "reviewer": reviewer,
        "edit": services.edit_codeframe,
    }
    if body.decision == "approve" and found["kind"] in ("split", "seed"):
        with services.models.borrow() as components:
            reviewed = lib.review(
                services.store, suggestion_id, embedder=components.embedder, **kwargs
            )
    else:
        reviewed = lib.review(services.store, suggestion_id, **kwargs)
    services.forget(found["run_id"])
    return reviewed


@router.post("/{suggestion_id}/review", responses={**FORBIDDEN, **CONFLICT, **NOT_READY})
def review_suggestion(
    services: ServicesDep,
    principal: AnalystDep,
    suggestion_id: SuggestionId,
    body: SuggestionReview,
) -> SuggestionPublic:
    """Approve or reject a pending suggestion with a reason (analyst or admin).

    An approved change is applied to the run's codeframe through the same library
    functions as ``PATCH /v1/runs/{run_id}/themes/{theme_id}`` and ``cxa themes``.
    """
    reviewed = _review(services, suggestion_id, body, principal.name)
    return SuggestionPublic.model_validate(reviewed)
