"""Plotly figures of the theme report, one free function per chart.

Every function takes tables from :class:`analyzer.report.content.ReportContent` and returns a
``plotly.graph_objects.Figure``. Theme labels come from customers' words, so every string that
plotly draws goes through :func:`_esc`: plotly reads ``<b>``, ``<a href>``... in text as markup.
"""

from __future__ import annotations

import html
import math
from typing import Any, cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analyzer.report.windows import Windows

TOP_THEMES = 20
"""Themes shown in a bar chart; the CSV exports hold all of them."""

SEGMENT_THEMES = 12
"""Themes shown in the segment heatmap."""

FONT = "Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Arial, sans-serif"
INK, MUTED, GRID, ACCENT = "#1f2937", "#6b7280", "#e5e7eb", "#3b5bdb"
SENTIMENT_COLORS = {"negative": "#d1495b", "neutral": "#c3cad5", "positive": "#2a9d8f"}
LINE_COLORS = ("#d1495b", "#3b5bdb", "#e09f3e", "#2a9d8f", "#7b2cbf", "#6b7280")
SCORE_TITLES = {"nps": "NPS", "csat": "CSAT (% satisfied)", "ces": "CES (mean, 1–7)"}
SCORE_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
# explicit scales, shared with api/static/dashboard-charts.js (plotly.js names run reversed)
DIVERGING = [[0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1, "#2166ac"]]
SEQUENTIAL = [[0, "#eef3fb"], [0.5, "#7fa7e0"], [1, "#1d3f9a"]]


def _esc(value: Any) -> str:
    """Text safe for plotly's pseudo-HTML (``<``, ``>`` and ``&`` shown as typed)."""
    return html.escape(str(value), quote=False)


def _short(label: str, width: int = 34) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def theme_names(table: pd.DataFrame, width: int = 34) -> list[str]:
    """Escaped, shortened and unique axis labels of the themes in ``table``."""
    names = [_esc(_short(str(label), width)) for label in table["label"]]
    counts = pd.Series(names).value_counts()
    return [
        f"{n} (#{t})" if counts[n] > 1 else n for n, t in zip(names, table["theme_id"], strict=True)
    ]


def _style(fig: go.Figure, height: int, **layout: Any) -> go.Figure:
    """The report's look: system font, white background, light grid, legend on top."""
    base: dict[str, Any] = {
        "template": "none",
        "height": height,
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 10, "r": 20, "t": 40, "b": 40},
        "hoverlabel": {"font": {"family": FONT, "size": 12}, "bgcolor": "white"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
    }
    fig.update_layout(**{**base, **layout})
    fig.update_xaxes(gridcolor=GRID, zerolinecolor="#9ca3af", linecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor="#9ca3af", linecolor=GRID, automargin=True)
    return fig


def _fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.2f}" if kind == "ces" else f"{value:.0f}"


_TICKS = {
    "M": ("%b\n%Y", "%b %Y"),
    "W": ("%d %b\n%Y", "week of %d %b %Y"),
    "D": ("%d %b\n%Y", "%d %b %Y"),
}
"""Axis tick format and hover date format per period of :class:`Windows`."""


def _time_axis(fig: go.Figure, windows: Windows) -> None:
    """Ticks that name the periods: months every second month, weeks and days by date."""
    tick = _TICKS[windows.freq][0]
    fig.update_xaxes(tickformat=tick, **({"dtick": "M1"} if windows.freq == "M" else {}))


