"""Parent themes: Ward clustering of the theme centroids into a few groups."""

from __future__ import annotations

import numpy as np

__all__ = ["parent_groups"]


def parent_groups(
    centroids: np.ndarray, sizes: np.ndarray, *, n_parents: int | None = None
) -> np.ndarray:
    """Group themes under parents; parent 0 holds the most mentions.

    Parameters
    ----------
    centroids : ndarray of shape (k, dim)
        Unit-length theme centroids.
    sizes : ndarray of shape (k,)
        Mentions per theme (orders the parents).
    n_parents : int or None
        Number of parents; ``None`` takes ``round(k / 4)`` within 8-40, at most
        ``k // 2``. Fewer than four themes get no parents at all.

    Returns
    -------
    parents : ndarray of shape (k,), int64; -1 when there is no hierarchy.
    """
    k = len(centroids)
    if k < 4:
        return np.full(k, -1, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage

    # about four themes per parent, and a report leads with 8-40 top-level themes
    wanted = n_parents if n_parents is not None else min(40, max(8, round(k / 4)), k // 2)
    wanted = int(min(max(wanted, 1), k))
    z = linkage(np.asarray(centroids, dtype=np.float64), method="ward")
    raw = fcluster(z, wanted, criterion="maxclust") - 1
    totals = np.bincount(raw, weights=np.asarray(sizes, dtype=np.float64))
    first = np.array([np.flatnonzero(raw == g)[0] for g in range(len(totals))])
    order = np.lexsort((first, -totals))  # biggest parent first, ties by first theme
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    return remap[raw]
