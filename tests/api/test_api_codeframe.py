"""Codeframe edits through the API: rename, owner, merge, saved with the model and the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.themes import ThemeModel

Edited = tuple[TestClient, str, Path]


def _client(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    export: Path,
    ready: Callable[[TestClient], None],
    api_key: str,
) -> Iterator[Edited]:
    app, run_id = app_with_run("codeframe", export)
    with TestClient(app, headers={"X-API-Key": api_key}) as client:
        ready(client)
        yield client, run_id, app.state.services.settings.models_root / run_id


@pytest.fixture
def edited(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
    api_key: str,
) -> Iterator[Edited]:
    """A ready client of a new app with one run (edits change it), and its model folder."""
    yield from _client(app_with_run, small_export, ready, api_key)


@pytest.fixture(scope="module")
def unchanged(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
    api_key: str,
) -> Iterator[Edited]:
    """Like ``edited``, shared by the tests whose edits must all be refused."""
    yield from _client(app_with_run, small_export, ready, api_key)


def _themes(client: TestClient, run_id: str) -> dict[int, dict]:  # type: ignore[type-arg]
    body = client.get(f"/v1/runs/{run_id}/themes", params={"limit": 500}).json()
    return {t["theme_id"]: t for t in body["data"]}


def test_rename_and_owner_are_saved_with_the_model_and_the_run(edited: Edited) -> None:
    client, run_id, folder = edited
    theme_id = next(iter(_themes(client, run_id)))
    body = {"label": "Checkout  errors", "owner": "Payments team"}
    response = client.patch(f"/v1/runs/{run_id}/themes/{theme_id}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["label"] == "Checkout errors"  # whitespace tidied by the codeframe
    assert _themes(client, run_id)[theme_id]["owner"] == "Payments team"
    model = ThemeModel.load(folder)
    row = model.themes_.set_index("theme_id").loc[theme_id]
    assert (row["label"], row["owner"]) == ("Checkout errors", "Payments team")
    assert [e["action"] for e in model.codeframe_.history][-2:] == ["rename", "owner"]
    store = client.app.state.services.store  # type: ignore[attr-defined]
    stored = store.load_run(run_id).themes.set_index("theme_id").loc[theme_id]
    assert stored["label"] == "Checkout errors"
    cleared = client.patch(f"/v1/runs/{run_id}/themes/{theme_id}", json={"owner": None})
    assert cleared.json()["owner"] is None and cleared.json()["label"] == "Checkout errors"


def test_scoring_with_the_run_shows_the_new_label(edited: Edited) -> None:
    client, run_id, _ = edited
    some_theme = next(iter(_themes(client, run_id)))
    example = client.get(f"/v1/runs/{run_id}/themes/{some_theme}").json()["examples"][0]
    comment = {"text": example["text"]}  # a mention the model put in a theme
    first = client.post("/v1/score", json={"run_id": run_id, "comments": [comment]}).json()
    theme_id = first["data"][0]["mentions"][0]["theme_id"]
    assert theme_id != -1
    client.patch(f"/v1/runs/{run_id}/themes/{theme_id}", json={"label": "App crashes"})
    again = client.post("/v1/score", json={"run_id": run_id, "comments": [comment]}).json()
    assert again["data"][0]["mentions"][0]["theme_label"] == "App crashes"


def test_merge_moves_the_mentions_to_the_survivor(edited: Edited) -> None:
    client, run_id, folder = edited
    before = _themes(client, run_id)
    a, b = sorted(before, key=lambda t: -before[t]["responses"])[:2]
    response = client.post(
        f"/v1/runs/{run_id}/themes/merge", json={"theme_ids": [a, b], "label": "Merged"}
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert (merged["theme_id"], merged["label"]) == (a, "Merged")
    assert merged["mentions"] == before[a]["mentions"] + before[b]["mentions"]
    after = _themes(client, run_id)
    assert b not in after and len(after) == len(before) - 1
    assert client.get(f"/v1/runs/{run_id}/themes/{b}").status_code == 404
    assert ThemeModel.load(folder).codeframe_.merges == {b: a}
    stored = client.app.state.services.store.load_run(run_id)  # type: ignore[attr-defined]
    assert b not in set(stored.mentions["theme_id"]) and b not in set(stored.themes["theme_id"])
    again = client.patch(f"/v1/runs/{run_id}/themes/{b}", json={"label": "x"})
    assert again.status_code == 404 and f"merged into {a}" in again.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "expected"),
    [
        ("patch", "themes/99999", {"label": "x"}, 404, "no theme 99999"),
        ("patch", "themes/{t}", {}, 422, "label"),
        ("patch", "themes/{t}", {"colour": "red"}, 422, "colour"),
        ("patch", "themes/{t}", {"label": ""}, 422, "label"),
        ("patch", "themes/{t}", {"label": "x" * 121}, 422, "label"),
        ("patch", "themes/{t}", {"label": "x" * 100}, 422, "80 characters"),
        ("post", "themes/merge", {"theme_ids": [99999, "{t}"]}, 404, "no theme 99999"),
        ("post", "themes/merge", {"theme_ids": ["{t}", "{t}"]}, 422, "two different"),
        ("post", "themes/merge", {"theme_ids": ["{t}"]}, 422, "theme_ids"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    unchanged: Edited,
    method: str,
    path: str,
    body: dict,
    status: int,
    expected: str,  # type: ignore[type-arg]
) -> None:
    client, run_id, folder = unchanged
    theme_id = next(iter(_themes(client, run_id)))
    fill = {k: [theme_id if v == "{t}" else v for v in vs] if isinstance(vs, list) else vs
            for k, vs in body.items()}  # fmt: skip
    url = f"/v1/runs/{run_id}/{path.format(t=theme_id)}"
    snapshot = (folder / "codeframe.json").read_text()
    response = getattr(client, method)(url, json=fill)
    assert response.status_code == status, response.text
    assert expected in response.json()["detail"]
    assert (folder / "codeframe.json").read_text() == snapshot


def test_edits_need_a_finished_run_with_its_model(edited: Edited) -> None:
    client, run_id, folder = edited
    assert client.patch("/v1/runs/nope/themes/0", json={"label": "x"}).status_code == 404
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    response = client.patch(f"/v1/runs/{run_id}/themes/0", json={"label": "x"})
    assert response.status_code == 409 and "missing" in response.json()["detail"]
