"""Build (once) the 200,000-response store that ``benchmarks/api_reads.py`` reads.

Cached under ``.cache/api_reads/``: a demo export of ``rows`` responses, a theme model fitted
with the fake embedder on 3,000 other demo responses, and the export scored with that model
(``cxa score`` Parquet output). The store is then written from the scored tables twice: as a
scored export (what ``cxa score --db`` writes) and as a run (so the run-only reads, one
theme with verbatims and search, have 200,000 responses too).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from analyzer.config import REPO_ROOT, make_config

FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
RUN_ID = "run-bench-200k"


def folder(rows: int) -> Path:
    """Where the data of a ``rows``-response store is cached."""
    return REPO_ROOT / ".cache" / "api_reads" / f"{rows}"


def _log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)


def _model(root: Path, started: float) -> Path:
    from analyzer import demo
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store

    model_dir = root / "model"
    if (model_dir / "model.json").exists():
        return model_dir
    export, _ = demo.write(root / "fit.csv", 3000, seed=7)
    analyze_and_store(
        export, Store(root / "fit.duckdb"), config=make_config(**FAST), model_dir=model_dir
    )
    _log("theme model fitted on 3,000 demo responses (fake embedder)", started)
    return model_dir


def _scored(root: Path, rows: int, model_dir: Path, started: float) -> Path:
    from analyzer import demo
    from analyzer.batch import ScoringSpec, score_export

    out = root / "scored"
    if (out / "manifest.json").exists() and (out / "mentions.parquet").exists():
        return out
    export = root / "export.csv"
    if not export.exists():
        demo.write(export, rows, seed=11)
        _log(f"demo export of {rows:,} responses written", started)
    spec = ScoringSpec(model_dir=str(model_dir.resolve()), config=make_config(**FAST))
    score_export(export, spec, out, chunk_rows=10_000)
    _log("export scored (fake embedder, blank spaCy, VADER)", started)
    return out


def build(rows: int = 200_000) -> tuple[Path, str]:
    """The store (built when missing) and the fingerprint of its scored export."""
    from analyzer.batch.manifest import Manifest
    from analyzer.store import Store
    from analyzer.themes import ThemeModel

    started = time.perf_counter()
    root = folder(rows)
    root.mkdir(parents=True, exist_ok=True)
    db = root / "cxa.duckdb"
    model_dir = _model(root, started)
    out = _scored(root, rows, model_dir, started)
    manifest = Manifest.load(out)
    assert manifest is not None
    if db.exists():
        return db, manifest.fingerprint
    responses = pd.read_parquet(out / "responses.parquet")
    mentions = pd.read_parquet(out / "mentions.parquet")
    tmp = db.with_name("building.duckdb")
    tmp.unlink(missing_ok=True)
    store = Store(tmp)
    segments, metrics = manifest.segments, manifest.metrics
    store.start_scoring(
        manifest.fingerprint, source="export.csv", model=str(model_dir.resolve()),
        embedding="fake", fresh=True,
    )  # fmt: skip
    step = 20_000
    for chunk, start in enumerate(range(0, len(responses), step)):
        part = responses.iloc[start : start + step]
        own = mentions[mentions["response_id"].isin(part["response_id"])]
        store.write_scored_chunk(
            manifest.fingerprint, chunk, responses=part, mentions=own,
            segments=segments, metrics=metrics,
        )  # fmt: skip
    store.finish_scoring(
        manifest.fingerprint,
        {"n_responses": len(responses), "segments": segments, "metrics": metrics},
    )
    model = ThemeModel.load(model_dir)
    store.create_run(RUN_ID, source="export.csv", config=make_config(**FAST).model_dump())
    store.write_results(
        RUN_ID, responses=responses, mentions=mentions, themes=model.themes_,
        rejects=pd.DataFrame(columns=["file", "row", "column", "value", "reason"]),
        segments=segments, metrics=metrics,
        info={"model_dir": str(model_dir.resolve()), "embedding": "fake-256",
              "n_responses": len(responses), "n_mentions": len(mentions)},
    )  # fmt: skip
    tmp.rename(db)
    _log(f"store written: {len(responses):,} responses, {len(mentions):,} mentions", started)
    return db, manifest.fingerprint


if __name__ == "__main__":
    import sys

    print(build(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
