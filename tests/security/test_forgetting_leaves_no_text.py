"""Finding 9 of the second probe: forgetting leaves no text behind.

The comment stayed in ``report.html``, which ``cxa analyze --out`` writes into the store's
folder, and in the ``model/model.json`` of a run deleted through the API (deleting a run
removed only model folders under the service's models root). Forgetting now withdraws the
reports of the runs it touched and ``cxa forget`` writes them again from the store; deleting
a run removes its model folder wherever the store keeps it, unless another run uses it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_fixtures import FAST, HEADERS, make_settings, wait_ready
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app
from analyzer.config import make_config
from analyzer.pipeline import analyze_and_store
from analyzer.privacy.scrub import report_run
from analyzer.store import Store
from api.main import create_app

runner = CliRunner()


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``cxa analyze --out OUT`` of a demo export: the store, Parquet files, report.html."""
    tmp = tmp_path_factory.mktemp("leftovers")
    export, _ = demo.write(tmp / "demo.csv", 120, seed=5)
    out = tmp / "out"
    result = runner.invoke(app, ["analyze", str(export), "--out", str(out), "--model", "fake"])
    assert result.exit_code == 0, result.output
    return {"out": out, "db": out / "cxa.duckdb"}


def _quoted_in_report(db: Path, page: str) -> tuple[str, set[str]]:
    """A respondent whose texts the report quotes and nobody else wrote."""
    store = Store(db, read_only=True)
    run = store.load_run(store.latest_run())
    counts = run.mentions["text"].value_counts()
    for rid, group in run.mentions.groupby("response_id"):
        texts = {str(t) for t in group["text"]}
        if all(counts[t] == 1 and len(t) > 20 for t in texts) and any(
            html.escape(t) in page for t in texts
        ):
            return str(rid), texts
    raise AssertionError("the report quotes no respondent with texts of their own")


def test_forgetting_writes_the_report_again_without_the_respondent(
    analysed: dict[str, Any],
) -> None:
    report = analysed["out"] / "report.html"
    page = report.read_text("utf-8")
    rid, texts = _quoted_in_report(analysed["db"], page)
    run_id = report_run(report)
    assert run_id is not None and run_id in page

    result = runner.invoke(app, ["forget", "--response-id", rid, "--db", str(analysed["db"])])
    assert result.exit_code == 0, result.output
    assert "reports written again: 1" in result.output
    page = report.read_text("utf-8")
    assert report_run(report) == run_id  # a full report again, of the same run
    assert "plotly" in page and "withdrawn" not in page
    assert not any(html.escape(t) in page or t in page for t in texts)


def test_deleting_a_run_through_the_api_removes_its_model_folder(tmp_path: Path) -> None:
    export, _ = demo.write(tmp_path / "demo.csv", 60, seed=6)
    out = tmp_path / "out"  # what 'cxa analyze --out' writes: out/cxa.duckdb, out/model
    store = Store(out / "cxa.duckdb")
    config = make_config(**FAST)
    first, _ = analyze_and_store(export, store, config=config, model_dir=out / "model")
    second, _ = analyze_and_store(export, store, config=config, model_dir=out / "model")
    model_json = out / "model" / "model.json"
    assert model_json.is_file()
    app = create_app(make_settings(out))
    with TestClient(app, headers=HEADERS) as client:
        wait_ready(client)
        assert client.delete(f"/v1/runs/{first}").status_code == 204
        assert model_json.is_file()  # the second run still uses it
        assert client.delete(f"/v1/runs/{second}").status_code == 204
        assert not (out / "model").exists()
        assert (out / "cxa.duckdb").is_file()  # the store's folder itself stays


def test_a_report_of_a_run_no_longer_in_the_store_stays_withdrawn(
    analysed: dict[str, Any], tmp_path: Path
) -> None:
    from analyzer.privacy.scrub import withdraw_reports
    from analyzer.report import rewrite_reports

    copy = tmp_path / "copy.html"
    copy.write_text((analysed["out"] / "report.html").read_text("utf-8"), "utf-8")
    run_id = report_run(copy)
    assert run_id is not None
    withdrawn = withdraw_reports([tmp_path], [run_id])
    assert withdrawn == [(str(copy), run_id)]
    assert "withdrawn" in copy.read_text("utf-8") and report_run(copy) is None
    gone = [(str(copy), "run-that-was-deleted")]
    assert rewrite_reports(Store(analysed["db"]), gone) == []
    assert "withdrawn" in copy.read_text("utf-8")
