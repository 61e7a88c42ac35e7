"""Actions taken on themes and whether they worked (before / after the action's date)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from analyzer.loop import actions as lib
from analyzer.store import RunData
from api.deps import AnalystDep, ApiKeyDep, PageDep, ServicesDep
from api.errors import ERROR_RESPONSES, FORBIDDEN, ConflictError
from api.schemas_loop import (
    ActionCreate,
    ActionPublic,
    ActionsPublic,
    ActionStatus,
    ActionTrendPublic,
    ActionUpdate,
)
from api.services import Services

router = APIRouter(
    prefix="/v1/actions", tags=["actions"], dependencies=[ApiKeyDep], responses=ERROR_RESPONSES
)

ActionId = Annotated[str, Path(min_length=1, max_length=64, description="An action id.")]
Weeks = Annotated[int, Query(ge=1, le=104, description="Weeks compared on each side.")]


def with_effects(
    services: Services,
    actions: list[dict[str, Any]],
    before_weeks: int = 8,
    after_weeks: int = 8,
) -> list[dict[str, Any]]:
    """Each action with its theme labels and its effect (or why it cannot be measured), see
    :func:`analyzer.loop.actions.with_effects`; runs come from the service's cache."""

    def load(run_id: str) -> RunData:
        try:
            return services.finished_run(run_id)
        except ConflictError:  # no longer finished: measured on what the store holds
            return services.store.load_run(run_id)

    return lib.with_effects(
        services.store, actions, before_weeks=before_weeks, after_weeks=after_weeks,
        load_run=load,
    )  # fmt: skip


@router.post("", status_code=201, responses=FORBIDDEN)
def create_action(
    services: ServicesDep, principal: AnalystDep, body: ActionCreate, response: Response
) -> ActionPublic:
    """Record an action on one or more themes of a finished run (analyst or admin).

    Who recorded it (the key's name) and when are kept with it.
    """
    action = lib.add_action(services.store, actor=principal.name, **body.model_dump(mode="python"))
    response.headers["Location"] = f"/v1/actions/{action['action_id']}"
    return ActionPublic.model_validate(with_effects(services, [action])[0])


@router.get("")
def list_actions(
    services: ServicesDep,
    paging: PageDep,
    status: ActionStatus | None = None,
    team: Annotated[str | None, Query(max_length=200)] = None,
    run_id: Annotated[str | None, Query(max_length=128)] = None,
    before_weeks: Weeks = 8,
    after_weeks: Weeks = 8,
) -> ActionsPublic:
    """Actions (newest effective date first), each with its effect so far: the theme's share
    of responses, negative share, impact and the overall score before and after its date,
    with 95 % intervals, n, tests and a verdict. Scored exports count as data after it."""
    found = lib.list_actions(services.store, status=status, team=team, run_id=run_id)
    page_rows = paging.slice(found)
    rows = with_effects(services, page_rows, before_weeks, after_weeks)
    return ActionsPublic.model_validate({"data": rows, "count": len(found)})


@router.get("/{action_id}")
def get_action(
    services: ServicesDep, action_id: ActionId, before_weeks: Weeks = 8, after_weeks: Weeks = 8
) -> ActionPublic:
    """One action and its effect."""
    action = lib.get_action(services.store, action_id)
    rows = with_effects(services, [action], before_weeks, after_weeks)
    return ActionPublic.model_validate(rows[0])


@router.patch("/{action_id}", responses=FORBIDDEN)
def update_action(
    services: ServicesDep, principal: AnalystDep, action_id: ActionId, body: ActionUpdate
) -> ActionPublic:
    """Change an action's fields; ``{"status": "closed"}`` closes it (analyst or admin)."""
    changes = body.model_dump(mode="python", exclude_unset=True)
    action = lib.update_action(services.store, action_id, actor=principal.name, **changes)
    return ActionPublic.model_validate(with_effects(services, [action])[0])


@router.get("/{action_id}/trend")
def action_trend(services: ServicesDep, action_id: ActionId) -> ActionTrendPublic:
    """Share of the action's themes per week (per day when the data spans under six weeks)
    over the run and the exports scored with its model, with the action's date and verdict:
    the chart that marks the action."""
    from analyzer.metrics.effects import share_trend
    from analyzer.metrics.trends import span_freq

    action = lib.get_action(services.store, action_id)
    data = lib.action_data(services.store, action["run_id"])
    effect = lib.evaluate(services.store, action, data=data)
    freq = span_freq(data[0]["date"], coarsest="W")
    trend = share_trend(data[0], data[1], list(effect.theme_ids), freq)
    rows = trend.astype(object).where(trend.notna(), None).to_dict("records")
    return ActionTrendPublic.model_validate(
        {"action_id": action_id, "effective": action["effective"], "verdict": effect.verdict,
         "data": rows}
    )  # fmt: skip
