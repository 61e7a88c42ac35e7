"""Mention sentiment for non-English mentions: a linear head on the multilingual vectors.

The head was trained on English sentences only (:mod:`analyzer.multilingual.training`);
because the encoder aligns languages, it transfers to the other 15. It never sees MiniLM or
VADER, which only understand English.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analyzer.errors import ModelError
from analyzer.multilingual.encoder import MultilingualEncoder, default_model_dir

LABELS = ("negative", "neutral", "positive")
NAME = "usem3-sentiment"


class SentimentHead:
    """Softmax over ``vectors @ weight.T + bias``, classes in :data:`LABELS` order.

    Parameters
    ----------
    weight : ndarray (3, 512)
    bias : ndarray (3,)
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, 3)."""
        logits = vectors @ self.weight.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (n,) object and scores P(positive) - P(negative) (n,) float64."""
        probs = self.probabilities(vectors)
        labels = np.asarray(LABELS, dtype=object)[probs.argmax(axis=1)]
        return labels, (probs[:, 2] - probs[:, 0]).astype("float64")

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weight=self.weight, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> SentimentHead:
        if not path.is_file():
            raise ModelError(
                f"No multilingual sentiment head at {path}. Fit one with "
                "'python -m analyzer.multilingual.training' or reinstall the project."
            )
        with np.load(path) as z:
            return cls(z["weight"], z["bias"])


class MultilingualSentiment:
    """Sentiment of texts in any supported language: encoder + :class:`SentimentHead`."""

    name = NAME

    def __init__(self, encoder: MultilingualEncoder, model_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.model_dir = model_dir or default_model_dir()
        self._head: SentimentHead | None = None

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores of ``texts`` (shapes (n,)); empty arrays for no text."""
        if not texts:
            return np.array([], dtype=object), np.array([], dtype="float64")
        if self._head is None:
            self._head = SentimentHead.load(self.model_dir / "sentiment.npz")
        return self._head.predict(self.encoder.encode(texts))
