"""Team views: each owner team's themes, their trends and pain points, and its actions.

The report's team sections and the API's ``/v1/teams/{team}`` (the dashboard's team page)
both build on :func:`team_view`. A team is any owner named on a theme (``cxa themes owner``)
or on an action.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyzer import metrics
from analyzer.errors import NotFoundError
from analyzer.store import RunData

THEME_FIELDS = ("theme_id", "label", "responses", "share", "share_negative", "impact", "status")
PAIN_FIELDS = ("rank", "theme_id", "label", "n_negative", "cost", "trend", "examples")


def team_tables(run: RunData, score: str = "nps") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The theme table (with ``owner`` and emerging ``status``) and pain points of a run.

    Trends are counted in the period that follows the run's span, as in the report; without
    ratings of ``score`` the pain points are ranked by their negative mentions.
    """
    table = metrics.theme_table(run.responses, run.mentions, run.themes, score)
    owners = dict(zip(run.themes["theme_id"].astype(int), run.themes["owner"], strict=True))
    table["owner"] = pd.Series([owners.get(int(t)) for t in table["theme_id"]], table.index, object)
    status: dict[int, str] = {}
    if run.responses["date"].notna().any():
        moved = metrics.emerging_themes(run.responses, run.mentions, run.themes, "auto")
        status = dict(zip(moved["theme_id"].astype(int), moved["status"].astype(str), strict=True))
    table["status"] = [status.get(int(t), "insufficient_data") for t in table["theme_id"]]
    pain = metrics.pain_points(run.responses, run.mentions, run.themes, score, freq="auto")
    return table, pain


def team_names(themes: pd.DataFrame, actions: list[dict[str, Any]]) -> list[str]:
    """Every team that owns a theme or an action, sorted."""
    names = {str(o) for o in themes.get("owner", pd.Series(dtype=object)) if o}
    names |= {str(a["team"]) for a in actions if a.get("team")}
    return sorted(names, key=str.casefold)


def _records(frame: pd.DataFrame, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = frame.loc[:, [f for f in fields if f in frame]].astype(object)
    rows = rows.where(rows.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]


def team_view(
    team: str, themes: pd.DataFrame, pain: pd.DataFrame, actions: list[dict[str, Any]]
) -> dict[str, Any]:
    """One team's page: its themes (largest first), pain points, and actions (open first).

    Parameters
    ----------
    team : str
        An owner name (case-insensitive match).
    themes, pain : DataFrame
        From :func:`team_tables` (or the report's theme and pain point tables).
    actions : list of dict
        Actions with their ``effect`` records (:func:`analyzer.loop.actions.effect_record`).

    Raises
    ------
    NotFoundError
        No theme or action names the team.
    """
    known = team_names(themes, actions)
    match = next((name for name in known if name.casefold() == team.strip().casefold()), None)
    if match is None:
        raise NotFoundError(
            f"No team {team!r} owns a theme or an action of this run; GET /v1/teams (or the "
            "report's team sections) lists them."
        )
    own = themes[themes["owner"].astype(object).map(lambda o: o == match)]
    ids = set(own["theme_id"].astype(int))
    mine = [a for a in actions if a.get("team") == match or ids & set(a["theme_ids"])]
    mine.sort(key=lambda a: (a["status"] != "open", str(a["effective"])))
    return {
        "team": match,
        "themes": _records(own.sort_values("responses", ascending=False), THEME_FIELDS),
        "pain_points": _records(pain[pain["theme_id"].isin(ids)], PAIN_FIELDS),
        "actions": mine,
        "open_actions": sum(a["status"] == "open" for a in mine),
    }


__all__ = ["team_names", "team_tables", "team_view"]
