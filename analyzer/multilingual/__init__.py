"""Comments in other languages: one set of themes across languages, and their own sentiment.

English (and ``"unknown"``) mentions take the English path unchanged (MiniLM, its sentiment
branch). Mentions detected as one of the other supported languages
(:data:`analyzer.text.languages.SUPPORTED`) are embedded by the multilingual encoder and
mapped into the English embedder's space (:class:`MappedEncoder`), so they join the themes
of English mentions that say the same thing; their sentiment comes from a head on the
multilingual vectors (:class:`MultilingualSentiment`), never from the English models.

Modules: ``encoder`` (USE multilingual v3 and the linear map), ``sentiment`` (the head),
``labels`` (which language a theme's label is in), ``training`` (fits the shipped
artifacts in ``models/multilingual/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from analyzer.multilingual.encoder import (
    ENCODER_NAME,
    MappedEncoder,
    MultilingualEncoder,
    default_model_dir,
    read_config,
)
from analyzer.multilingual.sentiment import MultilingualSentiment
from analyzer.text.languages import ENGLISH, SUPPORTED


class TextEncoder(Protocol):
    """Anything that turns texts into unit rows of a fixed width."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentimentPredictor(Protocol):
    """Anything that gives labels and scores for texts."""

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]: ...


def is_foreign(languages: Sequence[str] | Any) -> np.ndarray:
    """Boolean mask (n,): a supported language other than English."""
    langs = np.asarray(languages, dtype=object)
    return np.isin(langs, [lang for lang in SUPPORTED if lang != ENGLISH])


class Multilingual:
    """The multilingual path of the pipeline.

    Parameters
    ----------
    embed : TextEncoder or None
        Encodes non-English mentions into the English embedder's space; ``None`` when no map
        into that space exists (they then take the English embedder, as before).
    sentiment : SentimentPredictor
        Sentiment of non-English mentions.
    name : str
        Recorded in the run info.
    """

    def __init__(
        self, *, embed: TextEncoder | None, sentiment: SentimentPredictor, name: str
    ) -> None:
        self.embed = embed
        self.sentiment = sentiment
        self.name = name

    @classmethod
    def for_space(cls, space: str, model_dir: Path | None = None) -> Multilingual:
        """The shipped path for an English embedder whose vectors live in ``space``.

        The map leads into MiniLM's space (PyTorch or ONNX MiniLM); other embedders (the
        static ``--fast`` model, a user's own model, the fake) keep their own vectors for
        every mention but still get the multilingual sentiment.
        """
        model_dir = model_dir or default_model_dir()
        encoder = MultilingualEncoder()
        mapped = MappedEncoder(encoder, model_dir)
        target = str(read_config(model_dir)["map"]["target"])
        return cls(
            embed=mapped if space == target else None,
            sentiment=MultilingualSentiment(encoder, model_dir),
            name=f"{ENCODER_NAME}->{target}" if space == target else ENCODER_NAME,
        )


__all__ = [
    "ENCODER_NAME",
    "MappedEncoder",
    "Multilingual",
    "MultilingualEncoder",
    "MultilingualSentiment",
    "default_model_dir",
    "is_foreign",
]
