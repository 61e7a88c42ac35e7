"""The embed stage: mention vectors, routed by language, and the shared MiniLM pass.

Language routing happens here: :func:`foreign_rows` picks the mentions that take the
multilingual path (a supported language other than English), and :func:`embed_by_language`
encodes them with the multilingual encoder mapped into the embedder's space. Everything
else goes through :func:`embed_mentions`, which with the bundled MiniLM and a
:class:`~analyzer.sentiment.SharedPassSentiment` backend also keeps MiniLM's lower-layer
states for the sentiment pass (sentiment_pass.py), so those layers run once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.embed import Embedder, SharedPassEmbedder
from analyzer.pipeline.components import Components, Progress, SilentProgress
from analyzer.sentiment import SharedPassSentiment
from analyzer.text.normalise import embedding_texts

__all__ = [
    "MINILM_NAME",
    "Embedded",
    "distinct",
    "embed_by_language",
    "embed_mentions",
    "foreign_rows",
]

log = logging.getLogger(__name__)

MINILM_NAME = "all-MiniLM-L6-v2"
"""The embedder whose lower layers the MiniLM sentiment backends were trained on."""


@dataclass
class Embedded:
    """What the embed stage hands to themes and sentiment.

    ``embeddings`` (n, dim) float32. With a :class:`SharedPassSentiment` backend, the shared
    pass also gives the English rows' sentiment: ``sentiment`` (labels, scores) when the
    backend reads no aspect (the branch ran inside the pass), else ``states`` (the kept
    lower-layer token states, ``MentionStates``, one per distinct text) and ``state_rows``
    (which of them each English row reads). None when the backend does not share the pass.
    """

    embeddings: np.ndarray
    states: Any = None
    english: np.ndarray | None = None
    """Rows that took the English path, in order (None: every row); ``sentiment`` and
    ``state_rows`` follow them."""
    sentiment: tuple[np.ndarray, np.ndarray] | None = None
    state_rows: np.ndarray | None = None


def distinct(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in first-seen order, and the position of each text among them.

    Returns
    -------
    unique : list of str
    rows : ndarray of shape (len(texts),), int64, with ``unique[rows[i]] == texts[i]``
    """
    where: dict[str, int] = {}
    rows = np.fromiter((where.setdefault(t, len(where)) for t in texts), np.int64, len(texts))
    return list(where), rows


def foreign_rows(mentions: pd.DataFrame, components: Components) -> np.ndarray | None:
    """Boolean (n,): mentions for the multilingual path; None when there are none."""
    if components.multilingual is None or "language" not in mentions or mentions.empty:
        return None
    from analyzer.multilingual import is_foreign

    foreign = np.asarray(is_foreign(mentions["language"].to_numpy()), dtype=bool)
    return foreign if foreign.any() else None


def _embed(texts: Sequence[str], embedder: Embedder, progress: Progress) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return embedder.encode(texts, progress=progress.advance)


def _shared_encoder(components: Components) -> Any | None:
    """The SentenceTransformer to share with the sentiment branch, or None if not shareable.

    Shareable when the backend reads kept states (:class:`SharedPassSentiment`) and the
    embedder, or what it wraps, hands out the bundled MiniLM (:class:`SharedPassEmbedder`).
    A MiniLM embedder that does not implement the protocol still works, with a warning: the
    backend then runs MiniLM's lower layers a second time.
    """
    embedder, backend = components.embedder, components.sentiment
    if not isinstance(backend, SharedPassSentiment) or embedder.name != MINILM_NAME:
        return None
    if not isinstance(embedder, SharedPassEmbedder):
        log.warning(
            "Embedder %s does not implement SharedPassEmbedder: sentiment runs its own "
            "MiniLM pass (about +50%% time).",
            type(embedder).__name__,
        )
        return None
    return embedder.shared_encoder()


def embed_mentions(
    texts: Sequence[str],
    components: Components,
    progress: Progress | None = None,
    *,
    states_dtype: Any = np.float32,
) -> Embedded:
    """Embed ``texts`` (each distinct text once) and, with the bundled MiniLM and a
    :class:`SharedPassSentiment` backend, score their sentiment in the same pass.

    The branch runs on each batch's lower-layer states inside the pass when it reads no
    aspect; an aspect-conditioned branch needs the themes first, so its states are kept
    (one per distinct text). The vectors still go to the embedding cache (search reads them
    there). ``states_dtype`` is the precision the branch reads the states in (float16
    halves the memory of kept states; the pipeline uses it either way, so both paths give
    the same scores).
    """
    progress = progress or SilentProgress()
    if not texts:
        return Embedded(np.zeros((0, components.embedder.dim), dtype=np.float32))
    unique, rows = distinct(texts)
    progress.advance(len(texts) - len(unique))  # repeats cost nothing
    shared = _shared_encoder(components)
    if shared is None:
        return Embedded(_embed(unique, components.embedder, progress)[rows])
    from analyzer.sentiment import encode_with_sentiment, encode_with_states

    backend = components.sentiment
    assert isinstance(backend, SharedPassSentiment)
    backend.attach_base(shared)  # one copy of MiniLM for both
    backend.check_base(shared)
    assert isinstance(components.embedder, SharedPassEmbedder)
    if backend.reads_aspects():
        embeddings, states = encode_with_states(
            unique,
            model=shared,
            input_layer=backend.states_layer(),
            progress=progress.advance,
            dtype=states_dtype,
        )
        components.embedder.store(unique, embeddings)
        return Embedded(embeddings[rows], states, state_rows=rows)
    embeddings, labels, scores = encode_with_sentiment(
        unique,
        model=shared,
        backend=backend,  # type: ignore[arg-type]
        progress=progress.advance,
        states_dtype=states_dtype,
    )
    components.embedder.store(unique, embeddings)
    return Embedded(embeddings[rows], sentiment=(labels[rows], scores[rows]))


def embed_by_language(
    mentions: pd.DataFrame,
    components: Components,
    progress: Progress | None = None,
    *,
    states_dtype: Any = np.float32,
) -> Embedded:
    """:func:`embed_mentions` of the topic text, non-English mentions on the multilingual path.

    English and ``"unknown"`` mentions are embedded exactly as without languages (an export
    with no other language gives identical results); mentions in another supported
    language get the multilingual encoder's vectors mapped into the same space
    (:class:`analyzer.multilingual.Multilingual`). ``Embedded.english`` then lists the rows
    whose states the English sentiment branch holds.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``text`` and ``language`` columns (without ``language`` every mention is English).
    """
    texts = embedding_texts(mentions["text"].astype(str).tolist())
    foreign = foreign_rows(mentions, components)
    multi = components.multilingual
    if foreign is None or multi is None or multi.embed is None:
        return embed_mentions(texts, components, progress, states_dtype=states_dtype)
    home, other = np.flatnonzero(~foreign), np.flatnonzero(foreign)
    part = embed_mentions([texts[i] for i in home], components, progress, states_dtype=states_dtype)
    embeddings = np.zeros((len(texts), components.embedder.dim), dtype=np.float32)
    if len(home):
        embeddings[home] = part.embeddings
    embeddings[other] = multi.embed.encode([texts[i] for i in other])
    if progress is not None:
        progress.advance(len(other))
    part.embeddings = embeddings
    part.english = home
    return part
