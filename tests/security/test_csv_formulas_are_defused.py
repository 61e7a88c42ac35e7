"""Finding 5 of the second probe: no CSV the project writes holds a cell a spreadsheet runs.

``cxa report-table --format csv`` wrote a theme label ``=HYPERLINK("http://evil.example","x")``
and a segment value ``=1+1`` raw; ``rejects.csv`` held ``=1+cmd|' /C calc'!A0``, ``@SUM(1+1)``
and ``-cmd|' /C calc'!A0`` raw. The report's and the dashboard's downloads already defused
them; every CSV writer now follows that one rule (:mod:`analyzer.text.spreadsheet`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from service_fixtures import FAST
from typer.testing import CliRunner

from analyzer import demo
from analyzer.batch import ScoringSpec, score_export
from analyzer.cli import app
from analyzer.config import make_config
from analyzer.loop import curation
from analyzer.pipeline import analyze_and_store
from analyzer.pipeline.runs import write_tables
from analyzer.store import Store
from analyzer.text.spreadsheet import FORMULA_START

LABEL = '=HYPERLINK("http://evil.example","x")'
SEGMENTS = ["=1+1", "@SUM(1+1)", "+cmd|' /C calc'!A0"]
SCORES = ["=1+cmd|' /C calc'!A0", "@SUM(1+1)", "-cmd|' /C calc'!A0", "\t=1+1"]


def _runs_as_formula(cell: str) -> bool:
    if not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell)  # a negative figure is a number, not a formula
    except ValueError:
        return True
    return False


def _formula_cells(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                found += [f"{path.name}: {c!r}" for c in row if _runs_as_formula(c)]
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A demo export with formula-like segment values and scores, analysed into a store."""
    tmp = tmp_path_factory.mktemp("formulas")
    export, _ = demo.write(tmp / "demo.csv", 120, seed=3)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    for i, value in enumerate(SEGMENTS * 10):
        frame.loc[i, "channel"] = value
    for i, value in enumerate(SCORES):
        frame.loc[40 + i, "nps"] = value
    frame.to_csv(export, index=False)
    out = tmp / "out"
    store = Store(out / "cxa.duckdb")
    run_id, result = analyze_and_store(
        export, store, config=make_config(**FAST), model_dir=out / "model"
    )
    theme = int(result.themes["theme_id"].iloc[0])
    curation.edit(store, run_id, curation.rename(theme, LABEL))
    write_tables(out, {"rejects": result.rejects})
    return export, out, run_id


def test_report_table_csv_files_hold_no_formula(hostile: tuple[Path, Path, str]) -> None:
    _, out, _ = hostile
    tables = out / "tables"
    db = str(out / "cxa.duckdb")
    result = CliRunner().invoke(
        app,
        ["report-table", "--db", db, "--segment", "channel", "--format", "csv", "--out",
         str(tables)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = " ".join(p.read_text("utf-8") for p in tables.glob("*.csv"))
    assert "'" + LABEL.replace('"', '""') in written  # kept, as text
    assert "'=1+1" in (tables / "segments.csv").read_text("utf-8")
    assert _formula_cells(tables) == []


def test_rejects_csv_of_analyze_and_of_batch_scoring_hold_no_formula(
    hostile: tuple[Path, Path, str], tmp_path: Path
) -> None:
    export, out, _ = hostile
    rejects = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    assert len(rejects[rejects["column"] == "nps"]) == len(SCORES)
    assert _formula_cells(out) == []
    spec = ScoringSpec(model_dir=str(out / "model"), config=make_config(**FAST))
    result = score_export(export, spec, tmp_path / "batch", chunk_rows=50)
    assert pd.read_csv(result.files["rejects_csv"], dtype=str)["column"].eq("nps").sum() == 4
    assert _formula_cells(tmp_path / "batch") == []
