"""Property-based fuzzing of the OpenAPI schema: no 5xx, every response as documented."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from api.main import create_app
from api.settings import Settings

MAX_EXAMPLES = 20
Target = tuple[FastAPI, str, list[int], str, dict[str, str]]

with tempfile.TemporaryDirectory() as _folder:  # the schema does not depend on the store
    _spec = create_app(Settings(api_key="schema", db=Path(_folder) / "x.duckdb")).openapi()
schema = schemathesis.openapi.from_dict(_spec)


@pytest.fixture(scope="module")
def fuzz_target(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
) -> Iterator[Target]:
    """An app of its own (the fuzzer edits and deletes), with one small finished run and
    the same export scored with the run's theme model (``cxa score``)."""
    from analyzer.batch import ScoringSpec, score_export
    from analyzer.config import make_config

    app, run_id = app_with_run("fuzz", small_export)
    settings = app.state.services.settings
    config = make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)
    spec = ScoringSpec(model_dir=str(settings.models_root / run_id), config=config)
    out = settings.db.parent / "scored"
    fingerprint = score_export(small_export, spec, out, db=settings.db).fingerprint
    from analyzer.loop import actions, suggestions

    store = app.state.services.store
    themes = store.load_run(run_id).themes["theme_id"].tolist()
    ids = {  # the routes of issue 18 reach real records, not only 404s
        "action_id": actions.add_action(store, run_id=run_id, theme_ids=themes[:1], title="a",
                                        team="Ops", effective="2026-01-01", actor="t")["action_id"],
        "suggestion_id": suggestions.suggest(store, run_id=run_id, kind="note",
                                             theme_ids=themes[:1], author="t", comment="x")[
            "suggestion_id"],
        "team": "Ops",
    }  # fmt: skip
    with TestClient(app) as client:
        ready(client)
        yield app, run_id, themes, fingerprint, ids
        app.state.services.runs.wait(timeout=120)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_errors_and_responses_match_the_schema(
    case: schemathesis.Case, fuzz_target: Target, api_key: str
) -> None:
    app, run_id, themes, fingerprint, ids = fuzz_target
    params = case.path_parameters or {}
    if "run_id" in params and case.method != "DELETE":  # reach the data, not only 404s
        params["run_id"] = run_id
    for name, value in ids.items():
        if name in params:
            params[name] = value
    if isinstance(case.query, dict) and "run_id" in case.query and "/teams" in case.path:
        case.query["run_id"] = run_id
    if "fingerprint" in params:
        params["fingerprint"] = fingerprint
    if isinstance(params.get("theme_id"), int) and themes:
        params["theme_id"] = themes[params["theme_id"] % len(themes)]
    case.call_and_validate(
        app=app,
        headers={"X-API-Key": api_key},
        checks=[not_a_server_error, response_schema_conformance],
    )
