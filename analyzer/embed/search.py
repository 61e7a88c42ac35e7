"""Find the mentions closest in meaning to a query: cosine similarity over their embeddings.

Pure functions over arrays and the ``mentions`` / ``themes`` tables of ARCHITECTURE.md;
the caller embeds the query with the embedder the mentions were embedded with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import InputError

EXACT_BELOW = 50_000
"""Below this many vectors a search is an exact scan; at or above it, an IVF index."""


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


@dataclass
class VectorIndex:
    """The mentions' vectors, ready to rank against a query; approximate on big runs.

    Below :data:`EXACT_BELOW` vectors every search is :func:`rank_by_similarity` (exact).
    At or above it, a FAISS inverted-file index (``IndexIVFScalarQuantizer``, 8-bit) with
    ``nlist = 2 * sqrt(n)`` cells picks candidates from the ``nprobe`` cells nearest the
    query, and the candidates are re-scored exactly from ``vectors``: a query reads about
    ``nprobe / nlist`` of the data instead of all of it (benchmarks/api_reads.py prints the
    recall against the exact scan). Building is seeded, so the same vectors give the same
    index and the same answers. A filter that leaves fewer than :data:`EXACT_BELOW` rows, or
    an index that returns fewer than ``k`` candidates under the filter, falls back to the
    exact scan of the filtered rows.

    Parameters
    ----------
    vectors : ndarray of shape (n, dim), float32
        L2-normalised embeddings (kept; not copied).
    nprobe : int
        Cells visited per query (more: slower, closer to exact).
    oversample : int
        Candidates fetched per requested hit before the exact re-scoring.
    exact_below : int
        Build the IVF index from this many vectors on (default :data:`EXACT_BELOW`).
    """

    vectors: np.ndarray
    nprobe: int = 48
    oversample: int = 4
    exact_below: int = field(default_factory=lambda: EXACT_BELOW)
    _index: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if len(self.vectors) >= self.exact_below:
            self._index = _build_ivf(self.vectors)

    @property
    def approximate(self) -> bool:
        """True when searches go through the IVF index."""
        return self._index is not None

    def search(
        self, query: np.ndarray, k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like :func:`rank_by_similarity` (same arguments and returns), through the index."""
        if self._index is None or k <= 0 or query.shape != (self.vectors.shape[1],):
            return rank_by_similarity(query, self.vectors, k, mask)  # (raises on a bad shape)
        kept = len(self.vectors) if mask is None else int(np.count_nonzero(mask))
        if kept < self.exact_below:
            return _exact_subset(query, self.vectors, k, mask)
        candidates = self._candidates(query, k * self.oversample, mask)
        if candidates.size < min(k, kept):
            return _exact_subset(query, self.vectors, k, mask)
        sims = self.vectors[candidates] @ query.astype(np.float32)
        order = np.lexsort((candidates, -sims))[:k]
        return candidates[order].astype(np.int64), np.clip(
            sims[order].astype(np.float64), -1.0, 1.0
        )

    def _candidates(self, query: np.ndarray, fetch: int, mask: np.ndarray | None) -> np.ndarray:
        faiss = _faiss()

        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        if mask is not None:
            bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
            params.sel = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        _, ids = self._index.search(q, fetch, params=params)
        found: np.ndarray = ids[0]
        return found[found >= 0]


def _faiss() -> Any:
    """FAISS, on one OpenMP thread: the service runs searches side by side in its threads,
    and one query reads too little for a thread team to pay off (benchmarks/api_reads.py,
    8 clients on 2 cores with another job on one: 60 searches/s against 53 with FAISS's
    default of one thread per core)."""
    import faiss

    faiss.omp_set_num_threads(1)
    return faiss


def _build_ivf(vectors: np.ndarray, seed: int = 0) -> Any:
    """A seeded IVF index with 8-bit scalar-quantised vectors, inner-product metric."""
    faiss = _faiss()

    n, dim = vectors.shape
    nlist = int(min(4096, max(64, 2 * np.sqrt(n))))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.cp.seed = seed
    rng = np.random.default_rng(seed)
    sample = rng.choice(n, size=min(n, 64 * nlist), replace=False)
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    return index


def _exact_subset(
    query: np.ndarray, vectors: np.ndarray, k: int, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ranking that only multiplies the rows the mask keeps."""
    if mask is None:
        return rank_by_similarity(query, vectors, k)
    rows = np.flatnonzero(mask)
    order, sims = rank_by_similarity(query, vectors[rows], k)
    return rows[order].astype(np.int64), sims


def nearest_mentions(
    query: np.ndarray,
    mentions: pd.DataFrame,
    embeddings: np.ndarray | VectorIndex,
    k: int,
    mask: np.ndarray | None = None,
) -> pd.DataFrame:
    """The ``k`` mentions closest to ``query``, best first, with a ``similarity`` column.

    Parameters
    ----------
    query : ndarray of shape (dim,)
    mentions : DataFrame
        Rows aligned with ``embeddings`` (the caller filters both together).
    embeddings : ndarray of shape (len(mentions), dim), or a VectorIndex of them
    k : int
    mask : ndarray of shape (len(mentions),), bool, optional
        Search only these mentions (cheaper than filtering both tables first).

    Returns
    -------
    DataFrame
        The chosen rows of ``mentions`` (fresh index) plus ``similarity`` (float64).
    """
    vectors = embeddings.vectors if isinstance(embeddings, VectorIndex) else embeddings
    if len(mentions) != len(vectors):
        raise InputError(
            f"{len(mentions)} mentions but {len(vectors)} embeddings; pass one per mention."
        )
    if isinstance(embeddings, VectorIndex):
        order, sims = embeddings.search(query, k, mask)
    else:
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


__all__ = ["EXACT_BELOW", "VectorIndex", "nearest_mentions", "rank_by_similarity", "themes_of_hits"]
