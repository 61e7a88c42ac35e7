"""Polarity and score per mention, behind a small backend protocol chosen by name.

Backends
--------
``vader``
    Lexicon rules (vaderSentiment); no model files.

Usage::

    backend = get_backend("vader")
    labels, scores = backend.predict(texts)
    label, score = overall_sentiment(labels, scores)
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
from analyzer.sentiment._vader import VaderBackend

_BACKENDS: dict[str, Callable[..., SentimentBackend]] = {
    "vader": VaderBackend,
}

DEFAULT_BACKEND = "vader"


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
    "SentimentBackend",
    "VaderBackend",
    "backend_names",
    "get_backend",
    "labels_from_scores",
    "overall_sentiment",
]
