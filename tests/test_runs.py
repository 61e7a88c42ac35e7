"""analyzer.pipeline.runs: "latest", which embedder a run used, and the files a run writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analyzer import demo
from analyzer.batch import ScoringSpec, score_export
from analyzer.config import make_config
from analyzer.errors import NotFoundError
from analyzer.pipeline import runs
from analyzer.store import Store

FAST = make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str, Path, Path]:
    """A store with two finished runs of a small demo export; the newest run's model folder."""
    from analyzer.pipeline import analyze_and_store

    folder = tmp_path_factory.mktemp("runs")
    export, _ = demo.write(folder / "demo.csv", 120, seed=6)
    store = Store(folder / "cxa.duckdb")
    analyze_and_store(export, store, run_id="r1", config=FAST, model_dir=folder / "m1")
    analyze_and_store(export, store, run_id="r2", config=FAST, model_dir=folder / "m2")
    return store, "r2", folder / "m2", export


def test_latest_is_the_newest_finished_run(analysed, tmp_path) -> None:
    store, newest, _, _ = analysed
    assert runs.resolve_run(store, "latest") == newest
    assert runs.resolve_run(store, "r1") == "r1"
    with pytest.raises(NotFoundError, match="No finished run"):
        runs.resolve_run(Store(tmp_path / "empty.duckdb"), "latest")


def test_the_card_beside_the_model_says_which_embedder(analysed) -> None:
    store, run_id, folder, _ = analysed
    found = runs.run_embedder(store.run_meta(run_id))
    assert (found.key, found.space) == ("fake", "fake-256")
    assert found.source == str(folder / "embedder.json")
    assert runs.model_embedder(folder) == found


def test_without_a_card_the_run_record_decides(analysed, tmp_path) -> None:
    store, run_id, folder, _ = analysed
    meta = store.run_meta(run_id)
    copy = shutil.copytree(folder, tmp_path / "m")
    (copy / "embedder.json").unlink()
    meta = {**meta, "info": {**meta["info"], "model_dir": str(copy)}}
    assert runs.run_embedder(meta) == runs.RunEmbedder("fake", "fake-256", "run record")
    gone = {**meta, "info": {**meta["info"], "model_dir": str(tmp_path / "nowhere")}}
    assert runs.run_embedder(gone).source == "run record"
    assert runs.model_embedder(tmp_path / "nowhere") is None


def test_analyze_and_batch_write_rejects_in_the_same_formats(analysed, tmp_path) -> None:
    _, _, folder, export = analysed
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[[2, 7], "nps"] = "eleven"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    spec = ScoringSpec(model_dir=str(folder), config=FAST)
    result = score_export(bad, spec, tmp_path / "batch", chunk_rows=50)
    csv = pd.read_csv(result.files["rejects_csv"], keep_default_na=False)
    parquet = pd.read_parquet(result.files["rejects"])
    assert csv["row"].tolist() == parquet["row"].tolist() == [4, 9]
    assert csv["column"].tolist() == ["nps", "nps"] and csv["value"].tolist() == ["eleven"] * 2
    written = runs.write_tables(tmp_path / "run", {"rejects": parquet})
    assert sorted(p.name for p in written.values()) == ["rejects.csv", "rejects.parquet"]
    assert pd.read_csv(written["rejects_csv"], keep_default_na=False).equals(csv)


def test_a_batch_without_rejects_still_writes_an_empty_csv(analysed, tmp_path) -> None:
    _, _, folder, export = analysed
    result = score_export(export, ScoringSpec(model_dir=str(folder), config=FAST), tmp_path)
    assert list(pd.read_csv(result.files["rejects_csv"]).columns) == runs.REJECT_COLUMNS
