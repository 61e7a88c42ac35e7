"""What the routers share: the store, the models (loaded once, in the background), the run
queue, and small caches of per-run embeddings and saved theme models."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analyzer import curation, runs
from analyzer.errors import ConfigError, ModelError, NotFoundError
from analyzer.store import RunData, Store
from api.errors import ConflictError
from api.model_pool import ModelPool
from api.runner import RunQueue
from api.settings import Settings
from api.uploads import scrub

if TYPE_CHECKING:
    from analyzer.embed import Embedder
    from analyzer.themes import ThemeModel

log = logging.getLogger(__name__)


class _LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def drop(self, match: Any) -> None:
        """Remove every key for which ``match(key)`` is true."""
        with self._lock:
            for key in [k for k in self._items if match(k)]:
                del self._items[key]


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
        self.store = Store(settings.db)
        self.models = ModelPool(self.config, settings.model_copies)
        self.runs = RunQueue(self.store, self.config, settings.models_root, self.models)
        self._runs = _LRU(4)
        self._embeddings = _LRU(4)
        self._models = _LRU(4)
        self._scored = _LRU(4)
        self._open = ExitStack()
        self._edit_lock = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store for the service's lifetime, mark runs a previous process left
        unfinished, then load the models in a thread.

        Holding one connection open keeps DuckDB's database instance alive, so every
        request's own connection opens in microseconds instead of ~50 ms; it also keeps
        other processes from writing to the store while the service runs.
        """
        self._open.enter_context(self.store.connect())
        runs = self.store.list_runs()
        for run_id in runs.loc[runs["status"] == "running", "run_id"]:
            self.store.set_status(
                run_id, "failed", error="Interrupted: the service stopped during this run."
            )
        threading.Thread(target=self.models.load, name="cxa-load-models", daemon=True).start()

    def close(self) -> None:
        """Stop taking runs (the current one finishes in the background); close the store."""
        self.runs.shutdown()
        self._open.close()

    # -- runs ---------------------------------------------------------------------------------

    def finished_meta(self, run_id: str) -> dict[str, Any]:
        """The runs row of a finished run; 409 while it is queued or running, or if it failed."""
        try:
            meta = self.store.run_meta(run_id)
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

        A finished run changes only through this service's codeframe edits and deletes,
        which call :meth:`forget`, so it is kept in memory (a few runs at most).
        """
        data: RunData | None = self._runs.get(run_id)
        if data is None:
            self.finished_meta(run_id)
            data = self.store.load_run(run_id)
            self._runs.put(run_id, data)
        return data

    def edit_codeframe(self, run_id: str, change: curation.Change) -> int:
        """Apply a codeframe change to a finished run (see :func:`analyzer.curation.edit`)."""
        self.finished_meta(run_id)
        with self._edit_lock:
            theme_id = curation.edit(self.store, run_id, change)
        self.forget(run_id)
        return theme_id

    def forget(self, run_id: str) -> None:
        """Drop what is cached for ``run_id`` (after a delete or a codeframe edit)."""
        self._runs.drop(lambda key: key == run_id)
        self._embeddings.drop(lambda key: key[0] == run_id)
        self._models.drop(lambda key: key[0] == run_id)

    def mention_embeddings(self, data: RunData, embedder: Embedder) -> np.ndarray:
        """Embeddings of the run's mentions, shape (n_mentions, dim), in ``mentions`` order.

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
        key = (data.run_id, embedder.name, len(data.mentions))
        vectors = self._embeddings.get(key)
        if vectors is None:  # two first searches of a run may both encode: no lock to wait on
            vectors = embedder.encode(data.mentions["text"].astype(str).tolist())
            self._embeddings.put(key, vectors)
        return vectors

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
                    f"No model {name!r} in the service's models folder; known models: "
                    f"{self._names()}."
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
        meta = self.store.scored_meta(fingerprint)
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
        key = (fingerprint, str(meta["updated_at"]), stamp)
        scored: ScoredRun | None = self._scored.get(key)
        if scored is None:
            model = saved.model if saved is not None else None
            data = runs.load_scored_run(self.store, fingerprint, model=model, meta=meta)
            name = Path(str(meta["model"] or "")).name
            scored = ScoredRun(data=data, labelled=saved is not None, model=name)
            self._scored.drop(lambda k: k[0] == fingerprint)
            self._scored.put(key, scored)
        return scored

    def _names(self) -> str:
        root = self.settings.models_root
        names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        return ", ".join(names[:20]) or "none yet"


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
