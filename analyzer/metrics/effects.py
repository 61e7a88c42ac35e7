"""Did an action work? Before / after windows around its date, with a control.

For an action on themes ``T`` that took effect on day ``d``, the *before* window is the
``before_weeks`` weeks up to (not including) ``d`` and the *after* window the
``after_weeks`` weeks from ``d`` on. Responses without a date are left out; the
denominator of every share is the window's responses with a comment.

Measures (each with its 95 % interval and n in both windows, the change, its interval and
a two-sided p-value):

* ``share``: responses mentioning a theme of ``T`` / commented responses (Wilson
  intervals; the change is tested with the pooled two-proportion z-test).
* ``negative_share``: responses with a *negative* mention of ``T`` / commented responses.
* ``impact``: leave-one-out impact of ``T`` on the headline score, ``S(A) - S(A \\ M_T)``
  (see :mod:`analyzer.metrics.impact`), with a normal interval from
  ``f^2 (var_M / n_M + var_R / n_R)`` where ``f`` is the share of scored responses in
  ``M_T`` (``f`` treated as fixed).
* ``score``: the headline score of all responses (NPS, CSAT % or CES mean).

**Control.** A company-wide swing (every theme falls because, say, a season ends) must not
be credited to the action. Each other theme ``j`` (one not in ``T`` with at least
``min_count`` responses in the two windows) has its own ratio ``q_j1 / q_j0`` of the primary
measure; their median ``r`` is what the rest of the themes did (a median, so that one other
theme with a real change of its own does not set the baseline). The action's change is
tested on the log scale: ``log(p1 / p0) - log(r)``, with the variance
``(1-p1)/x1 + (1-p0)/x0`` (delta method, counts ``x``) plus ``pi/2 * var_j(log q_j1/q_j0) / k``
for the median of ``k`` ratios. ``adjusted_change`` is ``p1 - p0 * r``: the change beyond
what the rest saw. Zero counts get Haldane's correction (0.5 added).

**Verdict.** ``worked`` when the primary measure fell significantly (p < alpha) *and* fell
significantly more than the rest's; ``got worse`` for the mirror image; ``not enough data``
when a window has fewer than ``min_n`` commented responses or the theme was mentioned fewer
than ``min_count`` times in both windows together; else ``no detectable change``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._stats import Z95, normal_p, two_proportion_z, wilson_interval
from analyzer.metrics._tables import commented, require_columns
from analyzer.metrics.scores import (
    MIN_N,
    Estimate,
    check_kind,
    contributions,
    headline_estimate,
    ratings,
)

MEASURES: tuple[str, ...] = ("share", "negative_share")
"""Valid primary measures of :func:`action_effect`."""

VERDICTS: tuple[str, ...] = ("worked", "got worse", "no detectable change", "not enough data")


@dataclass(frozen=True)
class Change:
    """One measure before and after an action.

    Attributes
    ----------
    measure : str
        ``share``, ``negative_share``, ``impact`` or ``score``.
    before, after : Estimate
        The figure in each window with its 95 % interval and n.
    change, ci_low, ci_high : float
        ``after - before`` and its 95 % interval (shares in fractions, scores in points).
    p_value : float
        Two-sided test of no change (NaN when undefined).
    """

    measure: str
    before: Estimate
    after: Estimate
    change: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class Effect:
    """Everything :func:`action_effect` found; ``verdict`` is one of :data:`VERDICTS`."""

    theme_ids: tuple[int, ...]
    effective: pd.Timestamp
    before_start: pd.Timestamp
    after_end: pd.Timestamp
    n_before: int
    n_after: int
    measure: str
    changes: dict[str, Change]
    rest_ratio: float
    n_rest_themes: int
    adjusted_change: float
    relative_p_value: float
    verdict: str
    reason: str
    score: str = "nps"
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def primary(self) -> Change:
        """The change of the measure the verdict is about."""
        return self.changes[self.measure]


def _share_change(measure: str, x0: int, n0: int, x1: int, n1: int) -> Change:
    """Two shares, their Wilson intervals, the difference with a normal interval, z-test."""
    before = _share(measure, x0, n0)
    after = _share(measure, x1, n1)
    diff = after.value - before.value
    se = math.nan
    if n0 and n1:
        p0, p1 = x0 / n0, x1 / n1
        se = math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    _, p = two_proportion_z(x1, n1, x0, n0)
    return Change(measure, before, after, diff, diff - Z95 * se, diff + Z95 * se, p)


def _share(name: str, x: int, n: int) -> Estimate:
    low, high = wilson_interval(x, n)
    return Estimate(name, x / n if n else math.nan, low, high, int(n), "wilson")


def _diff_change(measure: str, before: Estimate, after: Estimate, se0: float, se1: float) -> Change:
    diff = after.value - before.value
    se = math.sqrt(se0 * se0 + se1 * se1)
    return Change(
        measure, before, after, diff, diff - Z95 * se, diff + Z95 * se, normal_p(diff, se)
    )


def _impact(contrib: np.ndarray, member: np.ndarray, kind: str) -> tuple[Estimate, float]:
    """Leave-one-out impact of ``member`` responses on the mean of ``contrib``, and its se."""
    scored = ~np.isnan(contrib)
    inside, outside = contrib[scored & member], contrib[scored & ~member]
    n = inside.size + outside.size
    if inside.size < 2 or outside.size < 2:
        return Estimate(
            f"{kind}_impact", math.nan, math.nan, math.nan, int(inside.size), "normal"
        ), math.nan
    f = inside.size / n
    value = f * (float(inside.mean()) - float(outside.mean()))
    se = f * math.sqrt(inside.var(ddof=1) / inside.size + outside.var(ddof=1) / outside.size)
    est = Estimate(
        f"{kind}_impact", value, value - Z95 * se, value + Z95 * se, int(inside.size), "normal"
    )
    return est, se


def _score(contrib: np.ndarray, values: np.ndarray, kind: str) -> tuple[Estimate, float]:
    est = headline_estimate(values, kind)
    c = contrib[~np.isnan(contrib)]
    se = float(c.std(ddof=1)) / math.sqrt(c.size) if c.size > 1 else math.nan
    return est, se


def _windows(
    dates: pd.Series, effective: pd.Timestamp, before_weeks: int, after_weeks: int
) -> tuple[np.ndarray, np.ndarray, pd.Timestamp, pd.Timestamp]:
    if before_weeks < 1 or after_weeks < 1:
        raise ConfigError(
            f"before_weeks={before_weeks} and after_weeks={after_weeks} should be >= 1."
        )
    start = effective - pd.Timedelta(weeks=before_weeks)
    end = effective + pd.Timedelta(weeks=after_weeks)
    day = pd.to_datetime(dates, errors="coerce").dt.normalize()
    before = np.asarray((day >= start) & (day < effective))
    after = np.asarray((day >= effective) & (day < end))
    return before, after, start, end


def _flags(
    responses: pd.DataFrame, mentions: pd.DataFrame, theme_ids: set[int]
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Per response (bool arrays): mentions ``theme_ids`` (``share``), negatively
    (``negative_share``); and the other themes' (theme_id, pos, negative) pairs."""
    pos = pd.Index(responses["response_id"]).get_indexer(mentions["response_id"])
    ids = mentions["theme_id"].astype("int64").to_numpy()
    ok = (pos >= 0) & (ids != -1)
    own = ok & np.isin(ids, list(theme_ids))
    negative = mentions["sentiment"].astype(str).to_numpy() == "negative"
    out = {}
    for name, mask in (("share", own), ("negative_share", own & negative)):
        flag = np.zeros(len(responses), dtype=bool)
        flag[pos[mask]] = True
        out[name] = flag
    rest = ok & ~own
    others = pd.DataFrame({"theme_id": ids[rest], "pos": pos[rest], "negative": negative[rest]})
    grouped = others.groupby(["theme_id", "pos"], as_index=False)["negative"].any()
    return out, pd.DataFrame(grouped)


