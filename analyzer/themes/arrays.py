"""Array steps of fitting and scoring: input checks, centroids, renumbering by size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analyzer.errors import InputError
from analyzer.themes.cluster import normalise

__all__ = [
    "auto_min_size",
    "by_size",
    "centroids_of",
    "check_inputs",
    "keep_big",
    "member_cos",
    "merge_close",
]


def auto_min_size(n: int) -> int:
    """Default smallest theme for ``n`` mentions: about sqrt(n) / 4, between 3 and 25."""
    return int(min(25, max(3, round(np.sqrt(max(n, 1)) / 4))))


def check_inputs(texts: Sequence[str], embeddings: np.ndarray, dim: int | None) -> np.ndarray:
    x = np.asarray(embeddings)
    if x.ndim != 2 or len(x) != len(texts):
        raise InputError(
            f"embeddings of shape {x.shape} do not match {len(texts)} texts; expected "
            f"(n_texts, dim), one row per text in the same order."
        )
    if dim is not None and x.shape[1] != dim:
        raise InputError(
            f"embeddings have dim={x.shape[1]} but the theme model was fitted with dim={dim}; "
            "encode with the same embedder the model was fitted with."
        )
    if not np.isfinite(x).all():
        raise InputError("embeddings contain NaN or infinite values; re-encode the texts.")
    return normalise(x)


def centroids_of(x: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((k, x.shape[1]), dtype=np.float32)
    for r in range(k):
        if (rows == r).any():
            out[r] = x[rows == r].mean(axis=0)
    return normalise(out)


def member_cos(x: np.ndarray, rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Cosine of each mention to its own centroid; 0 for unassigned ones."""
    if len(centroids) == 0:
        return np.zeros(len(x), dtype=np.float64)
    own = (x * centroids[np.maximum(rows, 0)]).sum(axis=1).astype(np.float64)
    return np.where(rows >= 0, own, 0.0)


def keep_big(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Renumber groups of at least ``min_size`` by size (biggest first); others -> -1."""
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    first = np.array([np.flatnonzero(labels == i)[0] for i in ids], dtype=np.int64)
    keep = [i for i in np.lexsort((first, -counts)) if counts[i] >= min_size]
    out = np.full(len(labels), -1, dtype=np.int64)
    for new, old in enumerate(keep):
        out[labels == ids[old]] = new
    return out


def by_size(
    x: np.ndarray, rows: np.ndarray, k: int, n_found: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Renumber the first ``n_found`` rows (found themes) by final size; seeds stay last.

    Returns the rows, the centroids and ``order``: new row ``i`` was row ``order[i]``.
    """
    if k == 0:
        return rows, np.zeros((0, x.shape[1]), dtype=np.float32), []
    counts = np.bincount(rows[rows >= 0], minlength=k)
    order = np.lexsort((np.arange(n_found), -counts[:n_found]))
    remap = np.arange(k, dtype=np.int64)
    remap[order] = np.arange(n_found)
    rows = np.where(rows >= 0, remap[np.maximum(rows, 0)], -1)
    return rows, centroids_of(x, rows, k), [int(i) for i in order] + list(range(n_found, k))


def merge_close(x: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge groups whose centroids have cosine >= ``threshold`` (transitively).

    Parameters
    ----------
    x : ndarray of shape (n, dim), unit rows
    labels : ndarray of shape (n,), int64, -1 for points in no group

    Returns
    -------
    labels : ndarray of shape (n,), int64; a merged group takes its smallest label.
    """
    ids = np.unique(labels[labels >= 0])
    if len(ids) < 2:
        return labels
    rows = np.where(labels >= 0, np.searchsorted(ids, labels), -1)
    centres = centroids_of(x, rows, len(ids))
    cos = centres @ centres.T
    parent = np.arange(len(ids))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return int(i)

    for a, b in zip(*np.nonzero(np.triu(cos >= threshold, k=1)), strict=True):
        ra, rb = root(int(a)), root(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    new = np.array([ids[root(i)] for i in range(len(ids))], dtype=np.int64)
    out = labels.copy()
    out[labels >= 0] = new[np.searchsorted(ids, labels[labels >= 0])]
    return out
