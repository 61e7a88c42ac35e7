"""Themes on messy text: handles, hashtags, links, placeholders and one-word replies.

A fixture shaped like customer tweets (fake embedder, so it is fast and deterministic):
the noise must neither gather mentions into one theme nor reach a label, and replies with
no topic go to the "no specific topic" bucket instead of a theme.
"""

from __future__ import annotations

import numpy as np
import pytest
from tolerance import EXACT_ATOL, assert_arrays_close

from analyzer.embed import get_embedder
from analyzer.text.normalise import embedding_texts
from analyzer.themes import ThemeModel
from analyzer.themes.hygiene import dirty_labels
from analyzer.themes.model import NO_TOPIC

TOPICS = [
    "lost luggage bag never arrived at baggage claim",
    "flight delayed three hours at the gate",
    "rude agent at the check in desk",
    "seat broken and no legroom on the plane",
    "refund for the cancelled flight still missing",
    "wifi on board did not work at all",
    "meal was cold and the coffee terrible",
    "boarding process chaotic and slow queue",
    "upgrade to business class was easy",
    "loyalty miles disappeared from my account",
    "app crashes when checking in online",
    "overbooked flight and bumped passengers",
]
NOISE = ["@united", "@AmericanAir", "RT @delta:", "http://t.co/x1y2", "#fail", "[PERSON]", "&amp;"]
NO_CONTENT = ["thanks", "Thank you!!", "p", "I didn't today", "@SouthwestAir", "😡", "lol ok", "👍"]


@pytest.fixture(scope="module")
def messy() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(7)
    texts = []
    for i in range(600):
        words = TOPICS[i % len(TOPICS)].split()
        keep = sorted(rng.choice(len(words), size=len(words) - 2, replace=False))
        noise = list(rng.choice(NOISE, size=2, replace=False))
        texts.append(" ".join([noise[0], *(words[k] for k in keep), noise[1]]))
    texts += NO_CONTENT * 10
    vectors = get_embedder("fake").encode(embedding_texts(texts))
    return texts, vectors


def test_no_theme_swallows_the_noise(messy) -> None:
    texts, vectors = messy
    model = ThemeModel(seed=0, spacy_model="blank").fit(texts, vectors)
    labels = model.labels_
    themed = labels[labels >= 0]
    shares = np.bincount(themed) / len(labels)
    assert shares.max() <= 0.10, shares.max()
    # the noise tokens are shared by every mention; the themes still follow the topics
    assert len(np.unique(themed)) >= len(TOPICS) - 2


def test_labels_and_keywords_are_clean(messy) -> None:
    texts, vectors = messy
    model = ThemeModel(seed=0).fit(texts, vectors)
    dirty = dirty_labels(model.themes_, texts=texts, theme_ids=model.labels_.tolist())
    assert dirty.empty, dirty.to_string()
    for label in model.themes_["label"]:
        assert "person" not in label and "united" not in label and "amp" not in label.split()


def test_replies_without_content_go_to_the_no_topic_bucket(messy) -> None:
    texts, vectors = messy
    model = ThemeModel(seed=0, spacy_model="blank").fit(texts, vectors)
    no_content = np.isin(np.asarray(texts, dtype=object), NO_CONTENT)
    assert (model.labels_[no_content] == NO_TOPIC).all()
    assert (model.labels_[~no_content] != NO_TOPIC).all()
    assert_arrays_close(model.confidence_[no_content], np.zeros(no_content.sum()), atol=EXACT_ATOL)
    # scoring new mentions follows the same rule
    new = ["thanks", "😡", "@united lost luggage bag never arrived"]
    ids, conf = model.transform(new, get_embedder("fake").encode(embedding_texts(new)))
    assert ids[0] == NO_TOPIC and ids[1] == NO_TOPIC and ids[2] >= 0
    assert conf[0] == pytest.approx(0.0)