def _rest_ratios(
    others: pd.DataFrame, measure: str, windows: tuple[np.ndarray, np.ndarray], min_count: int
) -> np.ndarray:
    """log(q_j1 / q_j0) of every other theme with ``min_count`` responses (Haldane 0.5)."""
    rows = others if measure == "share" else others[others["negative"]]
    before, after = windows
    n0, n1 = max(int(before.sum()), 1), max(int(after.sum()), 1)
    ratios = []
    for _, group in rows.groupby("theme_id"):
        pos = group["pos"].to_numpy()
        x0, x1 = int(before[pos].sum()), int(after[pos].sum())
        if x0 + x1 >= min_count:
            ratios.append(math.log((x1 + 0.5) / n1) - math.log((x0 + 0.5) / n0))
    return np.asarray(ratios, dtype=float)


def action_effect(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    theme_ids: list[int],
    effective: str | pd.Timestamp,
    *,
    before_weeks: int = 8,
    after_weeks: int = 8,
    score: str = "nps",
    measure: str = "share",
    min_n: int = MIN_N,
    min_count: int = 10,
    alpha: float = 0.05,
) -> Effect:
    """Compare the windows before and after an action on ``theme_ids`` (see the module doc).

    Parameters
    ----------
    responses, mentions : DataFrame
        The tables of ARCHITECTURE.md (``responses`` needs ``date``); theme ids as the
        action's (already mapped through the codeframe).
    theme_ids : list of int
        The action's themes; a response mentioning any of them counts once.
    effective : str or Timestamp
        The day the action took effect (first day of the after window).
    before_weeks, after_weeks : int
    score : {"nps", "csat", "ces"}
        Headline score for ``impact`` and ``score``.
    measure : {"share", "negative_share"}
        The measure the verdict is about.
    min_n, min_count, alpha : see the module docstring.

    Returns
    -------
    Effect
    """
    check_kind(score)
    if measure not in MEASURES:
        raise ConfigError(f"Unknown measure {measure!r}; expected one of {', '.join(MEASURES)}.")
    if not theme_ids:
        raise ConfigError("An action needs at least one theme id.")
    require_columns(responses, ["response_id", "date"], "responses")
    require_columns(mentions, ["response_id", "theme_id", "sentiment"], "mentions")
    day = pd.Timestamp(effective).normalize()
    before, after, start, end = _windows(responses["date"], day, before_weeks, after_weeks)
    has = commented(responses, mentions)
    flags, others = _flags(responses, mentions, {int(t) for t in theme_ids})
    n0, n1 = int((before & has).sum()), int((after & has).sum())
    changes = {
        name: _share_change(
            name, int((before & flags[name]).sum()), n0, int((after & flags[name]).sum()), n1
        )
        for name in MEASURES
    }
    values = ratings(responses, score)
    contrib = contributions(values, score)
    windows = (before & has, after & has)
    impacts = [_impact(contrib[w], flags["share"][w], score) for w in windows]
    changes["impact"] = _diff_change(
        "impact", impacts[0][0], impacts[1][0], impacts[0][1], impacts[1][1]
    )
    scores = [_score(contrib[w], values[w], score) for w in (before, after)]
    changes["score"] = _diff_change("score", scores[0][0], scores[1][0], scores[0][1], scores[1][1])
    primary = changes[measure]
    ratios = _rest_ratios(others, measure, (before & has, after & has), min_count)
    rest_ratio, adjusted, rel_p = _relative(primary, ratios)
    verdict, reason = _verdict(primary, rest_ratio, rel_p, n0, n1, min_n, min_count, alpha)
    return Effect(
        theme_ids=tuple(int(t) for t in theme_ids),
        effective=day,
        before_start=start,
        after_end=end,
        n_before=n0,
        n_after=n1,
        measure=measure,
        changes=changes,
        rest_ratio=rest_ratio,
        n_rest_themes=int(ratios.size),
        adjusted_change=adjusted,
        relative_p_value=rel_p,
        verdict=verdict,
        reason=reason,
        score=score,
    )


