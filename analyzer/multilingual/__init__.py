"""Comments in other languages: one set of themes across languages, and their own sentiment.

English (and ``"unknown"``) mentions take the English path unchanged (MiniLM, its sentiment
branch). Mentions detected as one of the other supported languages
(:data:`analyzer.text.languages.SUPPORTED`) are embedded by the multilingual encoder and
mapped into the English embedder's space (:class:`MappedEncoder`), so they join the themes
of English mentions that say the same thing; their sentiment comes from a head on the
multilingual vectors (:class:`MultilingualSentiment`), never from the English models.

Modules: ``encoder`` (USE multilingual v3, the encoder registry and the linear map), ``e5``
(multilingual-e5-small), ``sentiment`` (the head),
``labels`` (which language a theme's label is in), ``training`` (fits the shipped
artifacts in ``models/multilingual/``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analyzer.multilingual.e5 import E5Encoder
from analyzer.multilingual.encoder import (
    ENCODER_NAME,
    MappedEncoder,
    MultilingualEncoder,
    default_model_dir,
    get_encoder,
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


def encoder_names(config: dict[str, Any]) -> dict[str, str]:
    """``{"map": ..., "sentiment": ...}``: the encoder each shipped artifact was fitted on.

    A card written before the two could differ names one ``encoder`` for both.
    """
    default = str(config.get("encoder", ENCODER_NAME))
    return {
        part: str(config.get(part, {}).get("encoder", default)) for part in ("map", "sentiment")
    }


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

        ``config.json`` names the encoder the map was fitted on (``map.encoder``) and the
        one the sentiment head reads (``sentiment.encoder``); one instance serves both when
        they are the same. The map leads into MiniLM's space (PyTorch or ONNX MiniLM);
        other embedders (the static ``--fast`` model, a user's own model, the fake) keep
        their own vectors for every mention but still get the multilingual sentiment.
        """
        model_dir = model_dir or default_model_dir()
        config = read_config(model_dir)
        names = encoder_names(config)
        encoders = {name: get_encoder(name) for name in set(names.values())}
        target = str(config["map"]["target"])
        mapped = MappedEncoder(encoders[names["map"]], model_dir) if space == target else None
        sentiment = MultilingualSentiment(encoders[names["sentiment"]], model_dir)
        name = names["sentiment"] if mapped is None else f"{names['map']}->{target}"
        if mapped is not None and names["map"] != names["sentiment"]:
            name += f"+{names['sentiment']}"
        return cls(embed=mapped, sentiment=sentiment, name=name)

    def embed_mentions(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | np.ndarray,
        english: Callable[[list[str]], tuple[np.ndarray, np.ndarray, np.ndarray]],
        *,
        dim: int,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Embeddings (n, dim), sentiment labels (n,) and scores (n,) of mentions.

        ``english`` (the English path: embedder and sentiment backend) gets the English and
        ``"unknown"`` mentions, and every mention when no map into its space exists; the
        other languages get the mapped multilingual vectors and the multilingual head.
        """
        foreign = is_foreign(languages)
        if not foreign.any():
            return english(list(texts))
        other = np.flatnonzero(foreign)
        other_texts = [texts[int(i)] for i in other]
        embeddings = np.zeros((len(texts), dim), dtype=np.float32)
        labels = np.empty(len(texts), dtype=object)
        scores = np.zeros(len(texts), dtype="float64")
        home = np.flatnonzero(~foreign) if self.embed is not None else np.arange(len(texts))
        if self.embed is not None:
            embeddings[other] = self.embed.encode(other_texts)
        embeddings[home], labels[home], scores[home] = english([texts[int(i)] for i in home])
        labels[other], scores[other] = self.sentiment.predict(other_texts)
        if progress is not None and self.embed is not None:
            progress(len(other))
        return embeddings, labels, scores

    def predict_sentiment(
        self, mentions: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sentiment of the non-English rows of a mentions table (``text``, ``language``).

        For a sentiment dispatch that works on the mentions table: returns the boolean mask
        (n,) of the rows it scored, and their labels and scores (mask.sum(),).
        """
        mask = is_foreign(mentions["language"].to_numpy())
        labels, scores = self.sentiment.predict(mentions.loc[mask, "text"].tolist())
        return mask, labels, scores


__all__ = [
    "ENCODER_NAME",
    "E5Encoder",
    "MappedEncoder",
    "Multilingual",
    "MultilingualEncoder",
    "MultilingualSentiment",
    "default_model_dir",
    "encoder_names",
    "get_encoder",
    "is_foreign",
]
