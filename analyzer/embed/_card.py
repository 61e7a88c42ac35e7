"""Which embedder a saved model was fitted with: a small ``embedder.json`` beside the model.

A theme model's centroids live in the vector space of the embedder it was fitted with;
scoring with another embedder would compare vectors from different spaces. The card lets
``cxa score`` pick the right embedder and refuse a mismatch with a clear message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.embed._base import Embedder, embedding_space
from analyzer.errors import ModelError

CARD_FILE = "embedder.json"


def embedder_card(embedder: Embedder, key: str) -> dict[str, Any]:
    """What identifies ``embedder``: the ``key`` given to ``get_embedder``, name, space, dim."""
    return {
        "embedding": key,
        "name": embedder.name,
        "space": embedding_space(embedder),
        "dim": int(embedder.dim),
    }


def save_embedder_card(folder: str | Path, embedder: Embedder, key: str) -> Path:
    """Write ``embedder.json`` describing ``embedder`` into ``folder`` (a saved model)."""
    path = Path(folder) / CARD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(embedder_card(embedder, key), indent=1) + "\n")
    return path


def load_embedder_card(folder: str | Path) -> dict[str, Any] | None:
    """The card in ``folder``, or ``None`` for a model saved without one."""
    path = Path(folder) / CARD_FILE
    if not path.exists():
        return None
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{path} is not valid JSON ({exc}); expected the embedder card written with the "
            "model. Fit the model again with 'cxa analyze EXPORT --out DIR'."
        ) from exc
    if not isinstance(card, dict) or "space" not in card:
        raise ModelError(f"{path} has no 'space' entry; refit the model with 'cxa analyze'.")
    return card
