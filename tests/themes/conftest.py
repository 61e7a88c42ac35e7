"""Synthetic themes: Gaussian blobs on the sphere whose texts carry planted words."""

from __future__ import annotations

import numpy as np
import pytest

TOPICS = {
    "late delivery": ["parcel", "courier", "week", "waiting"],
    "damaged parcel": ["box", "broken", "crushed", "arrived"],
    "refund request": ["money", "back", "returned", "waiting"],
    "app crashes": ["phone", "update", "screen", "open"],
    "rude staff": ["support", "agent", "phone", "manner"],
}
FILLER = ["the", "was", "my", "again", "very", "really", "and", "this", "time"]


def make_data(
    n_per: int, *, seed: int, topics: dict[str, list[str]] | None = None, dim: int = 32,
    noise: float = 0.25, centres: np.ndarray | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Texts, unit embeddings (n, dim), true topic index (n,), and the topic centres."""
    topics = topics or TOPICS
    rng = np.random.default_rng(seed)
    if centres is None:
        # orthonormal centres: every planted theme is clearly its own
        q, _ = np.linalg.qr(np.random.default_rng(123).standard_normal((dim, len(topics))))
        centres = q.T
    texts, vecs, truth = [], [], []
    for t, (phrase, words) in enumerate(topics.items()):
        for _ in range(n_per):
            extra = list(rng.choice(words, size=2, replace=False))
            filler = list(rng.choice(FILLER, size=2, replace=False))
            parts = [*filler[:1], *phrase.split(), *filler[1:], *extra]
            texts.append(" ".join(parts))
            v = centres[t] + noise * rng.standard_normal(dim) / np.sqrt(dim) * 2
            vecs.append(v / np.linalg.norm(v))
            truth.append(t)
    return texts, np.asarray(vecs, dtype=np.float32), np.asarray(truth), centres


@pytest.fixture(scope="module")
def data() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    return make_data(40, seed=1)
