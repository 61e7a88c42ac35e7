"""The report's "Actions and their effect" and team sections, and the action trend charts.

:func:`loop_content` reads the actions recorded on a run from the store, measures each
(:func:`analyzer.loop.actions.evaluate`, on the run plus the exports scored with its model) and
builds one team view per owner team (:func:`analyzer.loop.teams.team_view`). Each action gets a
chart of its themes' share per week (per day over a short span) with the action's date marked
and its windows shaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analyzer.errors import AnalyzerError
from analyzer.loop import actions as lib
from analyzer.loop.teams import team_names, team_view
from analyzer.metrics.effects import share_trend
from analyzer.metrics.trends import span_freq
from analyzer.report.figures import ACCENT, MUTED, _esc, _short, _style
from analyzer.report.windows import PERIOD_NAMES
from analyzer.store import RunData, Store

VERDICT_COLORS = {
    "worked": "#2a9d8f",
    "got worse": "#d1495b",
    "no detectable change": "#6b7280",
    "not enough data": "#e09f3e",
}


@dataclass
class LoopContent:
    """Actions with their effect and trend, and one view per team."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)


def _action_rows(store: Store, run: RunData) -> list[dict[str, Any]]:
    found = lib.list_actions(store, run_id=run.run_id)
    if not found:
        return []
    data = lib.action_data(store, run.run_id)
    labels = dict(zip(run.themes["theme_id"].astype(int), run.themes["label"], strict=True))
    rows = []
    for action in found:
        row = {
            **action,
            "theme_labels": [str(labels.get(t, f"theme {t}")) for t in action["theme_ids"]],
        }
        try:
            row["effect"] = lib.effect_record(lib.evaluate(store, action, data=data))
            freq = span_freq(data[0]["date"], coarsest="W")  # days when the data is short
            row["trend"] = share_trend(data[0], data[1], row["effect"]["theme_ids"], freq)
            row["trend_period"] = PERIOD_NAMES[freq]
        except AnalyzerError as exc:
            row["effect"], row["effect_error"] = None, str(exc)
        rows.append(row)
    return rows


def loop_content(
    store: Store, run: RunData, themes: pd.DataFrame, pain: pd.DataFrame
) -> LoopContent:
    """Actions on ``run`` with effects and trends, and a view per team.

    ``themes`` and ``pain`` are the report's theme table (with ``owner`` and ``status``)
    and pain points.
    """
    rows = _action_rows(store, run)
    teams = [team_view(name, themes, pain, rows) for name in team_names(themes, rows)]
    return LoopContent(actions=rows, teams=teams)


def action_figure(action: dict[str, Any]) -> go.Figure:
    """Share of the action's themes per week (per day when the data spans under six weeks),
    the action's date as a marker line, and the before / after windows shaded."""
    trend, effect = action["trend"], action["effect"]
    period = "week of " if action.get("trend_period", "week") == "week" else ""
    label = _esc(_short(", ".join(action["theme_labels"]), 40))
    fig = go.Figure()
    fig.add_scatter(
        x=trend["period_start"], y=100 * trend["share"], mode="lines+markers", name=label,
        line={"color": ACCENT, "width": 2}, customdata=trend["n"],
        hovertemplate=f"<b>{label}</b><br>{period}%{{x|%d %b %Y}}: %{{y:.1f}}% of "
        "%{customdata} comments<extra></extra>",
    )  # fmt: skip
    day = pd.Timestamp(effect["effective"])
    for start, end, name in (
        (effect["before_start"], effect["effective"], "before"),
        (effect["effective"], effect["after_end"], "after"),
    ):
        shade = 0.06 if name == "before" else 0.12
        fig.add_vrect(x0=start, x1=end, fillcolor=MUTED, opacity=shade, line_width=0,
                      annotation_text=name, annotation_position="top left")  # fmt: skip
    color = VERDICT_COLORS.get(effect["verdict"], MUTED)
    fig.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, yref="paper",
                  line={"color": color, "width": 2, "dash": "dash"}, name="action")  # fmt: skip
    fig.add_scatter(
        x=[day], y=[0], mode="markers+text", name="action", showlegend=False,
        marker={"symbol": "triangle-up", "size": 14, "color": color},
        text=[f"▲ {_esc(_short(action['title'], 30))}"], textposition="top right",
        hovertemplate=f"<b>{_esc(action['title'])}</b><br>{day:%d %b %Y}: {effect['verdict']}"
        "<extra></extra>",
    )  # fmt: skip
    fig.update_yaxes(title_text="% of comments mentioning the theme", rangemode="tozero")
    return _style(fig, 300, showlegend=False)


__all__ = ["LoopContent", "action_figure", "loop_content"]
