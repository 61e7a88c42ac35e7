"""Owner teams: each team's themes, their trends and pain points, its actions and verdicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from analyzer.loop import actions as actions_lib
from analyzer.loop.teams import team_names, team_tables, team_view
from api.deps import ApiKeyDep, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES
from api.routers.actions import with_effects
from api.schemas_loop import TeamPublic, TeamsPublic
from api.services import Services

router = APIRouter(
    prefix="/v1/teams", tags=["teams"], dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT},
)  # fmt: skip

RunQuery = Annotated[str, Query(min_length=1, max_length=128, description="A finished run.")]


def _parts(services: Services, run_id: str) -> tuple[Any, Any, list[dict[str, Any]]]:
    """The run's team tables (cached until the run changes) and its actions, without their
    effects: those are measured only for the actions a page shows."""
    themes, pain = services.run_view(run_id, "team_tables", (), team_tables)
    return themes, pain, actions_lib.list_actions(services.store, run_id=run_id)


@router.get("")
def list_teams(services: ServicesDep, run_id: RunQuery) -> TeamsPublic:
    """Every team that owns a theme (``cxa themes owner``) or an action of the run."""
    themes, _, found = _parts(services, run_id)
    names = team_names(themes, found)
    return TeamsPublic(data=names, count=len(names))


@router.get("/{team}")
def get_team(
    services: ServicesDep, run_id: RunQuery, team: Annotated[str, Path(max_length=200)]
) -> TeamPublic:
    """A team's page: its themes (share, negative share, impact, trend), its pain points and
    its actions (open first) with their verdicts."""
    themes, pain, found = _parts(services, run_id)
    view = team_view(team, themes, pain, found)
    view["actions"] = with_effects(services, view["actions"])  # the team's actions only
    return TeamPublic.model_validate(view)
