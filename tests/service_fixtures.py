"""Fixtures of the service tests (``tests/api`` and ``tests/security``): an app on a temporary
DuckDB file with the fast fake models (``embedding="fake"``, ``spacy_model="blank"``, VADER),
and one analysed demo run. Each folder's conftest imports them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer import demo
from analyzer.config import make_config
from analyzer.store import Store
from api.main import create_app
from api.settings import Settings

KEY = "test-key-123"
HEADERS = {"X-API-Key": KEY}
FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}


TEST_HOSTS = ["testserver", "localhost"]
"""Host names the test clients send (TestClient: ``testserver``; schemathesis:
``localhost``), allowed by configuration as an operator would (``CXA_ALLOWED_HOSTS``)."""


@dataclass
class Roled:
    """A ready client of an app holding one finished run, its store, a key per role and one
    theme id of the run. The client sends no key: pass ``as_(role)`` as headers."""

    client: TestClient
    run_id: str
    keys: dict[str, str]
    theme: int

    def as_(self, role: str) -> dict[str, str]:
        """Headers that send the key of ``role`` (``"service"``: the service's own key)."""
        return {"X-API-Key": KEY if role == "service" else self.keys[role]}

    @property
    def store(self) -> Store:
        return self.client.app.state.services.store  # type: ignore[attr-defined,no-any-return]


VICTIM = "ann.smith@example.com"
"""A respondent whose id is their e-mail address (twice: the second row becomes ``#2``)."""
VICTIM_COMMENT = "The courier from Quickship dumped my parcel in the rain behind the bins"
UPLOAD_NAME = "Jane Doe +1 415 555 0100.csv"


def personal_export(folder: Path, rows: int = 80, seed: int = 2) -> Path:
    """A demo export holding personal data outside the comments: e-mail and phone ids, an
    e-mail and a phone number as segment values, a person's name in a score cell."""
    import pandas as pd

    export, _ = demo.write(folder / "demo.csv", rows, seed=seed)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[0, ["response_id", "comment"]] = [VICTIM, VICTIM_COMMENT]
    frame.loc[1, "response_id"] = VICTIM
    frame.loc[2, "response_id"] = "+1 415 555 0100"
    frame.loc[3, "channel"] = "bob.jones@example.org"
    frame.loc[4, "channel"] = "+44 20 7946 0958"
    frame.loc[5, "ces"] = "Mr John Smith said 7"
    path = folder / UPLOAD_NAME
    frame.to_csv(path, index=False)
    return path


def make_settings(folder: Path, **overrides: object) -> Settings:
    """Settings for a test app whose store and models live in ``folder``."""
    options: dict[str, object] = {
        "api_key": KEY,
        "db": folder / "cxa.duckdb",
        "allowed_hosts": TEST_HOSTS,
        **FAST,
    }
    return Settings(**{**options, **overrides})  # type: ignore[arg-type]


def wait_ready(client: TestClient, timeout: float = 60) -> None:
    """Wait until /readyz says the models are loaded."""
    deadline = time.monotonic() + timeout
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, client.get("/readyz").json()
        time.sleep(0.05)


def add_run(settings: Settings, export: Path) -> str:
    """Analyse ``export`` into the settings' store the way the service does; its run id."""
    from analyzer.pipeline import analyze_and_store, new_run_id

    run_id = new_run_id()
    analyze_and_store(
        export,
        Store(settings.db),
        run_id=run_id,
        config=make_config(**FAST),
        model_dir=settings.models_root / run_id,
    )
    return run_id


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 synthetic survey responses (seed 1)."""
    export, _ = demo.write(tmp_path_factory.mktemp("export") / "demo.csv", 200, seed=1)
    return Path(export)


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 synthetic survey responses (seed 2), for tests where the figures do not matter."""
    export, _ = demo.write(tmp_path_factory.mktemp("small") / "small.csv", 80, seed=2)
    return Path(export)


@pytest.fixture(scope="session")
def app_with_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, Path], tuple[FastAPI, str]]:
    """A factory of apps (own folder) holding one finished run of an export."""

    def build(name: str, export: Path) -> tuple[FastAPI, str]:
        settings = make_settings(tmp_path_factory.mktemp(name))
        run_id = add_run(settings, export)
        return create_app(settings), run_id

    return build


@pytest.fixture(scope="session")
def shared(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]], demo_export: Path
) -> Iterator[tuple[FastAPI, TestClient, str]]:
    """One app with one finished run of the demo export, for the tests that only read."""
    app, run_id = app_with_run("shared", demo_export)
    with TestClient(app, headers=HEADERS) as client:
        wait_ready(client)
        yield app, client, run_id


@pytest.fixture
def client(shared: tuple[FastAPI, TestClient, str]) -> TestClient:
    """A client of the shared app that sends the API key."""
    return shared[1]


@pytest.fixture
def run_id(shared: tuple[FastAPI, TestClient, str]) -> str:
    """The shared app's finished run."""
    return shared[2]


@pytest.fixture(scope="session")
def api_key() -> str:
    """The key every test app expects."""
    return KEY


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., FastAPI]:
    """A factory of new apps (own store in ``tmp_path``), lifespan not entered."""

    def build(**overrides: object) -> FastAPI:
        return create_app(make_settings(tmp_path, **overrides))

    return build


@pytest.fixture(scope="session")
def ready() -> Callable[[TestClient], None]:
    """:func:`wait_ready`, for tests that enter an app's lifespan themselves."""
    return wait_ready


@pytest.fixture
def fresh(make_app: Callable[..., FastAPI]) -> Iterator[Callable[..., TestClient]]:
    """A factory of ready clients of new apps, for tests that write or change settings."""
    clients: list[TestClient] = []

    def build(**overrides: object) -> TestClient:
        client = TestClient(make_app(**overrides), headers=HEADERS)
        client.__enter__()
        clients.append(client)
        wait_ready(client)
        return client

    yield build
    for client in clients:
        client.app.state.services.runs.wait(timeout=120)  # type: ignore[attr-defined]
        client.__exit__(None, None, None)


def wait_done(
    client: TestClient, run_id: str, headers: dict[str, str], timeout: float = 120
) -> dict[str, Any]:
    """Wait until a run is done or failed; its last ``GET /v1/runs/{run_id}`` answer."""
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}", headers=headers).json()
        if run["status"] in ("done", "failed"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
