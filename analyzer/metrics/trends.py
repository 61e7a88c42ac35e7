"""Theme share and score per period, and emerging / fading themes.

Periods are calendar months (``freq="M"``) or Monday-to-Sunday weeks
(``freq="W"``). Responses without a date (``NaT``) are left out. A period's
denominator is its responses with a comment (see :func:`theme_table`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._stats import two_proportion_z
from analyzer.metrics._tables import (
    check_tables,
    commented,
    membership,
    require_columns,
    theme_rows,
)
from analyzer.metrics.scores import MIN_N, check_kind, headline_estimate, score_values

FREQS: tuple[str, ...] = ("M", "W")
"""Valid ``freq`` values: calendar month, Monday-to-Sunday week."""

STATUSES: tuple[str, ...] = ("emerging", "fading", "stable", "insufficient_data")

EMERGING_COLUMNS: tuple[str, ...] = (
    "theme_id",
    "label",
    "status",
    "recent_share",
    "baseline_share",
    "recent_count",
    "baseline_count",
    "recent_n",
    "baseline_n",
    "z",
    "p_value",
    "recent_start",
    "baseline_start",
)


def _periods(responses: pd.DataFrame, freq: str) -> pd.PeriodIndex:
    """Period of each response, shape (n_responses,), NaT where the date is missing."""
    if freq not in FREQS:
        raise ConfigError(f"Unknown freq {freq!r}; expected one of {', '.join(FREQS)}.")
    require_columns(responses, ["date"], "responses")
    dates = pd.to_datetime(responses["date"], errors="coerce")
    return pd.PeriodIndex(dates.dt.to_period(freq))


def _grid(periods: pd.PeriodIndex) -> pd.PeriodIndex:
    """Every period from the first to the last dated response (empty if none)."""
    dated = periods[~np.asarray(periods.isna())]
    if dated.empty:
        return pd.PeriodIndex([], freq=periods.freq)
    return pd.period_range(dated.min(), dated.max(), freq=periods.freq)


def _period_frame(grid: pd.PeriodIndex) -> pd.DataFrame:
    return pd.DataFrame({"period": grid.astype(str), "period_start": grid.start_time})


def score_trend(
    responses: pd.DataFrame, freq: str = "M", score: str = "nps", *, min_n: int = MIN_N
) -> pd.DataFrame:
    """Headline score of all responses per period.

    Returns
    -------
    DataFrame
        One row per period from the first to the last dated response:
        ``period`` (str, e.g. ``"2024-03"``), ``period_start`` (datetime),
        ``value``, ``ci_low``, ``ci_high``, ``n`` (scored responses) and ``low_n``.
    """
    check_kind(score)
    periods = _periods(responses, freq)
    values = score_values(responses, score)
    grid = _grid(periods)
    rows = []
    for period in grid:
        est = headline_estimate(values[np.asarray(periods == period)], score)
        rows.append((est.value, est.ci_low, est.ci_high, est.n))
    table = pd.DataFrame(rows, columns=["value", "ci_low", "ci_high", "n"], dtype=float)
    table = pd.concat([_period_frame(grid), table], axis=1).astype({"n": "int64"})
    table["low_n"] = table["n"] < min_n
    return table


def theme_trends(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    freq: str = "M",
    score: str = "nps",
    *,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Share and score of each theme per period.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md; ``responses`` needs ``date``.
    freq : {"M", "W"}
    score : {"nps", "csat", "ces"}
    min_n : int
        ``low_n`` threshold on ``score_n``.

    Returns
    -------
    DataFrame
        One row per (period, theme) for every period from the first to the last
        dated response and every theme (zeros where nobody mentioned it), sorted
        by ``period_start`` then ``theme_id``: ``period``, ``period_start``,
        ``theme_id``, ``label``, ``n_commented`` (responses with a comment in the
        period), ``responses`` (of them, mentioning the theme), ``share``
        (NaN when ``n_commented == 0``), ``score``, ``score_ci_low``,
        ``score_ci_high``, ``score_n`` (headline score of the mentioners) and
        ``low_n`` (``score_n < min_n``).
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    periods = _periods(responses, freq)
    values = score_values(responses, score)
    has_comment = commented(responses, mentions)
    member = membership(responses, mentions, themes)
    member_period = periods[member["pos"].to_numpy()]
    rows = []
    for period in _grid(periods):
        in_period = np.asarray(periods == period)
        n_commented = int((in_period & has_comment).sum())
        here = member[np.asarray(member_period == period)]
        for tid, label in theme_rows(themes).sort_values("theme_id").itertuples(index=False):
            pos = here.loc[here["theme_id"] == tid, "pos"].to_numpy()
            est = headline_estimate(values[pos], score)
            share = pos.size / n_commented if n_commented else math.nan
            head = (str(period), period.start_time, int(tid), label, n_commented, pos.size)
            rows.append((*head, share, est.value, est.ci_low, est.ci_high, est.n))
    columns = ["period", "period_start", "theme_id", "label", "n_commented", "responses"]
    columns += ["share", "score", "score_ci_low", "score_ci_high", "score_n"]
    table = pd.DataFrame(rows, columns=columns)
    table["low_n"] = table["score_n"] < min_n
    return table


def _statuses(table: pd.DataFrame, alpha: float, min_count: int, min_ratio: float) -> np.ndarray:
    """Status of each row of the emerging table (see :func:`emerging_themes`)."""
    if min_ratio < 1:
        raise ConfigError(f"min_ratio={min_ratio} should be >= 1 (1 = no effect-size rule).")
    significant = table["p_value"] < alpha
    recent, baseline = table["recent_share"], table["baseline_share"]
    rising = significant & (table["z"] > 0) & (table["recent_count"] >= min_count)
    falling = significant & (table["z"] < 0) & (table["baseline_count"] >= min_count)
    conditions = [
        table["p_value"].isna(),
        rising & (recent >= min_ratio * baseline),
        falling & (recent * min_ratio <= baseline),
    ]
    return np.select(conditions, ["insufficient_data", "emerging", "fading"], "stable")


def _windows(
    periods: pd.PeriodIndex, recent_periods: int, baseline_periods: int | None
) -> tuple[np.ndarray, np.ndarray, pd.Period | None, pd.Period | None]:
    """Masks (n_responses,) of the recent and baseline windows, and their first periods."""
    if recent_periods < 1 or (baseline_periods is not None and baseline_periods < 1):
        raise ConfigError(
            f"recent_periods={recent_periods} and baseline_periods={baseline_periods} "
            "should be >= 1 (baseline_periods may be None for all earlier periods)."
        )
    grid = _grid(periods)
    if grid.empty:
        none = np.zeros(len(periods), dtype=bool)
        return none, none, None, None
    recent_start = grid[-1] - (recent_periods - 1)
    baseline_start = grid[0] if baseline_periods is None else recent_start - baseline_periods
    dated = ~np.asarray(periods.isna())
    recent = dated & np.asarray(periods >= recent_start)
    baseline = dated & np.asarray(periods < recent_start) & np.asarray(periods >= baseline_start)
    return recent, baseline, recent_start, max(baseline_start, grid[0])


def emerging_themes(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    freq: str = "M",
    *,
    recent_periods: int = 2,
    baseline_periods: int | None = None,
    min_count: int = 10,
    alpha: float = 0.05,
    min_ratio: float = 1.0,
) -> pd.DataFrame:
    """Themes whose share rose (emerging) or fell (fading) in the latest periods.

    The *recent* window is the last ``recent_periods`` periods up to the latest
    dated response (which may be a partial period); the *baseline* is the
    ``baseline_periods`` periods before it (all earlier ones by default). For each
    theme, the share of commented responses that mention it in the recent window
    is compared to the baseline share with a pooled two-proportion z-test
    (two-sided p-value).

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md; ``responses`` needs ``date``.
    freq : {"M", "W"}
    recent_periods, baseline_periods : int
    min_count : int
        ``emerging`` needs at least this many recent mentioning responses,
        ``fading`` at least this many in the baseline.
    alpha : float
        Significance level.
    min_ratio : float
        Optional effect-size rule: ``emerging`` also needs ``recent_share >=
        min_ratio * baseline_share`` and ``fading`` ``recent_share * min_ratio <=
        baseline_share``. The default 1 adds nothing; with many responses a tiny
        shift is significant, and e.g. 1.5 keeps only shifts readers care about.

    Returns
    -------
    DataFrame
        One row per theme, sorted by ``z`` descending (NaN last) then
        ``theme_id``. Columns :data:`EMERGING_COLUMNS`: ``status`` is one of
        ``emerging`` (p < alpha, z > 0, enough count, ratio rule), ``fading``
        (p < alpha, z < 0, enough count, ratio rule), ``stable`` or
        ``insufficient_data`` (the test is undefined: a window has no commented
        response, or the theme's pooled share is 0 or 1); ``recent_count`` /
        ``baseline_count`` are mentioning responses, ``recent_n`` /
        ``baseline_n`` commented responses;
        ``recent_start`` / ``baseline_start`` are the windows' first days.
    """
    check_tables(responses, mentions, themes)
    periods = _periods(responses, freq)
    recent, baseline, recent_start, baseline_start = _windows(
        periods, recent_periods, baseline_periods
    )
    has_comment = commented(responses, mentions)
    n1, n0 = int((recent & has_comment).sum()), int((baseline & has_comment).sum())
    member = membership(responses, mentions, themes)
    rows = []
    for tid, label in theme_rows(themes).itertuples(index=False):
        pos = member.loc[member["theme_id"] == tid, "pos"].to_numpy()
        x1, x0 = int(recent[pos].sum()), int(baseline[pos].sum())
        z, p = two_proportion_z(x1, n1, x0, n0)
        share1 = x1 / n1 if n1 else math.nan
        share0 = x0 / n0 if n0 else math.nan
        rows.append((int(tid), label, "", share1, share0, x1, x0, n1, n0, z, p))
    table = pd.DataFrame(rows, columns=list(EMERGING_COLUMNS[:-2]))
    table["status"] = _statuses(table, alpha, min_count, min_ratio)
    table["recent_start"] = recent_start.start_time if recent_start is not None else pd.NaT
    table["baseline_start"] = baseline_start.start_time if baseline_start is not None else pd.NaT
    table = table.sort_values(["z", "theme_id"], ascending=[False, True], na_position="last")
    return table.reset_index(drop=True)
