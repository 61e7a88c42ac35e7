"""The sentiment pass: which model scores each mention, and toward which theme.

:func:`score_sentiment` is the pipeline's one dispatch point. Mentions on the multilingual
path (see :func:`analyzer.pipeline.embedding_pass.foreign_rows`) go to the multilingual head; the
others go to the configured backend, which reads the states kept by the shared MiniLM pass
when there are some, scores each mention toward its theme's aspect when it is
aspect-conditioned, and otherwise scores the text (clause) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from analyzer.pipeline.components import Components, Progress
from analyzer.pipeline.embedding_pass import Embedded, embed_mentions, foreign_rows
from analyzer.sentiment import AspectSentiment, SharedPassSentiment
from analyzer.text.normalise import embedding_texts

__all__ = ["embed_with_sentiment", "score_sentiment", "theme_aspects"]


def theme_aspects(themes: pd.DataFrame) -> dict[int, str]:
    """Aspect text of each theme for aspect-conditioned sentiment: its label."""
    if themes.empty or "label" not in themes:
        return {}
    ids = themes["theme_id"].astype("int64").tolist()
    return {i: str(lab) for i, lab in zip(ids, themes["label"].astype(str), strict=True)}


def score_sentiment(
    mentions: pd.DataFrame,
    components: Components,
    embedded: Embedded | None = None,
    aspects: dict[int, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment of each mention toward its theme: the pipeline's one dispatch point.

    English (and "unknown") mentions go to the sentiment backend, toward their theme's
    aspect when it is aspect-conditioned; mentions in another supported language go to the
    multilingual head (never to the English branch or VADER).

    Returns
    -------
    labels : ndarray (n,) object; scores : ndarray (n,) float64 in [-1, 1]
    """
    foreign = foreign_rows(mentions, components)
    if foreign is None or components.multilingual is None:
        return _score_english(mentions, components, embedded, aspects)
    labels = np.empty(len(mentions), dtype=object)
    scores = np.zeros(len(mentions), dtype="float64")
    if embedded is not None and embedded.english is None:  # every row went the English way
        labels[:], scores[:] = _score_english(mentions, components, embedded, aspects)
    else:
        home = np.flatnonzero(~foreign)
        sub = None
        if embedded is not None:  # sentiment and state_rows follow the rows of ``home``
            sub = replace(embedded, embeddings=embedded.embeddings[home], english=None)
        if len(home):
            labels[home], scores[home] = _score_english(
                mentions.iloc[home], components, sub, aspects
            )
    mask, other_labels, other_scores = components.multilingual.predict_sentiment(mentions)
    labels[mask], scores[mask] = other_labels, other_scores
    return labels, scores


def _score_english(
    mentions: pd.DataFrame,
    components: Components,
    embedded: Embedded | None = None,
    aspects: dict[int, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment of English (and unknown-language) mentions with the English backend:
    from the embed stage's kept states when it can, toward the theme's aspect when the
    backend is aspect-conditioned, else by a plain ``predict``.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``text`` and, for aspect-conditioned backends, ``theme_id`` (< 0: no theme, scored
        on its own). A ``language`` column is accepted and not read yet (all English).
    components : Components
    embedded : Embedded, optional
        The embed stage's output (kept states are used when present).
    aspects : dict, optional
        Theme id -> aspect text (:func:`theme_aspects`).

    Returns
    -------
    labels : ndarray (n,) object; scores : ndarray (n,) float64 in [-1, 1]
    """
    backend = components.sentiment
    # what the embedder saw (no handles, links, placeholders): every backend reads the same
    texts = embedding_texts(mentions["text"].astype(str).tolist())
    if not texts:
        return np.array([], dtype=object), np.array([], dtype="float64")
    per_mention: list[str | None] | None = None
    if aspects and "theme_id" in mentions:
        ids = mentions["theme_id"].astype("int64").tolist()
        per_mention = [aspects.get(t) if t >= 0 else None for t in ids]
    if embedded is not None and embedded.sentiment is not None:  # scored in the shared pass
        labels, scores = embedded.sentiment
    elif embedded is not None and embedded.states is not None:
        assert isinstance(backend, SharedPassSentiment)
        labels, scores = _from_states(backend, embedded, per_mention)
    elif per_mention is not None and isinstance(backend, AspectSentiment):
        labels, scores = backend.predict_aspects(texts, per_mention)
    else:
        vectors = embedded.embeddings if embedded is not None else None
        labels, scores = backend.predict(texts, vectors)
    return np.asarray(labels, dtype=object), np.asarray(scores, dtype="float64")


def _from_states(
    backend: SharedPassSentiment, embedded: Embedded, aspects: list[str | None] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Scores from kept states: each distinct (text, aspect) pair once."""
    rows = embedded.state_rows
    if rows is None:
        rows = np.arange(len(embedded.states))
    keys = list(zip(rows.tolist(), aspects or [None] * len(rows), strict=True))
    where: dict[tuple[int, str | None], int] = {}
    pair = np.fromiter((where.setdefault(k, len(where)) for k in keys), np.int64, len(keys))
    firsts = np.array([k[0] for k in where], dtype=np.int64)
    labels, scores = backend.predict_states(
        embedded.states.take(firsts), [k[1] for k in where] if aspects is not None else None
    )
    return np.asarray(labels, dtype=object)[pair], np.asarray(scores, dtype="float64")[pair]


def embed_with_sentiment(
    texts: Sequence[str], components: Components, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings, and each text's sentiment on its own (no theme), of ``texts``.

    Returns
    -------
    embeddings : ndarray (n, dim) float32; labels : ndarray (n,) object;
    scores : ndarray (n,) float64 in [-1, 1]
    """
    embedded = embed_mentions(texts, components, progress)
    labels, scores = score_sentiment(pd.DataFrame({"text": list(texts)}), components, embedded)
    return embedded.embeddings, labels, scores
