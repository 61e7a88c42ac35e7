"""End-to-end runs of the pipeline on generated demo exports."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from analyzer import demo
from analyzer.config import make_config
from analyzer.pipeline import analyze

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+?\d[\d ()-]{8,}\d")


@pytest.fixture(scope="module")
def small_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    export, truth = demo.write(folder / "demo.csv", 400, seed=3)
    return export, truth


@pytest.fixture(scope="module")
def fast_result(small_export, tmp_path_factory):
    config = make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)
    return analyze(small_export[0], config=config)


def test_every_response_kept_and_mentions_link_back(small_export, fast_result) -> None:
    export = pd.read_csv(small_export[0], keep_default_na=False, dtype=str)
    r, m = fast_result.responses, fast_result.mentions
    assert r["response_id"].tolist() == export["response_id"].tolist()
    assert set(m["response_id"]) <= set(r["response_id"])
    own = m[m["primary"]]
    assert own["mention_id"].is_unique  # one own row per mention
    assert not m.duplicated(["mention_id", "theme_id"]).any()  # each other theme once
    assert set(m.loc[~m["primary"], "mention_id"]) <= set(own["mention_id"])
    assert len(own) > len(r)  # many comments hold two or three mentions
    # Non-answers stay as responses without mentions.
    non_answers = export.loc[export["comment"].str.strip().str.lower().isin(["n/a", "", "."])]
    assert len(non_answers) > 0
    assert not set(non_answers["response_id"]) & set(m["response_id"])


def test_tables_follow_the_contract(fast_result) -> None:
    m, t = fast_result.mentions, fast_result.themes
    assert list(m.columns) == [
        "mention_id", "response_id", "position", "text", "language", "theme_id",
        "theme_confidence", "primary", "sentiment", "sentiment_score",
    ]  # fmt: skip
    assert m["sentiment"].isin(["negative", "neutral", "positive"]).all()
    assert m["sentiment_score"].between(-1, 1).all()
    assert m["theme_confidence"].between(0, 1).all()
    # -1: unassigned, -2: no specific topic ("thanks", an emoji); neither is a theme row
    assert set(m["theme_id"]) - {-1, -2} <= set(t["theme_id"])
    assert (t["theme_id"] >= 0).all()
    for col in ("theme_id", "label", "keywords", "parent_id", "size", "examples"):
        assert col in t.columns
    assert (
        fast_result.responses["sentiment"]
        .dropna()
        .isin(["negative", "neutral", "positive", "mixed"])
        .all()
    )


def test_personal_data_is_redacted_before_anything_is_returned(small_export, fast_result) -> None:
    raw = pd.read_csv(small_export[0], keep_default_na=False, dtype=str)["comment"]
    assert raw.str.contains(EMAIL).any() and raw.str.contains(PHONE).any()
    for texts in (fast_result.responses["comment"], fast_result.mentions["text"]):
        assert not texts.str.contains(EMAIL).any()
        assert not texts.str.contains(PHONE).any()
    assert fast_result.responses["comment"].str.contains(r"\[EMAIL\]").any()


def test_same_seed_same_themes(small_export, fast_result) -> None:
    config = make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)
    again = analyze(small_export[0], config=config)
    pd.testing.assert_series_equal(again.mentions["theme_id"], fast_result.mentions["theme_id"])
    assert again.themes["label"].tolist() == fast_result.themes["label"].tolist()


@pytest.mark.slow
def test_real_models_recover_the_planted_themes(tmp_path) -> None:
    export, truth_path = demo.write(tmp_path / "demo.csv", 1200, seed=11)
    result = analyze(export, config=make_config(use_cache=False))
    truth = pd.read_csv(truth_path, keep_default_na=False)
    own = result.mentions[result.mentions["primary"]].reset_index(drop=True)  # one per mention
    matched = demo.match_mentions_to_truth(own, truth)
    keep = matched.notna()
    assert keep.mean() > 0.9
    nmi = normalized_mutual_info_score(matched[keep], own.loc[keep, "theme_id"])
    assert nmi >= 0.7, f"NMI {nmi:.3f} against the planted themes"
    assert (own["theme_id"] < 0).mean() <= 0.10
    for label in result.themes["label"]:
        assert 1 <= len(str(label).split()) <= 4, label


@pytest.mark.slow
def test_shared_pass_equals_separate_embedding_and_sentiment(tmp_path, monkeypatch) -> None:
    from analyzer.pipeline import Components, embed_with_sentiment

    monkeypatch.setenv("CXA_CACHE_DIR", str(tmp_path / "cache"))
    texts = ["Delivery was quick", "the app keeps crashing", "What time do you open?"] * 3
    shared = Components.from_config(make_config(sentiment="minilm-sentiment"))
    emb, labels, scores = embed_with_sentiment(texts, shared)
    apart = Components.from_config(make_config(sentiment="minilm-sentiment", use_cache=False))
    alone = apart.embedder.encode(texts)
    alone_labels, alone_scores = apart.sentiment.predict(texts)
    assert abs(emb - alone).max() < 1e-4
    assert list(labels) == list(alone_labels)
    assert abs(scores - alone_scores).max() < 1e-4
    assert labels[0] == "positive" and labels[1] == "negative"
    # the shared pass also fills the embedding cache (topic search reads it there)
    cached = shared.embedder.encode(texts)
    assert getattr(shared.embedder, "hits", 0) == len(texts)
    assert abs(cached - emb).max() < 1e-6


def test_default_sentiment_shares_the_pass_only_with_minilm() -> None:
    from analyzer.pipeline import resolve_sentiment

    assert resolve_sentiment("default", "minilm") == "minilm-sentiment"
    for embedding in ("static", "onnx", "fake", "st:/models/mine"):
        assert resolve_sentiment("default", embedding) == "vader"
    assert resolve_sentiment("minilm-sentiment", "static") == "minilm-sentiment"
