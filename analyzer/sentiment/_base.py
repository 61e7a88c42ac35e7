"""The sentiment seam: the backend protocol, the label set and response-level aggregation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

#: Mention-level labels, in the order every trained head uses for its classes.
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")

#: Response-level label used when mentions disagree strongly.
MIXED = "mixed"

#: A mention counts as *clearly* polar when ``|score| >= STRONG``.
STRONG = 0.5


@runtime_checkable
class SentimentBackend(Protocol):
    """Polarity of short texts (mentions).

    Attributes
    ----------
    name : str
        The name :func:`analyzer.sentiment.get_backend` knows the backend by.
    """

    name: str

    def predict(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Label and score each text.

        Parameters
        ----------
        texts : sequence of str, length n
        embeddings : ndarray of shape (n, dim), optional
            Sentence embeddings of ``texts``; backends that do not use them ignore them.

        Returns
        -------
        labels : ndarray of shape (n,), dtype object
            ``"negative"``, ``"neutral"`` or ``"positive"``.
        scores : ndarray of shape (n,), dtype float64
            Polarity in [-1, 1]; negative below zero.
        """
        ...


@runtime_checkable
class SharedPassSentiment(Protocol):
    """A backend that reads MiniLM's lower-layer token states from the embedding pass.

    The pipeline gives such a backend the embedder's ``SentenceTransformer`` (see
    :class:`analyzer.embed.SharedPassEmbedder`) and the states it kept, instead of letting
    the backend run MiniLM's lower layers a second time. Methods only (no properties), so
    ``isinstance`` checks load nothing.
    """

    name: str

    def attach_base(self, model: Any) -> None:
        """Use the embedder's ``SentenceTransformer`` as the base (before the first load)."""
        ...

    def check_base(self, model: Any) -> None:
        """Raise ``ModelError`` unless ``model`` has the lower layers the branch was trained on."""
        ...

    def states_layer(self) -> int:
        """Which ``output_hidden_states`` entry the backend reads."""
        ...

    def reads_aspects(self) -> bool:
        """Whether it scores toward an aspect (then its states must wait for the themes)."""
        ...

    def predict_states(
        self, states: Any, aspects: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores from kept states (``MentionStates``), each toward its aspect."""
        ...


@runtime_checkable
class AspectSentiment(Protocol):
    """A backend that scores a text *toward an aspect* (the mention's theme)."""

    name: str

    def predict_aspects(
        self, texts: Sequence[str], aspects: Sequence[str | None] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores of ``texts``, each toward its aspect (None: on its own)."""
        ...


def labels_from_scores(scores: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """Map scores in [-1, 1] to labels with a symmetric neutral band ``|score| < threshold``.

    Returns an object array of shape (n,).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.full(scores.shape, "neutral", dtype=object)
    labels[scores >= threshold] = "positive"
    labels[scores <= -threshold] = "negative"
    return labels


def overall_sentiment(
    labels: Sequence[str] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    *,
    strong: float = STRONG,
) -> tuple[str, float]:
    """Sentiment of one response from the sentiment of its mentions.

    Parameters
    ----------
    labels : sequence of str, length m
        Mention labels (``negative`` / ``neutral`` / ``positive``).
    scores : sequence of float, length m
        Mention scores in [-1, 1].
    strong : float, default 0.5
        A mention is *clearly* polar when its label is polar and ``|score| >= strong``.

    Returns
    -------
    label : str
        ``"mixed"`` when at least one mention is clearly positive and another clearly
        negative; otherwise the polarity the polar mentions agree on (by the sign of their
        summed scores when they disagree weakly), or ``"neutral"`` when none is polar or
        there are no mentions.
    score : float
        Mean mention score in [-1, 1]; 0.0 when there are no mentions.
    """
    lab = np.asarray(labels, dtype=object)
    sc = np.asarray(scores, dtype=np.float64)
    if lab.shape != sc.shape:
        raise ValueError(
            f"labels has shape {lab.shape} but scores has shape {sc.shape}; "
            "pass one score per label."
        )
    if sc.size == 0:
        return "neutral", 0.0
    pos, neg = lab == "positive", lab == "negative"
    score = float(np.clip(sc.mean(), -1.0, 1.0))
    if (pos & (sc >= strong)).any() and (neg & (sc <= -strong)).any():
        return MIXED, score
    if not pos.any() and not neg.any():
        return "neutral", score
    if pos.any() != neg.any():
        return ("positive" if pos.any() else "negative"), score
    polar_sum = float(sc[pos | neg].sum())
    if polar_sum == 0.0:
        return MIXED, score
    return ("positive" if polar_sum > 0 else "negative"), score


def overall_sentiments(
    groups: np.ndarray,
    labels: Sequence[str] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    n_groups: int,
    *,
    strong: float = STRONG,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`overall_sentiment` of many responses at once, without a loop over them.

    ``groups`` (ints in ``[0, n_groups)``) says which response each mention belongs to; the
    result holds one label (object array) and one mean score per group, the same rule as
    :func:`overall_sentiment` (a group without mentions is ``neutral``, 0.0). Scores are sums
    in another order than ``np.mean``'s, so they agree with it to about 1e-15.
    """
    g = np.asarray(groups, dtype=np.int64)
    lab = np.asarray(labels, dtype=object)
    sc = np.asarray(scores, dtype=np.float64)
    if not (g.shape == lab.shape == sc.shape):
        raise ValueError(
            f"groups, labels and scores have shapes {g.shape}, {lab.shape}, {sc.shape}; "
            "pass one group and one score per label."
        )
    pos, neg = lab == "positive", lab == "negative"

    def count(weights: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=weights, minlength=n_groups)[:n_groups]

    n = count(np.ones(len(g)))
    mean = np.clip(np.divide(count(sc), n, out=np.zeros(n_groups), where=n > 0), -1.0, 1.0)
    any_pos, any_neg = count(pos.astype(float)) > 0, count(neg.astype(float)) > 0
    mixed = (count((pos & (sc >= strong)).astype(float)) > 0) & (
        count((neg & (sc <= -strong)).astype(float)) > 0
    )
    polar_sum = count(np.where(pos | neg, sc, 0.0))
    out = np.full(n_groups, "neutral", dtype=object)
    both = any_pos & any_neg
    out[any_pos & ~any_neg] = "positive"
    out[any_neg & ~any_pos] = "negative"
    out[both & (polar_sum > 0)] = "positive"
    out[both & (polar_sum < 0)] = "negative"
    out[both & (polar_sum == 0)] = MIXED
    out[mixed] = MIXED
    return out, mean
