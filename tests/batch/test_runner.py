"""score_export: chunking, idempotence, resume, Parquet input, and the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tolerance import SCORE_ATOL, assert_frames_close

import analyzer.pipeline as pipeline
from analyzer.batch import ChunkReport, ScoringSpec, score_export
from analyzer.batch.manifest import Manifest
from analyzer.config import AnalysisConfig
from analyzer.ingest import read_export
from analyzer.store import Store
from analyzer.themes import ThemeModel


def _spec(model_dir: Path, config: AnalysisConfig) -> ScoringSpec:
    return ScoringSpec(model_dir=str(model_dir), config=config)


def _read(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "responses.parquet"), pd.read_parquet(out / "mentions.parquet")


def _one_shot(export: Path, model_dir: Path, config: AnalysisConfig) -> tuple[Any, Any]:
    components = pipeline.Components.from_config(config)
    responses = read_export(export).responses
    return pipeline.score_frame(responses, ThemeModel.load(model_dir), components)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Ids and labels equal, scores to SCORE_ATOL (BLAS rounding depends on batch size); the
    same columns, whatever their order (the store keeps ``language`` last)."""
    assert set(a.columns) == set(b.columns)
    assert_frames_close(a, b[list(a.columns)], atol=SCORE_ATOL, reset_index=True)


def test_chunked_scoring_equals_one_shot(tmp_path, export, model_dir, fast_config) -> None:
    result = score_export(
        export, _spec(model_dir, fast_config), tmp_path / "out", db=tmp_path / "s.duckdb",
        chunk_rows=97,
    )  # fmt: skip
    assert result.n_chunks == 5 and result.n_responses == 400
    responses, mentions = _read(tmp_path / "out")
    expected_r, expected_m = _one_shot(export, model_dir, fast_config)
    _same(mentions, expected_m)
    _same(responses[["response_id", "row", "comment", "sentiment"]],
          expected_r[["response_id", "row", "comment", "sentiment"]])  # fmt: skip
    stored_r, stored_m = Store(tmp_path / "s.duckdb").load_scored(result.fingerprint)
    _same(stored_m, expected_m)
    assert stored_r["response_id"].tolist() == expected_r["response_id"].tolist()
    assert sorted(p.name for p in (tmp_path / "out" / "parts").iterdir())[:2] == [
        "mentions-000000.parquet", "mentions-000001.parquet",
    ]  # fmt: skip


def test_parquet_export_gives_the_same_scores(tmp_path, export, model_dir, fast_config) -> None:
    parquet = tmp_path / "new.parquet"
    pd.read_csv(export, dtype=str, keep_default_na=False).to_parquet(parquet)
    spec = _spec(model_dir, fast_config)
    score_export(export, spec, tmp_path / "a", chunk_rows=150)
    score_export(parquet, spec, tmp_path / "b", chunk_rows=150)
    _same(_read(tmp_path / "a")[1], _read(tmp_path / "b")[1])


def test_rescoring_replaces_rows(tmp_path, export, model_dir, fast_config) -> None:
    spec, db = _spec(model_dir, fast_config), tmp_path / "s.duckdb"
    first = score_export(export, spec, tmp_path / "out", db=db, chunk_rows=150)
    second = score_export(export, spec, tmp_path / "out", db=db, chunk_rows=150)
    third = score_export(export, spec, tmp_path / "out", db=db, chunk_rows=120, resume=False)
    assert first.fingerprint == second.fingerprint == third.fingerprint
    responses, mentions = _read(tmp_path / "out")
    assert len(responses) == 400 and responses["response_id"].is_unique
    assert mentions.loc[mentions["primary"], "mention_id"].is_unique
    assert not mentions.duplicated(["mention_id", "theme_id"]).any()
    stored_r, stored_m = Store(db).load_scored(first.fingerprint)
    assert len(stored_r) == 400 and len(stored_m) == len(mentions)
    assert len(list((tmp_path / "out" / "parts").glob("responses-*"))) == 4  # 400 / 120


def test_resumed_run_skips_finished_chunks_and_equals_a_full_run(
    tmp_path, export, model_dir, fast_config, monkeypatch
) -> None:
    spec, db = _spec(model_dir, fast_config), tmp_path / "s.duckdb"

    def stop_after_two(report: ChunkReport) -> None:
        if report.index == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_export(export, spec, tmp_path / "out", db=db, chunk_rows=100, on_chunk=stop_after_two)
    assert Manifest.load(tmp_path / "out").finished() == {0, 1}  # type: ignore[union-attr]

    scored: list[int] = []
    original = pipeline.score_mentions

    def counting(responses, mentions, *args, **kwargs):  # type: ignore[no-untyped-def]
        scored.append(len(responses))
        return original(responses, mentions, *args, **kwargs)

    monkeypatch.setattr(pipeline, "score_mentions", counting)
    reports: list[ChunkReport] = []
    result = score_export(export, spec, tmp_path / "out", db=db, chunk_rows=100,
                          on_chunk=reports.append)  # fmt: skip
    assert [r.skipped for r in reports] == [True, True, False, False]
    assert scored == [100, 100] and result.n_skipped == 2 and result.n_responses == 400

    full = score_export(export, spec, tmp_path / "full", chunk_rows=100)
    _same(_read(tmp_path / "out")[1], _read(tmp_path / "full")[1])
    _same(_read(tmp_path / "out")[0], _read(tmp_path / "full")[0])
    assert len(Store(db).load_scored(result.fingerprint)[0]) == 400
    assert full.fingerprint == result.fingerprint


def test_a_different_export_gets_its_own_fingerprint(tmp_path, export, model_dir, fast_config):
    other = tmp_path / "other.csv"
    other.write_bytes(export.read_bytes().replace(b"\n", b"\r\n"))
    spec, db = _spec(model_dir, fast_config), tmp_path / "s.duckdb"
    a = score_export(export, spec, tmp_path / "a", db=db)
    b = score_export(other, spec, tmp_path / "b", db=db)
    assert a.fingerprint != b.fingerprint
    assert len(Store(db).list_scored()) == 2