def score_trend_figure(trend: pd.DataFrame, windows: Windows) -> go.Figure:
    """Headline of each score per period with its 95 % interval, recent window shaded.

    Parameters
    ----------
    trend : DataFrame
        ``score``, ``period_start``, ``value``, ``ci_low``, ``ci_high``, ``n``, ``low_n``
        (:func:`analyzer.metrics.score_trend` per kind, stacked).
    windows : Windows
        Shades the recent window.
    """
    kinds = list(dict.fromkeys(trend["score"]))
    titles = [SCORE_TITLES[k] for k in kinds] or [""]
    fig = make_subplots(rows=1, cols=max(len(kinds), 1), subplot_titles=titles)
    for col, kind in enumerate(kinds, start=1):
        part = trend[trend["score"] == kind]
        x = list(part["period_start"]) + list(part["period_start"])[::-1]
        band = list(part["ci_high"]) + list(part["ci_low"])[::-1]
        fig.add_trace(
            go.Scatter(x=x, y=band, fill="toself", fillcolor="rgba(59,91,219,0.12)",
                       line={"width": 0}, hoverinfo="skip", showlegend=False),
            row=1, col=col,
        )  # fmt: skip
        text = [
            f"{_fmt(v, kind)} (95% CI {_fmt(lo, kind)} to {_fmt(hi, kind)}), n={n}"
            for v, lo, hi, n in zip(
                part["value"], part["ci_low"], part["ci_high"], part["n"], strict=True
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=part["period_start"], y=part["value"], mode="lines+markers", text=text,
                line={"color": ACCENT, "width": 2.5}, showlegend=False,
                marker={"size": 7, "color": ["white" if low else ACCENT for low in part["low_n"]],
                        "line": {"color": ACCENT, "width": 2}},
                hovertemplate=f"%{{x|{_TICKS[windows.freq][1]}}}<br>{SCORE_NAMES[kind]} "
                "%{text}<extra></extra>",
            ),
            row=1, col=col,
        )  # fmt: skip
    _shade_recent(fig, windows)
    _time_axis(fig, windows)
    if windows.freq == "M":
        fig.update_xaxes(dtick="M2")
    return _style(fig, 320, margin={"l": 10, "r": 20, "t": 50, "b": 40})


def _shade_recent(fig: go.Figure, windows: Windows, label: bool = False) -> None:
    if windows.recent_start is None or windows.last is None:
        return
    # each point sits on the first day of its period: cover the recent periods' points
    half = {"M": pd.Timedelta(days=15), "W": pd.Timedelta(days=3.5), "D": pd.Timedelta(hours=12)}
    start = pd.Timestamp(windows.recent_start).to_period(windows.freq).start_time
    end = windows.last.to_period(windows.freq).start_time + half[windows.freq]
    start -= half[windows.freq]
    note = {"annotation_text": "recent", "annotation_position": "top left"} if label else {}
    fig.add_vrect(
        x0=start, x1=end, fillcolor="#fde68a", opacity=0.3,
        line_width=0, row="all", col="all", layer="below", **note,
    )  # fmt: skip


def volume_figure(themes: pd.DataFrame, top: int = TOP_THEMES) -> go.Figure:
    """Mentions per theme split by sentiment, largest theme on top.

    Parameters
    ----------
    themes : DataFrame
        :func:`analyzer.metrics.theme_table` output (``mentions``, ``share_*``,
        ``responses``, ``share``).
    top : int
        Themes shown (by ``responses``).
    """
    table = themes.sort_values(["responses", "theme_id"], ascending=[False, True]).head(top)
    names = _marked(table)
    custom = np.column_stack([table["theme_id"], table["responses"], 100 * table["share"]])
    fig = go.Figure()
    for sentiment, color in SENTIMENT_COLORS.items():
        counts = (table["mentions"] * table[f"share_{sentiment}"].fillna(0)).round()
        fig.add_bar(
            y=names, x=counts, orientation="h", name=sentiment.capitalize(),
            marker={"color": color}, customdata=custom,
            hovertemplate=(
                "<b>%{y}</b><br>" + sentiment + ": %{x:.0f} mentions<br>"
                "%{customdata[1]} responses (%{customdata[2]:.1f}% of comments)<extra></extra>"
            ),
        )  # fmt: skip
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(title_text="Mentions")
    return _style(
        fig, 90 + 28 * max(len(table), 3), barmode="stack", bargap=0.3,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                "traceorder": "normal"},
    )  # fmt: skip


