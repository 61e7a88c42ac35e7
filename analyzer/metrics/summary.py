"""The tables a reader of a run wants, computed once from the metrics functions.

Used by ``cxa report-table`` and ``cxa analyze``; the report and the API call the same
metrics functions, so every surface shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analyzer import metrics
from analyzer.errors import ColumnError
from analyzer.metrics.scores import check_kind, has_scores, with_score_columns
from analyzer.metrics.trends import span_freq
from analyzer.store import RunData

TABLES = ("scores", "themes", "pain_points", "emerging", "drivers", "segments")


@dataclass(frozen=True)
class Filters:
    """Which responses a summary covers (all when every field is ``None``)."""

    since: Any = None
    until: Any = None
    segment: dict[str, str] | None = None
    score_band: str | None = None


def scores_table(responses: pd.DataFrame) -> pd.DataFrame:
    """Headline and secondary figure of NPS, CSAT and CES with 95% intervals and n.

    Only the kinds with at least one rating: an export without a score (or whose filtered
    responses have none) gets no row for it rather than an empty figure with ``n == 0``.
    """
    rows = []
    for kind in rated_kinds(responses):
        summary = metrics.score(responses, kind)
        for est in (summary.headline, summary.secondary):
            rows.append(
                {
                    "score": kind,
                    "figure": est.name,
                    "value": est.value,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "n": est.n,
                    "method": est.method,
                    "low_n": est.low_n,
                }
            )
    columns = ["score", "figure", "value", "ci_low", "ci_high", "n", "method", "low_n"]
    return pd.DataFrame(rows, columns=columns)


def rated_kinds(responses: pd.DataFrame) -> list[str]:
    """The score kinds of :data:`analyzer.metrics.SCORE_KINDS` with at least one rating."""
    return [kind for kind in metrics.SCORE_KINDS if has_scores(responses, kind)]


def summarize(
    run: RunData,
    *,
    score: str = "nps",
    segment: str | None = None,
    filters: Filters | None = None,
) -> dict[str, pd.DataFrame]:
    """Every summary table of ``run``: keys are :data:`TABLES` (``segments`` only with one).

    Parameters
    ----------
    run : RunData
        A stored run.
    score : {"nps", "csat", "ces"}
        The score that impact, drivers and pain points are measured on.
    segment : str, optional
        A segment column for the segment comparison.
    filters : Filters, optional
        Restrict every table to some responses.

    Emerging themes and the pain points' trends are counted in the period that follows the
    run's span (months, weeks or days: :func:`analyzer.metrics.trends.span_freq`); without
    ratings of ``score`` the pain points are ranked by their negative mentions.
    """
    check_kind(score)
    filters = filters or Filters()
    responses, mentions = metrics.filter_responses(
        run.responses,
        run.mentions,
        since=filters.since,
        until=filters.until,
        segment=filters.segment,
        score_band=filters.score_band,
    )
    themes = run.themes
    responses = with_score_columns(responses)
    freq = span_freq(run.responses["date"]) if "date" in run.responses else "M"
    out = {
        "scores": scores_table(responses),
        "themes": metrics.theme_table(responses, mentions, themes, score),
        "pain_points": metrics.pain_points(responses, mentions, themes, score, freq=freq),
        "emerging": metrics.emerging_themes(responses, mentions, themes, freq),
        "drivers": metrics.key_drivers(responses, mentions, themes, score),
    }
    if segment is not None:
        if segment not in run.segments:
            raise ColumnError(
                f"No segment column {segment!r} in run {run.run_id}. "
                f"Segment columns: {', '.join(run.segments) or 'none'}."
            )
        out["segments"] = metrics.segment_table(responses, mentions, themes, segment, score)
    return out


__all__ = ["TABLES", "Filters", "rated_kinds", "scores_table", "summarize"]
