"""Finding 1 of the second probe: a service started with authentication never serves without
it. Revoking the last stored key left a service that answered everyone as admin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.privacy import keys
from analyzer.store import Store

MakeApp = Callable[..., FastAPI]


def test_revoking_the_last_stored_key_leaves_a_service_that_refuses_everyone(
    make_app: MakeApp, ready: Callable[[TestClient], None], tmp_path: Path
) -> None:
    store = Store(tmp_path / "cxa.duckdb")  # the store make_app's service opens
    admin_key, _ = keys.create_key(store, name="only-admin", role="admin", actor="test")
    app = make_app(api_key=None)  # no CXA_API_KEY, no --insecure-local: stored keys only
    with TestClient(app) as client:
        ready(client)
        admin = {"X-API-Key": admin_key}
        assert client.get("/v1/whoami", headers=admin).json()["role"] == "admin"
        assert client.delete("/v1/keys/only-admin", headers=admin).status_code == 204
        app.state.services._keys = None  # the key cache lasts a second; read the store now
        for headers in ({}, admin, {"X-API-Key": "junk"}):
            for path in ("/v1/whoami", "/v1/keys", "/v1/runs"):
                answer = client.get(path, headers=headers)
                assert answer.status_code == 401, (path, headers, answer.text)
        # A key made afterwards (with the CLI, say) works again.
        new_key, _ = keys.create_key(store, name="new-admin", role="admin", actor="test")
        app.state.services._keys = None
        assert client.get("/v1/whoami", headers={"X-API-Key": new_key}).status_code == 200
        assert client.get("/v1/whoami").status_code == 401


def test_a_service_with_its_own_key_never_serves_keyless_requests(
    make_app: MakeApp, ready: Callable[[TestClient], None], api_key: str
) -> None:
    app = make_app()
    with TestClient(app) as client:
        ready(client)
        assert client.get("/v1/whoami").status_code == 401
        assert client.get("/v1/whoami", headers={"X-API-Key": api_key}).status_code == 200


def test_only_insecure_local_serves_without_a_key(
    make_app: MakeApp, ready: Callable[[TestClient], None]
) -> None:
    app = make_app(api_key=None, insecure_local=True)
    with TestClient(app) as client:
        ready(client)
        assert client.get("/v1/whoami").json() == {"name": "local", "role": "admin"}
        # Once a key exists, even a local service asks for it.
        keys.create_key(app.state.services.store, name="k", role="viewer", actor="test")
        app.state.services._keys = None
        assert client.get("/v1/whoami").status_code == 401
