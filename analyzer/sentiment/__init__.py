"""Polarity and score per mention, behind a small backend protocol chosen by name.

Backends
--------
``minilm-sentiment``
    A fine-tuned copy of all-MiniLM-L6-v2's top layers + a linear head (``models/sentiment``,
    trained by ``benchmarks/train_sentiment.py``). Shares MiniLM's lower layers with the
    embedding pass through :func:`encode_with_sentiment`.
``vader``
    Lexicon rules (vaderSentiment); no model files; the fallback.

Usage::

    backend = get_backend("minilm-sentiment")
    labels, scores = backend.predict(texts)
    label, score = overall_sentiment(labels, scores)

    # embedding + sentiment in one MiniLM pass (the pipeline's path):
    embeddings, labels, scores = encode_with_sentiment(texts, model=sentence_transformer)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.errors import ConfigError
from analyzer.sentiment._base import (
    LABELS,
    MIXED,
    SentimentBackend,
    labels_from_scores,
    overall_sentiment,
)
from analyzer.sentiment._minilm import MiniLMSentimentBackend, encode_with_sentiment
from analyzer.sentiment._vader import VaderBackend
from analyzer.sentiment.agreement import agreement_with_scores, response_sentiment

_BACKENDS: dict[str, Callable[..., SentimentBackend]] = {
    "minilm-sentiment": MiniLMSentimentBackend,
    "vader": VaderBackend,
}

#: Beats VADER on every set of benchmarks/sentiment.py (see models/sentiment/MODEL_CARD.md).
DEFAULT_BACKEND = "minilm-sentiment"


def backend_names() -> list[str]:
    """Names :func:`get_backend` accepts, sorted."""
    return sorted(_BACKENDS)


def get_backend(name: str = DEFAULT_BACKEND, **kwargs: Any) -> SentimentBackend:
    """Build the sentiment backend called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`backend_names`.
    **kwargs
        Passed to the backend's constructor.

    Raises
    ------
    ConfigError
        When ``name`` is not a known backend.
    """
    try:
        factory = _BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown sentiment backend {name!r}. Expected one of: {', '.join(backend_names())}. "
            "Set the sentiment backend option to one of these names."
        ) from None
    return factory(**kwargs)


__all__ = [
    "DEFAULT_BACKEND",
    "LABELS",
    "MIXED",
    "MiniLMSentimentBackend",
    "SentimentBackend",
    "VaderBackend",
    "agreement_with_scores",
    "backend_names",
    "encode_with_sentiment",
    "get_backend",
    "labels_from_scores",
    "overall_sentiment",
    "response_sentiment",
]
