"""The shipped aspect-conditioned sentiment model (models/sentiment/aspect) on hand-written text.

These run the real model on the bundled MiniLM (marked slow like the other real-model
tests; ``make test`` runs them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analyzer.sentiment import AspectSentimentBackend, MentionStates, get_backend
from analyzer.sentiment._minilm import load_base_model

pytestmark = pytest.mark.slow

#: The shipped minilm-aspect (4 epochs, MAMS-ACSA test accuracy 0.715; see its model card)
#: still gets these hand-written cases wrong; they are the behaviour issue 14 asks for. Strict:
#: a model that gets one right turns its xfail into a failure, so the mark goes with the retrain.
UNDER_TRAINED = pytest.mark.xfail(
    strict=True, reason="minilm-aspect misses this case (MAMS test 0.715); see MODEL_CARD.md"
)


@pytest.fixture(scope="module")
def backend() -> AspectSentimentBackend:
    return AspectSentimentBackend(base_model=load_base_model())


def _label(backend: AspectSentimentBackend, text: str, aspect: str | None) -> tuple[str, float]:
    labels, scores = backend.predict_aspects([text], [aspect])
    return str(labels[0]), float(scores[0])


def test_shipped_artifact_is_small_safetensors() -> None:
    folder = AspectSentimentBackend()._folder()
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["config.json", "model.safetensors"]
    assert sum(p.stat().st_size for p in folder.iterdir()) < 10_000_000


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("What time do you open on Sunday?", "opening hours"),
        ("Can I change the delivery address after ordering?", "delivery"),
        ("I ordered a blue kettle last week.", None),
        ("The parcel came by courier.", "delivery"),
        pytest.param("It would be nice to have dark mode.", "app", marks=UNDER_TRAINED),
        ("Please add a size filter to the search page.", "search"),
    ],
)
def test_questions_statements_and_suggestions_are_neutral(
    backend: AspectSentimentBackend, text: str, aspect: str | None
) -> None:
    label, score = _label(backend, text, aspect)
    assert label == "neutral", (text, aspect, score)


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        pytest.param(
            "The parcel turned up a day earlier than expected.", "delivery", marks=UNDER_TRAINED
        ),
        pytest.param(
            "The parcel turned up a day earlier than expected.", None, marks=UNDER_TRAINED
        ),
        pytest.param("They refunded me the same afternoon.", "refunds", marks=UNDER_TRAINED),
    ],
)
def test_implicit_praise_is_positive(
    backend: AspectSentimentBackend, text: str, aspect: str | None
) -> None:
    label, score = _label(backend, text, aspect)
    assert label == "positive", (text, aspect, score)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        pytest.param(
            "Cheap, but the staff were rude.",
            ("price", "positive"),
            ("staff", "negative"),
            marks=UNDER_TRAINED,
        ),
        # MAMS-ACSA's own example (it is in MAMS train): passes since the 4-epoch model
        (
            "Though the service might be a little slow, the waitresses are very friendly.",
            ("service", "negative"),
            ("staff", "positive"),
        ),
        pytest.param(
            "Delivery was quick but the app keeps crashing",
            ("delivery", "positive"),
            ("app crashes", "negative"),
            marks=UNDER_TRAINED,
        ),
    ],
)
def test_contrastive_sentences_are_scored_per_theme(
    backend: AspectSentimentBackend, text: str, first: tuple[str, str], second: tuple[str, str]
) -> None:
    labels, scores = backend.predict_aspects([text, text], [first[0], second[0]])
    assert (labels[0], labels[1]) == (first[1], second[1]), (text, scores)


def test_states_from_the_shared_pass_give_the_standalone_result(
    backend: AspectSentimentBackend,
) -> None:
    from analyzer.sentiment import encode_with_states

    texts = ["Delivery was quick", "the app keeps crashing", "What time do you open?"]
    aspects = ["delivery", "app", None]
    _, states = encode_with_states(texts, model=backend.base_model, input_layer=3)
    shared = backend.predict_states(states, aspects)
    alone = backend.predict_aspects(texts, aspects)
    assert list(shared[0]) == list(alone[0])
    np.testing.assert_allclose(shared[1], alone[1], atol=5e-3)


def test_scores_do_not_depend_on_the_batch(backend: AspectSentimentBackend) -> None:
    texts = [
        "Delivery was quick but the app keeps crashing",
        "the staff were lovely",
        "prices went up again",
        "What time do you open?",
        "checkout is fine I guess",
    ] * 4
    aspects: list[str | None] = ["delivery", "staff", "price", None, "checkout"] * 4
    states = backend.lower_states(texts)
    labels, scores = backend.predict_states(states, aspects)
    part = np.arange(3, 11)
    rows = [states.states[states.offsets[i] : states.offsets[i + 1]] for i in part]
    sub = MentionStates.from_rows(rows, states.states.shape[1], np.float32)
    sub_labels, sub_scores = backend.predict_states(sub, [aspects[i] for i in part])
    assert list(sub_labels) == list(labels[part])
    np.testing.assert_allclose(sub_scores, scores[part], atol=1e-5)


def test_unknown_aspect_count_is_an_error(backend: AspectSentimentBackend) -> None:
    states = backend.lower_states(["fine"])
    with pytest.raises(ValueError, match="one per text"):
        backend.predict_states(states, ["a", "b"])


def test_clause_model_stays_available_by_name() -> None:
    clause: Any = get_backend("minilm-sentiment")
    labels, _ = clause.predict(["the food was great"])
    assert labels[0] == "positive"
