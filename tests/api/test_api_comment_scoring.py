"""Scoring new comments with a run's (or a named) theme model, and the batch limits."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

Shared = tuple[FastAPI, TestClient, str]

COMMENTS = [
    {"id": "a1", "text": "The app crashes at checkout. Delivery was quick though!", "nps": 3},
    {"id": "a2", "text": "Support never called me back", "nps": "11", "date": "2025-03-01"},
    {"text": "   "},
    {"id": 7, "text": "Love the prices", "csat": 5, "ces": 2},
]


def test_each_comment_gets_mentions_themes_and_sentiment(shared: Shared) -> None:
    app, client, run_id = shared
    response = client.post("/v1/score", json={"run_id": run_id, "comments": COMMENTS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 4 and body["run_id"] == run_id and body["model"] is None
    assert [c["index"] for c in body["data"]] == [0, 1, 2, 3]
    assert [c["id"] for c in body["data"]] == ["a1", "a2", "row-2", "7"]
    first = body["data"][0]
    assert len(first["mentions"]) == 2
    assert first["sentiment"] in ("negative", "neutral", "positive", "mixed")
    labels = app.state.services.store.load_run(run_id).themes.set_index("theme_id")["label"]
    for mention in first["mentions"]:
        assert 0 <= mention["confidence"] <= 1
        assert mention["sentiment"] in ("negative", "neutral", "positive")
        if mention["theme_id"] != -1:
            assert mention["theme_label"] == labels[mention["theme_id"]]
    carried = [t for m in first["mentions"] for t in (m, *m["other_themes"])]
    assert {t["theme_id"] for t in first["themes"]} == {
        t["theme_id"] for t in carried if t["theme_id"] != -1
    }
    for other in (t for m in first["mentions"] for t in m["other_themes"]):
        assert other["theme_label"] == labels[other["theme_id"]]
    assert body["data"][2]["mentions"] == [] and body["data"][2]["sentiment"] is None
    rejected = {(r["index"], r["column"]) for r in body["rejects"]}
    assert (1, "nps") in rejected  # 11 is not an NPS; the comment is still scored
    assert body["data"][1]["mentions"]


def test_scored_text_comes_back_redacted(client: TestClient, run_id: str) -> None:
    comment = {"text": "Email me at jane.doe@example.com about the refund"}
    body = client.post("/v1/score", json={"run_id": run_id, "comments": [comment]}).json()
    texts = " ".join(m["text"] for m in body["data"][0]["mentions"])
    assert "jane.doe@example.com" not in texts and "[EMAIL]" in texts


def test_a_named_model_folder_can_be_used(shared: Shared) -> None:
    app, client, run_id = shared
    root: Path = app.state.services.settings.models_root
    shutil.copytree(root / run_id, root / "shop-v1", dirs_exist_ok=True)
    body = client.post("/v1/score", json={"model": "shop-v1", "comments": COMMENTS[:1]}).json()
    by_run = client.post("/v1/score", json={"run_id": run_id, "comments": COMMENTS[:1]}).json()
    assert body["model"] == "shop-v1"
    assert [m["theme_id"] for m in body["data"][0]["mentions"]] == [
        m["theme_id"] for m in by_run["data"][0]["mentions"]
    ]


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"comments": [{"text": "x"}]}, 422, "exactly one"),
        ({"comments": [{"text": "x"}], "run_id": "r", "model": "m"}, 422, "exactly one"),
        ({"comments": [{"text": "x"}], "run_id": "nope"}, 404, "No run 'nope'"),
        ({"comments": [{"text": "x"}], "model": "nope"}, 404, "model 'nope'"),
        ({"comments": [{"text": "x"}], "model": "../etc"}, 422, "model"),
        ({"comments": [], "run_id": "r"}, 422, "comments"),
        ({"comments": [{"nps": 3}], "run_id": "r"}, 422, "text"),
        ({"comments": [{"text": "x", "colour": "red"}], "run_id": "r"}, 422, "colour"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    client: TestClient, body: dict[str, object], status: int, expected: str
) -> None:
    response = client.post("/v1/score", json=body)
    assert response.status_code == status, response.text
    assert expected in response.text


def test_batch_limits_give_413(fresh: Callable[..., TestClient], demo_export: Path) -> None:
    client = fresh(max_comments=3, max_comment_chars=50, max_body_mb=1)
    too_many = client.post("/v1/score", json={"run_id": "r", "comments": [{"text": "x"}] * 4})
    assert too_many.status_code == 413
    assert "4 comments" in too_many.json()["detail"] and "at most 3" in too_many.json()["detail"]
    too_long = client.post("/v1/score", json={"run_id": "r", "comments": [{"text": "y" * 51}]})
    assert too_long.status_code == 413 and "51 characters" in too_long.json()["detail"]
    huge = client.post("/v1/score", json={"run_id": "r", "comments": [{"text": "z" * 2_000_000}]})
    assert huge.status_code == 413 and "CXA_MAX_BODY_MB" in huge.json()["detail"]


def test_a_run_that_is_not_finished_cannot_score(fresh: Callable[..., TestClient]) -> None:
    client = fresh()
    store = client.app.state.services.store  # type: ignore[attr-defined]
    store.create_run("run-busy", source="x.csv", config={})
    store.set_status("run-busy", "running", stage="embed")
    response = client.post("/v1/score", json={"run_id": "run-busy", "comments": [{"text": "x"}]})
    assert response.status_code == 409 and "still running" in response.json()["detail"]


def test_a_run_whose_model_folder_is_gone_is_409(
    fresh: Callable[..., TestClient], demo_export: Path
) -> None:
    client = fresh()
    created = client.post("/v1/runs", files={"file": ("d.csv", demo_export.read_bytes())}).json()
    services = client.app.state.services  # type: ignore[attr-defined]
    services.runs.wait(timeout=120)
    shutil.rmtree(services.settings.models_root / created["run_id"])
    response = client.post(
        "/v1/score", json={"run_id": created["run_id"], "comments": [{"text": "x"}]}
    )
    assert response.status_code == 409 and "missing" in response.json()["detail"]
