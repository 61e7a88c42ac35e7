"""The "What changed" callout at the top of the report: the fastest-growing theme, the top
pain point and the headline score in the recent window against the baseline.

Each note holds figures only where the run has them: without ratings of the report's score
there is no score note, the pain point is the theme most responses mention negatively and
the emerging theme's cost is NaN (the page then shows its negative share instead).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analyzer import metrics
from analyzer.metrics.scores import has_scores, headline_estimate, score_values
from analyzer.report.windows import Windows
from analyzer.store import RunData


def owner_name(value: Any) -> str | None:
    """An owner cell as text, None when unset (None, NaN, NA or "")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value) or None


@dataclass(frozen=True)
class EmergingNote:
    """The top emerging theme: its share in the recent and baseline windows and its cost.

    ``impact`` and ``recent_impact`` are NaN without scores; ``share_negative`` is the
    share of its mentions that are negative.
    """

    theme_id: int
    label: str
    recent_share: float
    baseline_share: float
    impact: float
    recent_impact: float
    owner: str | None
    share_negative: float = math.nan


@dataclass(frozen=True)
class PainNote:
    """The top pain point: rank 1 of :func:`analyzer.metrics.pain_points`.

    With scores, the theme whose negative mentions cost the most score points (``cost``);
    without them (``cost`` NaN), the theme most responses mention negatively. ``recent_share``
    and ``baseline_share`` are the shares of commented responses with a negative mention of
    it in the two windows (NaN without windows); ``growing`` says that the theme or its
    negative mentions emerged.
    """

    theme_id: int
    label: str
    cost: float
    n_negative: int
    owner: str | None
    trend: str | None
    example: str | None
    share_negative: float = math.nan
    recent_share: float = math.nan
    baseline_share: float = math.nan
    growing: bool = False


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


def _window_estimates(
    responses: pd.DataFrame, windows: Windows, kind: str
) -> tuple[metrics.Estimate | None, metrics.Estimate | None]:
    """The headline in the recent window and the baseline; None unless both have ratings."""
    if not windows.compared:
        return None, None
    values = score_values(responses, kind)
    recent, baseline = windows.masks(responses)
    pair = headline_estimate(values[recent], kind), headline_estimate(values[baseline], kind)
    if any(est.n == 0 or math.isnan(est.value) for est in pair):
        return None, None
    return pair


def _emerging_note(
    run: RunData, kind: str, table: pd.DataFrame, emerging: pd.DataFrame, windows: Windows
) -> EmergingNote | None:
    rising = emerging[emerging["status"] == "emerging"]
    if rising.empty or windows.recent_start is None:
        return None
    top = rising.iloc[0]
    tid = int(top["theme_id"])
    row = table[table["theme_id"] == tid].iloc[0]
    recent_impact = math.nan
    if has_scores(run.responses, kind):
        recent = run.responses[windows.masks(run.responses)[0]]
        one = run.themes[run.themes["theme_id"] == tid]
        recent_impact = float(
            metrics.theme_table(recent, run.mentions, one, kind)["impact"].iloc[0]
        )
    return EmergingNote(
        theme_id=tid,
        label=str(top["label"]),
        recent_share=float(top["recent_share"]),
        baseline_share=float(top["baseline_share"]),
        impact=float(row["impact"]),
        recent_impact=recent_impact,
        owner=row["owner"],
        share_negative=float(row["share_negative"]),
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
        owner=owner_name(top["owner"]),
        trend=None if top["trend"] is None else str(top["trend"]),
        example=str(examples[0]) if examples else None,
        share_negative=float(top["share_negative"]),
        recent_share=float(top["negative_recent_share"]),
        baseline_share=float(top["negative_baseline_share"]),
        growing="emerging" in (top["trend"], top["negative_trend"]),
    )


def what_changed(
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


__all__ = [
    "EmergingNote",
    "PainNote",
    "WhatChanged",
    "owner_name",
    "readable_first",
    "what_changed",
]
