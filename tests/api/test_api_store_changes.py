"""The service sees writes made to its store by other processes without a restart: the
cached reads of a run are dropped when the run changes, whoever changed it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from service_fixtures import add_run

from analyzer.loop import curation
from analyzer.privacy.forget import forget_response
from analyzer.store import Store


def _verbatims(client: TestClient, run_id: str, theme_id: int) -> set[str]:
    detail = client.get(f"/v1/runs/{run_id}/themes/{theme_id}", params={"examples": 50})
    assert detail.status_code == 200, detail.text
    return {e["response_id"] for e in detail.json()["examples"]}


def test_writes_outside_the_service_reach_its_cached_reads(fresh, demo_export: Path) -> None:
    client = fresh()
    services = client.app.state.services  # type: ignore[attr-defined]
    run_id = add_run(services.settings, demo_export)
    themes = client.get(f"/v1/runs/{run_id}/themes").json()["data"]
    theme_id = int(themes[0]["theme_id"])
    respondent = sorted(_verbatims(client, run_id, theme_id))[0]

    # As another process would: through a Store of its own, not the service's methods.
    other = Store(services.settings.db)
    curation.edit(other, run_id, curation.rename(theme_id, "renamed elsewhere"))
    forget_response(other, respondent, cache_dir=Path("/nonexistent"), actor="cli:test")

    listed = client.get(f"/v1/runs/{run_id}/themes").json()["data"]
    assert {t["theme_id"]: t["label"] for t in listed}[theme_id] == "renamed elsewhere"
    assert respondent not in _verbatims(client, run_id, theme_id)
    scores = client.get(f"/v1/runs/{run_id}/scores").json()["data"]
    assert {s["n"] for s in scores} != set()  # still answers after the reload
