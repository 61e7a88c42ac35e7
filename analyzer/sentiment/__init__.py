"""Polarity and score per mention, behind a small backend protocol chosen by name.

Backends
--------
``minilm-aspect``
    Sentiment of a mention *toward its theme*: a fine-tuned copy of all-MiniLM-L6-v2's top
    layers that attends across the mention's and the theme label's lower-layer states, plus
    a linear head (``models/sentiment/aspect``, trained by ``cxa train-sentiment`` on
    MAMS-ACSA and the older sources). Without a theme it scores the mention on its own.
``minilm-sentiment`` (default)
    The clause-level model (``models/sentiment``): the same shape without an aspect.
    Both share MiniLM's lower layers with the embedding pass (:func:`encode_with_states`).
``vader``
    Lexicon rules (vaderSentiment); no model files; the fallback.

Usage::

    backend = get_backend("minilm-sentiment")
    labels, scores = backend.predict(texts)
    label, score = overall_sentiment(labels, scores)

    # embedding + sentiment in one MiniLM pass (the pipeline's path):
    embeddings, states = encode_with_states(texts, model=st, input_layer=3)
    labels, scores = get_backend("minilm-aspect").predict_states(states, theme_labels)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.errors import ConfigError
from analyzer.sentiment._base import (
    LABELS,
    MIXED,
    AspectSentiment,
    SentimentBackend,
    SharedPassSentiment,
    labels_from_scores,
    overall_sentiment,
    overall_sentiments,
)
from analyzer.sentiment._minilm import (
    AspectSentimentBackend,
    MentionStates,
    MiniLMSentimentBackend,
    encode_with_sentiment,
    encode_with_states,
)
from analyzer.sentiment._vader import VaderBackend
from analyzer.sentiment.agreement import agreement_with_scores, response_sentiment

_BACKENDS: dict[str, Callable[..., SentimentBackend]] = {
    "minilm-aspect": AspectSentimentBackend,
    "minilm-sentiment": MiniLMSentimentBackend,
    "vader": VaderBackend,
}

#: The default: the clause-level model. ``minilm-aspect`` (each mention toward its theme) is
#: shipped but not the default: far better on MAMS-ACSA (0.715 against 0.456), below the
#: clause model on SST-2 (0.872 against 0.890), SemEval, the Alexa reviews and the demo; see
#: models/sentiment/MODEL_CARD.md.
DEFAULT_BACKEND = "minilm-sentiment"

#: The clause-level model (no aspect), still available by name.
CLAUSE_BACKEND = "minilm-sentiment"


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
    "CLAUSE_BACKEND",
    "DEFAULT_BACKEND",
    "LABELS",
    "MIXED",
    "AspectSentiment",
    "AspectSentimentBackend",
    "MentionStates",
    "MiniLMSentimentBackend",
    "SentimentBackend",
    "SharedPassSentiment",
    "VaderBackend",
    "agreement_with_scores",
    "backend_names",
    "encode_with_sentiment",
    "encode_with_states",
    "get_backend",
    "labels_from_scores",
    "overall_sentiment",
    "overall_sentiments",
    "response_sentiment",
]
