"""Scored exports (``cxa score``): list them, and their themes, pain points and scores.

Read only: the figures are those of a run's endpoints, computed over the scored responses
and mentions with the themes of the theme model that scored them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from analyzer.text.redact import redact_file_name
from api.deps import ApiKeyDep, FiltersDep, Fingerprint, PageDep, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.filters import RunFilters
from api.schemas import (
    ScoredExportPublic,
    ScoredExportsPublic,
    ScoredPainPointsPublic,
    ScoredThemesPublic,
    ScoreKind,
    ScoresPublic,
)
from api.services import ScoredRun, Services
from api.views import (
    aware_time,
    pain_point_rows,
    records,
    score_figures,
    theme_rows,
    trend_context,
)

router = APIRouter(
    prefix="/v1/scored",
    tags=["scored exports"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)


def _labels(scored: ScoredRun) -> dict[str, Any]:
    return {
        "fingerprint": scored.data.run_id,
        "theme_labels": "model" if scored.labelled else "theme_ids",
        "note": scored.note,
    }


@router.get("")
def list_scored(services: ServicesDep, paging: PageDep) -> ScoredExportsPublic:
    """Every export scored by ``cxa score`` into this store, newest first.

    ``status`` is ``running`` while (or if) its job has not finished; only ``done`` exports
    have themes, pain points and scores.
    """
    rows = records(services.list_scored())
    data = [
        ScoredExportPublic(
            fingerprint=str(row["fingerprint"]),
            source=redact_file_name(str(row["source"] or "")),
            model=Path(str(row["model"] or "")).name,
            embedding=str(row["embedding"] or ""),
            status="done" if row["status"] == "done" else "running",
            updated_at=aware_time(row["updated_at"]),
        )
        for row in paging.slice(rows)
    ]
    return ScoredExportsPublic(data=data, count=len(rows))


def _context(
    services: Services, fingerprint: str, filters: RunFilters, score: str
) -> dict[str, Any]:
    """:func:`api.views.trend_context` of a scored export, cached with its views."""
    return services.scored_view(
        fingerprint,
        "context",
        (repr(filters), score),
        lambda s: trend_context(s.data, filters, score),
    )


@router.get("/{fingerprint}/themes", response_model=ScoredThemesPublic)
def list_scored_themes(
    services: ServicesDep,
    fingerprint: Fingerprint,
    filters: FiltersDep,
    paging: PageDep,
    score: Annotated[ScoreKind, Query(description="Score for `score` and the impacts.")] = "nps",
) -> Response:
    """Every theme of the scoring model, most mentioned first, as for a run's themes.

    ``theme_labels`` is ``theme_ids`` (and ``note`` says why) when the model folder that
    scored the export is not reachable from the service: themes are then named by id only.
    """

    def build() -> ScoredThemesPublic:
        scored = services.finished_scored(fingerprint)
        rows = services.scored_view(
            fingerprint,
            "themes",
            (repr(filters), score),
            lambda s: theme_rows(s.data, filters, score),
        )
        context = _context(services, fingerprint, filters, score)
        return ScoredThemesPublic.model_validate(
            {"data": paging.slice(rows), "count": len(rows), "score": score, **_labels(scored),
             **context}
        )  # fmt: skip

    return services.scored_json(fingerprint, "themes", (repr(filters), score, paging), build)


@router.get("/{fingerprint}/pain-points", response_model=ScoredPainPointsPublic)
def list_scored_pain_points(
    services: ServicesDep,
    fingerprint: Fingerprint,
    filters: FiltersDep,
    paging: PageDep,
    score: Annotated[ScoreKind, Query(description="Score the cost is measured in.")] = "nps",
) -> Response:
    """Themes with negative mentions, costliest first, as for a run's pain points."""

    def build() -> ScoredPainPointsPublic:
        scored = services.finished_scored(fingerprint)
        rows = services.scored_view(
            fingerprint,
            "pain-points",
            (repr(filters), score),
            lambda s: pain_point_rows(s.data, filters, score),
        )
        context = _context(services, fingerprint, filters, score)
        return ScoredPainPointsPublic.model_validate(
            {"data": paging.slice(rows), "count": len(rows), "score": score, **_labels(scored),
             **context}
        )  # fmt: skip

    return services.scored_json(fingerprint, "pain-points", (repr(filters), score, paging), build)


@router.get("/{fingerprint}/scores", response_model=ScoresPublic)
def get_scored_scores(
    services: ServicesDep, fingerprint: Fingerprint, filters: FiltersDep
) -> Response:
    """NPS, CSAT and CES of the filtered scored responses with 95% intervals, and each
    headline per calendar month, as for a run's scores."""

    def build() -> ScoresPublic:
        figures = services.scored_view(
            fingerprint, "scores", repr(filters), lambda s: score_figures(s.data, filters)
        )
        return ScoresPublic.model_validate(figures)

    return services.scored_json(fingerprint, "scores", repr(filters), build)
