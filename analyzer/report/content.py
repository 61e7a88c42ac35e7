"""The numbers behind the theme report: every table that a chart, a callout or an export shows.

:func:`report_content` turns a stored run into a :class:`ReportContent` with plain pandas on
top of :mod:`analyzer.metrics`; nothing here knows about HTML or plotly, so the figures and
the page can change without touching the figures' definitions.

Each theme's drill-down (:class:`ThemeDetail`, its verbatims) is picked in
:mod:`analyzer.report.drilldown` and the "What changed" callout built in
:mod:`analyzer.report.changed`; their public names are re-exported here.

Every table follows the run's span: trends and windows are counted in months, weeks or days
(:func:`analyzer.metrics.trends.span_freq`), and a run without ratings of the report's score
(or without its column) gets NaN score figures, which the page leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from analyzer import metrics
from analyzer.metrics import ScoreSummary
from analyzer.metrics._tables import commented
from analyzer.metrics.scores import (
    check_kind,
    headline_estimate,
    score_values,
    with_score_columns,
)
from analyzer.metrics.trends import EMERGING_COLUMNS, span_freq
from analyzer.report.changed import (
    EmergingNote,
    PainNote,
    WhatChanged,
    owner_name,
    what_changed,
)
from analyzer.report.drilldown import N_VERBATIMS, ThemeDetail, Verbatim, theme_details
from analyzer.report.windows import Windows, find_windows
from analyzer.store import RunData
from analyzer.text.redact import redact_file_name
from analyzer.themes.model import NO_TOPIC


@dataclass
class ReportContent:
    """Every table and figure behind the report of one run (see :func:`report_content`)."""

    run_id: str
    source: str
    created: str
    score: str
    n_responses: int
    n_commented: int
    n_mentions: int
    n_all_mentions: int
    n_no_topic: int
    n_unassigned: int
    windows: Windows
    scores: dict[str, ScoreSummary]
    score_trend: pd.DataFrame
    themes: pd.DataFrame
    top_level: pd.DataFrame
    emerging: pd.DataFrame
    theme_trends: pd.DataFrame
    segment: str | None
    segment_scores: pd.DataFrame
    segments: pd.DataFrame
    pain_points: pd.DataFrame
    details: list[ThemeDetail]
    changed: WhatChanged
    sentiment_agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    overall_agreement: dict[str, Any] = field(default_factory=dict)
    languages: list[tuple[str, int]] = field(default_factory=list)
    fit_sample: dict[str, Any] = field(default_factory=dict)
    """The run's ``info["fit_sample"]`` when its themes were fitted on a sample."""

    @property
    def has_score(self) -> bool:
        """Whether the run has ratings of ``score``: without them no score figure is shown,
        and pain points are ranked by their negative mentions."""
        return self.score in self.scores


def _scores(responses: pd.DataFrame) -> dict[str, ScoreSummary]:
    """Summary of each score kind that has at least one rating."""
    out = {}
    for kind in metrics.SCORE_KINDS:
        if kind in responses.columns and responses[kind].notna().any():
            out[kind] = metrics.score(responses, kind)
    return out


def _score_trend(responses: pd.DataFrame, kinds: list[str], freq: str) -> pd.DataFrame:
    """Headline of each kind per period, long format with a ``score`` column first."""
    parts = [metrics.score_trend(responses, freq, k).assign(score=k) for k in kinds]
    if not parts or "date" not in responses.columns:
        return pd.DataFrame(columns=["score", "period", "period_start", "value", "n"])
    table = pd.concat(parts, ignore_index=True)
    return table.loc[:, ["score", *[c for c in table.columns if c != "score"]]]


