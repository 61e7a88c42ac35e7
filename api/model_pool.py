"""The models of the service: a few copies of the pipeline's components, loaded at start.

spaCy pipelines and Hugging Face tokenizers are not safe to use from two threads at once
(see ``analyzer.batch.setup.cached_scorer``), and requests run in a thread pool. So the
service loads ``copies`` independent sets of components and lends one to each request or
run for as long as it needs it; with two copies on two cores, one long analysis never
blocks scoring and search.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from analyzer.config import AnalysisConfig
from analyzer.errors import ModelError
from api.errors import NotReadyError
from api.schemas import HealthPublic

if TYPE_CHECKING:
    from analyzer.pipeline import Components

log = logging.getLogger(__name__)

_WARM_UP = ["The app crashes at checkout, but delivery was quick."]
BORROW_TIMEOUT = 120.0
"""Seconds a request waits for a free copy before it gets 503."""


def _load(config: AnalysisConfig) -> Components:
    """One set of components, each run once so its model is in memory."""
    from analyzer.pipeline import Components

    components = Components.from_config(config)
    components.processor.process(_WARM_UP)
    vectors = components.embedder.encode(_WARM_UP)
    components.sentiment.predict(_WARM_UP, vectors)
    return components


class ModelPool:
    """``copies`` sets of components, lent out one at a time.

    Parameters
    ----------
    config : AnalysisConfig
        Names the embedder, sentiment backend and spaCy pipeline.
    copies : int
        How many sets to load (requests and runs using models at the same time).
    """

    def __init__(self, config: AnalysisConfig, copies: int) -> None:
        self.config = config
        self.copies = copies
        self._free: queue.Queue[Components] = queue.Queue()
        self._loaded = threading.Event()
        self._error: str | None = None

    def load(self) -> None:
        """Load every copy (call in a background thread); record why if it fails."""
        try:
            for _ in range(self.copies):
                self._free.put(_load(self.config))
            log.info("models loaded: %d copies", self.copies)
        except Exception as exc:
            self._error = f"{type(exc).__name__}: {exc}"
            log.error("model loading failed: %s", type(exc).__name__)
        finally:
            self._loaded.set()

    def readiness(self) -> HealthPublic:
        """``ok`` once loaded, ``loading`` before, ``failed`` (with why) if loading failed."""
        if not self._loaded.is_set():
            return HealthPublic(status="loading", detail="The models are loading.")
        if self._error is not None:
            return HealthPublic(status="failed", detail=self._error)
        return HealthPublic(status="ok")

    @contextmanager
    def borrow(self, *, wait: bool = False) -> Iterator[Components]:
        """Lend a set of components for the ``with`` block.

        Parameters
        ----------
        wait : bool
            Wait for the models to load (background runs); otherwise raise 503 at once
            while they load (requests).

        Raises
        ------
        NotReadyError
            For a request while the models load, after they failed, or when every copy
            stays busy for :data:`BORROW_TIMEOUT` seconds.
        ModelError
            For a background run when the models failed to load.
        """
        if wait:
            self._loaded.wait()
            if self._error is not None:
                raise ModelError(f"The models failed to load: {self._error}")
        state = self.readiness()
        if state.status != "ok":
            raise NotReadyError(
                "The models are still loading; retry in a few seconds (GET /readyz)."
                if state.status == "loading"
                else f"The models failed to load ({state.detail}); see the service log."
            )
        try:
            components = self._free.get(timeout=BORROW_TIMEOUT)
        except queue.Empty:
            raise NotReadyError("Every model copy is busy; retry shortly.") from None
        try:
            yield components
        finally:
            self._free.put(components)


__all__ = ["BORROW_TIMEOUT", "ModelPool"]
