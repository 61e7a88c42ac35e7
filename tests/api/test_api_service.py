"""Start-up, health probes, API keys and the error contract of the service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.main
from analyzer.errors import ConfigError
from api.main import serve

MakeApp = Callable[..., FastAPI]

DATA_ENDPOINTS = [
    ("GET", "/v1/runs"),
    ("GET", "/v1/runs/{run}"),
    ("DELETE", "/v1/runs/{run}"),
    ("GET", "/v1/runs/{run}/rejects"),
    ("GET", "/v1/runs/{run}/themes"),
    ("GET", "/v1/runs/{run}/themes/0"),
    ("GET", "/v1/runs/{run}/pain-points"),
    ("GET", "/v1/runs/{run}/search?q=app"),
    ("POST", "/v1/score"),
    ("POST", "/v1/runs"),
]


def test_healthz_is_always_ok_and_readyz_waits_for_the_models(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
    api_key: str,
) -> None:
    app, run_id = app_with_run("not-ready", small_export)
    before = TestClient(app, headers={"X-API-Key": api_key})  # lifespan not entered yet
    assert before.get("/healthz").json() == {"status": "ok", "detail": None}
    loading = before.get("/readyz")
    assert loading.status_code == 503 and loading.json()["status"] == "loading"
    comments = {"comments": [{"text": "x"}], "run_id": run_id}
    for response in (
        before.post("/v1/score", json=comments),
        before.get(f"/v1/runs/{run_id}/search", params={"q": "app"}),
    ):
        assert response.status_code == 503 and "loading" in response.json()["detail"]
        assert response.headers["retry-after"] == "5"
    assert before.get(f"/v1/runs/{run_id}/themes").status_code == 200  # no models needed
    with TestClient(app) as client:
        ready(client)
        assert client.get("/readyz").json()["status"] == "ok"


def test_models_that_failed_to_load_are_reported_and_fail_new_runs(
    make_app: MakeApp, small_export: Path, api_key: str
) -> None:
    app = make_app(sentiment="no-such-backend")
    with TestClient(app, headers={"X-API-Key": api_key}) as client:
        for _ in range(200):
            body = client.get("/readyz").json()
            if body["status"] != "loading":
                break
        assert body["status"] == "failed" and "no-such-backend" in body["detail"]
        assert client.get("/readyz").status_code == 503
        upload = {"file": ("s.csv", small_export.read_bytes())}
        run_id = client.post("/v1/runs", files=upload).json()["run_id"]
        app.state.services.runs.wait(timeout=60)
        run = client.get(f"/v1/runs/{run_id}").json()
        assert run["status"] == "failed" and "models failed to load" in run["error"]


@pytest.mark.parametrize(("method", "path"), DATA_ENDPOINTS)
def test_every_data_endpoint_needs_the_key(
    client: TestClient, run_id: str, method: str, path: str
) -> None:
    url = path.format(run=run_id)
    key = client.headers["X-API-Key"]
    for headers in ({"X-API-Key": ""}, {"X-API-Key": key + "x"}, {"X-API-Key": "wrong"}):
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, (url, response.text)
        assert "X-API-Key" in response.json()["detail"]
    bare = TestClient(client.app)
    assert bare.request(method, url).status_code == 401


def test_the_service_refuses_to_start_without_a_key(make_app: MakeApp) -> None:
    with pytest.raises(ConfigError, match="CXA_API_KEY"):
        make_app(api_key=None)


def test_the_key_can_come_from_a_file(make_app: MakeApp, tmp_path: Path, api_key: str) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text("from-file\n", encoding="utf-8")
    client = TestClient(make_app(api_key=None, api_key_file=key_file))
    assert client.get("/v1/runs", headers={"X-API-Key": "from-file"}).status_code == 200
    assert client.get("/v1/runs", headers={"X-API-Key": api_key}).status_code == 401
    key_file.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty"):
        make_app(api_key=None, api_key_file=key_file)


def test_insecure_local_needs_no_key_and_binds_to_localhost(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        TestClient(make_app(api_key=None, insecure_local=True)).get("/v1/runs").status_code == 200
    )
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("CXA_API_KEY", raising=False)
    monkeypatch.delenv("CXA_API_KEY_FILE", raising=False)
    for name, value in {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader"}.items():
        monkeypatch.setenv(f"CXA_{name.upper()}", value)
    api.main.get_settings.cache_clear()
    try:
        serve(host="0.0.0.0", port=8123, db=tmp_path / "x.duckdb", insecure_local=True)
        with pytest.raises(ConfigError):
            serve(host="0.0.0.0", port=8123, db=tmp_path / "x.duckdb", insecure_local=False)
    finally:
        api.main.get_settings.cache_clear()
    assert calls == [
        {"host": "127.0.0.1", "port": 8123, "access_log": False, "log_config": api.main.LOG_CONFIG}
    ]


def test_unknown_run_is_404_with_a_message(client: TestClient) -> None:
    for path in ("/v1/runs/nope", "/v1/runs/nope/themes", "/v1/runs/nope/pain-points"):
        response = client.get(path)
        assert response.status_code == 404
        assert "No run 'nope'" in response.json()["detail"]
        assert ".duckdb" not in response.json()["detail"]  # no server paths


def test_malformed_query_and_json_get_422_naming_the_problem(
    client: TestClient, run_id: str
) -> None:
    response = client.get(f"/v1/runs/{run_id}/themes", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]
    assert "limit" in response.json()["detail"]
    bad_json = client.post(
        "/v1/score", content=b'{"comments": [', headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 422 and "JSON" in bad_json.json()["detail"]
    wrong_shape = client.post("/v1/score", json={"comments": "not a list", "run_id": run_id})
    assert wrong_shape.status_code == 422
    assert wrong_shape.json()["errors"][0]["loc"][:2] == ["body", "comments"]


def test_an_unexpected_error_is_a_generic_500_logged_by_type_only(
    client: TestClient,
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("customer said: my card 4111 is stolen")

    monkeypatch.setattr("api.routers.themes.theme_rows", boom)
    # an earlier test (in any order) may have cached this view's answer: compute it afresh
    client.app.state.services.forget_all()  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO):
        response = client.get(f"/v1/runs/{run_id}/themes")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal error. The service log names its type.",
        "errors": [],
    }
    assert "RuntimeError" in caplog.text
    assert "4111" not in caplog.text and "Traceback" not in caplog.text


def test_access_log_has_paths_but_no_query_strings(
    client: TestClient, run_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"):
        client.get(f"/v1/runs/{run_id}/search", params={"q": "secret refund story"})
    lines = [r.getMessage() for r in caplog.records if r.name == "api.access"]
    assert any(f"GET /v1/runs/{run_id}/search 200" in line for line in lines)
    assert "secret" not in caplog.text


def test_the_dashboard_gets_the_styles_it_shares_with_the_report(client: TestClient) -> None:
    bare = TestClient(client.app)
    page = bare.get("/dashboard").text
    assert page.index('href="/dashboard/base.css"') < page.index('href="/static/dashboard.css"')
    base = bare.get("/dashboard/base.css")
    assert base.status_code == 200 and base.headers["content-type"].startswith("text/css")
    assert '.theme-row[aria-expanded="true"] td:first-child::before' in base.text
    own = bare.get("/static/dashboard.css")
    assert own.status_code == 200 and ".topbar {" in own.text
    assert ".theme-row {" not in own.text  # one copy of the shared rules, in base.css


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    for path in ("/v1/runs", "/v1/runs/{run_id}/themes", "/v1/score", "/v1/runs/{run_id}/search"):
        assert path in spec["paths"]


def test_the_dashboard_page_and_plotly_are_served_without_a_key(client: TestClient) -> None:
    bare = TestClient(client.app)
    page = bare.get("/dashboard")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = bare.get("/dashboard/plotly.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    assert bare.get("/static/dashboard.js").status_code == 200
    assert "/dashboard" not in client.get("/openapi.json").json()["paths"]
