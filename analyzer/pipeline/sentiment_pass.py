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
from typing import Any

import numpy as np
import pandas as pd

from analyzer.pipeline.components import Components, Progress
from analyzer.pipeline.embedding_pass import Embedded, embed_mentions, foreign_rows
from analyzer.sentiment import AspectSentiment, SharedPassSentiment
from analyzer.tables import PRIMARY
from analyzer.text.normalise import embedding_texts

__all__ = ["embed_with_sentiment", "score_sentiment", "theme_aspects", "with_extra_themes"]


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


def with_extra_themes(
    mentions: pd.DataFrame,
    extra: tuple[np.ndarray, np.ndarray],
    confidence: np.ndarray,
    components: Components,
    embedded: Embedded | None = None,
    aspects: dict[int, str] | None = None,
) -> pd.DataFrame:
    """The mentions table with one more row per other theme a mention names.

    ``extra`` = (positions into ``mentions``, theme ids): the pairs ``ThemeModel.extra_`` or
    ``transform_with_tags`` gave. Each new row copies its mention with that theme, its
    ``confidence`` and ``primary`` False. A mention of two or more themes is scored toward
    each of them (its primary row too) by the aspect model when the English MiniLM branch
    and its kept states are there ("delivery was quick but the app crashes": positive on
    delivery, negative on the app); otherwise every row keeps the mention's own sentiment.
    Rows stay in mention order, the primary row first.
    """
    positions, theme_ids = (np.asarray(a, dtype=np.int64) for a in extra)
    if len(positions) == 0:
        return mentions
    added = mentions.iloc[positions].copy()
    added["theme_id"] = theme_ids
    added["theme_confidence"] = np.asarray(confidence, dtype="float64")
    added[PRIMARY] = False
    out = pd.concat([mentions, added], ignore_index=True)
    order = np.concatenate([np.arange(len(mentions)), positions])
    out["_at"], out["_extra"] = order, np.arange(len(out)) >= len(mentions)
    aspect = _aspect_backend(components, embedded)
    if aspect is not None and aspects:
        _score_toward_themes(out, positions, aspect, embedded, aspects)
    out = out.sort_values(["_at", "_extra", "theme_id"], kind="stable")
    return out.drop(columns=["_at", "_extra"]).reset_index(drop=True)


def _aspect_backend(components: Components, embedded: Embedded | None) -> Any:
    """The aspect model, sharing the sentiment branch's MiniLM, or None where there is no
    MiniLM branch (VADER, another embedder): then every row keeps the mention's sentiment."""
    backend = components.sentiment
    if not isinstance(backend, SharedPassSentiment):
        return None
    if isinstance(backend, AspectSentiment) and getattr(backend, "name", "") == "minilm-aspect":
        return backend
    return components.aspect_sentiment()


def _score_toward_themes(
    out: pd.DataFrame,
    positions: np.ndarray,
    aspect: Any,
    embedded: Embedded | None,
    aspects: dict[int, str],
) -> None:
    """Score every English row of the multi-theme mentions toward its own theme (in place):
    from the embedding pass's kept states when there are some, else from the texts (the
    branch's lower layers run again for these few mentions only)."""
    multi = np.unique(positions)
    rows = np.flatnonzero(np.isin(out["_at"].to_numpy(), multi))
    language = out["language"].astype(str).to_numpy()[rows] if "language" in out else None
    if language is not None:  # the multilingual head scores other languages, toward no aspect
        rows = rows[np.isin(language, ("en", "unknown", "nan", "None"))]
    if not len(rows):
        return
    labels = [aspects.get(int(t)) for t in out["theme_id"].to_numpy()[rows]]
    states = _kept_states(embedded, out["_at"].to_numpy()[rows])
    if states is not None:
        got_labels, got_scores = aspect.predict_states(states, labels)
    else:
        texts = embedding_texts(out["text"].astype(str).to_numpy()[rows].tolist())
        got_labels, got_scores = aspect.predict_aspects(texts, labels)
    out.loc[out.index[rows], "sentiment"] = np.asarray(got_labels, dtype=object)
    out.loc[out.index[rows], "sentiment_score"] = np.asarray(got_scores, dtype="float64")


def _kept_states(embedded: Embedded | None, at: np.ndarray) -> Any:
    """The embedding pass's kept states of the mentions ``at`` (positions among the primary
    rows), or None when the pass kept none or not for all of them."""
    if embedded is None or embedded.states is None:
        return None
    english = embedded.english
    state_of = np.arange(len(embedded.embeddings))
    if english is not None:
        state_of = np.full(len(embedded.embeddings), -1, dtype=np.int64)
        state_of[np.asarray(english, dtype=np.int64)] = np.arange(len(english))
    idx = state_of[at]
    if (idx < 0).any() or len(embedded.states) != (
        len(embedded.embeddings) if english is None else len(english)
    ):
        return None
    return _take(embedded.states, idx)


def _take(states: Any, idx: np.ndarray) -> Any:
    """The kept states of the texts ``idx`` (a MentionStates of len(idx) texts)."""
    from analyzer.sentiment import MentionStates

    rows = [states.states[states.offsets[i] : states.offsets[i + 1]] for i in idx]
    return MentionStates.from_rows(rows, states.states.shape[1], states.states.dtype)