def _relative(own: Change, ratios: np.ndarray) -> tuple[float, float, float]:
    """The rest's median ratio ``r``, the change beyond it (``p1 - p0 * r``) and its p.

    Without other themes to compare with, ``r`` is 1 (no company-wide change assumed).
    """
    n0, n1 = own.before.n, own.after.n
    if not n0 or not n1:
        return math.nan, math.nan, math.nan
    p0, p1 = own.before.value, own.after.value
    x0, x1 = p0 * n0, p1 * n1
    if min(x0, x1) <= 0:  # a zero count: Haldane's correction
        x0, x1 = x0 + 0.5, x1 + 0.5
    log_rest, var_rest = 0.0, 0.0
    if ratios.size:
        log_rest = float(np.median(ratios))
        spread = float(ratios.var(ddof=1)) if ratios.size > 1 else 0.0
        var_rest = math.pi / 2 * spread / ratios.size
    log_diff = math.log(x1 / n1) - math.log(x0 / n0) - log_rest
    var = max(1 - x1 / n1, 0.0) / x1 + max(1 - x0 / n0, 0.0) / x0 + var_rest
    rest = math.exp(log_rest)
    return rest, p1 - p0 * rest, normal_p(log_diff, math.sqrt(var))


def _verdict(
    own: Change, rest: float, rel_p: float, n0: int, n1: int, min_n: int, min_count: int,
    alpha: float,
) -> tuple[str, str]:  # fmt: skip
    if n1 < min_n:
        return "not enough data", (
            f"Not enough responses after the action yet: {n1} commented responses in the "
            f"after window, at least {min_n} needed."
        )
    if n0 < min_n:
        return "not enough data", (
            f"Not enough responses before the action: {n0} commented responses in the "
            f"before window, at least {min_n} needed."
        )
    mentions = round(own.before.value * n0 + own.after.value * n1)
    if mentions < min_count:
        return "not enough data", (
            f"The theme was mentioned {mentions} times in both windows together; at least "
            f"{min_count} are needed to tell a change."
        )
    moved = own.p_value < alpha
    beyond = rel_p < alpha
    if moved and beyond and own.change < 0:
        return "worked", (
            f"Fell from {own.before.value:.1%} to {own.after.value:.1%} (p={own.p_value:.2g}), "
            f"more than the rest of the themes did (p={rel_p:.2g})."
        )
    if moved and beyond and own.change > 0:
        return "got worse", (
            f"Rose from {own.before.value:.1%} to {own.after.value:.1%} (p={own.p_value:.2g}), "
            f"more than the rest of the themes did (p={rel_p:.2g})."
        )
    if moved:
        return "no detectable change", (
            f"Moved from {own.before.value:.1%} to {own.after.value:.1%}, but the rest of the "
            f"themes moved alike (their shares x{rest:.2f} in the median; p={rel_p:.2g} for the "
            "difference), so the change is not credited to the action."
        )
    return "no detectable change", (
        f"{own.before.value:.1%} before, {own.after.value:.1%} after (p={own.p_value:.2g}): "
        "no change the data can tell from chance."
    )


