"""Run :func:`~analyzer.pipeline.steps.analyze` for a store: the run's row, its status and
stage while it works, its results in one transaction, the model folder beside it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from analyzer import faults
from analyzer.config import AnalysisConfig
from analyzer.embed import save_embedder_card
from analyzer.ingest import ColumnMapping
from analyzer.pipeline.components import Components, Progress, SilentProgress
from analyzer.pipeline.sampling import RestScorer
from analyzer.pipeline.steps import AnalysisResult, analyze
from analyzer.store import Store, secret
from analyzer.themes import Codeframe

__all__ = ["analyze_and_store", "new_run_id"]

log = logging.getLogger(__name__)


def new_run_id() -> str:
    """A fresh, sortable run id such as ``run-20261125-034501-1a2b3c``."""
    import datetime as dt
    import uuid

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"run-{stamp}-{uuid.uuid4().hex[:6]}"


class _StoreProgress:
    """Records the current stage in the store (for the service's status endpoint)."""

    def __init__(self, store: Store, run_id: str, inner: Progress) -> None:
        self.store, self.run_id, self.inner = store, run_id, inner
        self.stage = ""

    def start(self, stage: str, total: int | None) -> None:
        self.store.set_status(self.run_id, "running", stage=stage)
        self.inner.start(stage, total)
        self.stage = stage

    def advance(self, n: int) -> None:
        self.inner.advance(n)
        faults.point(f"analyze.{self.stage}")  # e.g. "analyze.embed": after a batch

    def finish(self, stage: str, seconds: float) -> None:
        self.inner.finish(stage, seconds)


def analyze_and_store(
    path: str | Path,
    store: Store,
    *,
    run_id: str | None = None,
    mapping: ColumnMapping | None = None,
    config: AnalysisConfig | None = None,
    components: Components | None = None,
    progress: Progress | None = None,
    model_dir: str | Path | None = None,
    codeframe: Codeframe | None = None,
    score_rest: RestScorer | None = None,
) -> tuple[str, AnalysisResult]:
    """Run :func:`analyze` and write its tables to ``store`` in one transaction.

    The run is recorded first with status ``running`` and its current stage; on failure it is
    marked ``failed`` with the reason, and none of its rows are written. The time the
    writing takes is logged as stage ``store`` (it is not in the stored timings).
    ``codeframe`` and ``score_rest`` are passed to :func:`analyze`; ids that hold personal
    data are hashed with the store's own key.
    """
    config = config or AnalysisConfig()
    components = components or Components.from_config(config)
    run_id = run_id or new_run_id()
    store.create_run(run_id, source=str(path), config=config.model_dump())
    try:
        result = analyze(
            path,
            mapping=mapping,
            config=config,
            components=components,
            progress=_StoreProgress(store, run_id, progress or SilentProgress()),
            id_key=secret.id_key(store),
            codeframe=codeframe,
            score_rest=score_rest,
        )
        t0 = time.perf_counter()
        if model_dir is not None:
            from analyzer.store.atomic import replacing_dir

            with replacing_dir(Path(model_dir)) as staging:  # model and card appear together
                result.model.save(staging)
                # Which embedder the centroids belong to, so scoring can check it matches.
                save_embedder_card(staging, components.embedder, config.embedding)
        store.write_results(
            run_id,
            responses=result.responses,
            mentions=result.mentions,
            themes=result.themes,
            rejects=result.rejects,
            segments=result.segments,
            metrics=result.metrics,
            info={**result.info, "timings": result.timings, "model_dir": str(model_dir or "")},
        )
        log.info("stage %s took %.2f s", "store", time.perf_counter() - t0)
    except Exception as exc:
        store.set_status(run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    return run_id, result
