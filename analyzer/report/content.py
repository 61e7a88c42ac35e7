"""The numbers behind the theme report: every table that a chart, a callout or an export shows.

:func:`report_content` turns a stored run into a :class:`ReportContent` with plain pandas on
top of :mod:`analyzer.metrics`; nothing here knows about HTML or plotly, so the figures and
the page can change without touching the figures' definitions.

Each theme's drill-down (:class:`ThemeDetail`, its verbatims) is picked in
:mod:`analyzer.report.drilldown`; its public names are re-exported here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer import metrics
from analyzer.metrics import ScoreSummary
from analyzer.metrics._tables import commented
from analyzer.metrics.scores import check_kind, headline_estimate, score_values
from analyzer.metrics.trends import EMERGING_COLUMNS
from analyzer.report._windows import Windows, find_windows
from analyzer.report.drilldown import N_VERBATIMS, ThemeDetail, Verbatim, theme_details
from analyzer.store import RunData
from analyzer.themes.model import NO_TOPIC


@dataclass(frozen=True)
class EmergingNote:
    """The top emerging theme: its share in the recent and baseline windows and its cost."""

    theme_id: int
    label: str
    recent_share: float
    baseline_share: float
    impact: float
    recent_impact: float
    owner: str | None


@dataclass(frozen=True)
class PainNote:
    """The top pain point: the theme whose negative mentions cost the most score points."""

    theme_id: int
    label: str
    cost: float
    n_negative: int
    owner: str | None
    trend: str | None
    example: str | None


@dataclass(frozen=True)
class WhatChanged:
    """The callout at the top of the report.

    Attributes
    ----------
    emerging : EmergingNote or None
        The emerging theme with the largest z (None when no theme emerged).
    pain : PainNote or None
        Rank 1 of :func:`analyzer.metrics.pain_points`.
    recent, baseline : Estimate or None
        Headline score in the recent window and the baseline (None without dates).
    emerging_labels, fading_labels : list of str
        Every emerging / fading theme, strongest change first.
    """

    emerging: EmergingNote | None
    pain: PainNote | None
    recent: metrics.Estimate | None
    baseline: metrics.Estimate | None
    emerging_labels: list[str] = field(default_factory=list)
    fading_labels: list[str] = field(default_factory=list)


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


def _scores(responses: pd.DataFrame) -> dict[str, ScoreSummary]:
    """Summary of each score kind that has at least one rating."""
    out = {}
    for kind in metrics.SCORE_KINDS:
        if kind in responses.columns and responses[kind].notna().any():
            out[kind] = metrics.score(responses, kind)
    return out


def _score_trend(responses: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """Monthly headline of each kind, long format with a ``score`` column first."""
    parts = [metrics.score_trend(responses, "M", k).assign(score=k) for k in kinds]
    if not parts or "date" not in responses.columns:
        return pd.DataFrame(columns=["score", "period", "period_start", "value", "n"])
    table = pd.concat(parts, ignore_index=True)
    return table.loc[:, ["score", *[c for c in table.columns if c != "score"]]]


def _owner(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value) or None


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
    table["owner"] = pd.Series([_owner(extra[t]["owner"]) for t in ids], table.index, object)
    table["keywords"] = [[str(k) for k in extra[t]["keywords"]] for t in ids]
    status = dict(zip(emerging["theme_id"].tolist(), emerging["status"].tolist(), strict=True))
    table["status"] = [status.get(t, "insufficient_data") for t in ids]
    return table, themes


def _text(value: Any) -> str:
    return "" if _owner(value) is None else str(value)


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


def _window_estimates(
    responses: pd.DataFrame, windows: Windows, kind: str
) -> tuple[metrics.Estimate | None, metrics.Estimate | None]:
    if windows.recent_start is None:
        return None, None
    values = score_values(responses, kind)
    recent, baseline = windows.masks(responses)
    return headline_estimate(values[recent], kind), headline_estimate(values[baseline], kind)


def _emerging_note(
    run: RunData, kind: str, table: pd.DataFrame, emerging: pd.DataFrame, windows: Windows
) -> EmergingNote | None:
    rising = emerging[emerging["status"] == "emerging"]
    if rising.empty or windows.recent_start is None:
        return None
    top = rising.iloc[0]
    tid = int(top["theme_id"])
    recent = run.responses[windows.masks(run.responses)[0]]
    recent_table = metrics.theme_table(recent, run.mentions, run.themes, kind)
    row = table[table["theme_id"] == tid].iloc[0]
    return EmergingNote(
        theme_id=tid,
        label=str(top["label"]),
        recent_share=float(top["recent_share"]),
        baseline_share=float(top["baseline_share"]),
        impact=float(row["impact"]),
        recent_impact=float(recent_table.loc[recent_table["theme_id"] == tid, "impact"].iloc[0]),
        owner=row["owner"],
    )


_WORD = re.compile(r"[^\W\d_]{2,}")


def readable_first(texts: list[str]) -> list[str]:
    """``texts`` with those of at least two words first (not an emoji or "n/a" on top)."""
    return sorted(texts, key=lambda t: len(_WORD.findall(str(t))) < 2)


def _pain_note(pain: pd.DataFrame) -> PainNote | None:
    if pain.empty:
        return None
    top = pain.iloc[0]
    examples = readable_first([str(e) for e in top["examples"]])
    return PainNote(
        theme_id=int(top["theme_id"]),
        label=str(top["label"]),
        cost=float(top["cost"]),
        n_negative=int(top["n_negative"]),
        owner=_owner(top["owner"]),
        trend=None if top["trend"] is None else str(top["trend"]),
        example=str(examples[0]) if examples else None,
    )


def _what_changed(
    run: RunData, kind: str, frames: dict[str, pd.DataFrame], windows: Windows
) -> WhatChanged:
    emerging = frames["emerging"]
    recent, baseline = _window_estimates(run.responses, windows, kind)
    return WhatChanged(
        emerging=_emerging_note(run, kind, frames["themes"], emerging, windows),
        pain=_pain_note(frames["pain_points"]),
        recent=recent,
        baseline=baseline,
        emerging_labels=list(emerging.loc[emerging["status"] == "emerging", "label"]),
        fading_labels=list(emerging.loc[emerging["status"] == "fading", "label"][::-1]),
    )


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
    of_theme = dict(zip(themes["theme_id"].astype(int), top.tolist(), strict=True))
    mentions = run.mentions.copy()
    mentions["theme_id"] = [of_theme.get(int(t), -1) for t in mentions["theme_id"]]
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


def _time_tables(run: RunData, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Emerging / fading themes and the monthly share of each theme (empty without dates)."""
    if "date" not in run.responses.columns or run.responses["date"].isna().all():
        return _empty_emerging(run.themes), pd.DataFrame(columns=["period", "theme_id", "share"])
    themes = run.themes[run.themes["theme_id"] >= 0]
    emerging = metrics.emerging_themes(run.responses, run.mentions, themes, "M")
    trends = metrics.theme_trends(run.responses, run.mentions, themes, "M", kind)
    return emerging, trends


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

    run = replace(run, themes=mark_labels(run.themes, run.mentions))  # "mise jour [fr]"
    emerging, trends = _time_tables(run, score)
    table, themes = _catalogue(run, score, emerging)
    segment = _segment(run)
    frames = {
        "themes": table,
        "emerging": emerging,
        "pain_points": metrics.pain_points(run.responses, run.mentions, themes, score),
    }
    windows = find_windows(emerging)
    scores = _scores(run.responses)
    meta = run.meta or {}
    agreement, overall = _sentiment_agreement(run, score, table)
    return ReportContent(
        run_id=run.run_id,
        source=Path(str(meta.get("source") or "")).name,
        created=_date_text(meta.get("created_at")),
        score=score,
        n_responses=len(run.responses),
        n_commented=int(np.sum(commented(run.responses, run.mentions))),
        n_mentions=int((run.mentions["theme_id"] >= 0).sum()),
        n_all_mentions=len(run.mentions),
        n_no_topic=int((run.mentions["theme_id"] == NO_TOPIC).sum()),
        n_unassigned=int((run.mentions["theme_id"] == -1).sum()),
        windows=windows.with_range(run.responses),
        scores=scores,
        score_trend=_score_trend(run.responses, list(scores)),
        themes=table,
        top_level=_top_level(run, score),
        emerging=emerging,
        theme_trends=trends,
        segment=segment,
        segment_scores=_segment_scores(run.responses, segment, score),
        segments=_segment_table(run, themes, segment, score),
        pain_points=frames["pain_points"],
        details=theme_details(run, score, table),
        changed=_what_changed(run, score, frames, windows),
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