def _marked(table: pd.DataFrame) -> list[str]:
    """Axis labels with ▲ after emerging themes (when ``table`` has a ``status``)."""
    names = theme_names(table)
    if "status" not in table.columns:
        return names
    return [f"{n} ▲" if s == "emerging" else n for n, s in zip(names, table["status"], strict=True)]


def impact_figure(themes: pd.DataFrame, score: str, top: int = TOP_THEMES) -> go.Figure:
    """Leave-one-out impact of each theme on the score, negative and positive parts.

    Parameters
    ----------
    themes : DataFrame
        :func:`analyzer.metrics.theme_table` output with ``impact``,
        ``impact_negative`` and ``impact_positive``.
    score : {"nps", "csat", "ces"}
        Names the axis.
    top : int
        Themes shown, by the size of their net impact; most harmful on top.
    """
    table = themes.assign(size=themes["impact"].abs()).dropna(subset=["impact"])
    table = table.sort_values(["size", "theme_id"], ascending=[False, True]).head(top)
    table = table.sort_values(["impact", "theme_id"])
    names = _marked(table)
    name = SCORE_NAMES[score]
    fig = go.Figure()
    parts = (("impact_negative", "Negative mentions", "negative"),
             ("impact_positive", "Positive mentions", "positive"))  # fmt: skip
    for column, legend, sentiment in parts:
        fig.add_bar(
            y=names, x=table[column], orientation="h", name=legend, customdata=table["theme_id"],
            marker={"color": SENTIMENT_COLORS[sentiment]},
            hovertemplate=f"<b>%{{y}}</b><br>{legend}: %{{x:+.1f}} {name} points<extra></extra>",
        )  # fmt: skip
    fig.add_scatter(
        y=names, x=table["impact"], mode="markers", name="Net impact",
        marker={"symbol": "diamond", "size": 10, "color": INK,
                "line": {"color": "white", "width": 1}},
        customdata=table["theme_id"],
        hovertemplate=f"<b>%{{y}}</b><br>Net: %{{x:+.1f}} {name} points<extra></extra>",
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(title_text=f"{name} points the theme moves the overall score", zeroline=True)
    # grouped, not overlaid: either part can have either sign, and neither may hide the other
    return _style(fig, 90 + 34 * max(len(table), 3), barmode="group", bargap=0.25, bargroupgap=0)


def _trend_themes(emerging: pd.DataFrame, themes: pd.DataFrame) -> list[tuple[int, str]]:
    """Themes to draw: emerging first, then fading; the largest ones when nothing moved."""
    moved = emerging[emerging["status"].isin(["emerging", "fading"])]
    rising = moved[moved["status"] == "emerging"].head(4)
    falling = moved[moved["status"] == "fading"].sort_values("z").head(6 - len(rising))
    picked = [(int(t), str(s)) for t, s in zip(rising["theme_id"], rising["status"], strict=True)]
    picked += [(int(t), "fading") for t in falling["theme_id"]]
    if not picked:
        largest = themes.sort_values("responses", ascending=False).head(5)
        picked = [(int(t), "stable") for t in largest["theme_id"]]
    return picked


def trends_figure(
    trends: pd.DataFrame, emerging: pd.DataFrame, themes: pd.DataFrame, windows: Windows
) -> go.Figure:
    """Share of commenters mentioning each emerging and fading theme per period.

    Emerging themes are drawn bold, fading ones dashed; the recent window is shaded.
    """
    fig = go.Figure()
    for i, (tid, status) in enumerate(_trend_themes(emerging, themes)):
        part = trends[trends["theme_id"] == tid]
        if part.empty:
            continue
        label = _esc(str(part["label"].iloc[0]))
        tag = {"emerging": " ▲ emerging", "fading": " ▼ fading"}.get(status, "")
        fig.add_scatter(
            x=part["period_start"], y=100 * part["share"], mode="lines+markers",
            name=_short(label, 30) + tag,
            line={"color": LINE_COLORS[i % len(LINE_COLORS)],
                  "width": 3.5 if status == "emerging" else 2,
                  "dash": "dot" if status == "fading" else "solid"},
            hovertemplate=f"<b>{label}</b><br>%{{x|{_TICKS[windows.freq][1]}}}: "
            "%{y:.1f}% of comments<extra></extra>",
        )  # fmt: skip
    _shade_recent(fig, windows, label=True)
    fig.update_yaxes(title_text="% of comments mentioning the theme", rangemode="tozero")
    _time_axis(fig, windows)
    return _style(fig, 380, legend={"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top"})


def segment_figure(
    segments: pd.DataFrame, themes: pd.DataFrame, segment: str, top: int = SEGMENT_THEMES
) -> go.Figure:
    """Share of each segment's commenters mentioning each theme.

    ▲ / ▼ mark shares significantly above / below the rest of the segments
    (Benjamini-Hochberg adjusted, see :func:`analyzer.metrics.segment_table`).
    """
    order = themes.sort_values("responses", ascending=False).head(top)
    values = sorted(segments["segment_value"].astype(str).unique())
    grid = segments.set_index(["theme_id", "segment_value"])
    z, text = [], []
    for tid in order["theme_id"]:
        rows = [grid.loc[(tid, v)] if (tid, v) in grid.index else None for v in values]
        z.append([100 * r["share"] if r is not None else None for r in rows])
        text.append([_cell(r) for r in rows])
    fig = go.Figure(
        go.Heatmap(
            z=z, x=[_esc(v) for v in values], y=theme_names(order), text=text,
            texttemplate="%{text}", colorscale=SEQUENTIAL, zmin=0,
            colorbar={"title": {"text": "% of<br>comments"}, "thickness": 12},
            hovertemplate="<b>%{y}</b><br>" + _esc(segment)
            + " = %{x}: %{z:.1f}% of comments<extra></extra>",
            xgap=2, ygap=2,
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(side="top", gridcolor="rgba(0,0,0,0)")
    return _style(fig, 110 + 30 * max(len(order), 3), margin={"l": 10, "r": 10, "t": 60, "b": 10})


def _cell(row: pd.Series | None) -> str:
    if row is None or pd.isna(row["share"]):
        return ""
    mark = ""
    if bool(row["share_significant"]):
        mark = " ▲" if row["share_diff"] > 0 else " ▼"
    return f"{100 * row['share']:.0f}%{mark}"


def segment_scores_figure(scores: pd.DataFrame, segment: str, score: str) -> go.Figure:
    """Headline score of each segment value with its 95 % interval."""
    name = SCORE_NAMES[score]
    fig = go.Figure(
        go.Bar(
            y=[_esc(v) for v in scores["segment_value"]], x=scores["value"], orientation="h",
            marker={"color": ACCENT},
            error_x={"type": "data", "symmetric": False, "color": MUTED, "thickness": 1.5,
                     "array": scores["ci_high"] - scores["value"],
                     "arrayminus": scores["value"] - scores["ci_low"]},
            customdata=np.column_stack([scores["ci_low"], scores["ci_high"], scores["n"]]),
            hovertemplate=f"<b>%{{y}}</b><br>{name} %{{x:.1f}} (95% CI %{{customdata[0]:.1f}}"
            " to %{customdata[1]:.1f}), n=%{customdata[2]}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", title_text=_esc(segment), gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(title_text=f"{name} (95% CI)", zeroline=True)
    return _style(fig, 110 + 40 * max(len(scores), 3), bargap=0.35)


def _parent_node(parent_id: int, parent_label: str) -> str:
    """Node id of a theme's parent group (parent ids number groups, not themes)."""
    if parent_id == -1:
        return f"p:{parent_label}" if parent_label else "root"
    return f"p{parent_id}"


def hierarchy_figure(
    themes: pd.DataFrame, score: str | None, overall: float | None = None
) -> go.Figure:
    """Treemap of parent > child themes: area = responses, colour = score of mentioners.

    With ``score=None`` (a run without ratings) the colour is the share of the theme's
    mentions that are negative (``share_negative``), red the most negative, and ``overall``
    is the share of all the themes' mentions that are negative.
    """
    if score is None:
        return _negative_hierarchy(themes)
    overall = 0.0 if overall is None else overall
    table = themes[themes["responses"] > 0]
    nodes: dict[str, dict[str, Any]] = {
        "root": {"label": "All themes", "parent": "", "value": 0, "color": overall}
    }
    for row in table.to_dict("records"):
        parent = _parent_node(int(row["parent_id"]), str(row["parent_label"]))
        if parent not in nodes:
            group = str(row["parent_label"]) or f"Group {row['parent_id']}"
            nodes[parent] = {"label": _esc(group), "parent": "root", "value": 0, "color": None}
        nodes[f"t{row['theme_id']}"] = {
            "label": _esc(row["label"]), "parent": parent, "value": int(row["responses"]),
            "color": float(row["score"]) if pd.notna(row["score"]) else overall,
        }  # fmt: skip
    _group_colors(nodes, overall)
    ids = list(nodes)
    name = SCORE_NAMES[score]
    fig = go.Figure(
        go.Treemap(
            ids=ids, labels=[nodes[i]["label"] for i in ids],
            parents=[nodes[i]["parent"] for i in ids], values=[nodes[i]["value"] for i in ids],
            branchvalues="remainder", marker={
                "colors": [nodes[i]["color"] for i in ids], "colorscale": DIVERGING,
                "cmid": overall, "colorbar": {"title": {"text": f"{name} of<br>mentioners"},
                                              "thickness": 12}},
            texttemplate="<b>%{label}</b><br>%{value} responses",
            hovertemplate=f"<b>%{{label}}</b><br>%{{value}} responses<br>{name} %{{color:.1f}}"
            "<extra></extra>", tiling={"pad": 2}, root={"color": "#f3f4f6"},
        )
    )  # fmt: skip
    return _style(fig, 520, margin={"l": 10, "r": 10, "t": 10, "b": 10})


def _negative_hierarchy(themes: pd.DataFrame) -> go.Figure:
    """:func:`hierarchy_figure` coloured by the negative share of each theme's mentions."""
    table = themes[themes["responses"] > 0]
    negative = table["share_negative"].fillna(0.0) * table["mentions"]
    overall = float(negative.sum() / max(int(table["mentions"].sum()), 1)) * 100
    colored = table.assign(score=100 * table["share_negative"])
    fig = hierarchy_figure(colored, "nps", overall)
    fig.update_traces(
        marker={"colorscale": [[1 - cast(float, x), c] for x, c in DIVERGING[::-1]],
                "colorbar": {"title": {"text": "% negative<br>mentions"}, "thickness": 12}},
        hovertemplate="<b>%{label}</b><br>%{value} responses<br>%{color:.0f}% of mentions "
        "negative<extra></extra>",
    )  # fmt: skip
    return fig


def _group_colors(nodes: dict[str, dict[str, Any]], overall: float) -> None:
    """Colour each group by the response-weighted score of its children."""
    for key, node in nodes.items():
        if node["color"] is not None:
            continue
        kids = [n for n in nodes.values() if n["parent"] == key and n["value"]]
        weight = sum(n["value"] for n in kids)
        node["color"] = sum(n["value"] * n["color"] for n in kids) / weight if weight else overall


__all__ = [
    "SEGMENT_THEMES",
    "TOP_THEMES",
    "hierarchy_figure",
    "impact_figure",
    "score_trend_figure",
    "segment_figure",
    "segment_scores_figure",
    "theme_names",
    "trends_figure",
    "volume_figure",
]
