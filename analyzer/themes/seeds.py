"""Seed themes: turn an analyst's name + example phrases into a centroid."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from analyzer.errors import InputError
from analyzer.themes.labels import STOP_WORDS, tokens

__all__ = ["Embed", "anchor_members", "seed_centroid"]

Embed = Callable[[Sequence[str]], np.ndarray]
"""Anything that encodes texts like ``Embedder.encode`` (unit rows, shape (n, dim))."""


def anchor_members(texts: Sequence[str], phrases: Sequence[str]) -> np.ndarray:
    """Indices of the texts that contain every content word of at least one phrase."""
    wanted = [{t for t in tokens(p) if t not in STOP_WORDS} or set(tokens(p)) for p in phrases]
    wanted = [w for w in wanted if w]
    hits = [i for i, text in enumerate(texts) if any(w <= set(tokens(text)) for w in wanted)]
    return np.asarray(hits, dtype=np.int64)


def seed_centroid(
    name: str,
    phrases: Sequence[str],
    texts: Sequence[str],
    embeddings: np.ndarray,
    embed: Embed | None,
) -> np.ndarray:
    """Unit centroid of a seed theme, shape (dim,).

    With ``embed`` the phrases themselves are encoded; without it the centroid is the
    mean of the mentions that contain a phrase's content words.
    """
    if embed is not None:
        vectors = np.asarray(embed(list(phrases)), dtype=np.float32)
    else:
        members = anchor_members(texts, phrases)
        if len(members) == 0:
            raise InputError(
                f"No mention contains the words of seed theme {name!r} ({list(phrases)}); "
                "add phrases that occur in the comments, or pass an embedder."
            )
        vectors = embeddings[members]
    centre = vectors.mean(axis=0)
    return (centre / max(float(np.linalg.norm(centre)), 1e-12)).astype(np.float32)
