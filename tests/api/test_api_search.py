"""Query by topic: nearest mentions by cosine similarity, with filters, and their themes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.embed.search import VectorIndex, nearest_mentions, rank_by_similarity, themes_of_hits

Shared = tuple[FastAPI, TestClient, str]


def test_rank_by_similarity_orders_best_first_with_ties_by_position() -> None:
    vectors = np.array([[1, 0], [0, 1], [1, 0], [0.6, 0.8]], dtype=np.float32)
    order, sims = rank_by_similarity(np.array([1.0, 0.0]), vectors, 3)
    assert order.tolist() == [0, 2, 3]
    assert sims == pytest.approx([1.0, 1.0, 0.6])
    assert rank_by_similarity(np.array([1.0, 0.0]), vectors, 10)[0].tolist() == [0, 2, 3, 1]
    assert rank_by_similarity(np.array([1.0, 0.0]), vectors[:0], 5)[0].size == 0


def test_nearest_mentions_and_their_themes() -> None:
    mentions = pd.DataFrame({"mention_id": ["a", "b", "c"], "theme_id": [1, 2, 1]})
    vectors = np.eye(3, dtype=np.float32)
    hits = nearest_mentions(np.array([0.0, 0.0, 1.0]), mentions, vectors, 2)
    assert hits["mention_id"].tolist() == ["c", "a"]
    themes = pd.DataFrame({"theme_id": [1, 2], "label": ["app", "price"]})
    counts = themes_of_hits(hits, themes)
    assert counts.to_dict("records") == [{"theme_id": 1, "label": "app", "count": 2}]


def test_search_returns_the_closest_mentions_first(shared: Shared) -> None:
    app, client, run_id = shared
    body = client.get(f"/v1/runs/{run_id}/search", params={"q": "checkout", "limit": 10}).json()
    assert body["count"] == len(body["data"]) == 10
    sims = [h["similarity"] for h in body["data"]]
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)
    assert "checkout" in body["data"][0]["text"].lower()  # the fake embedder hashes words
    assert sum(t["count"] for t in body["themes"]) == body["count"]
    data = app.state.services.store.load_run(run_id)
    labels = dict(zip(data.themes["theme_id"], data.themes["label"], strict=True))
    for hit in body["data"]:
        assert hit["theme_label"] == labels.get(hit["theme_id"])


def test_search_applies_the_filters(shared: Shared) -> None:
    app, client, run_id = shared
    data = app.state.services.store.load_run(run_id)
    app_ids = set(data.responses.loc[data.responses["channel"] == "app", "response_id"])
    params = {
        "q": "delivery was late",
        "limit": 50,
        "segment": "channel:app",
        "sentiment": "negative",
    }
    body = client.get(f"/v1/runs/{run_id}/search", params=params).json()
    assert body["count"] > 0
    assert {h["response_id"] for h in body["data"]} <= app_ids
    assert {h["sentiment"] for h in body["data"]} == {"negative"}


def test_search_needs_a_query(client: TestClient, run_id: str) -> None:
    for params in ({}, {"q": ""}, {"q": "x" * 1001}, {"q": "app", "limit": 0}):
        response = client.get(f"/v1/runs/{run_id}/search", params=params)
        assert response.status_code == 422, params


def test_search_refuses_a_run_embedded_with_another_model(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client, run_id = shared
    services = app.state.services
    data = services.store.load_run(run_id)
    data.meta["info"]["embedding"] = "all-MiniLM-L6-v2"
    data.meta["info"]["model_dir"] = ""  # no embedder card: the recorded name decides
    monkeypatch.setattr(services, "finished_run", lambda _: data)
    response = client.get(f"/v1/runs/{run_id}/search", params={"q": "app"})
    assert response.status_code == 409
    assert "all-MiniLM-L6-v2" in response.json()["detail"]


def _clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, 32)).astype(np.float32)
    vectors = centres[rng.integers(0, 40, n)] + 0.5 * rng.standard_normal((n, 32)).astype(
        np.float32
    )
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_vector_index_is_exact_on_small_runs() -> None:
    vectors = _clustered(500)
    index = VectorIndex(vectors)
    assert not index.approximate
    order, sims = index.search(vectors[3], 10)
    exact = rank_by_similarity(vectors[3], vectors, 10)
    assert order.tolist() == exact[0].tolist()
    assert sims == pytest.approx(exact[1], abs=1e-6)


def test_vector_index_on_big_runs_finds_what_the_exact_scan_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import analyzer.embed.search as search

    monkeypatch.setattr(search, "EXACT_BELOW", 2_000)
    vectors = _clustered(6_000)
    index, again = VectorIndex(vectors), VectorIndex(vectors)
    assert index.approximate
    rng = np.random.default_rng(1)
    keep = rng.random(len(vectors)) < 0.5
    recalls = []
    for row in rng.integers(0, len(vectors), 30):
        for mask in (None, keep):
            order, sims = index.search(vectors[row], 20, mask)
            exact, _ = rank_by_similarity(vectors[row], vectors, 20, mask)
            recalls.append(len(set(order.tolist()) & set(exact.tolist())) / 20)
            if mask is not None:
                assert mask[order].all()  # a filtered-out mention is never returned
            # similarities are exact cosines of the returned rows, best first
            assert sims == pytest.approx(vectors[order] @ vectors[row], abs=1e-5)
            assert np.all(np.diff(sims) <= 1e-12)
            assert again.search(vectors[row], 20, mask)[0].tolist() == order.tolist()
    assert np.mean(recalls) >= 0.95


def test_vector_index_falls_back_to_the_exact_scan_under_a_narrow_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import analyzer.embed.search as search

    monkeypatch.setattr(search, "EXACT_BELOW", 2_000)
    vectors = _clustered(6_000)
    index = VectorIndex(vectors)
    narrow = np.zeros(len(vectors), dtype=bool)
    narrow[::500] = True  # 12 rows: fewer than the 20 asked for
    order, _ = index.search(vectors[0], 20, narrow)
    assert sorted(order.tolist()) == list(range(0, 6_000, 500))
