"""NPS, CSAT and CES with 95 % confidence intervals, and plain numeric summaries.

Every score kind has a *headline* figure, the one used for impact, drivers,
trends and segments, and a *secondary* one:

====  ==========================================  =================  ======================
kind  headline                                    secondary          headline interval
====  ==========================================  =================  ======================
nps   % promoters (9-10) - % detractors (0-6)     mean rating 0-10   normal, see below
csat  % satisfied (4-5 on 1-5), 0..100            mean rating 1-5    Wilson score
ces   mean rating 1-7                             % of 5-7, 0..100   Student t (n - 1 df)
====  ==========================================  =================  ======================

Means always use a Student-t interval and shares a Wilson interval. The NPS
interval is normal with ``se = 100 * sqrt((p+ + p- - (p+ - p-)^2) / n)``, the
standard error of the mean of the promoter (+1) / passive (0) / detractor (-1)
variable, clipped to [-100, 100]. Missing scores (``<NA>``) are excluded and
``n`` counts the scores that were used.

Each headline is the mean of a per-response *contribution* (see
:func:`contributions`): ``100 * (+1/0/-1)`` for NPS, ``100 * satisfied`` for
CSAT, the rating itself for CES. Leave-one-out impact and key drivers rely on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analyzer.errors import ColumnError, ConfigError
from analyzer.metrics._stats import Z95, nps_se, t_interval, wilson_interval, wilson_intervals

SCORE_KINDS: tuple[str, ...] = ("nps", "csat", "ces")
"""Valid values of every ``score=`` / ``kind=`` argument."""

MIN_N = 30
"""Figures based on fewer responses than this are flagged ``low_n``."""


@dataclass(frozen=True)
class Estimate:
    """One figure with its 95 % confidence interval.

    Attributes
    ----------
    name : str
        What was estimated, e.g. ``"nps"``, ``"csat_pct"``, ``"ces_mean"``, ``"revenue"``.
    value, ci_low, ci_high : float
        The estimate and its interval (NaN when ``n`` is too small to tell).
    n : int
        Number of non-missing values used.
    method : str
        ``"normal"`` (NPS), ``"wilson"`` (shares) or ``"t"`` (means).
    """

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str

    @property
    def low_n(self) -> bool:
        """True when fewer than :data:`MIN_N` values were used."""
        return self.n < MIN_N


@dataclass(frozen=True)
class ScoreSummary:
    """Headline and secondary figure of one score kind (see the module docstring)."""

    kind: str
    headline: Estimate
    secondary: Estimate

    @property
    def value(self) -> float:
        """The headline value."""
        return self.headline.value

    @property
    def ci_low(self) -> float:
        """Lower end of the headline's 95 % interval."""
        return self.headline.ci_low

    @property
    def ci_high(self) -> float:
        """Upper end of the headline's 95 % interval."""
        return self.headline.ci_high

    @property
    def n(self) -> int:
        """Number of responses with a score."""
        return self.headline.n


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is one of :data:`SCORE_KINDS`, else raise ConfigError."""
    if kind not in SCORE_KINDS:
        raise ConfigError(
            f"Unknown score kind {kind!r}; expected one of {', '.join(SCORE_KINDS)}. "
            "Pass score='nps', 'csat' or 'ces'."
        )
    return kind


def numeric_column(responses: pd.DataFrame, column: str) -> np.ndarray:
    """Column ``column`` of ``responses`` as float64 with NaN for missing values.

    Raises
    ------
    ColumnError
        If the column is absent; the message lists the columns that exist.
    """
    if column not in responses.columns:
        raise ColumnError(
            f"The responses table has no column {column!r} (columns: "
            f"{', '.join(map(str, responses.columns))}). Map the export's column to "
            f"{column!r} at ingest, or choose a column that exists."
        )
    values = pd.to_numeric(responses[column], errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def score_values(responses: pd.DataFrame, kind: str) -> np.ndarray:
    """Raw ratings of score ``kind``, shape (n_responses,), NaN where missing."""
    return numeric_column(responses, check_kind(kind))


def ratings(responses: pd.DataFrame, kind: str) -> np.ndarray:
    """:func:`score_values`, all NaN when ``responses`` has no ``kind`` column.

    The per-theme tables read scores through this: an export without an NPS column has no
    NPS ratings, so its tables carry NaN score figures with ``n == 0``, not a ColumnError.
    """
    if check_kind(kind) not in responses.columns:
        return np.full(len(responses), np.nan)
    return score_values(responses, kind)


def contributions(values: np.ndarray, kind: str) -> np.ndarray:
    """Per-response contribution whose mean is the headline of ``kind``.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Raw ratings (NaN stays NaN).
    kind : {"nps", "csat", "ces"}

    Returns
    -------
    ndarray of shape (n,)
        NPS: 100 for 9-10, 0 for 7-8, -100 for 0-6; CSAT: 100 for 4-5, else 0;
        CES: the rating.
    """
    check_kind(kind)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    v = values[ok]
    if kind == "nps":
        out[ok] = np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))
    elif kind == "csat":
        out[ok] = np.where(v >= 4, 100.0, 0.0)
    else:
        out[ok] = v
    return out


def share_estimate(name: str, hits: np.ndarray) -> Estimate:
    """Percentage of True in ``hits`` (shape (n,), bool) with a Wilson interval."""
    n = int(hits.size)
    k = float(hits.sum())
    low, high = wilson_interval(k, n)
    value = 100.0 * k / n if n else math.nan
    return Estimate(name, value, 100.0 * low, 100.0 * high, n, "wilson")


def mean_estimate(name: str, values: np.ndarray) -> Estimate:
    """Mean of ``values`` (shape (n,); NaN ignored) with a Student-t interval."""
    v = values[~np.isnan(values)]
    value = float(v.mean()) if v.size else math.nan
    low, high = t_interval(v)
    return Estimate(name, value, low, high, int(v.size), "t")


def nps_estimate(values: np.ndarray) -> Estimate:
    """NPS of the 0-10 ratings in ``values`` (shape (n,); NaN ignored), normal interval."""
    v = values[~np.isnan(values)]
    n = int(v.size)
    if n == 0:
        return Estimate("nps", math.nan, math.nan, math.nan, 0, "normal")
    p_pro = float((v >= 9).mean())
    p_det = float((v <= 6).mean())
    value = 100.0 * (p_pro - p_det)
    half = Z95 * nps_se(p_pro, p_det, n)
    return Estimate("nps", value, max(-100.0, value - half), min(100.0, value + half), n, "normal")


def headline_se(values: np.ndarray, kind: str) -> float:
    """Standard error of the headline of ``kind`` (shape (n,); NaN ignored).

    NPS: the formula in the module docstring; CSAT: ``100 * sqrt(p (1 - p) / n)``;
    CES: ``sd / sqrt(n)`` with ``ddof=1``. NaN when it cannot be computed.
    """
    v = values[~np.isnan(values)]
    n = v.size
    if check_kind(kind) == "nps":
        return nps_se(float((v >= 9).mean()), float((v <= 6).mean()), n) if n else math.nan
    if kind == "csat":
        p = float((v >= 4).mean()) if n else math.nan
        return 100.0 * math.sqrt(p * (1.0 - p) / n) if n else math.nan
    return float(v.std(ddof=1)) / math.sqrt(n) if n >= 2 else math.nan


def headline_estimate(values: np.ndarray, kind: str) -> Estimate:
    """Headline figure of ``kind`` on raw ratings (shape (n,); NaN ignored)."""
    v = values[~np.isnan(values)]
    if check_kind(kind) == "nps":
        return nps_estimate(v)
    if kind == "csat":
        return share_estimate("csat_pct", v >= 4)
    return mean_estimate("ces_mean", v)


def headline_by_group(
    values: np.ndarray, groups: np.ndarray, n_groups: int, kind: str
) -> pd.DataFrame:
    """:func:`headline_estimate` of every group at once.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Raw ratings (NaN ignored).
    groups : ndarray of shape (n,), int
        Group of each value in ``[0, n_groups)``; a negative group leaves the value out.
    n_groups : int
    kind : {"nps", "csat", "ces"}

    Returns
    -------
    DataFrame
        ``n_groups`` rows in group order: ``value``, ``ci_low``, ``ci_high`` (NaN for a group
        without ratings, and the interval for CES below two) and ``n`` (int64).
    """
    check_kind(kind)
    ok = (np.asarray(groups) >= 0) & ~np.isnan(values)
    g, v = np.asarray(groups)[ok].astype("int64"), values[ok]
    n = np.bincount(g, minlength=n_groups).astype(float)
    safe = np.where(n > 0, n, np.nan)
    if kind == "nps":
        pro = np.bincount(g, weights=(v >= 9).astype(float), minlength=n_groups) / safe
        det = np.bincount(g, weights=(v <= 6).astype(float), minlength=n_groups) / safe
        value = 100.0 * (pro - det)
        half = Z95 * 100.0 * np.sqrt(np.maximum(pro + det - (pro - det) ** 2, 0.0) / safe)
        low, high = np.maximum(-100.0, value - half), np.minimum(100.0, value + half)
    elif kind == "csat":
        hits = np.bincount(g, weights=(v >= 4).astype(float), minlength=n_groups)
        value = 100.0 * hits / safe
        low, high = (100.0 * wilson_intervals(hits, n)).T
    else:
        value = np.bincount(g, weights=v, minlength=n_groups) / safe
        squares = np.bincount(g, weights=(v - value[g]) ** 2, minlength=n_groups)
        two = np.where(n >= 2, n, np.nan)
        half = stats.t.ppf(0.975, two - 1) * np.sqrt(squares / (two - 1)) / np.sqrt(two)
        low, high = value - half, value + half
    table = pd.DataFrame({"value": value, "ci_low": low, "ci_high": high})
    return table.assign(n=n.astype("int64"))


def has_scores(responses: pd.DataFrame, kind: str) -> bool:
    """Whether ``responses`` has a ``kind`` column with at least one rating."""
    return check_kind(kind) in responses.columns and bool(responses[kind].notna().any())


def with_score_columns(responses: pd.DataFrame) -> pd.DataFrame:
    """``responses`` with an all-missing Int64 column for each score kind it lacks.

    An export without an NPS (CSAT, CES) column has no NPS ratings: the tables built on
    the result say so with ``n == 0`` and NaN figures instead of a ColumnError.
    """
    missing = [k for k in SCORE_KINDS if k not in responses.columns]
    if not missing:
        return responses
    empty = {k: pd.Series(pd.NA, index=responses.index, dtype="Int64") for k in missing}
    return responses.assign(**empty)


def summarize_values(values: np.ndarray, kind: str) -> ScoreSummary:
    """Headline and secondary figure of ``kind`` on raw ratings (shape (n,))."""
    v = values[~np.isnan(values)]
    headline = headline_estimate(v, kind)
    if kind == "nps":
        secondary = mean_estimate("nps_mean", v)
    elif kind == "csat":
        secondary = mean_estimate("csat_mean", v)
    else:
        secondary = share_estimate("ces_pct", v >= 5)
    return ScoreSummary(kind, headline, secondary)


def score(responses: pd.DataFrame, kind: str = "nps") -> ScoreSummary:
    """Headline and secondary figure of one score over ``responses``.

    Parameters
    ----------
    responses : DataFrame
        The ``responses`` table (see ARCHITECTURE.md); needs the column ``kind``.
    kind : {"nps", "csat", "ces"}

    Returns
    -------
    ScoreSummary
        See the module docstring for the figures and their intervals.

    Raises
    ------
    ConfigError
        If ``kind`` is not one of :data:`SCORE_KINDS`.
    ColumnError
        If ``responses`` has no such column.
    """
    return summarize_values(score_values(responses, kind), kind)


def nps(responses: pd.DataFrame) -> ScoreSummary:
    """NPS in -100..100 (headline) and the mean 0-10 rating; see :func:`score`."""
    return score(responses, "nps")


def csat(responses: pd.DataFrame) -> ScoreSummary:
    """CSAT % of 4-5 (headline) and the mean 1-5 rating; see :func:`score`."""
    return score(responses, "csat")


def ces(responses: pd.DataFrame) -> ScoreSummary:
    """CES mean 1-7 (headline) and the % of 5-7; see :func:`score`."""
    return score(responses, "ces")


def metric_summary(responses: pd.DataFrame, column: str) -> Estimate:
    """Mean of a numeric column (revenue, order value, ...) with a Student-t interval.

    Missing values are excluded; ``n`` counts the values used.
    """
    return mean_estimate(column, numeric_column(responses, column))
