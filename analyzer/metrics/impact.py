"""Per-theme table: volume, sentiment mix, score of mentioners and leave-one-out impact.

Definitions (used consistently by every module of :mod:`analyzer.metrics`):

* ``S(X)`` is the headline score (see :mod:`analyzer.metrics.scores`) over the
  responses in ``X`` that have a score; ``A`` is all responses passed in.
* ``M_t``: responses with at least one mention of theme ``t`` (a response that
  mentions a theme twice counts once). ``N_t`` / ``P_t``: responses with at least
  one *negative* / *positive* mention of ``t`` (a response may be in both).
* ``impact = S(A) - S(A \\ M_t)``: how much the theme moves the overall score.
  Negative means the theme pulls the score down. For NPS the range is -200..200.
* ``impact_negative = S(A) - S(A \\ N_t)`` and ``impact_positive = S(A) - S(A \\ P_t)``.
* When ``A \\ X`` has no scored response the impact is NaN (and ``low_n`` is True);
  for a theme nobody mentions it is exactly 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.metrics._tables import (
    SENTIMENTS,
    check_tables,
    commented,
    membership,
    positions_by_theme,
    theme_rows,
)
from analyzer.metrics.scores import (
    MIN_N,
    check_kind,
    contributions,
    headline_estimate,
    mean_estimate,
    numeric_column,
    ratings,
)

THEME_TABLE_COLUMNS: tuple[str, ...] = (
    "theme_id",
    "label",
    "responses",
    "share",
    "mentions",
    "share_negative",
    "share_neutral",
    "share_positive",
    "n_negative",
    "n_positive",
    "score",
    "score_ci_low",
    "score_ci_high",
    "score_n",
    "impact",
    "impact_negative",
    "impact_positive",
    "low_n",
)

_RESERVED = {"row", "nps", "csat", "ces"}


class _LeaveOneOut:
    """``S(A) - S(A minus a set of responses)`` in O(size of the set)."""

    def __init__(self, contrib: np.ndarray) -> None:
        scored = ~np.isnan(contrib)
        self._contrib = contrib
        self.total = float(contrib[scored].sum())
        self.n = int(scored.sum())
        self.overall = self.total / self.n if self.n else math.nan

    def impact(self, positions: np.ndarray) -> float:
        c = self._contrib[positions]
        c = c[~np.isnan(c)]
        rest = self.n - c.size
        if rest == 0:
            return math.nan
        return self.overall - (self.total - float(c.sum())) / rest


def _theme_row(
    group: pd.DataFrame, values: np.ndarray, loo: _LeaveOneOut, kind: str
) -> dict[str, float]:
    positions = group["pos"].to_numpy()
    n_mentions = int(group["n_mentions"].sum())
    mix = {s: int(group[s].sum()) / n_mentions if n_mentions else math.nan for s in SENTIMENTS}
    est = headline_estimate(values[positions], kind)
    negative = positions[group["negative"].to_numpy() > 0]
    positive = positions[group["positive"].to_numpy() > 0]
    return {
        "responses": positions.size,
        "mentions": n_mentions,
        "share_negative": mix["negative"],
        "share_neutral": mix["neutral"],
        "share_positive": mix["positive"],
        "n_negative": negative.size,
        "n_positive": positive.size,
        "score": est.value,
        "score_ci_low": est.ci_low,
        "score_ci_high": est.ci_high,
        "score_n": est.n,
        "impact": loo.impact(positions),
        "impact_negative": loo.impact(negative),
        "impact_positive": loo.impact(positive),
    }


def theme_table(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    score: str = "nps",
    *,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Volume, sentiment mix, score and impact of every theme.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md. Mentions of responses that are not in
        ``responses`` are ignored, so a filtered ``responses`` table filters
        everything. Unassigned mentions (``theme_id == -1``) are excluded.
    score : {"nps", "csat", "ces"}
        Score whose headline is used for ``score`` and the impacts.
    min_n : int
        ``low_n`` threshold.

    Returns
    -------
    DataFrame
        One row per theme of ``themes`` (themes nobody mentions included, with
        ``responses == 0``), sorted by ``responses`` descending then ``theme_id``.
        Columns :data:`THEME_TABLE_COLUMNS`:

        - ``responses``: responses mentioning the theme (each counted once);
        - ``share``: ``responses`` / responses with a comment (a non-blank
          ``comment`` or at least one mention);
        - ``mentions``: mentions of the theme (a response may have several);
        - ``share_negative/neutral/positive``: sentiment mix among those
          mentions (NaN when there are none);
        - ``n_negative`` / ``n_positive``: responses with at least one negative /
          positive mention of the theme;
        - ``score``, ``score_ci_low``, ``score_ci_high``, ``score_n``: headline
          score of the responses mentioning the theme and how many had a score;
        - ``impact``, ``impact_negative``, ``impact_positive``: leave-one-out
          impacts as defined in the module docstring;
        - ``low_n``: ``score_n < min_n`` or fewer than ``min_n`` scored
          responses remain once the theme's responses are left out.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    values = ratings(responses, score)
    loo = _LeaveOneOut(contributions(values, score))
    member = membership(responses, mentions, themes)
    groups = dict(tuple(member.groupby("theme_id")))
    empty = member.iloc[:0]
    ids = theme_rows(themes)
    rows = [_theme_row(groups.get(t, empty), values, loo, score) for t in ids["theme_id"]]
    stats = pd.DataFrame(rows, columns=list(THEME_TABLE_COLUMNS[2:-1]), index=ids.index)
    table = pd.concat([ids, stats], axis=1)
    table["share"] = table["responses"] / max(int(commented(responses, mentions).sum()), 1)
    table["low_n"] = (table["score_n"] < min_n) | (loo.n - table["score_n"] < min_n)
    table = table.astype({c: "int64" for c in ("responses", "mentions", "score_n")})
    table = table.astype({"n_negative": "int64", "n_positive": "int64", "low_n": bool})
    table = table.sort_values(["responses", "theme_id"], ascending=[False, True])
    return table.loc[:, list(THEME_TABLE_COLUMNS)].reset_index(drop=True)


def metric_columns(responses: pd.DataFrame) -> list[str]:
    """Numeric columns of ``responses`` other than ``row`` and the three scores."""
    return [
        str(c)
        for c in responses.columns
        if c not in _RESERVED
        and pd.api.types.is_numeric_dtype(responses[c])
        and not pd.api.types.is_bool_dtype(responses[c])
    ]


def theme_metrics(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Mean of numeric columns (revenue, order value, tenure...) per theme, with t intervals.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        As for :func:`theme_table`.
    columns : list of str, optional
        Columns to summarise; by default every numeric column except ``row``,
        ``nps``, ``csat`` and ``ces``.
    min_n : int
        ``low_n`` threshold.

    Returns
    -------
    DataFrame
        One row per (theme, column), themes ordered by ``theme_id``: ``theme_id``,
        ``label``, ``metric`` (column name), ``mean``, ``ci_low``, ``ci_high``,
        ``n`` (responses mentioning the theme with a value), ``overall_mean``
        (over all responses) and ``low_n`` (``n < min_n``). Missing values are
        excluded.
    """
    check_tables(responses, mentions, themes)
    cols = metric_columns(responses) if columns is None else list(columns)
    arrays = {c: numeric_column(responses, c) for c in cols}
    positions = positions_by_theme(membership(responses, mentions, themes))
    rows = []
    for tid, label in theme_rows(themes).sort_values("theme_id").itertuples(index=False):
        pos = positions.get(int(tid), np.array([], dtype="int64"))
        for col, values in arrays.items():
            est = mean_estimate(col, values[pos])
            overall = values[~np.isnan(values)]
            rows.append(
                {
                    "theme_id": int(tid),
                    "label": label,
                    "metric": col,
                    "mean": est.value,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "n": est.n,
                    "overall_mean": float(overall.mean()) if overall.size else math.nan,
                    "low_n": est.n < min_n,
                }
            )
    columns_out = ["theme_id", "label", "metric", "mean", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=[*columns_out, "overall_mean", "low_n"])
