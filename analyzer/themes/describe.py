"""Build the ``themes`` table for a set of theme members: keywords, labels, examples, parents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analyzer.themes.hierarchy import parent_groups
from analyzer.themes.labels import (
    class_tfidf,
    examples_mmr,
    keywords,
    labels_for,
    noun_ending,
    parent_terms,
)
from analyzer.themes.persist import themes_frame

__all__ = ["describe_themes"]


def _parent_label(label: str) -> str:
    return label[:1].upper() + label[1:]


def describe_themes(
    texts: Sequence[str] | list[str],
    embeddings: np.ndarray,
    rows: np.ndarray,
    centroids: np.ndarray,
    theme_ids: np.ndarray,
    *,
    fixed_labels: dict[int, str],
    n_keywords: int,
    n_examples: int,
    n_parents: int | None,
    tagger: Any,
) -> pd.DataFrame:
    """The raw (unedited) themes table, one row per centroid, in centroid order.

    Parameters
    ----------
    texts : sequence of str, length n
    embeddings : ndarray of shape (n, dim), unit rows
    rows : ndarray of shape (n,), centroid row of each mention or -1
    centroids : ndarray of shape (k, dim), unit rows
    theme_ids : ndarray of shape (k,), the id of each centroid row
    fixed_labels : labels that are given (seed themes), by theme id
    """
    texts = list(texts)
    k = len(centroids)
    groups = [np.flatnonzero(rows == r) for r in range(k)]
    docs = [" ".join(texts[i] for i in g) for g in groups]
    weights, vocab = class_tfidf(docs)
    words = keywords(weights, vocab, n_keywords) if k else []
    labels = labels_for(texts, embeddings, groups, centroids, words, tagger=tagger)
    labels = [fixed_labels.get(int(t), lab) for t, lab in zip(theme_ids, labels, strict=True)]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    parents = parent_groups(centroids, sizes, n_parents=n_parents)
    parent_labels = _parent_labels(texts, embeddings, groups, centroids, parents, labels, tagger)
    records = []
    for r in range(k):
        records.append(
            {
                "theme_id": int(theme_ids[r]),
                "label": labels[r],
                "keywords": words[r],
                "parent_id": int(parents[r]),
                "parent_label": parent_labels.get(int(parents[r]), ""),
                "size": int(sizes[r]),
                "examples": examples_mmr(texts, embeddings, groups[r], centroids[r], n=n_examples),
                "owner": None,
            }
        )
    return themes_frame(records)


def _stems(label: str) -> set[str]:
    """Crude word stems (first four letters) of a label: "card" and "cards" clash."""
    return {w[:4] for w in label.lower().split()}


def _parent_labels(
    texts: Sequence[str],
    embeddings: np.ndarray,
    groups: list[np.ndarray],
    centroids: np.ndarray,
    parents: np.ndarray,
    child_labels: Sequence[str],
    tagger: Any,
) -> dict[int, str]:
    """One label per parent: the word or two its children share ("Delivery", "Support").

    A parent of one theme takes that theme's label. Otherwise the parent's c-TF-IDF terms
    (against the other parents) are scored by weight times the share of its child themes
    that use them, so the label names what the children have in common rather than the
    biggest child ("Game changer" over five delivery themes). Terms must end in a noun
    when spaCy is there, and no two parents share a label or a word stem. Without a usable
    term the 2-4 word phrase labeller decides, as for themes.
    """
    ids = sorted({int(p) for p in parents if p >= 0})
    if not ids:
        return {}
    children = {p: np.flatnonzero(parents == p) for p in ids}
    members = [np.concatenate([groups[r] for r in children[p]]) for p in ids]
    weights, vocab = class_tfidf([" ".join(texts[i] for i in m) for m in members])
    terms = parent_terms(texts, weights, vocab, [[groups[r] for r in children[p]] for p in ids])
    nouns = noun_ending(sorted({t for options in terms for t, _ in options}), tagger)
    out: dict[int, str] = {}
    used: set[str] = set()
    fallback = []
    for p, options in zip(ids, terms, strict=True):
        if len(children[p]) == 1:
            out[p] = _parent_label(child_labels[int(children[p][0])])
            used |= _stems(out[p])
            continue
        label = next(
            (t for t, _ in options if nouns.get(t, True) and not _stems(t) & used),
            None,
        )
        if label is None:
            fallback.append(p)
            continue
        used |= _stems(label)
        out[p] = _parent_label(label)
    if fallback:
        rows = [ids.index(p) for p in fallback]
        centres = np.vstack([centroids[parents == p].mean(axis=0) for p in fallback])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
        words = keywords(weights[rows], vocab, 4)
        labels = labels_for(
            texts, embeddings, [members[r] for r in rows], centres, words, tagger=tagger
        )
        out.update({p: _parent_label(lab) for p, lab in zip(fallback, labels, strict=True)})
    return out
