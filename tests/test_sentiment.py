"""Tests for analyzer.sentiment: backends by name, VADER behaviour, response-level aggregation."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.errors import ConfigError
from analyzer.sentiment import (
    MIXED,
    SentimentBackend,
    VaderBackend,
    backend_names,
    get_backend,
    overall_sentiment,
    overall_sentiments,
)


@pytest.fixture(scope="module")
def vader() -> SentimentBackend:
    return get_backend("vader")


def test_get_backend_by_name_returns_a_backend() -> None:
    backend = get_backend("vader")
    assert isinstance(backend, VaderBackend)
    assert isinstance(backend, SentimentBackend)
    assert backend.name == "vader"


def test_unknown_backend_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as info:
        get_backend("no-such-backend")
    message = str(info.value)
    assert "no-such-backend" in message
    for name in backend_names():
        assert name in message


def test_vader_shapes_dtypes_and_range(vader: SentimentBackend) -> None:
    texts = ["I love it", "This is awful!!!", "", "ok", "The best day EVER!!! :) :)"]
    labels, scores = vader.predict(texts)
    assert labels.shape == scores.shape == (len(texts),)
    assert labels.dtype == object
    assert scores.dtype == np.float64
    assert np.all((scores >= -1) & (scores <= 1))
    assert set(labels) <= {"negative", "neutral", "positive"}


def test_vader_empty_input(vader: SentimentBackend) -> None:
    labels, scores = vader.predict([])
    assert labels.shape == scores.shape == (0,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love this app, it is fantastic", "positive"),
        ("Great support, thank you so much", "positive"),
        ("This is awful and I hate it", "negative"),
        ("The staff were rude and unhelpful", "negative"),
        ("Where is my order?", "neutral"),
        ("The store opens at 9am.", "neutral"),
        ("What time do you close?", "neutral"),
    ],
)
def test_vader_clear_cases(vader: SentimentBackend, text: str, expected: str) -> None:
    labels, _ = vader.predict([text])
    assert labels[0] == expected


def test_contrastive_clauses_are_scored_separately(vader: SentimentBackend) -> None:
    # Mentions arrive already split by clause; each gets its own polarity.
    # (VADER misses plain "the service was slow": "slow" is not in its lexicon.)
    labels, scores = vader.predict(["the food was great", "the service was terribly slow"])
    assert list(labels) == ["positive", "negative"]
    assert scores[0] > 0 > scores[1]
    assert overall_sentiment(labels, scores)[0] == MIXED


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [
        (["positive", "negative"], [0.8, -0.7], MIXED),
        (["positive", "neutral"], [0.8, 0.0], "positive"),
        (["negative", "neutral", "neutral"], [-0.6, 0.01, -0.02], "negative"),
        (["neutral", "neutral"], [0.02, -0.01], "neutral"),
        (
            ["positive", "negative"],
            [0.9, -0.1],
            "positive",
        ),  # weak disagreement
        (["positive", "negative"], [0.2, -0.3], "negative"),
        ([], [], "neutral"),
    ],
)
def test_overall_sentiment(labels: list[str], scores: list[float], expected: str) -> None:
    label, score = overall_sentiment(labels, scores)
    assert label == expected
    assert -1.0 <= score <= 1.0
    assert score == pytest.approx(float(np.mean(scores)) if scores else 0.0)


def test_overall_sentiment_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="shape"):
        overall_sentiment(["positive"], [0.5, 0.1])


def test_default_backend_is_a_known_name() -> None:
    from analyzer.sentiment import DEFAULT_BACKEND

    assert DEFAULT_BACKEND in backend_names()
    assert {"vader", "minilm-sentiment"} <= set(backend_names())


def test_agreement_ignores_a_sentiment_column_already_on_responses() -> None:
    import pandas as pd

    from analyzer.sentiment import agreement_with_scores

    mentions = pd.DataFrame(
        {
            "response_id": ["a", "b"],
            "sentiment": ["negative", "positive"],
            "sentiment_score": [-0.9, 0.9],
        }
    )
    responses = pd.DataFrame(
        {"response_id": ["a", "b"], "nps": [2, 10], "sentiment": ["negative", "positive"]}
    )
    result = agreement_with_scores(mentions, responses)
    assert result["nps"]["detractor"]["agreement"] == pytest.approx(1.0)
    assert result["nps"]["promoter"]["agreement"] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overall_sentiments_equal_the_rule_response_by_response(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_groups, n = 400, 1500
    groups = rng.integers(0, n_groups, n)
    labels = rng.choice(["positive", "negative", "neutral"], n)
    # polar scores on a coarse grid so that sums to exactly zero and the strong bound occur
    scores = np.round(rng.uniform(-1, 1, n) * 4) / 4
    scores[labels == "neutral"] = 0.0
    got_labels, got_scores = overall_sentiments(groups, labels, scores, n_groups + 1)
    for g in range(n_groups + 1):  # the last group has no mentions
        want_label, want_score = overall_sentiment(labels[groups == g], scores[groups == g])
        assert got_labels[g] == want_label, g
        assert got_scores[g] == pytest.approx(want_score, abs=1e-12)
    assert {"mixed", "positive", "negative", "neutral"} <= set(got_labels)


def test_overall_sentiments_reject_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="one group and one score per label"):
        overall_sentiments(np.zeros(2, dtype=int), ["positive"], [0.5, 0.1], 1)
