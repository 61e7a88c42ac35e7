"""What the service keeps in memory between requests, and how it notices the store changed.

Every read of a run or scored export is keyed by that object's ``changed`` generation (see
:meth:`analyzer.store.Store.versions`), so a write by this process or by another one (the
CLI) makes the next read recompute, and nothing else. :class:`StoreWatch` learns about
writes cheaply: a ``stat`` of the database file per request, a connection only when it
changed.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from analyzer.errors import StoreBusyError
from analyzer.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

Version = tuple[str, int]
"""A run's or scored export's ``(status, changed generation)``."""


class LRU:
    """A thread-safe least-recently-used cache that computes each missing key once.

    While one thread computes a key, others asking for the same key wait for its result
    instead of computing it again (eight dashboard clients opening the same big run pay
    for one load, not eight).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> Any:
        """The value of ``key``, or ``None``."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key``, evicting the least recently used past ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key``, computed by ``compute()`` (once, whoever asks) if missing."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            value = self.get(key)
            if value is None:
                try:
                    value = compute()
                finally:
                    with self._lock:
                        self._computing.pop(key, None)
                self.put(key, value)
        return value

    def drop(self, match: Callable[[Any], bool]) -> None:
        """Remove every key for which ``match(key)`` is true."""
        with self._lock:
            for key in [k for k in self._items if match(k)]:
                del self._items[key]


class StoreWatch:
    """The versions of the store's runs and scored exports, re-read only after a write.

    Parameters
    ----------
    store : Store
        The store the service reads.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._generation = -1
        self._versions: dict[str, dict[str, Version]] = {"runs": {}, "scored": {}}

    def versions(self) -> dict[str, dict[str, Version]]:
        """``{"runs": {run_id: (status, changed)}, "scored": {fingerprint: ...}}``, current.

        When another process holds the store at that moment, the last versions read are
        returned (a snapshot a moment old) rather than making the request wait; if none
        was ever read, this waits like any store access.
        """
        with self._lock:
            try:
                generation = self.store.generation(timeout=0 if self._generation >= 0 else None)
            except StoreBusyError:
                log.debug("store busy; serving the versions of generation %s", self._generation)
                return self._versions
            if generation != self._generation:
                self._versions = self.store.versions()
                self._generation = generation
            return self._versions

    @property
    def generation(self) -> int:
        """The generation the current versions were read at (after :meth:`versions`)."""
        return self._generation

    def run(self, run_id: str) -> Version | None:
        """``(status, changed)`` of ``run_id``, or ``None`` if the store has no such run."""
        return self.versions()["runs"].get(run_id)

    def scored(self, fingerprint: str) -> Version | None:
        """``(status, changed)`` of a scored export, or ``None``."""
        return self.versions()["scored"].get(fingerprint)


__all__ = ["LRU", "StoreWatch", "Version"]
