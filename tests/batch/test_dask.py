"""Scoring on a Dask LocalCluster gives exactly the single-process result."""

from __future__ import annotations

import pandas as pd

from analyzer.batch import ScoringSpec, score_export
from analyzer.store import Store


def test_local_cluster_equals_single_process(tmp_path, export, model_dir, fast_config) -> None:
    spec = ScoringSpec(model_dir=str(model_dir), config=fast_config)
    local = score_export(export, spec, tmp_path / "local", chunk_rows=90)
    dask = score_export(
        export, spec, tmp_path / "dask", db=tmp_path / "s.duckdb", chunk_rows=90,
        dask="local:2", dask_processes=False,
    )  # fmt: skip
    assert dask.n_chunks == local.n_chunks == 5 and dask.fingerprint == local.fingerprint
    for table in ("responses", "mentions"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "dask" / f"{table}.parquet"),
            pd.read_parquet(tmp_path / "local" / f"{table}.parquet"),
        )
    assert len(Store(tmp_path / "s.duckdb").load_scored(dask.fingerprint)[0]) == 400


def test_process_pool_equals_single_process(tmp_path, export, model_dir, fast_config) -> None:
    spec = ScoringSpec(model_dir=str(model_dir), config=fast_config)
    single = score_export(export, spec, tmp_path / "one", chunk_rows=150)
    pooled = score_export(export, spec, tmp_path / "pool", chunk_rows=150, workers=2)
    assert pooled.n_chunks == single.n_chunks == 3
    for table in ("responses", "mentions"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "pool" / f"{table}.parquet"),
            pd.read_parquet(tmp_path / "one" / f"{table}.parquet"),
        )
