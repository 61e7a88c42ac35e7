"""A deterministic hashing embedder for fast tests: no model, no randomness."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from analyzer.embed._base import Progress, normalise

_TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "but", "for", "i", "in", "is", "it", "my")
    + ("of", "on", "or", "so", "the", "this", "to", "was", "we", "were", "with", "you")
)


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder for tests (no model, no randomness).

    Each lower-cased word token (and its 4-letter prefix, so "crash" and "crashes" agree)
    adds a fixed pseudo-random vector; texts that share words are close.
    """

    def __init__(self, *, dim: int = 256) -> None:
        self.name = f"fake-{dim}"
        self._dim = dim
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return self._dim

    def _token_vector(self, token: str) -> np.ndarray:
        vec = self._vectors.get(token)
        if vec is None:
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            rng = np.random.default_rng(int.from_bytes(digest, "little"))
            vec = self._vectors[token] = rng.standard_normal(self._dim).astype(np.float32)
        return vec

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Encode ``texts`` into an array of shape (n, dim)."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                if token in _STOPWORDS:
                    continue
                out[i] += self._token_vector(token)
                if len(token) > 4:
                    out[i] += self._token_vector(token[:4])
            if not out[i].any():
                out[i] = self._token_vector("<empty>")
        if progress is not None:
            progress(len(texts))
        return normalise(out)
