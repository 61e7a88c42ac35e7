"""Themes of a run: figures over filtered responses, one theme's verbatims, codeframe edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response

from analyzer.errors import ConfigError
from analyzer.loop import curation
from analyzer.store import audit
from api.deps import AnalystDep, ApiKeyDep, FiltersDep, PageDep, RunId, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.filters import RunFilters
from api.schemas import (
    ScoreKind,
    ThemeDetailPublic,
    ThemeMerge,
    ThemePublic,
    ThemesPublic,
    ThemeUpdate,
)
from api.services import Services
from api.views import theme_detail, theme_rows, trend_context

if TYPE_CHECKING:
    from analyzer.themes import Codeframe

router = APIRouter(
    prefix="/v1/runs/{run_id}/themes",
    tags=["themes"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)

ScoreQuery = Annotated[ScoreKind, Query(description="Score for `score` and the impacts.")]


@router.get("", response_model=ThemesPublic)
def list_themes(
    services: ServicesDep,
    run_id: RunId,
    filters: FiltersDep,
    paging: PageDep,
    score: ScoreQuery = "nps",
) -> Response:
    """Every theme, most mentioned first: volume, sentiment mix, score, impact and trend.

    ``impact`` is the overall score minus the score without the theme's responses
    (negative: the theme pulls the score down; null without ratings of ``score``, see
    ``score_available``). ``trend`` compares the theme's share in the last two periods
    (months, weeks or days, following the run's span: ``period``) with the ones before.
    """

    def build() -> ThemesPublic:
        rows = _rows(services, run_id, filters, score)
        context = run_context(services, run_id, filters, score)
        return ThemesPublic.model_validate(
            {"data": paging.slice(rows), "count": len(rows), "score": score, **context}
        )

    return services.run_json(run_id, "themes", (repr(filters), score, paging), build)


def run_context(services: Services, run_id: str, filters: RunFilters, score: str) -> dict[str, Any]:
    """:func:`api.views.trend_context` of a run, cached with its views."""
    return services.run_view(
        run_id, "context", (repr(filters), score), lambda data: trend_context(data, filters, score)
    )


def _rows(services: Services, run_id: str, filters: RunFilters, score: str) -> list[Any]:
    return services.run_view(
        run_id, "themes", (repr(filters), score), lambda data: theme_rows(data, filters, score)
    )


@router.get("/{theme_id}", response_model=ThemeDetailPublic)
def get_theme(
    services: ServicesDep,
    run_id: RunId,
    theme_id: int,
    filters: FiltersDep,
    score: ScoreQuery = "nps",
    examples: Annotated[int, Query(ge=0, le=50, description="Verbatims to return.")] = 5,
) -> Response:
    """One theme: its figures, example verbatims (most typical first) and its trend per
    period (months, weeks or days, following the run's span)."""

    def build() -> ThemeDetailPublic:
        rows = _rows(services, run_id, filters, score)  # shared with the theme list
        detail = services.run_view(
            run_id,
            "theme",
            (theme_id, repr(filters), score, examples),
            lambda data: theme_detail(data, theme_id, filters, score, examples, rows),
        )
        return ThemeDetailPublic.model_validate(detail)

    return services.run_json(run_id, "theme", (theme_id, repr(filters), score, examples), build)


def _edited(
    services: Services, run_id: str, *changes: curation.Change, actor: str = "admin"
) -> ThemePublic:
    """Apply codeframe changes to a finished run, as one edit (``cxa themes`` uses the same
    library functions); the edited theme's figures over all responses."""

    def change(frame: Codeframe, check: curation.Check) -> int:
        edited = [one(frame, check) for one in changes]  # every change, in order
        return edited[0]

    theme_id = services.edit_codeframe(run_id, change)
    audit.record(services.store, actor, "theme.edit", f"{run_id}/{theme_id}")
    rows = theme_rows(services.finished_run(run_id), RunFilters(), "nps")
    return ThemePublic.model_validate(next(r for r in rows if r["theme_id"] == theme_id))


@router.patch("/{theme_id}")
def update_theme(
    services: ServicesDep, principal: AnalystDep, run_id: RunId, theme_id: int, body: ThemeUpdate
) -> ThemePublic:
    """Rename a theme and/or set its owner (``"owner": null`` clears it).

    The edit is saved in the codeframe of the run's theme model (so scoring with the run
    shows it too) and in the run's themes, as ``cxa`` edits do.
    """
    changes = [] if body.label is None else [curation.rename(theme_id, body.label)]
    if "owner" in body.model_fields_set:
        changes.append(curation.set_owner(theme_id, body.owner))
    if not changes:
        raise ConfigError('Send "label" and/or "owner", e.g. {"label": "Checkout errors"}.')
    return _edited(services, run_id, *changes, actor=principal.name)


@router.post("/merge")
def merge_themes(
    services: ServicesDep, principal: AnalystDep, run_id: RunId, body: ThemeMerge
) -> ThemePublic:
    """Merge themes into the first one listed (optionally relabelling it).

    Mentions of the merged themes count for the surviving theme from now on, in every
    list of this run and when scoring with it.
    """
    change = curation.merge(body.theme_ids, label=body.label)
    return _edited(services, run_id, change, actor=principal.name)
