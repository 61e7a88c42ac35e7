"""The per-theme table within each value of a segment column, compared with the rest.

For segment value ``v`` of column ``segment``, *the segment* is the responses
with that value and *the rest* the responses with another, known value
(responses whose segment is missing are in neither). For every theme:

* share test: pooled two-proportion z-test of the theme's share of commented
  responses in the segment against the rest;
* score test: difference between the headline score of the theme's mentioners
  in the segment and of its mentioners in the rest, with a normal 95 % interval
  ``diff +- 1.96 sqrt(se_segment² + se_rest²)`` (standard errors as in
  :func:`analyzer.metrics.scores.headline_se`) and its two-sided p-value.

Many tests are run at once (segment values x themes x 2), so all the p-values
of the table form one family and are adjusted with Benjamini-Hochberg; the
``*_significant`` flags use the adjusted ``q`` values, not the raw ``p``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.metrics._stats import Z95, benjamini_hochberg, normal_p, two_proportion_z
from analyzer.metrics._tables import (
    check_tables,
    commented,
    membership,
    positions_by_theme,
    require_columns,
)
from analyzer.metrics.impact import theme_table
from analyzer.metrics.scores import MIN_N, check_kind, headline_estimate, headline_se, ratings

COMPARISON_COLUMNS: tuple[str, ...] = (
    "rest_share",
    "share_diff",
    "share_z",
    "share_p",
    "share_q",
    "share_significant",
    "rest_score",
    "rest_score_n",
    "score_diff",
    "score_diff_ci_low",
    "score_diff_ci_high",
    "score_p",
    "score_q",
    "score_significant",
)


class _Group:
    """Commented count, scores and theme positions of one group of responses."""

    def __init__(
        self, responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame, kind: str
    ):
        self.n_commented = int(commented(responses, mentions).sum())
        self.values = ratings(responses, kind)
        self.positions = positions_by_theme(membership(responses, mentions, themes))
        self.kind = kind

    def theme(self, theme_id: int) -> tuple[int, np.ndarray]:
        pos = self.positions.get(theme_id, np.array([], dtype="int64"))
        return pos.size, self.values[pos]


def _compare(seg: _Group, rest: _Group, theme_id: int) -> dict[str, float]:
    x1, v1 = seg.theme(theme_id)
    x0, v0 = rest.theme(theme_id)
    z, p = two_proportion_z(x1, seg.n_commented, x0, rest.n_commented)
    share1 = x1 / seg.n_commented if seg.n_commented else math.nan
    share0 = x0 / rest.n_commented if rest.n_commented else math.nan
    est1, est0 = headline_estimate(v1, seg.kind), headline_estimate(v0, seg.kind)
    diff = est1.value - est0.value
    se = math.sqrt(headline_se(v1, seg.kind) ** 2 + headline_se(v0, seg.kind) ** 2)
    return {
        "rest_share": share0,
        "share_diff": share1 - share0,
        "share_z": z,
        "share_p": p,
        "rest_score": est0.value,
        "rest_score_n": est0.n,
        "score_diff": diff,
        "score_diff_ci_low": diff - Z95 * se,
        "score_diff_ci_high": diff + Z95 * se,
        "score_p": normal_p(diff, se),
    }


def _one_value(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    in_segment: np.ndarray,
    known: np.ndarray,
    score: str,
    min_n: int,
) -> pd.DataFrame:
    inside, outside = responses[in_segment], responses[known & ~in_segment]
    table = theme_table(inside, mentions, themes, score, min_n=min_n)
    seg, rest = _Group(inside, mentions, themes, score), _Group(outside, mentions, themes, score)
    comparison = pd.DataFrame([_compare(seg, rest, int(t)) for t in table["theme_id"]])
    table = pd.concat([table, comparison.set_axis(table.index)], axis=1)
    table["low_n"] = table["low_n"] | (table["rest_score_n"] < min_n)
    return table


def segment_table(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    segment: str = "channel",
    score: str = "nps",
    *,
    alpha: float = 0.05,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Per-theme table for every value of ``segment``, with tests against the rest.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md.
    segment : str
        A segment column of ``responses`` (e.g. ``channel``, ``region``, ``plan``).
    score : {"nps", "csat", "ces"}
    alpha : float
        False-discovery rate for the ``*_significant`` flags.
    min_n : int
        ``low_n`` threshold.

    Returns
    -------
    DataFrame
        ``segment`` (the column name), ``segment_value``, then the columns of
        :func:`analyzer.metrics.impact.theme_table` computed within the segment
        (``share``, ``score``, ``impact``... of the segment's responses), then
        :data:`COMPARISON_COLUMNS` (see the module docstring; ``*_q`` are the
        Benjamini-Hochberg adjusted p-values, ``*_significant`` is ``q < alpha``).
        ``low_n`` is also True when the rest has fewer than ``min_n`` scored
        mentioners. Sorted by ``segment_value`` then as ``theme_table``.

    Raises
    ------
    ColumnError
        If ``segment`` is not a column of ``responses``.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    require_columns(responses, [segment], "responses")
    known = responses[segment].notna().to_numpy()
    values = sorted(responses.loc[known, segment].astype(str).unique())
    labels = responses[segment].astype(str).to_numpy()
    parts = []
    for value in values:
        part = _one_value(
            responses, mentions, themes, known & (labels == value), known, score, min_n
        )
        parts.append(part.assign(segment=segment, segment_value=value))
    if not parts:
        return pd.DataFrame(columns=["segment", "segment_value", *COMPARISON_COLUMNS])
    table = pd.concat(parts, ignore_index=True)
    q = benjamini_hochberg(np.concatenate([table["share_p"], table["score_p"]]))
    table["share_q"], table["score_q"] = q[: len(table)], q[len(table) :]
    table["share_significant"] = table["share_q"] < alpha
    table["score_significant"] = table["score_q"] < alpha
    front = ["segment", "segment_value"]
    base = [c for c in table.columns if c not in front and c not in COMPARISON_COLUMNS]
    return table.loc[:, [*front, *base, *COMPARISON_COLUMNS]]
