"""Small statistical helpers shared by the metrics modules.

Every function works on plain floats or 1-D arrays and returns NaN rather than
raising when a figure is undefined (n = 0, a single observation, ...): the
tables built on them flag such rows with ``low_n`` instead.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
"""Two-sided 95 % normal quantile (about 1.959964)."""


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion, as fractions in [0, 1].

    Returns ``(nan, nan)`` when ``n == 0``.
    """
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of ``values`` (1-D, no NaN), ``n - 1`` df.

    Returns ``(nan, nan)`` when fewer than two values are given.
    """
    n = values.size
    if n < 2:
        return math.nan, math.nan
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * se
    return mean - half, mean + half


def nps_se(p_promoters: float, p_detractors: float, n: float) -> float:
    """Standard error of NPS in points: ``100 * sqrt((p+ + p- - (p+ - p-)^2) / n)``.

    This is the standard error of the mean of the promoter (+1) / passive (0) /
    detractor (-1) variable, using its population variance.
    """
    if n <= 0:
        return math.nan
    var = p_promoters + p_detractors - (p_promoters - p_detractors) ** 2
    return 100.0 * math.sqrt(max(var, 0.0) / n)


def two_proportion_z(x1: float, n1: float, x0: float, n0: float) -> tuple[float, float]:
    """Pooled two-proportion z-test of ``x1/n1`` against ``x0/n0``.

    Returns
    -------
    z, p_value : float
        ``z > 0`` when the first proportion is larger; ``p_value`` is two-sided.
        Both are NaN when either group is empty or the pooled share is 0 or 1.
    """
    if n1 <= 0 or n0 <= 0:
        return math.nan, math.nan
    pooled = (x1 + x0) / (n1 + n0)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)
    if var <= 0:
        return math.nan, math.nan
    z = (x1 / n1 - x0 / n0) / math.sqrt(var)
    return z, float(2.0 * stats.norm.sf(abs(z)))


def normal_p(estimate: float, se: float) -> float:
    """Two-sided p-value of ``estimate / se`` under a standard normal (NaN if se <= 0)."""
    if not se > 0 or math.isnan(estimate):
        return math.nan
    return float(2.0 * stats.norm.sf(abs(estimate / se)))


def wilson_intervals(successes: np.ndarray, n: np.ndarray, z: float = Z95) -> np.ndarray:
    """:func:`wilson_interval` of many proportions at once.

    Parameters
    ----------
    successes, n : ndarray of shape (m,)

    Returns
    -------
    ndarray of shape (m, 2)
        Low and high ends as fractions; NaN where ``n == 0``.
    """
    k = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    out = np.full((k.size, 2), np.nan)
    ok = size > 0
    k, size = k[ok], size[ok]
    p = k / size
    denom = 1.0 + z * z / size
    centre = (p + z * z / (2.0 * size)) / denom
    half = z * np.sqrt(p * (1.0 - p) / size + z * z / (4.0 * size * size)) / denom
    out[ok, 0] = np.maximum(0.0, centre - half)
    out[ok, 1] = np.minimum(1.0, centre + half)
    return out


def two_proportion_zs(
    x1: np.ndarray, n1: float, x0: np.ndarray, n0: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`two_proportion_z` of many counts ``x1``, ``x0`` (shape (m,)) against the same
    group sizes ``n1``, ``n0``; NaN where the test is undefined."""
    a, b = np.asarray(x1, dtype=float), np.asarray(x0, dtype=float)
    z = np.full(a.shape, np.nan)
    if n1 <= 0 or n0 <= 0:
        return z, z.copy()
    pooled = (a + b) / (n1 + n0)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)
    ok = var > 0
    z[ok] = (a[ok] / n1 - b[ok] / n0) / np.sqrt(var[ok])
    p = np.full(a.shape, np.nan)
    p[ok] = 2.0 * stats.norm.sf(np.abs(z[ok]))
    return z, p


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN entries stay NaN.

    Parameters
    ----------
    p_values : ndarray of shape (m,)

    Returns
    -------
    ndarray of shape (m,)
        ``q_i = min_{j : p_j >= p_i} p_j * m / rank_j``, capped at 1, where ``m``
        counts the non-NaN p-values only.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok], kind="mergesort")
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(ranked, 1.0)
    q[ok] = adjusted
    return q
