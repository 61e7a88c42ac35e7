"""Keys with roles: every write endpoint against every role (allowed or 403), revoked keys
refused, writes audited under the key's name, CXA_API_KEY still an admin key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.privacy import keys
from analyzer.privacy.keys import ROLES
from analyzer.store import audit

Roled = tuple[TestClient, str, dict[str, str], int]

# (method, path, json body, least role allowed); the bodies reach past the role check to a
# harmless answer (404 or 422) so that allowed calls change nothing the other cases need.
WRITES: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("POST", "/v1/runs", None, "analyst"),
    ("POST", "/v1/score", {"comments": [], "run_id": "RUN"}, "analyst"),
    ("DELETE", "/v1/runs/no-such-run", None, "analyst"),
    ("PATCH", "/v1/runs/RUN/themes/999999", {"label": "x"}, "analyst"),
    ("POST", "/v1/runs/RUN/themes/merge", {"theme_ids": [999998, 999999]}, "analyst"),
    (
        "POST",
        "/v1/actions",
        {"run_id": "RUN", "theme_ids": [999999], "title": "t", "effective": "2026-01-01"},
        "analyst",
    ),
    ("PATCH", "/v1/actions/act-none", {"title": "x"}, "analyst"),
    ("POST", "/v1/keys", {"name": "", "role": "viewer"}, "admin"),
    ("DELETE", "/v1/keys/no-such-key", None, "admin"),
    ("GET", "/v1/keys", None, "admin"),
    ("DELETE", "/v1/responses/no-such-response", None, "admin"),
    (
        "POST",
        "/v1/suggestions",
        {"run_id": "none", "kind": "note", "theme_ids": [1], "comment": "x"},
        "viewer",
    ),
    ("POST", "/v1/suggestions/sug-none/review", {"decision": "reject", "reason": "x"}, "analyst"),
]


@pytest.fixture(scope="module")
def roled(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
) -> Iterator[Roled]:
    """An app with one run and a key per role (the client itself sends no key)."""
    app, run_id = app_with_run("roles", small_export)
    store = app.state.services.store
    made = {role: keys.create_key(store, name=f"{role}-1", role=role, actor="test")[0]
            for role in ROLES}  # fmt: skip
    theme = int(store.load_run(run_id).themes["theme_id"].iloc[0])
    with TestClient(app) as client:
        ready(client)
        yield client, run_id, made, theme


def _call(client: TestClient, method: str, path: str, body: Any, key: str) -> int:
    return client.request(method, path, json=body, headers={"X-API-Key": key}).status_code


@pytest.mark.parametrize(("method", "path", "body", "least"), WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_write_endpoint(
    roled: Roled, method: str, path: str, body: Any, least: str, role: str
) -> None:
    client, run_id, made, _ = roled
    path = path.replace("RUN", run_id)
    if isinstance(body, dict) and body.get("run_id") == "RUN":
        body = {**body, "run_id": run_id}
    status = _call(client, method, path, body, made[role])
    if ROLES.index(role) >= ROLES.index(least):
        assert status not in (401, 403), (role, method, path, status)
    else:
        assert status == 403, (role, method, path, status)


def test_viewers_read_and_whoami_names_the_key(roled: Roled) -> None:
    client, run_id, made, _ = roled
    for role in ROLES:
        headers = {"X-API-Key": made[role]}
        assert client.get(f"/v1/runs/{run_id}/themes", headers=headers).status_code == 200
        assert client.get("/v1/actions", headers=headers).status_code == 200
        me = client.get("/v1/whoami", headers=headers).json()
        assert me == {"name": f"{role}-1", "role": role}
    assert client.get("/v1/whoami").status_code == 401
    assert client.get("/v1/whoami", headers={"X-API-Key": "cxa_wrong"}).status_code == 401


def test_the_service_key_is_an_admin(roled: Roled, api_key: str) -> None:
    client, *_ = roled
    headers = {"X-API-Key": api_key}
    assert client.get("/v1/whoami", headers=headers).json() == {"name": "admin", "role": "admin"}
    assert client.get("/v1/keys", headers=headers).status_code == 200


def test_keys_are_stored_hashed_and_revoked_keys_are_refused(roled: Roled, api_key: str) -> None:
    client, *_ = roled
    admin = {"X-API-Key": api_key}
    made = client.post("/v1/keys", json={"name": "temp", "role": "analyst"}, headers=admin)
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    store = client.app.state.services.store  # type: ignore[attr-defined]
    with store.connect() as con:
        stored = con.execute("SELECT * FROM api_keys").fetchall()
    assert key not in repr(stored) and keys.hash_key(key) in repr(stored)
    assert client.get("/v1/whoami", headers={"X-API-Key": key}).json()["role"] == "analyst"
    assert client.delete("/v1/keys/temp", headers=admin).status_code == 204
    refused = client.get("/v1/whoami", headers={"X-API-Key": key})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    listed = client.get("/v1/keys", headers=admin).json()["data"]
    assert next(k for k in listed if k["name"] == "temp")["revoked_at"] is not None
    assert all("key" not in k and "key_hash" not in k for k in listed)


def test_an_admin_forgets_a_respondent_through_the_api(roled: Roled, api_key: str) -> None:
    client, run_id, *_ = roled
    store = client.app.state.services.store  # type: ignore[attr-defined]
    rid = str(store.load_run(run_id).mentions["response_id"].iloc[0])
    gone = client.delete(f"/v1/responses/{rid}", headers={"X-API-Key": api_key})
    assert gone.status_code == 200, gone.text
    body = gone.json()
    assert body["rows"]["responses"] == 1 and body["rows"]["mentions"] >= 1
    assert rid not in set(store.load_run(run_id).responses["response_id"])
    themes = client.get(f"/v1/runs/{run_id}/themes", headers={"X-API-Key": api_key})
    assert themes.status_code == 200  # nothing cached still shows the respondent
    assert client.delete(f"/v1/responses/{rid}", headers={"X-API-Key": api_key}).status_code == 404


def test_writes_record_the_keys_name(roled: Roled) -> None:
    client, run_id, made, theme = roled
    headers = {"X-API-Key": made["analyst"]}
    body = {"run_id": run_id, "theme_ids": [theme], "title": "Audited", "effective": "2026-01-01"}
    created = client.post("/v1/actions", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == "analyst-1"
    action_id = created.json()["action_id"]
    closed = client.patch(f"/v1/actions/{action_id}", json={"status": "closed"}, headers=headers)
    assert closed.json()["closed_by"] == "analyst-1"
    renamed = client.patch(
        f"/v1/runs/{run_id}/themes/{theme}", json={"label": "renamed"}, headers=headers
    )
    assert renamed.status_code == 200
    store = client.app.state.services.store  # type: ignore[attr-defined]
    log = audit.history(store)
    rows = set(zip(log["actor"], log["verb"], log["target"], strict=True))
    assert ("analyst-1", "action.add", action_id) in rows
    assert ("analyst-1", "action.update", action_id) in rows
    assert ("analyst-1", "theme.edit", f"{run_id}/{theme}") in rows


def test_the_service_purges_old_text_when_retention_is_set(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
) -> None:
    from analyzer.privacy.forget import PURGED
    from api.main import create_app

    app, run_id = app_with_run("retention", small_export)
    settings = app.state.services.settings.model_copy(update={"retain_days": 1})
    retained = create_app(settings)
    with TestClient(retained) as client:
        ready(client)
        job = retained.state.retention
        while job.runs == 0:  # the first purge runs at start
            time.sleep(0.05)
        texts = retained.state.services.store.load_run(run_id).mentions["text"]
    assert set(texts) == {PURGED}  # the demo's dates are all long past
