"""End-to-end tests of the shipped sentiment model (models/sentiment) on the bundled MiniLM."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analyzer.sentiment import (
    MIXED,
    MiniLMSentimentBackend,
    encode_with_sentiment,
    get_backend,
    overall_sentiment,
)
from analyzer.sentiment._minilm import _default_model_dir, load_base_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base() -> Any:
    return load_base_model()


@pytest.fixture(scope="module")
def backend(base: Any) -> MiniLMSentimentBackend:
    return MiniLMSentimentBackend(base_model=base)


def test_shipped_artifact_is_small() -> None:
    size = sum(p.stat().st_size for p in _default_model_dir().iterdir())
    assert size < 10_000_000


def test_get_backend_by_name_loads_lazily() -> None:
    backend = get_backend("minilm-sentiment")
    assert isinstance(backend, MiniLMSentimentBackend)
    assert backend._branch is None  # nothing loaded until the first prediction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love this app, it is fantastic", "positive"),
        ("the food was great", "positive"),
        ("the service was slow", "negative"),
        ("the staff were rude and unhelpful", "negative"),
        ("I waited an hour and nobody answered the phone", "negative"),
        ("What time do you open on Sunday?", "neutral"),
    ],
)
def test_clear_cases(backend: MiniLMSentimentBackend, text: str, expected: str) -> None:
    labels, scores = backend.predict([text])
    assert labels[0] == expected, (text, scores[0])


def test_contrastive_clauses_give_mixed(backend: MiniLMSentimentBackend) -> None:
    labels, scores = backend.predict(["the food was great", "the service was slow"])
    assert scores[0] > 0 > scores[1]
    assert overall_sentiment(labels, scores)[0] == MIXED


def test_outputs_shapes_and_range(backend: MiniLMSentimentBackend) -> None:
    texts = ["", "ok", "Terrible!!! " * 100, "fine, thanks"]
    labels, scores = backend.predict(texts)
    assert labels.shape == scores.shape == (4,)
    assert labels.dtype == object and scores.dtype == np.float64
    assert np.all(np.abs(scores) <= 1)
    empty_labels, empty_scores = backend.predict([])
    assert empty_labels.shape == empty_scores.shape == (0,)


def test_shared_pass_matches_separate_calls(base: Any, backend: MiniLMSentimentBackend) -> None:
    texts = ["the food was great", "the service was slow", "Where is my parcel?", "meh"] * 5
    embeddings, labels, scores = encode_with_sentiment(texts, model=base, backend=backend)
    expected = base.encode(texts, normalize_embeddings=True)
    assert embeddings.dtype == np.float32 and embeddings.shape == (20, 384)
    np.testing.assert_allclose(embeddings, expected, atol=1e-5)
    alone_labels, alone_scores = backend.predict(texts)
    assert list(labels) == list(alone_labels)
    np.testing.assert_allclose(scores, alone_scores, atol=1e-4)


def test_shared_pass_refuses_a_different_base_model(base: Any) -> None:
    import copy

    import torch

    from analyzer.errors import ModelError

    other = copy.deepcopy(base)
    with torch.no_grad():
        other[0].auto_model.encoder.layer[0].output.dense.bias.add_(0.01)
    backend = MiniLMSentimentBackend(base_model=base)
    with pytest.raises(ModelError, match="fingerprint"):
        encode_with_sentiment(["hello"], model=other, backend=backend)
