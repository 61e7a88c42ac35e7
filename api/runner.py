"""Analysis runs in the background, one at a time, on a single worker thread.

A queued run exists only here until its worker starts; from then on the store records its
status and stage (``analyze_and_store`` writes them), and on failure the reason. The
uploaded export is deleted once the run ends, whatever the outcome.
"""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from analyzer.config import AnalysisConfig
from analyzer.ingest import ColumnMapping
from analyzer.store import Store
from api.model_pool import ModelPool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedRun:
    """A run waiting for the worker."""

    run_id: str
    source: str


class RunQueue:
    """Runs ``analyze_and_store`` for uploads, one at a time.

    Parameters
    ----------
    store : Store
        Where runs are recorded.
    config : AnalysisConfig
        Options of every run.
    models_root : Path
        Each run's theme model is saved to ``models_root / run_id``.
    models : ModelPool
        Lends a set of models to each run (waiting for them while they load).
    """

    def __init__(
        self, store: Store, config: AnalysisConfig, models_root: Path, models: ModelPool
    ) -> None:
        self.store = store
        self.config = config
        self.models_root = models_root
        self.models = models
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxa-run")
        self._queued: dict[str, QueuedRun] = {}
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, run_id: str, export: Path, mapping: ColumnMapping) -> None:
        """Queue the analysis of ``export`` (a file in a folder of its own, deleted after)."""
        with self._lock:
            self._queued[run_id] = QueuedRun(run_id, export.name)
            future = self._executor.submit(self._execute, run_id, export, mapping)
            self._futures[run_id] = future
        future.add_done_callback(lambda _: self._forget(run_id))

    def _forget(self, run_id: str) -> None:
        with self._lock:
            self._queued.pop(run_id, None)
            self._futures.pop(run_id, None)

    def queued(self, run_id: str) -> QueuedRun | None:
        """The run if this process has it queued or running, else ``None``.

        The store knows a run once its worker starts; until then only this queue does.
        """
        return self._queued.get(run_id)

    def queued_runs(self) -> list[QueuedRun]:
        """Runs queued or running in this process, oldest first."""
        return list(self._queued.values())

    def wait(self, timeout: float | None = None) -> None:
        """Block until every submitted run has finished (for tests and shutdown)."""
        for future in list(self._futures.values()):
            future.exception(timeout=timeout)

    def shutdown(self) -> None:
        """Drop the queued runs and let the current one finish in the background."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _execute(self, run_id: str, export: Path, mapping: ColumnMapping) -> None:
        from analyzer.pipeline import analyze_and_store

        try:
            with self.models.borrow(wait=True) as components:
                try:
                    analyze_and_store(
                        export,
                        self.store,
                        run_id=run_id,
                        mapping=mapping,
                        config=self.config,
                        components=components,
                        model_dir=self.models_root / run_id,
                    )
                    log.info("run %s done", run_id)
                except Exception as exc:  # recorded in the store by analyze_and_store
                    log.warning("run %s failed: %s", run_id, type(exc).__name__)
        except Exception as exc:  # no models to run with
            self._fail_unstarted(run_id, export, exc)
        finally:
            shutil.rmtree(export.parent, ignore_errors=True)

    def _fail_unstarted(self, run_id: str, export: Path, exc: Exception) -> None:
        """Record a run that could not start (the models failed to load)."""
        log.warning("run %s could not start: %s", run_id, type(exc).__name__)
        self.store.create_run(run_id, source=str(export), config=self.config.model_dump())
        self.store.set_status(run_id, "failed", error=f"{type(exc).__name__}: {exc}")


__all__ = ["QueuedRun", "RunQueue"]