def _catalogue(
    run: RunData, kind: str, emerging: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The theme table joined with owner, keywords, parent and trend status; and the themes."""
    themes = run.themes[run.themes["theme_id"] >= 0].drop_duplicates("theme_id")
    table = metrics.theme_table(run.responses, run.mentions, themes, kind)
    extra = {int(r["theme_id"]): r for r in themes.to_dict("records")}
    ids = [int(t) for t in table["theme_id"]]
    table["parent_id"] = [int(extra[t]["parent_id"]) for t in ids]
    table["parent_label"] = [_text(extra[t]["parent_label"]) for t in ids]
    table["owner"] = pd.Series([owner_name(extra[t]["owner"]) for t in ids], table.index, object)
    table["keywords"] = [[str(k) for k in extra[t]["keywords"]] for t in ids]
    status = dict(zip(emerging["theme_id"].tolist(), emerging["status"].tolist(), strict=True))
    table["status"] = [status.get(t, "insufficient_data") for t in ids]
    return table, themes


def _text(value: Any) -> str:
    return "" if owner_name(value) is None else str(value)


def _segment(run: RunData) -> str | None:
    """The first segment column with at least two known values."""
    for name in run.segments:
        if name in run.responses.columns and run.responses[name].dropna().nunique() >= 2:
            return name
    return None


def _segment_scores(responses: pd.DataFrame, segment: str | None, kind: str) -> pd.DataFrame:
    """Headline score per value of ``segment`` with its interval and n."""
    columns = ["segment", "segment_value", "score", "value", "ci_low", "ci_high", "n"]
    if segment is None:
        return pd.DataFrame(columns=columns)
    labels = responses[segment].astype("string")
    values = score_values(responses, kind)
    rows = []
    for value in sorted(labels.dropna().unique()):
        est = headline_estimate(values[(labels == value).fillna(False).to_numpy()], kind)
        rows.append((segment, str(value), kind, est.value, est.ci_low, est.ci_high, est.n))
    return pd.DataFrame(rows, columns=columns)


def _segment_table(
    run: RunData, themes: pd.DataFrame, segment: str | None, kind: str
) -> pd.DataFrame:
    if segment is None:
        return pd.DataFrame(columns=["segment", "segment_value", "theme_id", "label", "share"])
    return metrics.segment_table(run.responses, run.mentions, themes, segment, kind)


def _top_level(run: RunData, kind: str) -> pd.DataFrame:
    """The theme table of the top-level themes: what the report leads with.

    Each mention counts for its theme's parent (``theme_id`` is the parent id, ``label``
    the parent label, ``children`` its number of themes); a theme without a parent is its
    own top-level entry (numbered after the parents).
    """
    themes = run.themes[run.themes["theme_id"] >= 0].drop_duplicates("theme_id")
    if themes.empty:
        return metrics.theme_table(run.responses, run.mentions, themes, kind)
    parent = themes["parent_id"].astype(int).to_numpy()
    top = parent.copy()
    orphans = np.flatnonzero(parent < 0)
    top[orphans] = max(int(parent.max()), -1) + 1 + np.arange(len(orphans))
    label = np.where(parent >= 0, themes["parent_label"].astype(str), themes["label"].astype(str))
    groups = pd.DataFrame({"top": top, "label": label, "size": themes["size"].to_numpy()})
    rows = groups.groupby("top", sort=True).agg(
        label=("label", "first"), size=("size", "sum"), children=("label", "size")
    )
    of_theme = pd.Series(top, index=themes["theme_id"].astype("int64").to_numpy())
    mentions = run.mentions.copy()
    mapped = mentions["theme_id"].astype("int64").map(of_theme)
    mentions["theme_id"] = mapped.fillna(-1).astype("int64")
    table = metrics.theme_table(
        run.responses,
        mentions,
        pd.DataFrame(
            {
                "theme_id": rows.index.astype("int64"),
                "label": rows["label"].to_numpy(),
                "keywords": [[] for _ in range(len(rows))],
                "parent_id": -1,
                "parent_label": "",
                "size": rows["size"].astype("int64").to_numpy(),
                "examples": [[] for _ in range(len(rows))],
                "owner": None,
            }
        ),
        kind,
    )
    table["children"] = table["theme_id"].map(rows["children"]).astype("int64")
    return table


def _empty_emerging(themes: pd.DataFrame) -> pd.DataFrame:
    rows = themes.loc[:, ["theme_id", "label"]].assign(status="insufficient_data")
    return rows.reindex(columns=list(EMERGING_COLUMNS))


def _with_columns(responses: pd.DataFrame) -> pd.DataFrame:
    """``responses`` with the columns every stored run has: a score column without ratings
    for each kind the table lacks, and ``date`` (NaT) when it has none."""
    out = with_score_columns(responses)
    return (
        out
        if "date" in out.columns
        else out.assign(date=pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]"))
    )


def _freq(run: RunData) -> str:
    """The period that follows the run's span: months, weeks or days (months without dates)."""
    if "date" not in run.responses.columns:
        return "M"
    return span_freq(run.responses["date"])


