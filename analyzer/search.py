"""Find the mentions closest in meaning to a query: cosine similarity over their embeddings.

Pure functions over arrays and the ``mentions`` / ``themes`` tables of ARCHITECTURE.md;
the caller embeds the query with the embedder the mentions were embedded with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.errors import InputError


def rank_by_similarity(
    query: np.ndarray, vectors: np.ndarray, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``vectors`` most similar to ``query``, best first.

    Parameters
    ----------
    query : ndarray of shape (dim,)
        L2-normalised query embedding.
    vectors : ndarray of shape (n, dim)
        L2-normalised embeddings to rank.
    k : int
        How many to return (fewer when ``n < k``).
    mask : ndarray of shape (n,), bool, optional
        Rank only the rows where it is true (the others are never returned).

    Returns
    -------
    order : ndarray of shape (min(k, n),), int64
        Row positions, most similar first (ties by position).
    similarity : ndarray of shape (min(k, n),), float64
        Their cosine similarity to ``query``, in [-1, 1].
    """
    if vectors.ndim != 2 or query.shape != (vectors.shape[1],):
        raise InputError(
            f"query of shape {query.shape} does not match vectors of shape {vectors.shape}; "
            "embed the query with the model the vectors were made with."
        )
    # float32 products (no float64 copy of a big matrix), accumulated per row by BLAS
    sims = (vectors @ query.astype(vectors.dtype, copy=False)).astype(np.float64)
    candidates = np.arange(sims.size) if mask is None else np.flatnonzero(mask)
    k = min(max(k, 0), candidates.size)
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    pool = sims[candidates]
    top = candidates[np.argpartition(-pool, k - 1)[:k]] if k < pool.size else candidates
    order = top[np.lexsort((top, -sims[top]))].astype(np.int64)
    return order, np.clip(sims[order], -1.0, 1.0)


def nearest_mentions(
    query: np.ndarray,
    mentions: pd.DataFrame,
    embeddings: np.ndarray,
    k: int,
    mask: np.ndarray | None = None,
) -> pd.DataFrame:
    """The ``k`` mentions closest to ``query``, best first, with a ``similarity`` column.

    Parameters
    ----------
    query : ndarray of shape (dim,)
    mentions : DataFrame
        Rows aligned with ``embeddings`` (the caller filters both together).
    embeddings : ndarray of shape (len(mentions), dim)
    k : int
    mask : ndarray of shape (len(mentions),), bool, optional
        Search only these mentions (cheaper than filtering both tables first).

    Returns
    -------
    DataFrame
        The chosen rows of ``mentions`` (fresh index) plus ``similarity`` (float64).
    """
    if len(mentions) != len(embeddings):
        raise InputError(
            f"{len(mentions)} mentions but {len(embeddings)} embeddings; pass one per mention."
        )
    order, sims = rank_by_similarity(query, embeddings, k, mask)
    hits = mentions.iloc[order].reset_index(drop=True)
    hits["similarity"] = sims
    return hits


def themes_of_hits(hits: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """How many hits fall under each theme, most first (``theme_id`` -1: no theme).

    Returns
    -------
    DataFrame
        ``theme_id`` (int64), ``label`` (str, ``None`` for -1 or an unknown theme) and
        ``count`` (int64), sorted by ``count`` descending then ``theme_id``.
    """
    counts = hits["theme_id"].astype("int64").value_counts()
    labels = dict(zip(themes["theme_id"].astype("int64"), themes["label"], strict=True))
    table = pd.DataFrame(
        {
            "theme_id": counts.index.to_numpy(dtype="int64"),
            "label": pd.Series([labels.get(int(t)) for t in counts.index], dtype=object),
            "count": counts.to_numpy(dtype="int64"),
        }
    )
    return table.sort_values(["count", "theme_id"], ascending=[False, True]).reset_index(drop=True)


__all__ = ["nearest_mentions", "rank_by_similarity", "themes_of_hits"]
