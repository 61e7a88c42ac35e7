"""Crash safety: ``cxa analyze``, ``cxa score`` and ``cxa themes`` killed with SIGKILL at
named points (:mod:`analyzer.faults`) leave the store as it was before; run again, they give
what an uninterrupted run gives."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from procs import cxa, kill_at
from tolerance import SCORE_ATOL, assert_frames_close

from analyzer import demo
from analyzer.store import Store
from analyzer.themes import ThemeModel

SCORE_FAST = ["--embedding", "fake", "--spacy-model", "blank", "--sentiment", "vader"]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = demo.write(tmp_path_factory.mktemp("faults") / "export.csv", 150, seed=8)
    return Path(path)


def _rows(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = ["responses", "mentions", "themes", "rejects", "scored_responses"]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()


def _tables(db: Path, run_id: str | None = None) -> dict[str, pd.DataFrame]:
    store = Store(db)
    data = store.load_run(run_id or store.latest_run())
    return {
        "responses": data.responses.drop(columns=["sentiment_score"]),
        "mentions": data.mentions[["mention_id", "theme_id", "sentiment"]],
        "themes": data.themes[["theme_id", "label", "parent_id", "size"]],
    }


def _same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    for name, frame in want.items():
        assert_frames_close(got[name], frame, atol=SCORE_ATOL, check_dtype=True, obj=name)


def test_analyze_killed_at_each_stage_leaves_no_rows_and_reruns_the_same(
    tmp_path: Path, export: Path
) -> None:
    reference, out = tmp_path / "reference", tmp_path / "out"
    assert cxa("analyze", export, "--out", reference, "--model", "fake").returncode == 0
    db = out / "cxa.duckdb"
    for point in ("analyze.ingest", "analyze.embed", "store.commit:write_results"):
        kill_at(point, tmp_path / "marker", "analyze", export, "--out", out, "--model", "fake")
        assert _rows(db) == dict.fromkeys(_rows(db), 0), point  # nothing half-written
    assert len(Store(db).fail_orphaned_runs()) == 3  # the dead runs are now marked failed
    runs = Store(db).list_runs()
    assert set(runs["status"]) == {"failed"}
    assert runs["error"].str.contains("Interrupted").all()
    assert (out / "model" / "model.json").exists()  # swapped in whole before the last kill
    rerun = cxa("analyze", export, "--out", out, "--model", "fake")
    assert rerun.returncode == 0, rerun.stderr
    _same(_tables(db), _tables(reference / "cxa.duckdb"))


def test_score_killed_inside_a_chunk_resumes_to_the_uninterrupted_result(
    tmp_path: Path, export: Path
) -> None:
    fit = tmp_path / "fit"
    assert cxa("analyze", export, "--out", fit, "--model", "fake").returncode == 0
    model = fit / "model"
    args = ["--model", model, *SCORE_FAST, "--chunk-rows", "40"]
    whole = cxa("score", export, "--out", tmp_path / "whole", "--db", tmp_path / "w.duckdb", *args)
    assert whole.returncode == 0, whole.stderr
    out, db = tmp_path / "part", tmp_path / "p.duckdb"
    marker = tmp_path / "marker"
    kill_at(
        "store.commit:write_scored_chunk:2",
        marker,
        "score",
        export,
        "--out",
        out,
        "--db",
        db,
        *args,
    )
    con = duckdb.connect(str(db), read_only=True)
    chunks = con.execute("SELECT DISTINCT chunk FROM scored_responses ORDER BY 1").fetchall()
    con.close()
    assert [c[0] for c in chunks] == [0, 1]  # chunk 2 was rolled back whole
    kill_at("score.parts:3", marker, "score", export, "--out", out, "--db", db, *args)
    resumed = cxa("score", export, "--out", out, "--db", db, *args)
    assert resumed.returncode == 0, resumed.stderr
    assert "finished earlier" in resumed.stdout
    (fingerprint,) = Store(db).list_scored()["fingerprint"]
    got = Store(db).load_scored(fingerprint)
    want = Store(tmp_path / "w.duckdb").load_scored(fingerprint)
    for mine, theirs in zip(got, want, strict=True):
        assert_frames_close(mine, theirs, atol=SCORE_ATOL, check_dtype=True)
    assert Store(db).scored_meta(fingerprint)["status"] == "done"


def test_a_codeframe_edit_killed_midway_leaves_the_store_before_then_catches_up(
    tmp_path: Path, export: Path
) -> None:
    out, twin = tmp_path / "out", tmp_path / "twin"  # the same analysis twice
    for folder in (out, twin):
        assert cxa("analyze", export, "--out", folder, "--model", "fake").returncode == 0
    db = out / "cxa.duckdb"
    before = _tables(db)
    merge = ["themes", "merge", "0", "1", "--label", "merged", "--db", db]
    kill_at("store.commit:apply_codeframe", tmp_path / "marker", *merge)
    _same(_tables(db), before)  # killed inside the store transaction: rolled back
    assert ThemeModel.load(out / "model").codeframe_.merges  # the folder holds the edit whole
    rename = ["themes", "rename", "2", "late", "--db", db]
    kill_at("curation.saved", tmp_path / "marker", *rename)
    _same(_tables(db), before)  # model folder swapped, store not yet written
    # The next edit first brings the store in line with the saved codeframe.
    assert cxa("themes", "owner", "3", "Logistics", "--db", db).returncode == 0
    twin_db = twin / "cxa.duckdb"
    steps = (
        ["merge", "0", "1", "--label", "merged"],
        ["rename", "2", "late"],
        ["owner", "3", "Logistics"],
    )
    for step in steps:
        assert cxa("themes", *step, "--db", twin_db).returncode == 0
    _same(_tables(db), _tables(twin_db))
    assert {"merged", "late"} <= set(_tables(db)["themes"]["label"])
