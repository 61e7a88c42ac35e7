"""What a scoring worker needs: a picklable recipe, and the models it loads (once per worker).

A :class:`ScoringSpec` names everything (theme model folder, embedder, sentiment backend,
spaCy model) and is cheap to send to a Dask worker; :func:`load_scorer` turns it into the
loaded theme model and components, checking that the embedder matches the model.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.config import AnalysisConfig
from analyzer.embed import embedding_space, load_embedder_card
from analyzer.errors import ModelError

if TYPE_CHECKING:
    from analyzer.pipeline import Components
    from analyzer.themes import ThemeModel

FAST_EMBEDDING = "static"
"""The embedder ``--fast`` selects."""


@dataclass(frozen=True)
class ScoringSpec:
    """A picklable recipe for the models that score a chunk.

    Attributes
    ----------
    model_dir : str
        Folder of a saved theme model (``cxa analyze --out DIR`` writes ``DIR/model``);
        absolute, and reachable at the same path on every Dask worker.
    config : AnalysisConfig
        Embedder, sentiment backend and spaCy model names (``use_cache`` is honoured).
    threads : int or None
        Torch threads per worker (``None``: every core).
    model_version : str
        Content hash of the model folder (set by ``score_export``), so that a worker's
        cached models are reloaded when the folder is refitted in place.
    """

    model_dir: str
    config: AnalysisConfig
    threads: int | None = None
    model_version: str = ""


def resolve_embedding(model_dir: str | Path, *, fast: bool, requested: str | None) -> str:
    """The embedder to score with: ``requested``, else ``static`` for ``--fast``, else the
    one recorded with the model (``embedder.json``), else ``minilm``."""
    from analyzer.pipeline.runs import DEFAULT_EMBEDDING, model_embedder

    if requested:
        return requested
    if fast:
        return FAST_EMBEDDING
    fitted = model_embedder(model_dir)
    return fitted.key if fitted else DEFAULT_EMBEDDING


def _mismatch(model_dir: str, card: dict[str, Any], name: str, space: str, dim: object) -> str:
    fit = f"cxa analyze EXPORT --model {card.get('embedding', 'minilm')} --out DIR"
    fast = f"cxa analyze EXPORT --model {FAST_EMBEDDING} --out DIR"
    return (
        f"The theme model in {model_dir} was fitted with the embedder {card.get('name')!r} "
        f"(vector space {card['space']!r}, dim {card.get('dim')}), but scoring would use "
        f"{name!r} (space {space!r}, dim {dim}); its centroids only match vectors from the "
        f"same space. Score without --fast/--embedding to use the model's own embedder, or "
        f"fit a model for the embedder you want ('{fast}' for --fast; '{fit}' for this one)."
    )


def check_compatible(model: ThemeModel, model_dir: str, components: Components) -> None:
    """Raise :class:`ModelError` unless the embedder maps into the model's vector space."""
    embedder = components.embedder
    space = embedding_space(embedder)
    card = load_embedder_card(model_dir)
    if card is not None and card["space"] != space:  # checked before loading the embedder
        raise ModelError(_mismatch(model_dir, card, embedder.name, space, "not loaded"))
    dim = int(embedder.dim)
    fitted_dim = int(getattr(model, "n_features_in_", dim))
    if fitted_dim != dim:
        card = card or {"space": "unknown (no embedder.json)", "dim": fitted_dim}
        raise ModelError(_mismatch(model_dir, card, embedder.name, space, dim))


def load_scorer(spec: ScoringSpec) -> tuple[ThemeModel, Components]:
    """Load the theme model and build the components of ``spec``; check they fit together.

    Raises
    ------
    ModelError
        The model folder is missing or corrupt, or the embedder does not match the model.
    ConfigError
        A backend name in ``spec.config`` is unknown.
    """
    from analyzer.pipeline import Components
    from analyzer.themes import ThemeModel

    model = ThemeModel.load(spec.model_dir)
    components = Components.from_config(spec.config)
    check_compatible(model, spec.model_dir, components)
    if spec.threads is not None and "torch" in sys.modules:  # only a torch embedder loads it
        sys.modules["torch"].set_num_threads(spec.threads)
    return model, components


_local = threading.local()


def cached_scorer(spec: ScoringSpec) -> tuple[ThemeModel, Components]:
    """:func:`load_scorer` once per thread and spec: a Dask worker (or a long-lived process
    scoring export after export) loads its models on its first chunk only.

    Per thread, not per process, because spaCy pipelines and tokenizers are not safe to share
    between threads that run at once (a threaded LocalCluster).
    """
    cache: dict[ScoringSpec, tuple[ThemeModel, Components]] = getattr(_local, "cache", {})
    _local.cache = cache
    if spec not in cache:
        cache.clear()
        cache[spec] = load_scorer(spec)
    return cache[spec]
