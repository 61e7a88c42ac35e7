"""Turn a run's tables and the library's metrics into the rows the endpoints return.

Everything here is a pure function of a :class:`analyzer.store.RunData` and the request's
filters; the routers only validate, call and page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from analyzer.errors import NotFoundError
from analyzer.metrics import (
    emerging_themes,
    pain_points,
    score_trend,
    theme_table,
    theme_trends,
)
from analyzer.metrics.scores import has_scores
from analyzer.metrics.summary import rated_kinds, scores_table
from analyzer.metrics.trends import span_freq
from analyzer.report.windows import Windows, find_windows
from analyzer.store import RunData
from api.filters import RunFilters

_THEME_META = ["theme_id", "keywords", "parent_id", "parent_label", "owner"]
_CLAIM_META = ["kind", "coverage", "lift"]
_TREND = ["score", "period", "period_start", "value", "ci_low", "ci_high", "n", "low_n"]


def aware_time(moment: datetime | None) -> datetime | None:
    """DuckDB's ``now()`` lands in a TIMESTAMP column in local time; say which zone that is.

    Accepts what a DuckDB row or a DataFrame cell holds (``datetime``, ``Timestamp``, ``NaT``).
    """
    if isinstance(moment, pd.Timestamp):
        moment = None if pd.isna(moment) else moment.to_pydatetime()
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.astimezone()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values, ``None`` for NaN / NA."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in plain.to_dict("records")]


def segment_values(data: RunData, most: int = 200) -> dict[str, list[str]]:
    """The distinct values of each segment column (at most ``most`` each), sorted."""
    out = {}
    for column in data.segments:
        values = data.responses[column].dropna().astype(str).unique().tolist()
        out[column] = sorted(values)[:most]
    return out


def run_freq(data: RunData) -> str:
    """The period every trend of the run is counted in: months, weeks or days, following the
    span of all its dates (as the report does), whatever the filters."""
    return span_freq(data.responses["date"])


def _emerging(data: RunData, filters: RunFilters) -> pd.DataFrame:
    """Emerging / fading themes over the filtered history (``since`` and ``until`` ignored)."""
    responses, mentions = filters.apply(data, dates=False)
    return emerging_themes(responses, mentions, data.themes, run_freq(data))


def _trends(data: RunData, filters: RunFilters) -> dict[int, str]:
    """Emerging / fading status per theme over the filtered history (``since`` ignored)."""
    table = _emerging(data, filters)
    return dict(zip(table["theme_id"].astype(int), table["status"], strict=True))


def _day(moment: pd.Timestamp | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d")


def windows_record(windows: Windows) -> dict[str, Any] | None:
    """The recent and baseline windows as the API shows them (None when there are not two)."""
    if not windows.compared or windows.last is None:
        return None
    assert windows.recent_start is not None and windows.baseline_start is not None
    return {
        "period": windows.period,
        "recent_start": _day(windows.recent_start),
        "recent_end": _day(windows.last),
        "baseline_start": _day(windows.baseline_start),
        "baseline_end": _day(windows.recent_start - pd.Timedelta(days=1)),
        "recent_label": windows.recent_label,
        "baseline_label": windows.baseline_label,
    }


def trend_context(data: RunData, filters: RunFilters, score: str) -> dict[str, Any]:
    """What the dashboard needs to word its figures: whether the filtered responses have
    ratings of ``score`` (no score figure is shown without them), what the pain points are
    ranked by, the period trends are counted in and the windows the trends compare."""
    responses, _ = filters.apply(data)
    history, _ = filters.apply(data, dates=False)
    scored = has_scores(responses, score)
    windows = find_windows(_emerging(data, filters), run_freq(data)).with_range(history)
    return {
        "score_available": scored,
        "ranked_by": "cost" if scored else "negative",
        "period": windows.period,
        "windows": windows_record(windows),
    }


def theme_rows(data: RunData, filters: RunFilters, score: str) -> list[dict[str, Any]]:
    """Every theme with volume, sentiment mix, score, impact and trend, most mentioned first."""
    responses, mentions = filters.apply(data)
    table = theme_table(responses, mentions, data.themes, score)
    claims = [c for c in _CLAIM_META if c in data.themes.columns]
    meta = data.themes[_THEME_META + claims].drop_duplicates("theme_id")
    table = table.merge(meta, on="theme_id", how="left")
    trends = _trends(data, filters)
    table["trend"] = [trends.get(int(t)) for t in table["theme_id"]]
    return records(table)


def _theme(data: RunData, theme_id: int) -> None:
    if theme_id not in set(data.themes["theme_id"].astype(int)) or theme_id < 0:
        raise NotFoundError(
            f"Run {data.run_id!r} has no theme {theme_id}; GET /v1/runs/{data.run_id}/themes "
            "lists its themes."
        )


def _examples(mentions: pd.DataFrame, theme_id: int, n: int) -> list[dict[str, Any]]:
    """Up to ``n`` distinct verbatims of the theme, most confidently assigned first."""
    rows = mentions[mentions["theme_id"] == theme_id]
    rows = rows.sort_values(["theme_confidence", "mention_id"], ascending=[False, True])
    rows = rows.assign(key=rows["text"].astype(str).str.lower().str.split().str.join(" "))
    rows = rows.drop_duplicates("key").head(n)
    rows = rows.rename(columns={"theme_confidence": "confidence"})
    cols = ["mention_id", "response_id", "text", "sentiment", "sentiment_score", "confidence"]
    return records(rows[cols])


def theme_detail(
    data: RunData,
    theme_id: int,
    filters: RunFilters,
    score: str,
    n_examples: int,
    rows: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One theme's figures, example verbatims and monthly trend (``rows``: the run's
    :func:`theme_rows` for the same filters and score, when already computed)."""
    _theme(data, theme_id)
    rows = theme_rows(data, filters, score) if rows is None else rows
    row = next(r for r in rows if r["theme_id"] == theme_id)
    responses, mentions = filters.apply(data)
    one = data.themes[data.themes["theme_id"] == theme_id]
    if responses["date"].notna().any():
        series = theme_trends(responses, mentions, one, run_freq(data), score)
        columns = ["period", "period_start", "n_commented", "responses", "share", "score"]
        series = series[[*columns, "score_n"]].assign(period_start=series["period_start"].dt.date)
    else:
        series = pd.DataFrame(columns=["period"])
    return {
        **row,
        "examples": _examples(mentions, theme_id, n_examples),
        "trend_series": records(series),
    }


