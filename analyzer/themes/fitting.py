"""The number crunching of ``ThemeModel.fit``: cluster, add seed themes, number the themes.

Like editing.py, these are module-level functions over arrays: the model passes its
options in (:class:`~analyzer.themes.editing.ThemeOptions`) and stores what comes back, so
this module never imports the model (no import cycle) and never reaches into its attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analyzer.errors import InputError
from analyzer.themes.arrays import by_size, centroids_of, keep_big, merge_close
from analyzer.themes.claims import Sayings
from analyzer.themes.cluster import get_clusterer
from analyzer.themes.codeframe import Codeframe
from analyzer.themes.editing import ThemeOptions, ThemeState
from analyzer.themes.hygiene import corpus_words
from analyzer.themes.matching import assign, match_previous
from analyzer.themes.naming import SEED, Named, name_groups
from analyzer.themes.phrases import load_parser
from analyzer.themes.seeds import Embed, seed_centroid

__all__ = [
    "Clustered",
    "add_seeds",
    "check_previous",
    "cluster_mentions",
    "cluster_subset",
    "number_themes",
]


def check_previous(previous: ThemeState, dim: int) -> None:
    """InputError unless the previous model's centroids have ``dim`` columns."""
    if previous.centroids.shape[1] != dim:
        raise InputError(
            f"previous model has dim={previous.centroids.shape[1]}, embeddings "
            f"dim={dim}; re-fit without previous or use the same embedder."
        )


def cluster_subset(cluster_on: np.ndarray | None, n: int, sub: np.ndarray) -> np.ndarray | None:
    """Bool per row of ``sub`` (positions among ``n`` mentions): is it in ``cluster_on``?

    None when ``cluster_on`` is None (every row is clustered).
    """
    if cluster_on is None:
        return None
    chosen = np.zeros(n, dtype=bool)
    chosen[np.asarray(cluster_on, dtype=np.int64)] = True
    return chosen[sub]


@dataclass
class Clustered:
    """What :func:`cluster_mentions` found: a centroid row per mention (-1 none), the
    centroids, the rows that are seeds, and per row its label, kind and claim (empty
    strings / sets where the describe step names the row)."""

    rows: np.ndarray
    centroids: np.ndarray
    seed_rows: list[int]
    labels: list[str]
    kinds: list[str]
    claims: list[frozenset[str]]
    sayings: Sayings | None = None
    parses: dict[int, Any] = field(default_factory=dict)


def cluster_mentions(
    texts: list[str],
    x: np.ndarray,
    frame: Codeframe,
    embed: Embed | None,
    options: ThemeOptions,
    core: np.ndarray | None = None,
    written: list[str] | None = None,
) -> Clustered:
    """Cluster, name (see naming.py), add seed themes, give the others their nearest theme.

    ``core`` (bool per row): only these are clustered and named; the rest (mentions in other
    languages) join the nearest theme. ``written``: the mentions as stored, whose redaction
    placeholders tell which bare words may never be a label.
    """
    params: dict[str, Any] = {}
    if options.clusterer in ("ward", "spectral-ward"):
        params = {"cohesion": options.cohesion, "max_groups": options.max_themes}
    clusterer = get_clusterer(options.clusterer, **params)
    min_size = options.min_theme_size
    at = np.arange(len(x)) if core is None else np.flatnonzero(core)
    found = np.full(len(x), -1, dtype=np.int64)
    if len(at) >= 2 * min_size:
        found[at] = clusterer.fit_predict(x[at], min_size=min_size, seed=options.seed)
    found = merge_close(x, np.asarray(found, dtype=np.int64), options.merge_similarity)
    rows = keep_big(found, min_size)
    k = int(rows.max()) + 1 if len(rows) else 0
    labels, kinds, claims = [""] * k, [""] * k, [frozenset[str]()] * k
    sayings, parses = None, {}
    if options.claims and k:
        named = _name(texts, x, rows, at, clusterer, options, written)
        rows, labels, kinds, claims = named.rows, named.labels, named.kinds, named.stems
        sayings, parses = named.sayings, named.parses
        k = len(labels)
    centroids = centroids_of(x, rows, k)
    seeds = [seed_centroid(s.name, s.phrases, texts, x, embed) for s in frame.seeds]
    if seeds:
        rows, centroids, alive = add_seeds(x, rows, centroids, np.vstack(seeds), options)
        labels = [labels[r] for r in alive] + [s.name for s in frame.seeds]
        kinds = [kinds[r] for r in alive] + [SEED] * len(seeds)
        claims = [claims[r] for r in alive] + [frozenset[str]()] * len(seeds)
    seed_rows = list(range(len(centroids) - len(seeds), len(centroids)))
    # mentions left out by the clustering join their nearest theme; with claims, only
    # those outside ``core`` (what naming left over stays out: it would break a claim;
    # without ``core`` every row was clustered and named) and those nearest to a seed (the
    # analyst's theme, not a checked claim)
    near, _ = assign(x, centroids, min_similarity=options.min_similarity)
    outside = np.zeros(len(x), dtype=bool) if core is None else ~np.asarray(core, dtype=bool)
    outside |= np.isin(near, seed_rows)
    joins = rows < 0 if not options.claims else (rows < 0) & outside
    rows = np.where(joins, near, rows)
    rows, centroids, order = by_size(x, rows, len(centroids), len(centroids) - len(seeds))
    for r, c in zip(seed_rows, seeds, strict=True):
        if not (rows == r).any():
            centroids[r] = c
    labels, kinds = [labels[i] for i in order], [kinds[i] for i in order]
    claims = [claims[i] for i in order]
    return Clustered(rows, centroids, seed_rows, labels, kinds, claims, sayings, parses)


