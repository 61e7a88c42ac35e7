"""Analysis runs in the background, one at a time, on a single worker thread, from a queue
that survives restarts.

Each upload is saved to disk (fsync, atomic rename) and recorded as a job in the store's
``jobs`` table (:mod:`analyzer.store.jobs`) before the API answers 202. On start the service
resumes every queued job and runs again a job that a previous process left running (a
crash or ``kill -9``); one that was interrupted :data:`~analyzer.store.jobs.MAX_ATTEMPTS` times is
marked failed with the reason instead. The uploaded export is deleted once its job ends,
whatever the outcome.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from analyzer.config import AnalysisConfig
from analyzer.errors import NotFoundError
from analyzer.ingest import ColumnMapping
from analyzer.store import Store, jobs
from api.model_pool import ModelPool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedRun:
    """A run waiting for the worker (or running in it)."""

    run_id: str
    source: str


def _mapping_options(mapping: ColumnMapping) -> dict[str, object]:
    return {"mapping": dataclasses.asdict(mapping)}


def _mapping(options: dict[str, object]) -> ColumnMapping:
    raw = dict(options.get("mapping") or {})  # type: ignore[call-overload]
    for key in ("segments", "metrics"):
        if raw.get(key) is not None:
            raw[key] = tuple(raw[key])
    return ColumnMapping(**raw)


class RunQueue:
    """Runs ``analyze_and_store`` for uploads, one at a time, from the store's job table.

    Parameters
    ----------
    store : Store
        Where runs and jobs are recorded.
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
        """Record the job durably, then queue the analysis of ``export`` (a file in a folder
        of its own, deleted when the job ends)."""
        jobs.add(
            self.store,
            run_id,
            source=export.name,
            upload=str(export),
            options=_mapping_options(mapping),
        )
        self._enqueue(run_id, export, mapping)

    def _enqueue(self, run_id: str, export: Path, mapping: ColumnMapping) -> None:
        with self._lock:
            self._queued[run_id] = QueuedRun(run_id, export.name)
            future = self._executor.submit(self._execute, run_id, export, mapping)
            self._futures[run_id] = future
        future.add_done_callback(lambda _: self._forget(run_id))

    def recover(self) -> list[str]:
        """Resume the jobs a previous process left queued or running; the ids resumed.

        A job interrupted :data:`~analyzer.store.jobs.MAX_ATTEMPTS` times, or whose saved upload
        is gone, is marked failed with the reason instead.
        """
        resumed = []
        for job in jobs.pending(self.store):
            export = Path(job.upload)
            if job.status == "running" and job.attempts >= jobs.MAX_ATTEMPTS:
                self._fail(
                    job.job_id,
                    export,
                    f"Interrupted {job.attempts} times: the service stopped while analysing "
                    "this export each time, so it is not tried again. Upload it again, or "
                    "analyze it with 'cxa analyze' to see the error.",
                )
            elif not export.is_file():
                self._fail(
                    job.job_id,
                    export,
                    f"The saved upload {export.name} is missing, so the run cannot resume. "
                    "Upload the export again.",
                )
            else:
                log.info("resuming run %s (%s before the restart)", job.job_id, job.status)
                self._drop_partial(job.job_id)  # before the caller fails orphaned runs
                self._enqueue(job.job_id, export, _mapping(job.options))
                resumed.append(job.job_id)
        return resumed

    def _forget(self, run_id: str) -> None:
        with self._lock:
            self._queued.pop(run_id, None)
            self._futures.pop(run_id, None)

    def queued(self, run_id: str) -> QueuedRun | None:
        """The run if this process has it queued or running, else ``None``."""
        return self._queued.get(run_id)

    def queued_runs(self) -> list[QueuedRun]:
        """Runs queued or running in this process, oldest first."""
        return list(self._queued.values())

    def wait(self, timeout: float | None = None) -> None:
        """Block until every submitted run has finished (for tests and shutdown)."""
        for future in list(self._futures.values()):
            future.exception(timeout=timeout)

    def shutdown(self) -> None:
        """Stop taking runs; queued ones stay queued in the store for the next start, and
        the current one finishes in the background."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _execute(self, run_id: str, export: Path, mapping: ColumnMapping) -> None:
        from analyzer.pipeline import analyze_and_store

        error: str | None = None
        try:
            jobs.start(self.store, run_id)
            self._drop_partial(run_id)
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
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("run %s failed: %s", run_id, type(exc).__name__)
        except Exception as exc:  # no models to run with, or the store is unusable
            error = f"{type(exc).__name__}: {exc}"
            self._fail_unstarted(run_id, export, exc)
        jobs.finish(self.store, run_id, error=error)
        shutil.rmtree(export.parent, ignore_errors=True)

    def _drop_partial(self, run_id: str) -> None:
        """Remove what an interrupted earlier attempt of this run left (its runs row)."""
        try:
            self.store.delete_run(run_id)
        except NotFoundError:
            return
        log.info("run %s: removed an interrupted earlier attempt", run_id)

    def _fail(self, run_id: str, export: Path, reason: str) -> None:
        """Mark a job and its run failed with ``reason`` and delete its upload."""
        log.warning("run %s failed: %s", run_id, reason)
        try:
            self.store.run_meta(run_id)
        except NotFoundError:
            self.store.create_run(run_id, source=str(export), config=self.config.model_dump())
        self.store.set_status(run_id, "failed", error=reason)
        jobs.finish(self.store, run_id, error=reason)
        shutil.rmtree(export.parent, ignore_errors=True)

    def _fail_unstarted(self, run_id: str, export: Path, exc: Exception) -> None:
        """Record a run that could not start (the models failed to load)."""
        log.warning("run %s could not start: %s", run_id, type(exc).__name__)
        try:
            self.store.run_meta(run_id)
        except NotFoundError:
            self.store.create_run(run_id, source=str(export), config=self.config.model_dump())
        self.store.set_status(run_id, "failed", error=f"{type(exc).__name__}: {exc}")


__all__ = ["QueuedRun", "RunQueue"]
