"""Scores, per-theme impact, key drivers, trends, segments and pain points.

Pure functions over the ``responses``, ``mentions`` and ``themes`` tables of
ARCHITECTURE.md, shared by the CLI, the report and the API. Tables come back as
DataFrames with documented columns, single figures as frozen dataclasses.

Conventions
-----------
* Missing scores are excluded; ``n`` columns say how many responses counted.
* Unassigned mentions (``theme_id == -1``) never enter a per-theme table, and a
  response that mentions a theme twice counts once for that theme.
* ``low_n`` flags figures based on fewer than :data:`MIN_N` (30) responses.
* Intervals are 95 %: normal for NPS, Wilson for shares, Student t for means.
"""

from analyzer.metrics.drivers import key_drivers, relative_weights
from analyzer.metrics.filters import SCORE_BANDS, filter_responses
from analyzer.metrics.impact import theme_metrics, theme_table
from analyzer.metrics.painpoints import pain_points
from analyzer.metrics.scores import (
    MIN_N,
    SCORE_KINDS,
    Estimate,
    ScoreSummary,
    ces,
    csat,
    metric_summary,
    nps,
    score,
)
from analyzer.metrics.segments import segment_table
from analyzer.metrics.trends import emerging_themes, score_trend, theme_trends

__all__ = [
    "MIN_N",
    "SCORE_BANDS",
    "SCORE_KINDS",
    "Estimate",
    "ScoreSummary",
    "ces",
    "csat",
    "emerging_themes",
    "filter_responses",
    "key_drivers",
    "metric_summary",
    "nps",
    "pain_points",
    "relative_weights",
    "score",
    "score_trend",
    "segment_table",
    "theme_metrics",
    "theme_table",
    "theme_trends",
]
