"""The retention schedule: with ``CXA_RETAIN_DAYS`` set, purge older comment text at start and
then every hour (see :func:`analyzer.privacy.forget.purge_text`; the figures stay)."""

from __future__ import annotations

import logging
import threading

from analyzer.errors import AnalyzerError
from analyzer.privacy import forget
from analyzer.store import Store

log = logging.getLogger(__name__)
INTERVAL_S = 3600.0


class RetentionJob:
    """A daemon thread purging text older than ``days`` every ``interval`` seconds."""

    def __init__(self, store: Store, days: int, interval: float = INTERVAL_S) -> None:
        self.store, self.days, self.interval = store, days, interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cxa-retention", daemon=True)

    def start(self) -> RetentionJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                counts = forget.purge_text(self.store, self.days, actor="retention")
                log.info("retention: purged text older than %d days: %s", self.days, counts)
            except AnalyzerError as exc:  # e.g. the store is busy: try again next time
                log.warning("retention purge failed: %s", type(exc).__name__)
            self.runs += 1
            self._stop.wait(self.interval)


__all__ = ["INTERVAL_S", "RetentionJob"]
