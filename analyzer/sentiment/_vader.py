"""VADER (rule-based, lexicon) backend: fast, no model files, weak on implicit sentiment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analyzer.sentiment._base import labels_from_scores


class VaderBackend:
    """VADER compound score with the standard ±0.05 thresholds (Hutto & Gilbert, 2014).

    Parameters
    ----------
    threshold : float, default 0.05
        ``compound >= threshold`` is positive, ``<= -threshold`` negative, neutral between.
    """

    name = "vader"

    def __init__(self, *, threshold: float = 0.05) -> None:
        self.threshold = threshold
        self._analyzer: Any = None

    def predict(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Label and score each text; ``embeddings`` is ignored.

        Returns labels (object array, shape (n,)) and compound scores (float64, shape (n,)).
        """
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        scores = np.array(
            [self._analyzer.polarity_scores(str(t))["compound"] for t in texts], dtype=np.float64
        )
        return labels_from_scores(scores, self.threshold), scores
