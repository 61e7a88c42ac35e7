"""Label hygiene: each reason on hand-written labels, clean labels pass, tables are checked."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.themes import hygiene
from analyzer.themes.hygiene import CorpusWords, corpus_words, dirty_labels, label_problems

CLEAN_LABELS = [
    "app crashes",
    "late delivery",
    "card arrival",
    "cash withdrawal",
    "exchange rate",
    "friendly staff",
    "Fit and size",
    "Delivery",
    "customer service",
    "requested a refund",
    "email support",
    "contactless payment",
    "UK",
    "topup",
    "wifi",
    "concert",
    "work",
    "bill",  # generic stop lists hold these; customers write about them
    "top up",
    "interest rate",
    "side dish",
]


@pytest.mark.parametrize("label", CLEAN_LABELS)
def test_clean_labels_pass(label: str) -> None:
    assert label_problems(label) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("@united delays", "handle"),
        ("thanks @SouthwestAir", "handle"),
        ("http t", "url"),
        ("https link", "url"),
        ("www site", "url"),
        ("amazon.com order", "url"),
        ("#fail", "hashtag fragment"),
        ("LostLuggage", "hashtag fragment"),
        ("[PERSON] called", "placeholder"),
        ("[URL]", "placeholder"),
        ("url news", "placeholder"),
        ("person url", "placeholder"),
        ("thanks person", "placeholder"),
        ("2", "number alone"),
        ("10 30", "number alone"),
        ("th time", "number alone"),
        ("rt", "markup"),
        ("amp delay", "markup"),
        ("u c", "no noun or verb"),
        ("Don", "no noun or verb"),
        ("really good", "no noun or verb"),
        ("Xs", "no noun or verb"),
        ("awesome", "no noun or verb"),
    ],
)
def test_each_reason(text: str, reason: str) -> None:
    assert reason in label_problems(text)


def test_reasons_come_in_catalogue_order_once_each() -> None:
    problems = label_problems("@x http #y [PERSON] 5")
    assert problems == [r for r in hygiene.REASONS if r in problems]
    assert problems[:4] == ["handle", "url", "hashtag fragment", "placeholder"]
    assert len(problems) == len(set(problems))


def test_keywords_may_be_adjectives() -> None:
    assert label_problems("friendly", check_pos=False) == []
    assert label_problems("friendly") == ["no noun or verb"]


def test_without_spacy_a_content_word_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hygiene, "_tagger", lambda: None)
    hygiene._has_noun_or_verb.cache_clear()
    try:
        assert label_problems("late delivery") == []
        assert label_problems("u c") == ["no noun or verb"]
        assert label_problems("don") == ["no noun or verb"]
    finally:
        hygiene._has_noun_or_verb.cache_clear()


def test_corpus_decides_which_bare_words_are_redaction() -> None:
    redacted = corpus_words(["Thanks [PERSON]!", "[EMAIL] me", "my email bounced", "[PERSON]"])
    assert "person" in redacted.redacted and "url" in redacted.redacted
    # "email" is used as a word as often as its placeholder: fine
    talked = corpus_words(["email support was slow", "email me back", "[EMAIL]"])
    assert "email" not in talked.redacted
    assert label_problems("email support", words=talked) == []
    assert "placeholder" in label_problems("email reply", words=corpus_words(["[EMAIL] ok"]))
    # "person" used as a real word more than as a placeholder is clean
    real = corpus_words(["met a person in store", "in person help", "[PERSON]"])
    assert label_problems("person store", words=real) == []


def test_hashtags_that_are_not_words_are_fragments() -> None:
    words = corpus_words(["#lostluggage again", "#fail", "#nats win", "#NeverAgain", "#delta"])
    assert "lostluggage" in words.hashtags and "neveragain" in words.hashtags
    assert "fail" not in words.hashtags  # an English word, fine as a label word
    assert "nats" not in words.hashtags  # a name, not words glued together
    assert "hashtag fragment" in label_problems("lostluggage claim", words=words)
    assert label_problems("lostluggage claim", words=CorpusWords()) == []


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme_id": [0, 1, 2],
            "label": ["late delivery", "thanks person", "app crashes"],
            "keywords": [["courier", "late"], ["thanks", "rt"], ["crash", "@app"]],
            "parent_id": [0, 1, 0],
            "parent_label": ["Delivery", "Person", "Delivery"],
            "examples": [["parcel late"], ["Thanks [PERSON]"], ["app keeps crashing"]],
        }
    )


def test_dirty_labels_finds_labels_keywords_and_parents() -> None:
    found = dirty_labels(_table())
    got = {(int(r.theme_id), r.field, r.text) for r in found.itertuples()}
    assert got == {
        (1, "label", "thanks person"),
        (1, "keyword", "rt"),
        (2, "keyword", "@app"),
        (1, "parent_label", "Person"),
    }
    reasons = dict(zip(found["text"], found["problems"], strict=True))
    assert reasons["thanks person"] == ["placeholder"]
    assert reasons["rt"] == ["markup"]
    assert reasons["@app"] == ["handle"]


def test_dirty_labels_uses_the_mentions_when_given() -> None:
    table = _table().assign(label=["late delivery", "email reply", "app crashes"])
    table["keywords"] = [["courier"], ["email"], ["crash"]]
    table["parent_label"] = ["Delivery", "Email", "Delivery"]
    texts = ["parcel late", "[EMAIL] sent", "reply to [EMAIL]", "email ok", "app crash"]
    found = dirty_labels(table, texts=texts, theme_ids=[0, 1, 1, 1, 2])
    assert set(found["text"]) == {"email reply", "email", "Email"}
    # the same table with e-mail talked about as a real word is clean
    texts = ["parcel late", "email was lost", "reply to email", "[EMAIL]", "app crash"]
    assert dirty_labels(table, texts=texts, theme_ids=[0, 1, 1, 1, 2]).empty


def test_a_clean_table_has_no_rows() -> None:
    table = _table().iloc[[0, 2]]
    found = dirty_labels(table.assign(keywords=[["courier"], ["crash"]]))
    assert found.empty
    assert list(found.columns) == ["theme_id", "field", "text", "problems"]
