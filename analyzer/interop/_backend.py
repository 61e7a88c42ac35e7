"""The run's embedder as a BERTopic embedding backend.

This module imports BERTopic at its top: only :mod:`analyzer.interop.bertopic_export` imports
it, inside the functions that build a BERTopic model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from bertopic.backend import BaseEmbedder

from analyzer.embed import MINILM_NAME, Embedder, minilm_path
from analyzer.text.normalise import embedding_texts


class RunEmbedding(BaseEmbedder):
    """Encodes documents as the run's pipeline did: the topic text of each document
    (:func:`analyzer.text.normalise.embedding_texts`) through the run's own embedder.

    Parameters
    ----------
    embedder : Embedder
        The embedder the run used (with its disk cache when the run had one).
    folder : str or None
        A local sentence-transformers folder that gives the same vectors, or None (the fake
        embedder, the static model). BERTopic's ``save(serialization="safetensors")`` records
        it as the model's embedding pointer (its ``_hf_model`` convention), so that
        ``BERTopic.load`` loads that folder offline instead of looking up a model hub.
    """

    def __init__(self, embedder: Embedder, folder: str | None) -> None:
        super().__init__()
        self.embedder = embedder
        self._hf_model = folder

    def embed(self, documents: Sequence[str], verbose: bool = False) -> np.ndarray:
        """Vectors of ``documents``, shape (n, dim), float32, unit rows."""
        return self.embedder.encode(embedding_texts([str(d) for d in documents]))


def model_folder(key: str, space: str) -> str | None:
    """The local sentence-transformers folder behind a run's embedder, if there is one.

    MiniLM run by PyTorch or ONNX Runtime (``minilm``, ``onnx``, ``onnx-int8``: the MiniLM
    space) is the bundled package's folder; ``st:PATH`` or a folder is that folder; the fake
    embedder and the static model have none.
    """
    if space == MINILM_NAME:
        return str(minilm_path())
    path = Path(key.removeprefix("st:")).expanduser()
    if key.startswith("st:") or path.is_dir():
        return str(path.resolve())
    return None


__all__ = ["RunEmbedding", "model_folder"]
