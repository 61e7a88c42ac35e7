"""Sentiment in the pipeline: the shared MiniLM pass, its protocols, per-theme scoring."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analyzer import demo
from analyzer.config import make_config
from analyzer.embed import CachedEmbedder, SharedPassEmbedder, get_embedder
from analyzer.pipeline import (
    Components,
    Embedded,
    analyze,
    embed_mentions,
    score_sentiment,
    theme_aspects,
)
from analyzer.sentiment import AspectSentimentBackend, SharedPassSentiment, get_backend
from analyzer.text import TextProcessor


class _Wrapper:
    """An embedder wrapper that forgets to implement SharedPassEmbedder."""

    def __init__(self, name: str, dim: int = 8) -> None:
        self.name, self._dim = name, dim

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], *, progress: Any = None) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), self._dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


class _Recorder:
    """A sentiment backend that records what the dispatch point gave it."""

    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def predict(self, texts: Sequence[str], embeddings: Any = None) -> tuple[Any, Any]:
        self.calls.append(("predict", list(texts)))
        return np.array(["neutral"] * len(texts), dtype=object), np.zeros(len(texts))

    def predict_aspects(self, texts: Sequence[str], aspects: Any) -> tuple[Any, Any]:
        self.calls.append(("aspects", list(aspects) if aspects is not None else None))
        return np.array(["positive"] * len(texts), dtype=object), np.ones(len(texts))


def _components(embedder: Any, sentiment: Any) -> Components:
    return Components(
        processor=TextProcessor(model="blank"), embedder=embedder, sentiment=sentiment
    )


def test_protocols_are_declared_by_the_shareable_parts(tmp_path) -> None:
    minilm = get_embedder("minilm")
    assert isinstance(minilm, SharedPassEmbedder)
    assert isinstance(CachedEmbedder(minilm, tmp_path), SharedPassEmbedder)
    assert not isinstance(get_embedder("fake"), SharedPassEmbedder)
    for name in ("minilm-aspect", "minilm-sentiment"):
        assert isinstance(get_backend(name), SharedPassSentiment)
    assert not isinstance(get_backend("vader"), SharedPassSentiment)


def test_a_wrapper_without_the_protocol_is_not_silent(caplog) -> None:
    comps = _components(_Wrapper("all-MiniLM-L6-v2"), AspectSentimentBackend())
    with caplog.at_level(logging.WARNING, logger="analyzer.pipeline.embedding_pass"):
        embedded = embed_mentions(["fine", "bad"], comps)
    assert embedded.states is None and embedded.embeddings.shape == (2, 8)
    assert "does not implement SharedPassEmbedder" in caplog.text


def test_dispatch_scores_each_mention_toward_its_theme_and_unthemed_on_its_own() -> None:
    recorder = _Recorder()
    comps = _components(_Wrapper("fake"), recorder)
    mentions = pd.DataFrame(
        {"text": ["quick delivery", "app crashes", "hello"], "theme_id": [0, 1, -1]}
    )
    themes = pd.DataFrame({"theme_id": [0, 1], "label": ["delivery speed", "app crashes"]})
    aspects = theme_aspects(themes)
    labels, scores = score_sentiment(mentions, comps, Embedded(np.zeros((3, 8))), aspects)
    assert recorder.calls == [("aspects", ["delivery speed", "app crashes", None])]
    assert list(labels) == ["positive"] * 3 and scores.dtype == np.float64
    # without themes (or without a theme_id column) the text is scored on its own
    score_sentiment(mentions[["text"]], comps, None, aspects)
    assert recorder.calls[-1] == ("predict", ["quick delivery", "app crashes", "hello"])
    empty = score_sentiment(mentions.iloc[:0], comps, None, aspects)
    assert len(empty[0]) == 0 and len(empty[1]) == 0


@pytest.mark.slow
def test_the_cache_wrapper_still_shares_the_pass(tmp_path, monkeypatch) -> None:
    inner = get_embedder("minilm")
    cached = CachedEmbedder(inner, tmp_path / "cache")
    comps = _components(cached, AspectSentimentBackend())

    def no_second_pass(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the embedder ran its own pass: the shared pass was lost")

    monkeypatch.setattr(inner, "encode", no_second_pass)
    texts = ["Delivery was quick", "the app keeps crashing"]
    embedded = embed_mentions(texts, comps)
    assert embedded.states is not None and len(embedded.states) == 2
    assert comps.sentiment.base_model is inner.model  # one copy of MiniLM for both
    # the vectors went to the cache: reading them back embeds nothing
    again = cached.encode(texts)
    assert cached.hits == 2
    np.testing.assert_allclose(again, embedded.embeddings, atol=1e-6)


@pytest.mark.slow
def test_analyze_scores_a_two_theme_comment_per_theme(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CXA_CACHE_DIR", str(tmp_path / "cache"))
    export, _ = demo.write(tmp_path / "demo.csv", 400, seed=7)
    frame = pd.read_csv(export, keep_default_na=False, dtype=str)
    planted = frame.index[:3]
    frame.loc[planted, "comment"] = "Delivery was quick but the app keeps crashing"
    frame.to_csv(export, index=False)
    result = analyze(export, config=make_config(use_cache=False))
    assert result.info["sentiment"] == "minilm-sentiment"
    ids = set(frame.loc[planted, "response_id"].astype(str))
    m = result.mentions[result.mentions["response_id"].astype(str).isin(ids)]
    labels = dict(zip(result.themes["theme_id"], result.themes["label"], strict=True))
    for _, group in m.groupby("response_id"):
        delivery = group[group["text"].str.contains("Delivery")]
        app = group[group["text"].str.contains("crashing")]
        assert len(delivery) == 1 and len(app) == 1, group["text"].tolist()
        assert delivery["sentiment"].iloc[0] == "positive", labels.get(delivery["theme_id"].iloc[0])
        assert app["sentiment"].iloc[0] == "negative", labels.get(app["theme_id"].iloc[0])


@pytest.mark.slow
def test_the_clause_branch_scores_inside_the_pass_each_distinct_text_once(monkeypatch) -> None:
    """The clause-level branch reads no theme, so it runs on each batch inside the embedding
    pass (no state is kept until the themes are known) and gives what scoring kept states
    gives; a repeated text is encoded once and gets the same vector and sentiment."""
    from tolerance import SCORE_ATOL

    from analyzer.sentiment import _minilm, encode_with_states

    backend = get_backend("minilm-sentiment")
    comps = _components(get_embedder("minilm"), backend)
    texts = ["Delivery was quick", "the app keeps crashing", "ok", "Delivery was quick"]
    encoded: list[str] = []
    original = _minilm.tokenize

    def counting(model: Any, batch: Sequence[str]) -> Any:
        encoded.extend(batch)
        return original(model, batch)

    monkeypatch.setattr(_minilm, "tokenize", counting)
    embedded = embed_mentions(texts, comps, states_dtype=np.float16)
    monkeypatch.setattr(_minilm, "tokenize", original)
    base = comps.embedder.shared_encoder()  # type: ignore[attr-defined]
    assert embedded.states is None and embedded.sentiment is not None
    assert sorted(encoded) == sorted(texts[:3])  # the repeat was not encoded again
    labels, scores = embedded.sentiment
    np.testing.assert_array_equal(embedded.embeddings[0], embedded.embeddings[3])
    assert labels[0] == labels[3] and scores[0] == scores[3]
    _, states = encode_with_states(
        texts, model=base, input_layer=backend.states_layer(), dtype=np.float16
    )
    kept_labels, kept_scores = backend.predict_states(states)
    assert list(labels) == list(kept_labels)
    np.testing.assert_allclose(scores, kept_scores, atol=SCORE_ATOL)
    dispatched = score_sentiment(pd.DataFrame({"text": texts}), comps, embedded)
    assert list(dispatched[0]) == list(labels)