def share_trend(
    responses: pd.DataFrame, mentions: pd.DataFrame, theme_ids: list[int], freq: str = "W"
) -> pd.DataFrame:
    """Share of commented responses mentioning any of ``theme_ids`` per period.

    ``freq`` is ``"M"``, ``"W"``, ``"D"`` or ``"auto"`` (see
    :func:`analyzer.metrics.trends.span_freq`).

    Returns
    -------
    DataFrame
        One row per period from the first to the last dated response: ``period_start``,
        ``share`` (NaN without commented responses), ``responses`` (mentioning) and ``n``
        (commented responses).
    """
    from analyzer.metrics.trends import _grid, _period_index, _periods

    periods = _periods(responses, freq)
    grid = _grid(periods)
    index = _period_index(periods, grid)
    here = (index >= 0) & commented(responses, mentions)
    flags, _ = _flags(responses, mentions, {int(t) for t in theme_ids})
    n = np.bincount(index[here], minlength=len(grid))
    x = np.bincount(index[here & flags["share"]], minlength=len(grid))
    share = x / np.where(n > 0, n, np.nan)
    return pd.DataFrame(
        {"period_start": grid.start_time, "share": share, "responses": x, "n": n}
    ).astype({"responses": "int64", "n": "int64"})


__all__ = ["MEASURES", "VERDICTS", "Change", "Effect", "action_effect", "share_trend"]
