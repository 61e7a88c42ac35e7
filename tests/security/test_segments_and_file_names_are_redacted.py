"""Finding 8 of the second probe: personal data in segment values and upload file names.

An e-mail or a phone number in a "channel" cell showed in ``GET /v1/runs/{id}``, in the
report's chart data and CSV downloads, and in ``segments.csv``; an upload named ``Jane Doe
+1 415 555 0100.csv`` was shown to every viewer as ``source``. Segment values are redacted by
patterns when they are read, before anything stores them, and file names when they are
saved and shown.
"""

from __future__ import annotations

from pathlib import Path

from service_fixtures import Roled
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.report.content import report_content
from analyzer.report.exports import report_tables, to_csv

SECRETS = ("bob.jones", "example.org", "7946", "415 555", "+1 415")


def test_viewers_see_no_personal_segment_value_or_file_name(personal: Roled) -> None:
    viewer = personal.as_("viewer")
    run = personal.client.get(f"/v1/runs/{personal.run_id}", headers=viewer).json()
    assert run["source"] == "Jane Doe [PHONE].csv"
    channels = run["segment_values"]["channel"]
    assert "[EMAIL]" in channels and "[PHONE]" in channels
    listed = personal.client.get("/v1/runs", headers=viewer).text
    themes = personal.client.get(
        f"/v1/runs/{personal.run_id}/themes", params={"segment": "channel:[EMAIL]"},
        headers=viewer,
    )  # fmt: skip
    assert themes.status_code == 200
    for secret in SECRETS:
        assert secret not in str(run) and secret not in listed


def test_the_report_and_segments_csv_hold_no_personal_segment_value(
    personal: Roled, tmp_path: Path
) -> None:
    data = personal.store.load_run(personal.run_id)
    content = report_content(data)
    downloads = " ".join(to_csv(table) for _, table in report_tables(content).values())
    assert content.source == "Jane Doe [PHONE].csv"
    db = str(personal.store.path)
    result = CliRunner().invoke(
        app,
        ["report-table", personal.run_id, "--db", db, "--segment", "channel", "--format", "csv",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    segments = (tmp_path / "segments.csv").read_text("utf-8")
    assert "[EMAIL]" in segments
    for secret in SECRETS:
        assert secret not in downloads and secret not in segments
