"""The cxa command line, run in-process with typer's runner."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "demo-data", "report", "report-table", "runs"):
        assert command in result.output


def test_demo_data_writes_export_and_truth(tmp_path) -> None:
    result = runner.invoke(app, ["demo-data", str(tmp_path / "d.csv"), "--rows", "50"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "d.csv")) == 50
    assert (tmp_path / "d.truth.csv").exists()


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    export, _ = demo.write(folder / "demo.csv", 300, seed=5)
    frame = pd.read_csv(export, keep_default_na=False, dtype=str)
    frame.loc[3, "nps"] = "11"  # out of range: must be rejected, not dropped
    frame.to_csv(export, index=False)
    out = folder / "out"
    result = runner.invoke(app, ["analyze", str(export), "--out", str(out), "--model", "fake"])
    return result, out, frame


def test_analyze_prints_themes_and_paths(analyzed) -> None:
    result, out, _ = analyzed
    assert result.exit_code == 0, result.output
    assert "Top themes" in result.output and "neg / neu / pos" in result.output
    assert "Sentiment vs NPS" in result.output and "detractors" in result.output
    names = (
        "cxa.duckdb",
        "responses.parquet",
        "mentions.parquet",
        "rejects.parquet",
        "rejects.csv",
    )
    for name in names:
        assert (out / name).exists() and str(out / name) in result.output.replace("\n", "")
    assert (out / "model").is_dir()


def test_analyze_keeps_bad_rows_and_reports_them(analyzed) -> None:
    _, out, frame = analyzed
    rejects = pd.read_csv(out / "rejects.csv")
    bad = rejects[rejects["column"] == "nps"]
    assert bad["row"].tolist() == [5] and bad["value"].astype(str).tolist() == ["11"]
    same = pd.read_parquet(out / "rejects.parquet")  # the same rows, typed
    assert same["row"].tolist() == rejects["row"].tolist()
    responses = pd.read_parquet(out / "responses.parquet")
    assert len(responses) == len(frame)
    assert pd.isna(responses.loc[3, "nps"])
    con = duckdb.connect(str(out / "cxa.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM responses").fetchone() == (len(frame),)
    assert con.execute("SELECT status FROM runs").fetchone() == ("done",)
    con.close()


def test_missing_text_column_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "scores.csv"
    pd.DataFrame({"id": [1, 2], "nps": [9, 3]}).to_csv(path, index=False)
    result = runner.invoke(app, ["analyze", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "error:" in result.output and "--text" in result.output
    assert "Traceback" not in result.output


def test_misnamed_override_names_the_columns_found(tmp_path) -> None:
    path = tmp_path / "e.csv"
    pd.DataFrame({"feedback": ["ok"], "nps": [9]}).to_csv(path, index=False)
    result = runner.invoke(
        app, ["analyze", str(path), "--text", "coment", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "coment" in result.output and "feedback" in result.output


def test_unreadable_file_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a spreadsheet")
    result = runner.invoke(app, ["analyze", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "broken.xlsx" in result.output


def test_analyze_writes_the_report(analyzed) -> None:
    result, out, _ = analyzed
    html = (out / "report.html").read_text()
    assert "<html" in html.lower() and "report.html" in result.output.replace("\n", "")


def test_report_table_prints_every_table(analyzed) -> None:
    _, out, _ = analyzed
    db = str(out / "cxa.duckdb")
    result = runner.invoke(app, ["report-table", "latest", "--db", db, "--segment", "channel"])
    assert result.exit_code == 0, result.output
    for title in ("scores", "themes", "pain points", "emerging", "drivers", "segments"):
        assert title in result.output


def test_report_table_writes_csv_and_json(analyzed, tmp_path) -> None:
    _, out, frame = analyzed
    db = str(out / "cxa.duckdb")
    result = runner.invoke(
        app, ["report-table", "--db", db, "--format", "csv", "--out", str(tmp_path / "t")]
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "t" / "scores.csv").set_index("figure")
    nps = pd.to_numeric(frame["nps"], errors="coerce")
    nps = nps[nps.between(0, 10)]
    expected = 100 * ((nps >= 9).mean() - (nps <= 6).mean())
    assert scores.loc["nps", "value"] == pytest.approx(expected)
    assert (tmp_path / "t" / "themes.csv").exists()
    result = runner.invoke(
        app, ["report-table", "--db", db, "--format", "json", "--since", "2026-09-01"]
    )
    assert result.exit_code == 0, result.output
    assert "pain_points" in result.output


def test_report_table_rejects_unknown_run_and_segment(analyzed) -> None:
    _, out, _ = analyzed
    db = str(out / "cxa.duckdb")
    result = runner.invoke(app, ["report-table", "nope", "--db", db])
    assert result.exit_code == 2 and "No run 'nope'" in result.output
    result = runner.invoke(app, ["report-table", "--db", db, "--segment", "colour"])
    assert result.exit_code == 2 and "channel" in result.output


def test_report_command_writes_html(analyzed, tmp_path) -> None:
    _, out, _ = analyzed
    target = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--db", str(out / "cxa.duckdb"), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 100_000  # plotly.js is inlined


def test_help_paragraphs_have_no_hard_line_breaks_so_the_formatter_wraps_them() -> None:
    def commands(typer_app: typer.Typer) -> list[Any]:
        found = list(typer_app.registered_commands)
        for group in typer_app.registered_groups:
            found += commands(group.typer_instance) if group.typer_instance else []
        return found

    helps = [c.help for c in commands(app) if c.help]
    assert len(helps) > 20
    for text in helps:
        assert all("\n" not in paragraph for paragraph in text.split("\n\n")), text
    result = CliRunner().invoke(app, ["forget", "--help"], env={"COLUMNS": "200"})
    assert "leave every run and scored export in the store" in result.output


def test_analyze_on_a_fit_sample_says_so_in_the_report_and_the_run(tmp_path) -> None:
    export, _ = demo.write(tmp_path / "demo.csv", 300, seed=6)
    out = tmp_path / "out"
    args = ["analyze", str(export), "--out", str(out), "--model", "fake", "--fit-sample", "120"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text("utf-8")
    assert "themes fitted on 120 of 300 responses" in html
    con = duckdb.connect(str(out / "cxa.duckdb"), read_only=True)
    info = con.execute("SELECT info FROM runs").fetchone()[0]
    con.close()
    assert '"fit_sample": {"responses": 120, "of": 300' in info
    assert not list(out.glob(".fit-*"))  # the scratch folder for Dask workers is gone