def _name(
    texts: list[str],
    x: np.ndarray,
    rows: np.ndarray,
    at: np.ndarray,
    clusterer: Any,
    options: ThemeOptions,
    written: list[str] | None,
) -> Named:
    """Name the clusters of the clustered rows ``at`` (naming.py); rows outside stay -1."""
    min_size = options.min_theme_size

    def recluster(positions: np.ndarray) -> np.ndarray:
        local = x[at][positions]
        if len(local) < 2 * min_size:
            return np.full(len(local), -1, dtype=np.int64)
        return keep_big(
            clusterer.fit_predict(local, min_size=min_size, seed=options.seed), min_size
        )

    named = name_groups(
        [texts[i] for i in at],
        x[at],
        rows[at],
        parser=load_parser(options.spacy_model),
        min_size=min_size,
        recluster=recluster,
        absorb_floor=options.min_similarity,
        evidence=corpus_words(written) if written is not None else None,
        written=[written[i] for i in at] if written is not None else None,
    )
    full = np.full(len(x), -1, dtype=np.int64)
    full[at] = named.rows
    named.rows = full
    named.parses = {int(at[p]): c for p, c in named.parses.items()}
    if len(at) != len(x):  # the index of who says what covers every row
        named.sayings = Sayings(texts)
    return named


def add_seeds(
    x: np.ndarray, rows: np.ndarray, centroids: np.ndarray, seeds: np.ndarray, options: ThemeOptions
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Seeds take the mentions closer to them than to their own theme; tiny leftovers
    of the found themes dissolve. Returns the rows, the centroids (found ones that are
    still alive, then the seeds) and which found rows are alive."""
    own = np.where(rows >= 0, (x * centroids[np.maximum(rows, 0)]).sum(axis=1), -np.inf)
    seed_sim = x @ seeds.T
    best = np.argmax(seed_sim, axis=1)
    take = seed_sim[np.arange(len(x)), best] >= np.maximum(own, options.min_similarity)
    k = len(centroids)
    rows = rows.copy()
    rows[take] = k + best[take]
    counts = np.bincount(rows[rows >= 0], minlength=k + len(seeds))
    alive = [r for r in range(k) if counts[r] >= options.min_theme_size]
    remap = np.full(k + len(seeds), -1, dtype=np.int64)
    remap[alive] = np.arange(len(alive))
    remap[k:] = len(alive) + np.arange(len(seeds))
    rows = np.where(rows >= 0, remap[np.maximum(rows, 0)], -1)
    return rows, np.vstack([centroids[alive], seeds]), alive


def number_themes(
    centroids: np.ndarray,
    rows: np.ndarray,
    seed_rows: list[int],
    frame: Codeframe,
    previous: ThemeState | None,
    texts: list[str],
    options: ThemeOptions,
) -> tuple[np.ndarray, int]:
    """Ids per centroid row: previous ids where matched, seed ids, then new ones.

    Returns the ids and the id the next new theme gets. The seeds of ``frame`` are given
    their theme's id (``frame`` is the fit's own copy).
    """
    k = len(centroids)
    ids = np.full(k, -1, dtype=np.int64)
    for r, s in zip(seed_rows, frame.seeds, strict=True):
        if s.theme_id is not None:
            ids[r] = s.theme_id
    taken = set(ids[ids >= 0].tolist())
    next_id: int = 0
    if previous is not None:
        from analyzer.themes.labels import class_tfidf, keywords

        free = [r for r in range(k) if ids[r] < 0]
        weights, vocab = class_tfidf([" ".join(np.asarray(texts)[rows == r]) for r in free])
        new_words = keywords(weights, vocab, options.n_keywords)
        old_words = [list(w) for w in previous.raw_themes["keywords"]]
        old = previous.centroids
        pairs = match_previous(
            centroids[free], new_words, old, old_words, threshold=options.match_threshold
        )
        for i, j in pairs.items():
            if int(previous.theme_ids[j]) not in taken:
                ids[free[i]] = int(previous.theme_ids[j])
        taken |= set(ids[ids >= 0].tolist())
        next_id = int(previous.next_id)
    next_id = max([next_id, *(t + 1 for t in taken)])
    for r in range(k):  # rows are already ordered biggest first
        if ids[r] < 0:
            if previous is None:
                while next_id in taken:
                    next_id += 1
            ids[r] = next_id
            taken.add(next_id)
            next_id += 1
    for r, s in zip(seed_rows, frame.seeds, strict=True):
        s.theme_id = int(ids[r])
    return ids, int(max([next_id, *(t + 1 for t in taken)]))
