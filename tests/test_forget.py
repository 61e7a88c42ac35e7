"""Forgetting a respondent leaves no table, file or cache entry with their text or id; the
retention rule purges old text and keeps every figure."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from tolerance import EXACT_ATOL, assert_frames_close
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app
from analyzer.config import make_config
from analyzer.metrics import theme_table
from analyzer.privacy import forget
from analyzer.store import Store

runner = CliRunner()
CONFIG = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": True}


@pytest.fixture
def analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An export analysed with `cxa analyze` (Parquet outputs, cache on) and its second half
    scored with `cxa score`'s library into the same store, with its own output folder."""
    from analyzer.batch import ScoringSpec, score_export

    monkeypatch.setenv("CXA_CACHE_DIR", str(tmp_path / "cache"))
    export, _ = demo.write(tmp_path / "demo.csv", 160, seed=7)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(export), "--out", str(out), "--model", "fake"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.iloc[80:].to_csv(tmp_path / "next.csv", index=False)
    spec = ScoringSpec(model_dir=str(out / "model"), config=make_config(**CONFIG))
    score_export(tmp_path / "next.csv", spec, tmp_path / "scored", db=out / "cxa.duckdb")
    return {"tmp": tmp_path, "out": out, "db": out / "cxa.duckdb", "export": export}


def _victim(db: Path) -> tuple[str, set[str]]:
    """A scored response quoted in a theme's examples whose texts nobody else wrote."""
    store = Store(db, read_only=True)
    run = store.load_run(store.latest_run())
    _, scored_mentions = store.load_scored(store.list_scored()["fingerprint"].iloc[0])
    counts = run.mentions["text"].value_counts()
    quoted = {str(e) for examples in run.themes["examples"] for e in examples}
    scored_ids = set(scored_mentions["response_id"])
    for rid, group in run.mentions.groupby("response_id"):
        texts = set(group["text"].astype(str))
        unique = all(counts[t] == 1 and len(t) > 15 for t in texts)
        if rid in scored_ids and unique and texts & quoted:
            comment = run.responses.loc[run.responses["response_id"] == rid, "comment"].iloc[0]
            return str(rid), texts | {str(comment)}
    raise AssertionError("no quoted respondent with unique texts in the demo run")


def _duckdb_hits(db: Path, needles: set[str]) -> list[str]:
    hits = []
    with duckdb.connect(str(db), read_only=True) as con:
        for (table,) in con.execute("SHOW TABLES").fetchall():
            frame = con.execute(f'SELECT * FROM "{table}"').df().astype(str)
            for column in frame:
                for needle in needles:
                    if frame[column].str.contains(needle, regex=False).any():
                        hits.append(f"{table}.{column}: {needle[:20]}")
    return hits


def _file_hits(folder: Path, needles: set[str]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).astype(str).to_csv()
        elif path.suffix in (".json", ".csv") and path.name != "demo.csv":
            text = path.read_text("utf-8")
        else:
            continue
        hits += [f"{path.name}: {n[:20]}" for n in needles if n in text]
    return hits


def _cache_keys(folder: Path) -> set[str]:
    keys: set[str] = set()
    for path in forget.cache_files(folder / "cache" / "embeddings"):
        with sqlite3.connect(path) as con:
            keys |= {k for (k,) in con.execute("SELECT key FROM vec")}
    return keys


