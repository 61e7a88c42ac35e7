"""Pain points of a run: negative themes ranked by the score they cost."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ApiKeyDep, FiltersDep, PageDep, RunId, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.routers.themes import run_context
from api.schemas import PainPointsPublic, ScoreKind
from api.views import pain_point_rows

router = APIRouter(
    prefix="/v1/runs/{run_id}/pain-points",
    tags=["pain points"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)


@router.get("", response_model=PainPointsPublic)
def list_pain_points(
    services: ServicesDep,
    run_id: RunId,
    filters: FiltersDep,
    paging: PageDep,
    score: Annotated[ScoreKind, Query(description="Score the cost is measured in.")] = "nps",
) -> Response:
    """Themes with negative mentions, costliest first, with an owner, trend and examples.

    ``cost`` is the number of score points the theme's negative mentions take off the
    overall score. Without ratings of ``score`` (``score_available`` false) every cost is
    null and the themes are ranked by the responses with a negative mention of them
    (``ranked_by``: ``negative``); ``negative_recent_share`` / ``negative_baseline_share``
    compare the two ``windows``.
    """

    def build() -> PainPointsPublic:
        rows = services.run_view(
            run_id,
            "pain-points",
            (repr(filters), score),
            lambda data: pain_point_rows(data, filters, score),
        )
        context = run_context(services, run_id, filters, score)
        return PainPointsPublic.model_validate(
            {"data": paging.slice(rows), "count": len(rows), "score": score, **context}
        )

    return services.run_json(run_id, "pain-points", (repr(filters), score, paging), build)
