"""The embedding seam: the :class:`Embedder` protocol and helpers every backend shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

Progress = Callable[[int], None]
"""A callback told how many more texts were encoded."""


@runtime_checkable
class Embedder(Protocol):
    """Encodes texts into L2-normalised float32 vectors of a fixed size.

    Attributes
    ----------
    name : str
        Identifies the exact vectors (cache keys, run metadata); changes when they change.
    """

    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows of unit length."""
        ...


@runtime_checkable
class SharedPassEmbedder(Protocol):
    """An embedder that can hand its ``SentenceTransformer`` to a shared embedding pass.

    The pipeline runs MiniLM once for both the embeddings and the sentiment branch (which
    reads MiniLM's lower-layer states). An embedder or a wrapper (such as the disk cache)
    takes part by implementing this protocol; a wrapper forwards to what it wraps.
    """

    name: str

    def shared_encoder(self) -> Any | None:
        """The loaded ``SentenceTransformer`` behind the vectors, or None if there is none."""
        ...

    def store(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep vectors that the shared pass computed (a cache writes them; others need not)."""
        ...


def embedding_space(embedder: Embedder) -> str:
    """Name of the vector space ``embedder`` maps into.

    Two embedders with the same space give interchangeable vectors (a theme model's
    centroids fitted with one can score vectors of the other): e.g. MiniLM run by PyTorch
    and by ONNX Runtime. Backends declare it with a ``space`` attribute; it defaults to
    ``name``.
    """
    return str(getattr(embedder, "space", embedder.name))


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (zero rows stay zero); shape (n, dim)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> list[np.ndarray]:
    """Index batches of ``texts`` sorted by length, so each batch pads little."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
