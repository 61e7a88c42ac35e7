"""Query by topic: nearest mentions by cosine similarity, with filters, and their themes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.search import nearest_mentions, rank_by_similarity, themes_of_hits

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
