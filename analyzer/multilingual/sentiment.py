"""Mention sentiment for non-English mentions: a head on the multilingual encoder's vectors.

The head was trained on English sentences only (:mod:`analyzer.multilingual.training`);
because the encoder aligns languages, it transfers to the others. It never sees MiniLM or
VADER, which only understand English. Inference is numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analyzer.errors import ModelError
from analyzer.multilingual.encoder import VectorEncoder, default_model_dir

LABELS = ("negative", "neutral", "positive")
NAME = "multilingual-sentiment"


class SentimentHead:
    """Softmax over a small network on the vectors, classes in :data:`LABELS` order.

    ``layers`` are ``(weight (out, in), bias (out,))`` pairs: one pair is a linear
    (logistic-regression) head; two pairs are an MLP with a ReLU between them.

    Parameters
    ----------
    layers : list of (ndarray, ndarray)
        The last layer has 3 outputs.
    """

    def __init__(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        if not layers or np.shape(layers[-1][0])[0] != len(LABELS):
            raise ModelError(
                f"A sentiment head needs layers ending in {len(LABELS)} outputs; got "
                f"{[np.shape(w) for w, _ in layers]}. Refit it with "
                "'python -m analyzer.multilingual.training'."
            )
        self.layers = [
            (np.asarray(w, dtype=np.float32), np.asarray(b, dtype=np.float32)) for w, b in layers
        ]

    @property
    def dim(self) -> int:
        """Width of the vectors it reads."""
        return int(self.layers[0][0].shape[1])

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, 3)."""
        hidden = np.asarray(vectors, dtype=np.float32)
        for i, (weight, bias) in enumerate(self.layers):
            hidden = hidden @ weight.T + bias
            if i < len(self.layers) - 1:
                hidden = np.maximum(hidden, 0.0)
        logits = hidden - hidden.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (n,) object and scores P(positive) - P(negative) (n,) float64."""
        probs = self.probabilities(vectors)
        labels = np.asarray(LABELS, dtype=object)[probs.argmax(axis=1)]
        return labels, (probs[:, 2] - probs[:, 0]).astype("float64")

    def save(self, path: Path) -> None:
        arrays = {}
        for i, (weight, bias) in enumerate(self.layers):
            arrays[f"weight{i}"], arrays[f"bias{i}"] = weight, bias
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> SentimentHead:
        if not path.is_file():
            raise ModelError(
                f"No multilingual sentiment head at {path}. Fit one with "
                "'python -m analyzer.multilingual.training' or reinstall the project."
            )
        with np.load(path) as z:
            if "weight" in z:  # a linear head saved before heads had layers
                return cls([(z["weight"], z["bias"])])
            count = sum(1 for key in z.files if key.startswith("weight"))
            return cls([(z[f"weight{i}"], z[f"bias{i}"]) for i in range(count)])


class MultilingualSentiment:
    """Sentiment of texts in any supported language: encoder + :class:`SentimentHead`."""

    name = NAME

    def __init__(self, encoder: VectorEncoder, model_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.model_dir = model_dir or default_model_dir()
        self._head: SentimentHead | None = None

    @property
    def head(self) -> SentimentHead:
        if self._head is None:
            self._head = SentimentHead.load(self.model_dir / "sentiment.npz")
        return self._head

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores of ``texts`` (shapes (n,)); empty arrays for no text."""
        if not texts:
            return np.array([], dtype=object), np.array([], dtype="float64")
        vectors = self.encoder.encode(texts)
        if vectors.shape[1] != self.head.dim:
            raise ModelError(
                f"The multilingual sentiment head in {self.model_dir} reads {self.head.dim}-d "
                f"vectors, but encoder {self.encoder.name} gives {vectors.shape[1]}-d ones. "
                "Reinstall the project or refit with 'python -m analyzer.multilingual.training'."
            )
        return self.head.predict(vectors)
