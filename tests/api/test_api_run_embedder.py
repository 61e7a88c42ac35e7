"""`cxa` and the API answer "which embedder did this run use" with one function."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analyzer.cli import app as cli
from analyzer.pipeline import runs


def test_cli_split_and_api_search_ask_runs_run_embedder(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    small_export: Path,
    ready: Callable[[TestClient], None],
    api_key: str,
    monkeypatch,
) -> None:
    app, run_id = app_with_run("embedder", small_export)
    answers: list[tuple[str, runs.RunEmbedder]] = []
    real = runs.run_embedder

    def spy(meta):  # type: ignore[no-untyped-def]
        answers.append((str(meta["run_id"]), real(meta)))
        return answers[-1][1]

    monkeypatch.setattr(runs, "run_embedder", spy)
    with TestClient(app, headers={"X-API-Key": api_key}) as client:
        ready(client)
        response = client.get(f"/v1/runs/{run_id}/search", params={"q": "app crashes"})
        assert response.status_code == 200, response.text
        themes = client.get(f"/v1/runs/{run_id}/themes").json()["data"]
    biggest = max(themes, key=lambda t: t["mentions"])["theme_id"]
    db = str(app.state.services.settings.db)
    result = CliRunner().invoke(cli, ["themes", "split", str(biggest), "--db", db, "--run", run_id])
    assert result.exit_code == 0, result.output
    assert len(answers) == 2, answers  # one from the API, one from the CLI
    (api_run, api_answer), (cli_run, cli_answer) = answers
    assert api_run == cli_run == run_id and api_answer == cli_answer
    assert api_answer.key == "fake" and api_answer.source.endswith("embedder.json")
