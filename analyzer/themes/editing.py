"""Edits that change a fitted model's themes: split, seed, and candidate new themes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analyzer.errors import InputError
from analyzer.themes.arrays import check_inputs, keep_big
from analyzer.themes.cluster import get_clusterer, normalise
from analyzer.themes.describe import describe_themes
from analyzer.themes.labels import load_tagger
from analyzer.themes.matching import theme_floor
from analyzer.themes.seeds import Embed, seed_centroid

if TYPE_CHECKING:
    from analyzer.themes.model import ThemeModel

__all__ = ["add_seed", "propose_candidates", "split_theme"]


def _prepare(model: ThemeModel, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
    model._check_fitted()
    return check_inputs(list(texts), embeddings, model.n_features_in_)


def _append(
    model: ThemeModel,
    centroids: np.ndarray,
    table: pd.DataFrame,
    member_cos: list[np.ndarray],
    drop_rows: Sequence[int] = (),
) -> None:
    """Add themes (centroids + table rows) to ``model`` and drop rows ``drop_rows``."""
    keep = np.setdiff1d(np.arange(len(model.theme_ids_)), np.asarray(drop_rows, dtype=np.int64))
    typical = [float(np.median(c)) if len(c) else 1.0 for c in member_cos]
    floors = [
        theme_floor(c, min_similarity=model.min_similarity, quantile=model.outlier_quantile)
        for c in member_cos
    ]
    model.centroids_ = np.vstack([model.centroids_[keep], centroids]).astype(np.float32)
    model.theme_ids_ = np.concatenate([model.theme_ids_[keep], table["theme_id"].to_numpy()])
    model.typical_ = np.concatenate([model.typical_[keep], typical])
    model.floors_ = np.concatenate([model.floors_[keep], floors])
    kept = model.raw_themes_[model.raw_themes_["theme_id"].isin(model.theme_ids_)]
    model.raw_themes_ = pd.concat([kept, table], ignore_index=True)
    model.next_id_ = int(max(model.next_id_, int(model.theme_ids_.max()) + 1))


def split_theme(
    model: ThemeModel,
    theme_id: int,
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    n_parts: int = 2,
) -> list[int]:
    """Split ``theme_id`` into ``n_parts`` themes with k-means on its mentions in ``texts``."""
    from sklearn.cluster import KMeans

    texts = [str(t) for t in texts]
    x = _prepare(model, texts, embeddings)
    model._theme_row(model.codeframe_.resolve(theme_id))
    assigned, _ = model.transform(texts, x)
    members = np.flatnonzero(assigned == model.codeframe_.resolve(theme_id))
    if n_parts < 2 or len(members) < 2 * n_parts:
        raise InputError(
            f"Cannot split theme {theme_id} into n_parts={n_parts}: it has {len(members)} "
            f"mentions in the given texts; need n_parts >= 2 and >= {2 * n_parts} mentions."
        )
    parts = KMeans(n_parts, random_state=model.seed, n_init=4).fit_predict(x[members])
    order = np.argsort(-np.bincount(parts, minlength=n_parts), kind="stable")
    rows = np.full(len(texts), -1, dtype=np.int64)
    rows[members] = np.argsort(order)[parts]
    centroids = normalise(np.vstack([x[rows == r].mean(axis=0) for r in range(n_parts)]))
    new_ids = np.arange(model.next_id_, model.next_id_ + n_parts, dtype=np.int64)
    table = describe_themes(
        texts, x, rows, centroids, new_ids, fixed_labels={}, n_keywords=model.n_keywords,
        n_examples=model.n_examples, n_parents=None, tagger=load_tagger(model.spacy_model),
    )  # fmt: skip
    survivor = model.codeframe_.resolve(theme_id)
    gone = [int(t) for t in model.theme_ids_ if model.codeframe_.resolve(int(t)) == survivor]
    old = model.raw_themes_.set_index("theme_id").loc[survivor]
    table["parent_id"], table["parent_label"] = old["parent_id"], str(old["parent_label"])
    table["owner"] = model.codeframe_.owners.get(survivor, old["owner"])
    cos = [x[rows == r] @ centroids[r] for r in range(n_parts)]
    _append(model, centroids, table, cos, [model._theme_row(t) for t in gone])
    frame = model.codeframe_
    for t in gone:
        frame.merges.pop(t, None)
    frame.record_split(survivor, new_ids.tolist())
    model.apply_codeframe(frame)
    return new_ids.tolist()


def add_seed(
    model: ThemeModel,
    name: str,
    phrases: list[str],
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    embed: Embed | None = None,
) -> int:
    """Add a seed theme to a fitted model (see ``ThemeModel.add_seed``); return its id."""
    texts = [str(t) for t in texts]
    x = _prepare(model, texts, embeddings)
    seed = model.codeframe_.add_seed(name, phrases)
    centroid = seed_centroid(seed.name, seed.phrases, texts, x, embed)[None, :]
    theme_id = int(model.next_id_)
    sims = x @ np.vstack([model.centroids_, centroid]).T
    rows = np.where(np.argmax(sims, axis=1) == len(model.centroids_), 0, -1)
    table = describe_themes(
        texts, x, rows, centroid, np.array([theme_id]), fixed_labels={theme_id: seed.name},
        n_keywords=model.n_keywords, n_examples=model.n_examples, n_parents=None,
        tagger=load_tagger(model.spacy_model),
    )  # fmt: skip
    if len(model.centroids_):
        nearest = int(np.argmax(model.centroids_ @ centroid[0]))
        parent = model.raw_themes_.iloc[nearest]
        table["parent_id"], table["parent_label"] = parent["parent_id"], parent["parent_label"]
    seed.theme_id = theme_id
    _append(model, centroid, table, [x[rows == 0] @ centroid[0]])
    model.apply_codeframe(model.codeframe_)
    return theme_id


def propose_candidates(
    model: ThemeModel,
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    min_size: int | None = None,
) -> pd.DataFrame:
    """Candidate new themes among the mentions no known theme fits (see the model method)."""
    texts = [str(t) for t in texts]
    x = _prepare(model, texts, embeddings)
    min_size = int(min_size or model.min_theme_size_)
    assigned, _ = model.transform(texts, x)
    loose = np.flatnonzero(assigned == -1)
    empty = describe_themes(
        [], x[:0], np.zeros(0, dtype=np.int64), x[:0], np.zeros(0, dtype=np.int64),
        fixed_labels={}, n_keywords=1, n_examples=0, n_parents=None, tagger=None,
    ).assign(members=[])  # fmt: skip
    if len(loose) < min_size:
        return empty
    ward = model.clusterer in ("ward", "spectral-ward")
    params = {"cohesion": model.cohesion} if ward else {}
    found = get_clusterer(model.clusterer, **params).fit_predict(
        x[loose], min_size=min_size, seed=model.seed
    )
    rows = keep_big(np.asarray(found, dtype=np.int64), min_size)
    k = int(rows.max()) + 1 if len(rows) else 0
    if k == 0:
        return empty
    centroids = normalise(np.vstack([x[loose][rows == r].mean(axis=0) for r in range(k)]))
    sub_texts = [texts[i] for i in loose]
    table = describe_themes(
        sub_texts, x[loose], rows, centroids, -1 - np.arange(k), fixed_labels={},
        n_keywords=model.n_keywords, n_examples=model.n_examples, n_parents=None,
        tagger=load_tagger(model.spacy_model),
    )  # fmt: skip
    table["members"] = [loose[rows == r].tolist() for r in range(k)]
    return table
