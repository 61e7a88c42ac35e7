"""Theme share and score per period, and emerging / fading themes.

Periods are calendar months (``freq="M"``), Monday-to-Sunday weeks (``freq="W"``) or
days (``freq="D"``); ``freq="auto"`` follows the span of the dates (:func:`span_freq`:
a year gets months, nine days get days). Responses without a date (``NaT``) are left
out. A period's denominator is its responses with a comment (see :func:`theme_table`).
Every per-theme count comes from :func:`analyzer.metrics._tables.membership`, one row per
(theme, response), so a mention that carries several themes counts for each.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._stats import two_proportion_zs
from analyzer.metrics._tables import (
    SENTIMENTS,
    check_tables,
    commented,
    membership,
    require_columns,
    theme_rows,
)
from analyzer.metrics.scores import MIN_N, check_kind, headline_by_group, ratings

FREQS: tuple[str, ...] = ("M", "W", "D")
"""Valid ``freq`` values: calendar month, Monday-to-Sunday week, day; or :data:`AUTO`."""

AUTO = "auto"
"""``freq=AUTO`` picks the period from the span of the dates (see :func:`span_freq`)."""

MIN_PERIODS = 6
""":func:`span_freq` picks the coarsest period that cuts the span into at least this many."""

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


def span_freq(dates: pd.Series, coarsest: str = "M") -> str:
    """The period that follows the span of ``dates``: months, weeks or days.

    The coarsest of months, weeks and days (from ``coarsest`` down) that cuts the span from
    the first to the last date into at least :data:`MIN_PERIODS` periods; a year of data gets
    months, two months weeks, nine days days. ``coarsest`` without dates.
    """
    if coarsest not in FREQS:
        raise ConfigError(f"Unknown freq {coarsest!r}; expected one of {', '.join(FREQS)}.")
    dated = pd.to_datetime(dates, errors="coerce").dropna()
    if dated.empty:
        return coarsest
    first, last = pd.Timestamp(dated.min()), pd.Timestamp(dated.max())
    for freq in FREQS[FREQS.index(coarsest) : -1]:
        if last.to_period(freq).ordinal - first.to_period(freq).ordinal + 1 >= MIN_PERIODS:
            return freq
    return FREQS[-1]


def resolve_freq(responses: pd.DataFrame, freq: str) -> str:
    """``freq``, or with :data:`AUTO` the :func:`span_freq` of the responses' dates."""
    if freq == AUTO:
        require_columns(responses, ["date"], "responses")
        return span_freq(responses["date"])
    if freq not in FREQS:
        raise ConfigError(f"Unknown freq {freq!r}; expected one of {', '.join(FREQS)} or {AUTO!r}.")
    return freq


def _periods(responses: pd.DataFrame, freq: str) -> pd.PeriodIndex:
    """Period of each response, shape (n_responses,), NaT where the date is missing."""
    freq = resolve_freq(responses, freq)
    require_columns(responses, ["date"], "responses")
    dates = pd.to_datetime(responses["date"], errors="coerce")
    return pd.PeriodIndex(dates.dt.to_period(freq))


def _grid(periods: pd.PeriodIndex) -> pd.PeriodIndex:
    """Every period from the first to the last dated response (empty if none)."""
    dated = periods[~np.asarray(periods.isna())]
    if dated.empty:
        return pd.PeriodIndex([], freq=periods.freq)
    return pd.period_range(dated.min(), dated.max(), freq=periods.freq)


def _period_index(periods: pd.PeriodIndex, grid: pd.PeriodIndex) -> np.ndarray:
    """Position of each response's period in ``grid``, shape (n_responses,); -1 when undated."""
    if grid.empty:
        return np.full(len(periods), -1, dtype="int64")
    ordinals = np.asarray(periods.asi8, dtype="int64")
    index = ordinals - int(grid[0].ordinal)
    return np.where(np.asarray(periods.isna()), -1, index).astype("int64")


