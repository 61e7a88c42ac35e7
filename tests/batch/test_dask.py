"""Scoring on Dask (threads, and worker processes as `dask worker` runs them) and on a process
pool gives the single-process result: ids and labels equal, scores to SCORE_ATOL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
from tolerance import SCORE_ATOL, assert_frames_close

from analyzer.batch import ScoringSpec, score_export
from analyzer.store import Store


def _same_tables(got: Path, want: Path) -> None:
    for table in ("responses", "mentions"):
        assert_frames_close(
            pd.read_parquet(got / f"{table}.parquet"),
            pd.read_parquet(want / f"{table}.parquet"),
            atol=SCORE_ATOL,
        )


def test_local_cluster_equals_single_process(tmp_path, export, model_dir, fast_config) -> None:
    spec = ScoringSpec(model_dir=str(model_dir), config=fast_config)
    local = score_export(export, spec, tmp_path / "local", chunk_rows=90)
    dask = score_export(
        export, spec, tmp_path / "dask", db=tmp_path / "s.duckdb", chunk_rows=90,
        dask="local:2", dask_processes=False,
    )  # fmt: skip
    assert dask.n_chunks == local.n_chunks == 5 and dask.fingerprint == local.fingerprint
    _same_tables(tmp_path / "dask", tmp_path / "local")
    assert len(Store(tmp_path / "s.duckdb").load_scored(dask.fingerprint)[0]) == 400


def _worker_state() -> tuple[int, bool]:
    return os.getpid(), "analyzer.themes.model" in sys.modules


def test_worker_processes_equal_a_local_run(
    tmp_path, export, model_dir, fast_config, monkeypatch
) -> None:
    """Two worker processes reached through the scheduler's address, as with `dask worker`:
    the spec is pickled, each worker loads the theme model from its folder by path and builds
    its own components, and chunk results travel back pickled. The model folder is given
    relative to a directory the workers were not started in."""
    from distributed import Client, LocalCluster

    local = score_export(
        export, ScoringSpec(model_dir=str(model_dir), config=fast_config), tmp_path / "local",
        chunk_rows=120,
    )  # fmt: skip
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.chdir(model_dir.parent)
        spec = ScoringSpec(model_dir=model_dir.name, config=fast_config)
        dask = score_export(
            export, spec, tmp_path / "dask", db=tmp_path / "s.duckdb", chunk_rows=90,
            dask=cluster.scheduler_address,
        )  # fmt: skip
        with Client(cluster) as client:
            states = list(client.run(_worker_state).values())
    pids = {pid for pid, _ in states}
    assert len(pids) == 2 and os.getpid() not in pids
    assert any(loaded for _, loaded in states)  # the scoring ran in a worker process
    assert dask.n_chunks == 5 and dask.fingerprint == local.fingerprint
    _same_tables(tmp_path / "dask", tmp_path / "local")
    assert len(Store(tmp_path / "s.duckdb").load_scored(dask.fingerprint)[0]) == 400


def test_process_pool_equals_single_process(tmp_path, export, model_dir, fast_config) -> None:
    spec = ScoringSpec(model_dir=str(model_dir), config=fast_config)
    single = score_export(export, spec, tmp_path / "one", chunk_rows=150)
    pooled = score_export(export, spec, tmp_path / "pool", chunk_rows=150, workers=2)
    assert pooled.n_chunks == single.n_chunks == 3
    _same_tables(tmp_path / "pool", tmp_path / "one")
