"""The service fixtures (see ``tests/service_fixtures.py``), and an app of the security tests'
own with one run and a key per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_fixtures import *  # noqa: F403
from service_fixtures import HEADERS, KEY, Roled, make_settings, wait_ready  # noqa: F401

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
