"""What the routers share: the store, the models (loaded once, in the background), the run
queue, and caches of what reads compute (see :mod:`api.cache`).

The service does not hold the store open: every store access is a short connection, so
``cxa analyze``, ``cxa score`` and ``cxa themes`` can write to the same store while it runs.
Loaded runs, scored exports and the tables computed from them are cached under the
``changed`` generation of the run or export, so a write by any process is seen by the next
request, and only what it changed is recomputed.
"""

from __future__ import annotations

import hmac
import logging
import shutil
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from analyzer.embed.search import VectorIndex
from analyzer.errors import ConfigError, ModelError, NotFoundError
from analyzer.loop import curation
from analyzer.pipeline import runs
from analyzer.privacy import keys
from analyzer.privacy.keys import Principal
from analyzer.store import RunData, Store, jobs
from analyzer.tables import primary_rows
from analyzer.text.normalise import embedding_texts
from api.cache import LRU, StoreWatch
from api.errors import ConflictError
from api.model_pool import ModelPool
from api.runner import RunQueue
from api.settings import Settings
from api.uploads import scrub

if TYPE_CHECKING:
    from analyzer.embed import Embedder
    from analyzer.themes import ThemeModel

log = logging.getLogger(__name__)
T = TypeVar("T")


class Services:
    """The service's shared state, created by ``create_app`` and started in its lifespan.

    Parameters
    ----------
    settings : Settings
        Options; the API key is resolved here so a bad key file stops the start.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api_key = settings.resolved_api_key()
        self.config = settings.analysis_config()
        self.store = Store(settings.db, lock_timeout=settings.db_lock_timeout)
        self.watch = StoreWatch(self.store)
        self.models = ModelPool(self.config, settings.model_copies)
        self.runs = RunQueue(self.store, self.config, settings.models_root, self.models)
        self._meta = LRU(256)
        self._runs = LRU(4)
        self._views = LRU(512)
        self._bodies = LRU(1024)
        self._lists = LRU(8)
        self._indexes = LRU(2)
        self._models = LRU(4)
        self._scored = LRU(4)
        self._edit_lock = threading.Lock()
        self._keys: tuple[float, list[tuple[str, Principal]]] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Resume the jobs a previous process left queued or running, mark failed the runs
        whose process died (``cxa analyze`` killed, say), then load the models in a thread.

        The store is not held open: other processes may write to it while the service runs.
        """
        resumed = self.runs.recover()
        for run_id in self.store.fail_orphaned_runs():
            log.warning("run %s was interrupted by a crash; marked failed", run_id)
        self._remove_stray_uploads()
        if resumed:
            log.info("resumed %d queued run(s)", len(resumed))
        threading.Thread(target=self.models.load, name="cxa-load-models", daemon=True).start()

    def _remove_stray_uploads(self) -> None:
        """Delete upload folders no pending job refers to (a crash before the job was saved)."""
        root = self.settings.uploads_root
        if not root.is_dir():
            return
        keep = {Path(job.upload).parent.resolve() for job in jobs.pending(self.store)}
        for folder in root.iterdir():
            if folder.is_dir() and folder.resolve() not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Stop taking runs: queued ones stay in the store's job table for the next start."""
        self.runs.shutdown()

    # -- cached reads -------------------------------------------------------------------------

    def list_runs(self) -> list[str]:
        """Ids of the stored runs, newest first (re-read after any write)."""
        self.watch.versions()
        key = ("runs", self.watch.generation)
        return self._lists.get_or_compute(key, lambda: self.store.list_runs()["run_id"].tolist())

    def list_scored(self) -> Any:
        """The scored exports table (see ``Store.list_scored``), re-read after any write."""
        self.watch.versions()
        return self._lists.get_or_compute(("scored", self.watch.generation), self.store.list_scored)

    def run_meta(self, run_id: str) -> dict[str, Any]:
        """The runs row of ``run_id`` (see ``Store.run_meta``), read once per change."""
        version = self.watch.run(run_id)
        if version is None:
            return self.store.run_meta(run_id)  # NotFoundError naming the run
        return self._meta.get_or_compute(
            ("run", run_id, version), lambda: self.store.run_meta(run_id)
        )

    def run_view(
        self, run_id: str, name: str, params: Hashable, compute: Callable[[RunData], T]
    ) -> T:
        """``compute(run)`` for a finished run, cached until the run changes.

        ``name`` and ``params`` (the filters, score, ...) identify the computation.
        """
        data = self.finished_run(run_id)
        version = self.watch.run(run_id)
        return self._views.get_or_compute(
            ("run", run_id, version, name, params), lambda: compute(data)
        )

    def run_json(
        self, run_id: str, name: str, params: Hashable, build: Callable[[], BaseModel]
    ) -> Response:
        """The JSON response of ``build()`` for a finished run, cached as bytes until the run
        changes (a repeated dashboard read costs no validation or serialisation)."""
        self.finished_meta(run_id)
        key = ("run", run_id, self.watch.run(run_id), name, params)
        body = self._bodies.get_or_compute(key, lambda: build().model_dump_json().encode())
        return Response(body, media_type="application/json")

    def scored_json(
        self, fingerprint: str, name: str, params: Hashable, build: Callable[[], BaseModel]
    ) -> Response:
        """As :meth:`run_json`, for a finished scored export."""
        _, version = self._finished_scored(fingerprint)
        key = ("scored", *version, name, params)
        body = self._bodies.get_or_compute(key, lambda: build().model_dump_json().encode())
        return Response(body, media_type="application/json")

    def scored_view(
        self, fingerprint: str, name: str, params: Hashable, compute: Callable[[ScoredRun], T]
    ) -> T:
        """``compute(scored)`` for a finished scored export, cached until it changes."""
        scored, key = self._finished_scored(fingerprint)
        return self._views.get_or_compute(("scored", *key, name, params), lambda: compute(scored))

    # -- runs ---------------------------------------------------------------------------------

    # -- keys ---------------------------------------------------------------------------------

    def open_locally(self) -> bool:
        """Whether every request is served without a key: only when the service was started
        with ``--insecure-local`` (bound to 127.0.0.1), has no key of its own and no live
        stored key. Never inferred from the keys alone."""
        return self.settings.insecure_local and self.api_key is None and not self.has_keys()

    def has_keys(self) -> bool:
        """Whether any live key was made with ``cxa keys create`` (cached for a second)."""
        return bool(self._live_keys())

    def authenticate(self, key: str) -> Principal | None:
        """The live stored key matching ``key`` (see :func:`analyzer.privacy.keys.authenticate`)."""
        digest = keys.hash_key(key)
        return next((p for h, p in self._live_keys() if hmac.compare_digest(h, digest)), None)

    def _live_keys(self) -> list[tuple[str, Principal]]:
        """(hash, principal) of the live keys, read at most once a second (a key revoked
        with the CLI is refused within a second; one revoked through the API at once)."""
        now = time.monotonic()
        cached = self._keys
        if cached is None or now - cached[0] > 1.0:
            cached = (now, keys.live_hashes(self.store))
            self._keys = cached
        return cached[1]

    def keys_changed(self) -> None:
        """Read the keys again on the next request (after a key was made or revoked)."""
        self._keys = None

    # -- runs ---------------------------------------------------------------------------------

    def finished_meta(self, run_id: str) -> dict[str, Any]:
        """The runs row of a finished run; 409 while it is queued or running, or if it failed."""
        try:
            meta = self.run_meta(run_id)
        except NotFoundError:
            if self.runs.queued(run_id) is None:
                raise
            raise ConflictError(
                f"Run {run_id!r} is queued; its results are ready when GET /v1/runs/{run_id} "
                "says status 'done'."
            ) from None
        if meta["status"] == "failed":
            raise ConflictError(
                f"Run {run_id!r} failed, so it has no results: {scrub(str(meta['error']))}. "
                "Fix the export and upload it again."
            )
        if meta["status"] != "done":
            raise ConflictError(
                f"Run {run_id!r} is still running (stage {meta['stage']!r}); its results are "
                f"ready when GET /v1/runs/{run_id} says status 'done'."
            )
        return meta

    def finished_run(self, run_id: str) -> RunData:
        """All tables of a finished run (see :meth:`finished_meta` for the errors).

        Kept in memory (a few runs at most) until the run changes: a codeframe edit or a
        delete, by this service or by ``cxa themes`` in another process.
        """
        self.finished_meta(run_id)
        version = self.watch.run(run_id)
        return self._runs.get_or_compute((run_id, version), lambda: self.store.load_run(run_id))

    def edit_codeframe(self, run_id: str, change: curation.Change) -> int:
        """Apply a codeframe change to a finished run (see :func:`analyzer.loop.curation.edit`)."""
        self.finished_meta(run_id)
        with self._edit_lock:
            theme_id = curation.edit(self.store, run_id, change)
        self.forget(run_id)
        return theme_id

    def forget(self, run_id: str) -> None:
        """Drop what is cached for ``run_id`` (after a delete or a codeframe edit)."""
        self._runs.drop(lambda key: key[0] == run_id)
        for cache in (self._views, self._bodies):
            cache.drop(lambda key: key[:2] == ("run", run_id))
        self._indexes.drop(lambda key: key[0] == run_id)
        self._models.drop(lambda key: key[0] == run_id)

    def forget_all(self) -> None:
        """Drop every cached run, scored export and embedding (after forgetting a respondent)."""
        caches = (self._runs, self._indexes, self._models, self._scored)
        for cache in (*caches, self._views, self._bodies, self._meta, self._lists):
            cache.drop(lambda key: True)

    def mention_index(self, data: RunData, embedder: Embedder) -> VectorIndex:
        """The run's mention embeddings, in ``mentions`` order, ready for search: an IVF index
        on big runs (see :class:`analyzer.embed.search.VectorIndex`), built once per version of the
        run.

        The run's embeddings must live in the vector space of the service's embedder; with
        the disk cache on, this reads the vectors the analysis stored instead of encoding.
        """
        from analyzer.embed import embedding_space

        fitted = runs.run_embedder(data.meta).space
        if fitted != embedding_space(embedder):
            raise ModelError(
                f"Run {data.run_id!r} was embedded in the {fitted!r} space but the service "
                f"runs {embedder.name!r}; restart it with CXA_EMBEDDING set to that model."
            )
        mentions = primary_rows(data.mentions)  # one vector per mention, whatever it names
        key = (data.run_id, self.watch.run(data.run_id), embedder.name, len(mentions))

        def build() -> VectorIndex:
            texts = embedding_texts(mentions["text"].astype(str).tolist())
            return VectorIndex(embedder.encode(texts))

        return self._indexes.get_or_compute(key, build)

    def saved_model(self, *, run_id: str | None, name: str | None) -> SavedModel:
        """The theme model of a finished run, or the model folder ``name`` in the models root.

        Loaded once per change of the folder's files (a codeframe edit saves them again).
        """
        if (run_id is None) == (name is None):
            raise ConfigError("Pass exactly one of run_id (a finished run) or model (a name).")
        if run_id is not None:
            folder = curation.model_dir(self.finished_meta(run_id), run_id)
        else:
            folder = self.settings.models_root / str(name)
            if not folder.is_dir():
                raise NotFoundError(
                    f"No model {name!r} in the service's models folder. Pass the name of a "
                    "model folder copied there, or run_id for the model of a finished run."
                )
        return self._cached_model(folder, str(run_id or name))[0]

    def _cached_model(self, folder: Path, owner: str) -> tuple[SavedModel, int]:
        """The model in ``folder``, loaded once per change of its files, and that change's
        stamp; ``owner`` (a run id, model name or scored fingerprint) lets :meth:`forget`
        drop it."""
        stamp = max((p.stat().st_mtime_ns for p in folder.rglob("*")), default=0)
        key = (owner, str(folder), stamp)
        saved: SavedModel | None = self._models.get(key)
        if saved is None:
            with self._edit_lock:  # not while an edit rewrites the folder
                saved = _load_model(folder)
            self._models.drop(lambda k: k[1] == str(folder))
            self._models.put(key, saved)
        return saved, stamp

    # -- scored exports (cxa score) ------------------------------------------------------------

    def finished_scored(self, fingerprint: str) -> ScoredRun:
        """A scored export that ``cxa score`` finished, as the tables of a run.

        The themes table is that of the theme model that scored it (the folder recorded in
        ``scored_exports.model``, with its current codeframe edits); when that folder is not
        reachable from the service, themes are named by id only (``labelled`` is false).
        404 for an unknown fingerprint, 409 while it is still being scored.
        """
        return self._finished_scored(fingerprint)[0]

    def _finished_scored(self, fingerprint: str) -> tuple[ScoredRun, tuple[Any, ...]]:
        version = self.watch.scored(fingerprint)
        if version is None:
            meta = self.store.scored_meta(fingerprint)  # NotFoundError naming it
        else:
            meta = self._meta.get_or_compute(
                ("scored", fingerprint, version), lambda: self.store.scored_meta(fingerprint)
            )
        if meta["status"] != "done":
            raise ConflictError(
                f"Scored export {fingerprint!r} is still being scored (status "
                f"{meta['status']!r}): its results are ready when GET /v1/scored lists it as "
                "'done'. If its 'cxa score' job was interrupted, run it again to resume."
            )
        folder = runs.scored_model_dir(meta)
        saved, stamp = None, 0
        if folder is not None:
            saved, stamp = self._cached_model(folder, fingerprint)
        key = (fingerprint, version, stamp)
        scored = self._scored.get_or_compute(key, lambda: self._load_scored(meta, saved))
        return scored, key

    def _load_scored(self, meta: dict[str, Any], saved: SavedModel | None) -> ScoredRun:
        fingerprint = str(meta["fingerprint"])
        model = saved.model if saved is not None else None
        data = runs.load_scored_run(self.store, fingerprint, model=model, meta=meta)
        name = Path(str(meta["model"] or "")).name
        return ScoredRun(data=data, labelled=saved is not None, model=name)


@dataclass(frozen=True)
class SavedModel:
    """A loaded theme model, its folder and the labels of its (edited) themes."""

    model: ThemeModel
    folder: Path
    labels: dict[int, str]


@dataclass(frozen=True)
class ScoredRun:
    """A finished scored export as run tables; ``labelled``: themes from its model folder."""

    data: RunData
    labelled: bool
    model: str

    @property
    def note(self) -> str | None:
        """Why the themes have no labels, or ``None`` when they come from the model."""
        if self.labelled:
            return None
        return (
            f"The theme model folder {self.model!r} that scored this export is not reachable "
            "from the service, so themes are named by id only ('theme N') without keywords, "
            "parents or owners. Serve the store on the machine that ran 'cxa score' to get "
            "the labels."
        )


def _load_model(folder: Path) -> SavedModel:
    from analyzer.themes import ThemeModel

    model = ThemeModel.load(folder)
    themes = model.themes_
    labels = dict(zip(themes["theme_id"].astype(int), themes["label"].astype(str), strict=True))
    return SavedModel(model=model, folder=folder, labels=labels)


__all__ = ["SavedModel", "ScoredRun", "Services"]
