"""Scores of a run: NPS, CSAT and CES with intervals, and their monthly trend."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter

from analyzer.metrics import SCORE_KINDS, score_trend
from analyzer.summary import scores_table
from api.deps import ApiKeyDep, FiltersDep, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.schemas import ScoresPublic
from api.views import records

router = APIRouter(
    prefix="/v1/runs/{run_id}/scores",
    tags=["scores"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)

_TREND = ["score", "period", "value", "ci_low", "ci_high", "n", "low_n"]


@router.get("")
def get_scores(services: ServicesDep, run_id: str, filters: FiltersDep) -> ScoresPublic:
    """Headline and secondary figure of NPS, CSAT and CES over the filtered responses, with
    95% intervals and ``n``, and each headline per calendar month."""
    responses, _ = filters.apply(services.finished_run(run_id))
    figures = records(scores_table(responses))
    trends = [score_trend(responses, "M", kind).assign(score=kind) for kind in SCORE_KINDS]
    trend = pd.concat(trends, ignore_index=True) if trends else pd.DataFrame(columns=_TREND)
    return ScoresPublic.model_validate(
        {"data": figures, "count": len(figures), "trend": records(trend[_TREND])}
    )