def _period_frame(grid: pd.PeriodIndex) -> pd.DataFrame:
    return pd.DataFrame({"period": grid.astype(str), "period_start": grid.start_time})


def score_trend(
    responses: pd.DataFrame, freq: str = "M", score: str = "nps", *, min_n: int = MIN_N
) -> pd.DataFrame:
    """Headline score of all responses per period.

    Parameters
    ----------
    freq : {"M", "W", "D", "auto"}
        Months, weeks, days, or the period that follows the dates' span (:func:`span_freq`).

    Returns
    -------
    DataFrame
        One row per period from the first to the last dated response:
        ``period`` (str, e.g. ``"2024-03"``, ``"2024-03-04/2024-03-10"``, ``"2024-03-04"``),
        ``period_start`` (datetime), ``value``, ``ci_low``, ``ci_high``, ``n`` (scored
        responses) and ``low_n``.
    """
    check_kind(score)
    periods = _periods(responses, freq)
    grid = _grid(periods)
    values = ratings(responses, score)
    table = headline_by_group(values, _period_index(periods, grid), len(grid), score)
    table = pd.concat([_period_frame(grid), table], axis=1)
    table["low_n"] = table["n"] < min_n
    return table


def _theme_index(member: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Position in ``ids`` of each membership row's theme, shape (n_rows,)."""
    return np.asarray(pd.Index(ids).get_indexer(member["theme_id"]), dtype="int64")


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
    freq : {"M", "W", "D", "auto"}
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
        ``low_n`` (``score_n < min_n``). A response counts once per theme it mentions.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    periods = _periods(responses, freq)
    grid = _grid(periods)
    index = _period_index(periods, grid)
    dated_comment = (index >= 0) & commented(responses, mentions)
    n_commented = np.bincount(index[dated_comment], minlength=len(grid))
    ids = theme_rows(themes).sort_values("theme_id").reset_index(drop=True)
    n_themes = len(ids)
    member = membership(responses, mentions, themes)
    pos = member["pos"].to_numpy()
    cell = np.where(
        index[pos] >= 0, index[pos] * n_themes + _theme_index(member, ids["theme_id"]), -1
    )
    est = headline_by_group(ratings(responses, score)[pos], cell, len(grid) * n_themes, score)
    counts = np.bincount(cell[cell >= 0], minlength=len(grid) * n_themes)
    per_period = np.repeat(n_commented, n_themes)
    frame = _period_frame(grid).loc[np.repeat(np.arange(len(grid)), n_themes)]
    table = frame.reset_index(drop=True).assign(
        theme_id=np.tile(ids["theme_id"].to_numpy(), len(grid)),
        label=np.tile(ids["label"].to_numpy(dtype=object), len(grid)),
        n_commented=per_period.astype("int64"),
        responses=counts.astype("int64"),
        share=counts / np.where(per_period > 0, per_period, np.nan),
        score=est["value"].to_numpy(),
        score_ci_low=est["ci_low"].to_numpy(),
        score_ci_high=est["ci_high"].to_numpy(),
        score_n=est["n"].to_numpy(),
    )
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
    """Masks (n_responses,) of the recent and baseline windows, and their first periods.

    Both windows lie inside the span of the dates, the baseline wholly before the recent
    window. A span of ``recent_periods`` periods or fewer has no baseline (its first
    period is None and its mask empty); the recent window is then the whole span.
    """
    if recent_periods < 1 or (baseline_periods is not None and baseline_periods < 1):
        raise ConfigError(
            f"recent_periods={recent_periods} and baseline_periods={baseline_periods} "
            "should be >= 1 (baseline_periods may be None for all earlier periods)."
        )
    grid = _grid(periods)
    none = np.zeros(len(periods), dtype=bool)
    if grid.empty:
        return none, none, None, None
    index = _period_index(periods, grid)
    first_recent = max(len(grid) - recent_periods, 0)
    recent = index >= first_recent
    if first_recent == 0:
        return recent, none, grid[0], None
    first_base = 0 if baseline_periods is None else max(first_recent - baseline_periods, 0)
    baseline = (index >= first_base) & (index < first_recent)
    return recent, baseline, grid[first_recent], grid[first_base]


def _window_counts(
    member: pd.DataFrame, ids: pd.Series, recent: np.ndarray, baseline: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Responses per theme of ``ids`` in the recent and in the baseline window, shape (k,)."""
    theme = _theme_index(member, ids)
    pos = member["pos"].to_numpy()
    x1 = np.bincount(theme, weights=recent[pos].astype(float), minlength=len(ids))
    x0 = np.bincount(theme, weights=baseline[pos].astype(float), minlength=len(ids))
    return x1.astype("int64"), x0.astype("int64")


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
    sentiment: str | None = None,
) -> pd.DataFrame:
    """Themes whose share rose (emerging) or fell (fading) in the latest periods.

    The *recent* window is the last ``recent_periods`` periods up to the latest
    dated response (which may be a partial period); the *baseline* is the
    ``baseline_periods`` periods before it (all earlier ones by default). Both lie
    inside the span of the dates and never overlap; a span of ``recent_periods``
    periods or fewer has no baseline, and every theme is then ``insufficient_data``.
    For each theme, the share of commented responses that mention it in the recent
    window is compared to the baseline share with a pooled two-proportion z-test
    (two-sided p-value).

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md; ``responses`` needs ``date``.
    freq : {"M", "W", "D", "auto"}
        Months, weeks, days, or the period that follows the dates' span (:func:`span_freq`).
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
    sentiment : {"negative", "neutral", "positive"}, optional
        Count only the mentions with this sentiment (the growth of a theme's negative
        mentions); the denominators stay every commented response.

    Returns
    -------
    DataFrame
        One row per theme, sorted by ``z`` descending (NaN last) then
        ``theme_id``. Columns :data:`EMERGING_COLUMNS`: ``status`` is one of
        ``emerging`` (p < alpha, z > 0, enough count, ratio rule), ``fading``
        (p < alpha, z < 0, enough count, ratio rule), ``stable`` or
        ``insufficient_data`` (the test is undefined: a window has no commented
        response, or the theme's pooled share is 0 or 1); ``recent_count`` /
        ``baseline_count`` are mentioning responses (a response counts once per
        theme it mentions), ``recent_n`` / ``baseline_n`` commented responses;
        ``recent_start`` / ``baseline_start`` are the windows' first days
        (``baseline_start`` NaT without a baseline).
    """
    check_tables(responses, mentions, themes)
    periods = _periods(responses, freq)
    recent, baseline, recent_start, baseline_start = _windows(
        periods, recent_periods, baseline_periods
    )
    has_comment = commented(responses, mentions)
    n1, n0 = int((recent & has_comment).sum()), int((baseline & has_comment).sum())
    member = membership(responses, mentions, themes)
    if sentiment is not None:
        if sentiment not in SENTIMENTS:
            raise ConfigError(
                f"Unknown sentiment {sentiment!r}; expected one of {', '.join(SENTIMENTS)}."
            )
        member = member[member[sentiment] > 0]
    table = theme_rows(themes)
    x1, x0 = _window_counts(member, table["theme_id"], recent, baseline)
    z, p = two_proportion_zs(x1, n1, x0, n0)
    table = table.assign(
        status="",
        recent_share=x1 / n1 if n1 else math.nan,
        baseline_share=x0 / n0 if n0 else math.nan,
        recent_count=x1,
        baseline_count=x0,
        recent_n=n1,
        baseline_n=n0,
        z=z,
        p_value=p,
    )
    table["status"] = _statuses(table, alpha, min_count, min_ratio)
    table["recent_start"] = recent_start.start_time if recent_start is not None else pd.NaT
    table["baseline_start"] = baseline_start.start_time if baseline_start is not None else pd.NaT
    table = table.sort_values(["z", "theme_id"], ascending=[False, True], na_position="last")
    return table.reset_index(drop=True)
