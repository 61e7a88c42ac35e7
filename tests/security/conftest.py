"""The service fixtures (see ``tests/service_fixtures.py``), and an app of the security tests'
own with one run and a key per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_fixtures import *  # noqa: F403
from service_fixtures import (  # noqa: F401
    HEADERS,
    KEY,
    UPLOAD_NAME,
    Roled,
    make_settings,
    personal_export,
    wait_done,
    wait_ready,
)

from analyzer.privacy import keys
from analyzer.privacy.keys import ROLES


@pytest.fixture(scope="module")
def roled(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]], small_export: Path
) -> Iterator[Roled]:
    """An app of this test module with one run of the small export and a key per role."""
    app, run_id = app_with_run("security", small_export)
    store = app.state.services.store
    made = {role: keys.create_key(store, name=f"{role}-1", role=role, actor="test")[0]
            for role in ROLES}  # fmt: skip
    theme = int(store.load_run(run_id).themes["theme_id"].iloc[0])
    with TestClient(app) as client:
        wait_ready(client)
        yield Roled(client, run_id, made, theme)


@pytest.fixture(scope="module")
def personal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Roled]:
    """An app of this test module (fast models) with one run of :func:`personal_export`,
    uploaded through the API under its personal file name, and a key per role."""
    from api.main import create_app

    folder = tmp_path_factory.mktemp("personal")
    export = personal_export(folder)
    app = create_app(make_settings(folder / "service"))
    store = app.state.services.store
    made = {role: keys.create_key(store, name=f"{role}-1", role=role, actor="test")[0]
            for role in ROLES}  # fmt: skip
    with TestClient(app) as client:
        wait_ready(client)
        sent = client.post("/v1/runs", files={"file": (UPLOAD_NAME, export.read_bytes())},
                           headers=HEADERS)  # fmt: skip
        assert sent.status_code == 202, sent.text
        run = wait_done(client, sent.json()["run_id"], HEADERS)
        assert run["status"] == "done", run
        theme = int(store.load_run(run["run_id"]).themes["theme_id"].iloc[0])
        yield Roled(client, run["run_id"], made, theme)
