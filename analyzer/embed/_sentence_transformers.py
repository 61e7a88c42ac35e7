"""MiniLM (or any local sentence-transformers folder) run by PyTorch on the CPU."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.embed._base import Progress, length_sorted_batches
from analyzer.errors import ModelError


def check_model_folder(path: Path) -> None:
    """Raise :class:`ModelError` unless ``path`` holds a sentence-transformers model."""
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelError(
            f"No sentence-transformers model in {path}: expected a folder with "
            "modules.json or config.json. Pass the folder of a saved model with "
            "--model PATH."
        )


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

    def __getstate__(self) -> dict[str, Any]:
        # Ship the recipe, not the weights: a Dask worker loads the model on first use.
        return {**self.__dict__, "_model": None}

    def _load(self) -> Any:
        if self._model is None:
            check_model_folder(self.path)
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

    def shared_encoder(self) -> Any:
        """The ``SentenceTransformer`` (see :class:`analyzer.embed.SharedPassEmbedder`)."""
        return self._load()

    def store(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Nothing to keep: this embedder has no cache."""

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
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Length-sorted groups keep padding small; the order is restored by indexing.
        for idx in length_sorted_batches(texts, self.batch_size * 8):
            out[idx] = model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            if progress is not None:
                progress(len(idx))
        return out
