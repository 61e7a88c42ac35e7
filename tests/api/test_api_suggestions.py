"""Suggestions: a viewer suggests, an analyst approves (applied like the analyst's own edit)
or rejects with a reason; author, time and outcome are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.privacy import keys
from analyzer.themes import ThemeModel

Setup = tuple[TestClient, str, dict[str, dict[str, str]], list[int]]


@pytest.fixture
def setup(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
) -> Iterator[Setup]:
    app, run_id = app_with_run("suggestions", small_export)
    store = app.state.services.store
    headers = {
        role: {"X-API-Key": keys.create_key(store, name=f"{role}-1", role=role, actor="t")[0]}
        for role in ("viewer", "analyst")
    }
    themes = store.load_run(run_id).themes.sort_values("size", ascending=False)
    with TestClient(app) as client:
        ready(client)
        yield client, run_id, headers, themes["theme_id"].astype(int).tolist()


def _label(client: TestClient, run_id: str, theme_id: int, headers: dict[str, str]) -> str:
    return str(client.get(f"/v1/runs/{run_id}/themes/{theme_id}", headers=headers).json()["label"])


def test_a_viewers_rename_is_applied_when_an_analyst_approves(setup: Setup) -> None:
    client, run_id, headers, themes = setup
    body = {"run_id": run_id, "kind": "rename", "theme_ids": [themes[0]], "label": "Late parcels"}
    made = client.post("/v1/suggestions", json=body, headers=headers["viewer"])
    assert made.status_code == 201, made.text
    suggestion = made.json()
    assert suggestion["status"] == "pending" and suggestion["author"] == "viewer-1"
    sid = suggestion["suggestion_id"]
    queue = client.get("/v1/suggestions", params={"status": "pending"}, headers=headers["viewer"])
    assert [s["suggestion_id"] for s in queue.json()["data"]] == [sid]
    assert _label(client, run_id, themes[0], headers["viewer"]) != "Late parcels"

    review = {"decision": "approve", "reason": "clearer"}
    refused = client.post(f"/v1/suggestions/{sid}/review", json=review, headers=headers["viewer"])
    assert refused.status_code == 403
    done = client.post(f"/v1/suggestions/{sid}/review", json=review, headers=headers["analyst"])
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert outcome["status"] == "approved" and outcome["reviewer"] == "analyst-1"
    assert outcome["reason"] == "clearer" and outcome["reviewed_at"] is not None
    assert _label(client, run_id, themes[0], headers["viewer"]) == "Late parcels"
    folder = client.app.state.services.settings.models_root / run_id  # type: ignore[attr-defined]
    model = ThemeModel.load(folder)
    assert model.codeframe_.history[-1]["action"] == "rename"  # the model's codeframe too
    again = client.post(f"/v1/suggestions/{sid}/review", json=review, headers=headers["analyst"])
    assert again.status_code == 422 and "already approved" in again.json()["detail"]


def test_a_rejected_suggestion_keeps_its_reason_and_changes_nothing(setup: Setup) -> None:
    client, run_id, headers, themes = setup
    body = {"run_id": run_id, "kind": "merge", "theme_ids": themes[:2], "label": "One"}
    sid = client.post("/v1/suggestions", json=body, headers=headers["viewer"]).json()
    review = {"decision": "reject", "reason": "different problems"}
    url = f"/v1/suggestions/{sid['suggestion_id']}/review"
    done = client.post(url, json=review, headers=headers["analyst"]).json()
    assert done["status"] == "rejected" and done["reason"] == "different problems"
    listed = client.get(f"/v1/runs/{run_id}/themes", headers=headers["viewer"]).json()
    assert {themes[0], themes[1]} <= {t["theme_id"] for t in listed["data"]}


def test_merge_seed_and_note_suggestions_apply(setup: Setup) -> None:
    client, run_id, headers, themes = setup
    bodies = [
        {"kind": "merge", "theme_ids": themes[1:3]},
        {"kind": "seed", "label": "Gift wrapping", "phrases": ["gift wrap", "wrapping paper"]},
        {"kind": "note", "theme_ids": [themes[0]], "comment": "Seen in support calls too"},
    ]
    results = []
    for body in bodies:
        made = client.post("/v1/suggestions", json={"run_id": run_id, **body},
                           headers=headers["viewer"])  # fmt: skip
        assert made.status_code == 201, made.text
        url = f"/v1/suggestions/{made.json()['suggestion_id']}/review"
        done = client.post(url, json={"decision": "approve", "reason": "ok"},
                           headers=headers["analyst"])  # fmt: skip
        assert done.status_code == 200, done.text
        results.append(done.json()["result"])
    listed = client.get(
        f"/v1/runs/{run_id}/themes", params={"limit": 500}, headers=headers["viewer"]
    ).json()
    ids = {t["theme_id"] for t in listed["data"]}
    assert results[0]["theme_id"] == themes[1] and themes[2] not in ids
    assert _label(client, run_id, results[1]["theme_id"], headers["viewer"]) == "Gift wrapping"
    assert results[2] == {"note": "acknowledged"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "rename", "theme_ids": [0]}, 422),
        ({"kind": "merge", "theme_ids": [0]}, 422),
        ({"kind": "seed", "label": "x"}, 422),
        ({"kind": "rename", "theme_ids": [987654], "label": "x"}, 404),
        ({"kind": "unknown", "theme_ids": [0]}, 422),
    ],
)
def test_bad_suggestions_are_refused_with_a_reason(
    setup: Setup, body: dict[str, object], status: int
) -> None:
    client, run_id, headers, themes = setup
    body = {"run_id": run_id, **body}
    if body.get("theme_ids") == [0]:
        body["theme_ids"] = [themes[0]]
    answer = client.post("/v1/suggestions", json=body, headers=headers["viewer"])
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]
