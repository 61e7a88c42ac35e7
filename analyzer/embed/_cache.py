"""An on-disk cache of embeddings keyed by model name and text hash."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.embed._base import Embedder, Progress, SharedPassEmbedder


class CachedEmbedder:
    """Wraps an embedder with an on-disk cache keyed by model name and text hash.

    Re-running on the same export does not embed again. The cache holds only hashes and
    vectors, never the text itself.

    Parameters
    ----------
    inner : Embedder
        The embedder to call for texts not in the cache.
    cache_dir : str or Path
        Folder of the cache; one SQLite file per model name.
    """

    def __init__(self, inner: Embedder, cache_dir: str | Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache_dir = Path(cache_dir)
        self.hits = 0
        self.misses = 0

    @property
    def space(self) -> str:
        """The inner embedder's vector space (see :func:`analyzer.embed.embedding_space`)."""
        return str(getattr(self.inner, "space", self.inner.name))

    @property
    def dim(self) -> int:
        return self.inner.dim

    def shared_encoder(self) -> Any | None:
        """The wrapped embedder's ``SentenceTransformer`` for a shared pass, if it has one."""
        if isinstance(self.inner, SharedPassEmbedder):
            return self.inner.shared_encoder()
        return None

    def _connect(self) -> sqlite3.Connection:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
        con = sqlite3.connect(self.cache_dir / f"embeddings-{safe}.sqlite")
        con.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return con

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def store(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Add vectors computed elsewhere (e.g. a shared embedding + sentiment pass)."""
        rows = [
            (self._key(t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._connect() as con:
            con.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", rows)

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Encode ``texts`` (shape (n, dim)), reading and filling the cache."""
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as con:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), 900):
                chunk = unique[start : start + 900]
                marks = ",".join("?" * len(chunk))
                rows = con.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk)
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
            missing = [k for k in unique if k not in found]
            self.hits += len(texts) - sum(1 for k in keys if k not in found)
            if progress is not None:
                progress(len(texts) - sum(1 for k in keys if k not in found))
            if missing:
                first_text = {k: t for k, t in zip(keys, texts, strict=True)}
                vecs = self.inner.encode([first_text[k] for k in missing], progress=progress)
                self.misses += len(missing)
                con.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [
                        (k, v.astype(np.float32).tobytes())
                        for k, v in zip(missing, vecs, strict=True)
                    ],
                )
                found.update(zip(missing, vecs, strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)
