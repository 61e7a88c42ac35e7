"""Scores of a run: NPS, CSAT and CES with intervals, and their monthly trend."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ApiKeyDep, FiltersDep, RunId, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.schemas import ScoresPublic
from api.views import score_figures

router = APIRouter(
    prefix="/v1/runs/{run_id}/scores",
    tags=["scores"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)


@router.get("", response_model=ScoresPublic)
def get_scores(services: ServicesDep, run_id: RunId, filters: FiltersDep) -> Response:
    """Headline and secondary figure of NPS, CSAT and CES over the filtered responses, with
    95% intervals and ``n``, and each headline per calendar month."""

    def build() -> ScoresPublic:
        figures = services.run_view(
            run_id, "scores", repr(filters), lambda data: score_figures(data, filters)
        )
        return ScoresPublic.model_validate(figures)

    return services.run_json(run_id, "scores", repr(filters), build)