def test_forgetting_leaves_no_text_or_id_anywhere(analysed: dict[str, Any]) -> None:
    db, tmp = analysed["db"], analysed["tmp"]
    rid, texts = _victim(db)
    needles = {rid, *texts}
    searched = [tmp / "out", tmp / "scored"]
    assert _duckdb_hits(db, needles) and any(_file_hits(f, needles) for f in searched)
    mention_keys = {forget.cache_key(t) for t in texts}
    assert mention_keys & _cache_keys(tmp)  # the analysis cached their vectors

    result = runner.invoke(app, ["forget", "--response-id", rid, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "rows removed: responses 1" in result.output
    assert "scored_responses 1" in result.output
    assert "theme examples removed: " in result.output
    assert "embedding cache entries removed: " in result.output

    assert _duckdb_hits(db, needles) == []
    for folder in searched:
        assert _file_hits(folder, needles) == [], folder
    assert not mention_keys & _cache_keys(tmp)
    log = duckdb.connect(str(db), read_only=True).execute("SELECT * FROM audit").fetchall()
    assert any("forget" in str(row) for row in log) and rid not in str(log)

    # the theme model keeps working, and so does every read
    again = runner.invoke(app, ["report-table", "--db", str(db)])
    assert again.exit_code == 0, again.output
    from analyzer.embed import get_embedder
    from analyzer.themes import ThemeModel

    model = ThemeModel.load(analysed["out"] / "model")
    text = "the app keeps crashing when I pay"
    ids, _ = model.transform([text], get_embedder("fake").encode([text]))
    assert len(ids) == 1

    missing = runner.invoke(app, ["forget", "--response-id", rid, "--db", str(db)])
    assert missing.exit_code == 2 and "No response" in missing.output


def test_forgetting_only_one_source(analysed: dict[str, Any]) -> None:
    db = analysed["db"]
    rid, _ = _victim(db)
    result = runner.invoke(
        app, ["forget", "--response-id", rid, "--source", "next.csv", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    store = Store(db, read_only=True)
    assert rid in set(store.load_run(store.latest_run()).responses["response_id"])
    fingerprint = store.list_scored()["fingerprint"].iloc[0]
    assert rid not in set(store.load_scored(fingerprint)[0]["response_id"])
    unknown = runner.invoke(
        app, ["forget", "--response-id", rid, "--source", "other.csv", "--db", str(db)]
    )
    assert unknown.exit_code == 2 and "other.csv" in unknown.output


def test_retention_purges_old_text_and_keeps_the_figures(analysed: dict[str, Any]) -> None:
    db = analysed["db"]
    store = Store(db)
    run = store.load_run(store.latest_run())
    before = theme_table(run.responses, run.mentions, run.themes)
    cutoff = run.responses["date"].quantile(0.5)
    old = run.responses["date"] < cutoff.normalize()
    old_ids = set(run.responses.loc[old, "response_id"])
    is_old = run.mentions["response_id"].isin(old_ids)
    old_texts = set(run.mentions.loc[is_old, "text"])
    new_texts = set(run.mentions.loc[~is_old, "text"])  # the same words may be in both
    days = (pd.Timestamp("2027-06-01") - cutoff.normalize()).days
    counts = forget.purge_text(store, days, now=pd.Timestamp("2027-06-01"), actor="test")
    assert counts["responses"] == int((old & (run.responses["comment"] != "")).sum())
    after_run = store.load_run(store.latest_run())
    after = theme_table(after_run.responses, after_run.mentions, after_run.themes)
    assert_frames_close(before, after, atol=EXACT_ATOL, check_dtype=True)  # every figure is kept
    kept = set(after_run.mentions["text"])
    assert forget.PURGED in kept and new_texts <= kept
    assert not (old_texts - new_texts) & kept
    examples = {str(e) for ex in after_run.themes["examples"] for e in ex}
    assert not (old_texts - new_texts) & examples
    purged_keys = {forget.cache_key(t) for t in old_texts - new_texts}
    assert not purged_keys & _cache_keys(analysed["tmp"])
    parquet = pd.read_parquet(analysed["out"] / "mentions.parquet")
    assert not (old_texts - new_texts) & set(parquet["text"])
    with pytest.raises(Exception, match="retain_days=0"):
        forget.purge_text(store, 0, actor="test")


def test_the_cli_needs_an_id_or_a_retention(analysed: dict[str, Any]) -> None:
    result = runner.invoke(app, ["forget", "--db", str(analysed["db"])])
    assert result.exit_code == 2 and "--response-id" in result.output


def test_model_json_examples_are_scrubbed(analysed: dict[str, Any]) -> None:
    db = analysed["db"]
    rid, texts = _victim(db)
    model_json = analysed["out"] / "model" / "model.json"
    quoted = {e for t in json.loads(model_json.read_text())["themes"] for e in t["examples"]}
    assert texts & quoted
    forget.forget_response(Store(db), rid, actor="test")
    quoted = {e for t in json.loads(model_json.read_text())["themes"] for e in t["examples"]}
    assert not texts & quoted
