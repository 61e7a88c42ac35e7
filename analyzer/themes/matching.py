"""Assigning mentions to known themes, calibrating confidence, and keeping ids stable."""

from __future__ import annotations

import numpy as np

__all__ = ["assign", "calibrate", "match_previous", "theme_floor"]

_BLOCK = 4096


def theme_floor(member_cos: np.ndarray, *, min_similarity: float, quantile: float) -> float:
    """The cosine below which a new mention is not given a theme (its radius).

    The ``quantile`` of the theme's own mentions' cosines less a 0.05 margin, never below
    ``min_similarity``; a theme without mentions uses ``min_similarity``.
    """
    if len(member_cos) == 0:
        return float(min_similarity)
    return max(float(min_similarity), float(np.quantile(member_cos, quantile)) - 0.05)


def assign(
    embeddings: np.ndarray, centroids: np.ndarray, *, min_similarity: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid by cosine; -1 when even the nearest is below ``min_similarity``
    (one float, or one floor per centroid of shape (k,)).

    Returns
    -------
    rows : ndarray of shape (n,), int64, row of ``centroids`` or -1
    cosine : ndarray of shape (n,), float64, cosine to the nearest centroid
    """
    n = len(embeddings)
    if len(centroids) == 0 or n == 0:
        return np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.float64)
    # float64: a float32 product's rounding depends on how many rows BLAS sees at once,
    # so a chunk of 97 rows and the whole export gave cosines apart by ~1e-7 and (after
    # calibrate divides by a theme's span) confidences apart by ~1e-6. In float64 the
    # difference is ~1e-16, far inside the 1e-5 that chunked scoring promises.
    # Blocks of rows keep the float64 copy small (4,096 x 384 x 8 bytes = 12 MB).
    c64 = np.asarray(centroids, dtype=np.float64).T
    rows = np.empty(n, dtype=np.int64)
    cosine = np.empty(n, dtype=np.float64)
    for start in range(0, n, _BLOCK):
        sim = np.asarray(embeddings[start : start + _BLOCK], dtype=np.float64) @ c64
        best = np.argmax(sim, axis=1)
        rows[start : start + len(sim)] = best
        cosine[start : start + len(sim)] = sim[np.arange(len(sim)), best]
    floor = np.broadcast_to(np.asarray(min_similarity, dtype=np.float64), (len(centroids),))
    rows[cosine < floor[rows]] = -1
    return rows, cosine


def calibrate(cosine: np.ndarray, typical: np.ndarray, *, floor: float | np.ndarray) -> np.ndarray:
    """Map cosines to [0, 1]: 0 at the assignment floor, 1 at the theme's typical member.

    ``typical`` is the median cosine of a theme's training mentions to its centroid, so a
    confidence of 1 means "at least as close as half the mentions the theme was built on".
    """
    span = np.maximum(np.asarray(typical, dtype=np.float64) - floor, 1e-6)
    return np.clip((np.asarray(cosine, dtype=np.float64) - floor) / span, 0.0, 1.0)


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def match_previous(
    new_centroids: np.ndarray,
    new_keywords: list[list[str]],
    old_centroids: np.ndarray,
    old_keywords: list[list[str]],
    *,
    threshold: float,
    keyword_weight: float = 0.2,
) -> dict[int, int]:
    """Match new themes to old ones one-to-one (Hungarian assignment).

    The score of a pair is its centroid cosine plus ``keyword_weight`` times the Jaccard
    overlap of their keywords; only pairs whose cosine reaches ``threshold`` can match.

    Returns
    -------
    dict mapping a new row to the matched old row.
    """
    if len(new_centroids) == 0 or len(old_centroids) == 0:
        return {}
    from scipy.optimize import linear_sum_assignment

    cos = new_centroids @ old_centroids.T
    overlap = np.array([[_jaccard(a, b) for b in old_keywords] for a in new_keywords])
    score = np.where(cos >= threshold, cos + keyword_weight * overlap, -1e6)
    rows, cols = linear_sum_assignment(score, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if cos[r, c] >= threshold}