def pain_point_rows(data: RunData, filters: RunFilters, score: str) -> list[dict[str, Any]]:
    """Themes with negative mentions, costliest first, or, without ratings of ``score``, most
    negative responses first (trends over the history before ``since``)."""
    responses, mentions = filters.apply(data, dates=False)
    table = pain_points(
        responses, mentions, data.themes, score, since=filters.since, freq=run_freq(data)
    )
    return records(table)


def score_figures(data: RunData, filters: RunFilters) -> dict[str, Any]:
    """Headline and secondary figures of every score with ratings, and each headline per period
    (months, weeks or days: :func:`run_freq`)."""
    responses, _ = filters.apply(data)
    figures = records(scores_table(responses))
    freq = run_freq(data)
    trends = [
        score_trend(responses, freq, kind).assign(score=kind) for kind in rated_kinds(responses)
    ]
    trend = pd.concat(trends, ignore_index=True) if trends else pd.DataFrame(columns=_TREND)
    trend["period_start"] = pd.to_datetime(trend["period_start"]).dt.date
    return {"data": figures, "count": len(figures), "trend": records(trend[_TREND])}


__all__ = [
    "aware_time",
    "pain_point_rows",
    "records",
    "run_freq",
    "score_figures",
    "segment_values",
    "theme_detail",
    "theme_rows",
    "trend_context",
    "windows_record",
]
