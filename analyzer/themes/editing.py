"""Edits that change a fitted model's themes: split, seed, and candidate new themes.

Every edit is a pure function: it takes the model's learned state (:class:`ThemeState`),
its codeframe and its options (:class:`ThemeOptions`), and returns a new state and
codeframe (:class:`Edit`) without touching the inputs. ``ThemeModel`` applies the result
with one method, so this module never imports the model (no import cycle) and never
reaches into its private attributes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.errors import InputError, NotFoundError
from analyzer.text.normalise import topic_text
from analyzer.themes.arrays import keep_big
from analyzer.themes.cluster import get_clusterer, normalise
from analyzer.themes.codeframe import Codeframe
from analyzer.themes.describe import describe_themes
from analyzer.themes.matching import theme_floor
from analyzer.themes.phrases import load_parser
from analyzer.themes.seeds import Embed, seed_centroid

__all__ = ["Edit", "ThemeOptions", "ThemeState", "add_seed", "propose_candidates", "split_theme"]


@dataclass(frozen=True)
class ThemeState:
    """What a fitted ``ThemeModel`` has learnt, one row per theme (k themes).

    Attributes
    ----------
    centroids : ndarray (k, dim) float32, unit rows
    theme_ids : ndarray (k,) int64
    typical : ndarray (k,) float64, median cosine of a theme's mentions to its centroid
    floors : ndarray (k,) float64, cosine below which a mention is not given the theme
    raw_themes : DataFrame, the unedited themes table (one row per theme id)
    next_id : int, the id the next new theme gets
    """

    centroids: np.ndarray
    theme_ids: np.ndarray
    typical: np.ndarray
    floors: np.ndarray
    raw_themes: pd.DataFrame
    next_id: int

    def row_of(self, theme_id: int) -> int:
        """The row of ``theme_id``; NotFoundError naming the id if there is none."""
        hits = np.flatnonzero(self.theme_ids == int(theme_id))
        if len(hits) == 0:
            raise NotFoundError(f"Theme {theme_id} does not exist in this model.")
        return int(hits[0])


@dataclass(frozen=True)
class ThemeOptions:
    """The model's options as fitting and editing read them (``ThemeModel.get_params()`` with
    the theme size resolved to ``min_theme_size_``)."""

    clusterer: str
    cohesion: float
    max_themes: int | None
    merge_similarity: float
    min_similarity: float
    min_theme_size: int
    n_keywords: int
    n_examples: int
    match_threshold: float
    outlier_quantile: float
    spacy_model: str | None
    seed: int
    claims: bool = True


@dataclass(frozen=True)
class Edit:
    """The result of an edit: the new state and codeframe, and the ids it created."""

    state: ThemeState
    codeframe: Codeframe
    new_ids: list[int]


def _appended(
    state: ThemeState,
    options: ThemeOptions,
    centroids: np.ndarray,
    table: pd.DataFrame,
    member_cos: list[np.ndarray],
    drop_rows: Sequence[int] = (),
) -> ThemeState:
    """A copy of ``state`` with themes added (centroids + table rows) and ``drop_rows`` gone."""
    keep = np.setdiff1d(np.arange(len(state.theme_ids)), np.asarray(drop_rows, dtype=np.int64))
    typical = [float(np.median(c)) if len(c) else 1.0 for c in member_cos]
    floors = [
        theme_floor(c, min_similarity=options.min_similarity, quantile=options.outlier_quantile)
        for c in member_cos
    ]
    theme_ids = np.concatenate([state.theme_ids[keep], table["theme_id"].to_numpy()])
    kept = state.raw_themes[state.raw_themes["theme_id"].isin(theme_ids)]
    return ThemeState(
        centroids=np.vstack([state.centroids[keep], centroids]).astype(np.float32),
        theme_ids=theme_ids.astype(np.int64),
        typical=np.concatenate([state.typical[keep], typical]).astype(np.float64),
        floors=np.concatenate([state.floors[keep], floors]).astype(np.float64),
        raw_themes=pd.concat([kept, table], ignore_index=True),
        next_id=int(max(state.next_id, int(theme_ids.max()) + 1)),
    )


def _describe(
    texts: list[str],
    x: np.ndarray,
    rows: np.ndarray,
    centroids: np.ndarray,
    ids: np.ndarray,
    options: ThemeOptions,
    fixed: dict[int, str],
) -> pd.DataFrame:
    return describe_themes(
        [topic_text(t) for t in texts], x, rows, centroids, ids, fixed_labels=fixed,
        n_keywords=options.n_keywords, n_examples=options.n_examples, n_parents=None,
        tagger=load_parser(options.spacy_model), written=texts,
    )  # fmt: skip


def split_theme(
    state: ThemeState,
    codeframe: Codeframe,
    options: ThemeOptions,
    theme_id: int,
    texts: Sequence[str],
    x: np.ndarray,
    assigned: np.ndarray,
    *,
    n_parts: int = 2,
) -> Edit:
    """Split ``theme_id`` into ``n_parts`` themes with k-means on its mentions.

    Parameters
    ----------
    texts : sequence of str, length n; x : ndarray (n, dim), unit rows
    assigned : ndarray (n,), the theme id the model gives each mention (after the codeframe)
    """
    from sklearn.cluster import KMeans

    texts = [str(t) for t in texts]
    survivor = codeframe.resolve(theme_id)
    state.row_of(survivor)
    members = np.flatnonzero(assigned == survivor)
    if n_parts < 2 or len(members) < 2 * n_parts:
        raise InputError(
            f"Cannot split theme {theme_id} into n_parts={n_parts}: it has {len(members)} "
            f"mentions in the given texts; need n_parts >= 2 and >= {2 * n_parts} mentions."
        )
    parts = KMeans(n_parts, random_state=options.seed, n_init=4).fit_predict(x[members])
    order = np.argsort(-np.bincount(parts, minlength=n_parts), kind="stable")
    rows = np.full(len(texts), -1, dtype=np.int64)
    rows[members] = np.argsort(order)[parts]
    centroids = normalise(np.vstack([x[rows == r].mean(axis=0) for r in range(n_parts)]))
    new_ids = np.arange(state.next_id, state.next_id + n_parts, dtype=np.int64)
    table = _describe(texts, x, rows, centroids, new_ids, options, {})
    gone = [int(t) for t in state.theme_ids if codeframe.resolve(int(t)) == survivor]
    old = state.raw_themes.set_index("theme_id").loc[survivor]
    table["parent_id"], table["parent_label"] = old["parent_id"], str(old["parent_label"])
    table["owner"] = codeframe.owners.get(survivor, old["owner"])
    cos = [x[rows == r] @ centroids[r] for r in range(n_parts)]
    new_state = _appended(state, options, centroids, table, cos, [state.row_of(t) for t in gone])
    frame = copy.deepcopy(codeframe)
    for t in gone:
        frame.merges.pop(t, None)
    frame.record_split(survivor, new_ids.tolist())
    return Edit(new_state, frame, new_ids.tolist())


def add_seed(
    state: ThemeState,
    codeframe: Codeframe,
    options: ThemeOptions,
    name: str,
    phrases: list[str],
    texts: Sequence[str],
    x: np.ndarray,
    *,
    embed: Embed | None = None,
) -> Edit:
    """Add a seed theme (a name and example phrases) anchored on ``texts``; see
    ``ThemeModel.add_seed``."""
    texts = [str(t) for t in texts]
    frame = copy.deepcopy(codeframe)
    seed = frame.add_seed(name, phrases)
    centroid = seed_centroid(seed.name, seed.phrases, texts, x, embed)[None, :]
    theme_id = int(state.next_id)
    sims = x @ np.vstack([state.centroids, centroid]).T
    rows = np.where(np.argmax(sims, axis=1) == len(state.centroids), 0, -1)
    table = _describe(
        texts, x, rows, centroid, np.array([theme_id]), options, {theme_id: seed.name}
    )
    if len(state.centroids):
        nearest = int(np.argmax(state.centroids @ centroid[0]))
        parent = state.raw_themes.iloc[nearest]
        table["parent_id"], table["parent_label"] = parent["parent_id"], parent["parent_label"]
    seed.theme_id = theme_id
    new_state = _appended(state, options, centroid, table, [x[rows == 0] @ centroid[0]])
    return Edit(new_state, frame, [theme_id])


def propose_candidates(
    options: ThemeOptions,
    texts: Sequence[str],
    x: np.ndarray,
    assigned: np.ndarray,
    *,
    min_size: int | None = None,
) -> pd.DataFrame:
    """Candidate new themes among the mentions no known theme fits (``assigned == -1``).

    Returns a table like the themes table (``theme_id`` = -1 - candidate number) with an
    extra ``members`` column: the positions in ``texts`` of each candidate's mentions.
    """
    texts = [str(t) for t in texts]
    min_size = int(min_size or options.min_theme_size)
    loose = np.flatnonzero(assigned == -1)
    empty = describe_themes(
        [], x[:0], np.zeros(0, dtype=np.int64), x[:0], np.zeros(0, dtype=np.int64),
        fixed_labels={}, n_keywords=1, n_examples=0, n_parents=None, tagger=None,
    ).assign(members=[])  # fmt: skip
    if len(loose) < min_size:
        return empty
    ward = options.clusterer in ("ward", "spectral-ward")
    params = {"cohesion": options.cohesion} if ward else {}
    found = get_clusterer(options.clusterer, **params).fit_predict(
        x[loose], min_size=min_size, seed=options.seed
    )
    rows = keep_big(np.asarray(found, dtype=np.int64), min_size)
    k = int(rows.max()) + 1 if len(rows) else 0
    if k == 0:
        return empty
    centroids = normalise(np.vstack([x[loose][rows == r].mean(axis=0) for r in range(k)]))
    sub_texts = [texts[i] for i in loose]
    table = _describe(sub_texts, x[loose], rows, centroids, -1 - np.arange(k), options, {})
    table["members"] = [loose[rows == r].tolist() for r in range(k)]
    return table