def _time_tables(run: RunData, kind: str, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Emerging / fading themes and each theme's share per period (empty without dates)."""
    if "date" not in run.responses.columns or run.responses["date"].isna().all():
        return _empty_emerging(run.themes), pd.DataFrame(columns=["period", "theme_id", "share"])
    themes = run.themes[run.themes["theme_id"] >= 0]
    emerging = metrics.emerging_themes(run.responses, run.mentions, themes, freq)
    trends = metrics.theme_trends(run.responses, run.mentions, themes, freq, kind)
    return emerging, trends


def _n_mentions(mentions: pd.DataFrame, mask: pd.Series | None = None) -> int:
    """Mentions in ``mentions[mask]``, each counted once even when it carries several
    themes (one row per theme, same ``mention_id``)."""
    rows = mentions if mask is None else mentions[mask]
    return int(rows["mention_id"].nunique()) if "mention_id" in rows else len(rows)


def report_content(run: RunData, score: str = "nps") -> ReportContent:
    """Compute every table of the report of ``run``.

    Parameters
    ----------
    run : RunData
        A stored run (:meth:`analyzer.store.Store.load_run`).
    score : {"nps", "csat", "ces"}
        The score that impacts, theme scores and segment scores use.

    Returns
    -------
    ReportContent
        Tables keep the columns of :mod:`analyzer.metrics`; ``themes`` is the theme
        table plus ``parent_id``, ``parent_label``, ``owner``, ``keywords`` and the
        emerging ``status``.
    """
    check_kind(score)
    from analyzer.multilingual.labels import language_mix, mark_labels

    run = replace(
        run,
        responses=_with_columns(run.responses),
        themes=mark_labels(run.themes, run.mentions),  # "mise jour [fr]"
    )
    freq = _freq(run)
    emerging, trends = _time_tables(run, score, freq)
    table, themes = _catalogue(run, score, emerging)
    segment = _segment(run)
    frames = {
        "themes": table,
        "emerging": emerging,
        "pain_points": metrics.pain_points(run.responses, run.mentions, themes, score, freq=freq),
    }
    windows = find_windows(emerging, freq).with_range(run.responses)
    scores = _scores(run.responses)
    meta = run.meta or {}
    agreement, overall = _sentiment_agreement(run, score, table)
    return ReportContent(
        run_id=run.run_id,
        source=redact_file_name(str(meta.get("source") or "")),
        created=_date_text(meta.get("created_at")),
        score=score,
        n_responses=len(run.responses),
        n_commented=int(np.sum(commented(run.responses, run.mentions))),
        n_mentions=_n_mentions(run.mentions, run.mentions["theme_id"] >= 0),
        n_all_mentions=_n_mentions(run.mentions),
        n_no_topic=int((run.mentions["theme_id"] == NO_TOPIC).sum()),
        n_unassigned=int((run.mentions["theme_id"] == -1).sum()),
        windows=windows,
        scores=scores,
        score_trend=_score_trend(run.responses, list(scores), freq),
        themes=table,
        top_level=_top_level(run, score),
        emerging=emerging,
        theme_trends=trends,
        segment=segment,
        segment_scores=_segment_scores(run.responses, segment, score),
        segments=_segment_table(run, themes, segment, score),
        pain_points=frames["pain_points"],
        details=theme_details(run, score, table),
        changed=what_changed(run, score, frames, windows),
        sentiment_agreement=agreement,
        overall_agreement=overall,
        languages=language_mix(run.responses, run.mentions),
        fit_sample=dict((meta.get("info") or {}).get("fit_sample") or {}),
    )


def _sentiment_agreement(
    run: RunData, score: str, themes: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-theme agreement of mention sentiment with ``score`` (NPS or CSAT; else NPS).

    Returns the per-theme table (with ``label``) and the run-level figures for the same
    metric (the outer bands of :func:`analyzer.sentiment.agreement_with_scores`).
    """
    from analyzer.sentiment.agreement import BANDS, agreement_by_theme, agreement_with_scores

    metric = score if score in BANDS else "nps"
    if metric not in run.responses.columns or run.mentions.empty:
        return pd.DataFrame(), {}
    table = agreement_by_theme(run.mentions, run.responses, metric)
    labels = dict(zip(themes["theme_id"].astype("int64"), themes["label"], strict=True))
    table.insert(1, "label", table["theme_id"].map(labels).fillna("").astype(str))
    bands = agreement_with_scores(run.mentions, run.responses).get(metric, {})
    outer = [b for b in bands.values() if "agree" in b]
    n = sum(b["n"] for b in outer)
    overall = {"metric": metric, "n": n}
    if n:
        overall["agreement"] = sum(b["agree"] for b in outer) / n
        overall["disagreement"] = sum(b["disagree"] for b in outer) / n
    return table, overall


def _date_text(value: Any) -> str:
    if value is None or value is pd.NaT:
        return ""
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(value)


__all__ = [
    "N_VERBATIMS",
    "EmergingNote",
    "PainNote",
    "ReportContent",
    "ThemeDetail",
    "Verbatim",
    "WhatChanged",
    "report_content",
]
